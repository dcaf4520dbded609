"""Rules on what comments claim: a dependency that closed or is awaited, subtasks to come, a
decision to close or drop the task, how long a nudge says it has waited, and no text repeated
on one task.

A claim is found by a pattern in the comment's text (``stories.text`` of comment stories),
never by knowing which template wrote it, so the rules hold for any file that follows
schema.sql.  The record: the task's ``task_dependencies`` rows and the completion of the task
it depends on, the subtasks (``tasks.parent_id``) with their creator and creation time, the
task's own completion, and the stories before the comment on the same task.

Severity "warning", as for the other claim families: a comment that says more than the record
shows is a consistency finding (an edited file may reasonably carry one); the generator writes
none.
"""

from __future__ import annotations

import re
import sqlite3

from .core import Check, add_pattern_functions, anchored_checks, may_match, may_match_sql, sharing

WARNING = "warning"

# A nudge's stated wait may differ from the record by this many days (rounding, time zones).
ELAPSED_SLACK_DAYS = 1.0

_DEP_CLOSED = re.compile(
    r"\b(?:(?:the )?dependency (?:closed|is done|was completed)|now that the (?:earlier|previous) "
    r"(?:piece|task) is (?:closed|done)|the (?:earlier|previous) task (?:closed|is done))\b",
    re.I,
)
_DEP_WAITING = re.compile(
    r"\b(?:blocked on (?:a|the) dependency|waiting on the (?:previous|earlier) task"
    r"|the (?:previous|earlier) task hasn't (?:been )?closed)",
    re.I,
)
_SUBTASKS = re.compile(r"\b(?:break|split) (?:it|this) (?:up )?into subtasks\b", re.I)
# A decision to close or drop the task: "closing" or "dropped" that opens a sentence or
# clause ("Closing —", "..., closing here", "The need went away. Closing."), or a phrase that
# drops work wherever it stands ("no longer needed", "deprioritized", "won't fix").
_CLOSING = re.compile(
    r"(?:^|[.!?;,:\u2014\u2013] *)(?:closing|cancell?(?:ing|ed)|dropp(?:ing|ed)|scrapped"
    r"|descoped|spiking this)\b"
    r"|\b(?:closing as (?:a )?duplicate|cancell?ing this|dropping this|won't (?:do|fix)"
    r"|closing (?:this|it|here)|no longer (?:needed|relevant)|not needed|not pursuing this"
    r"|deprioriti[sz](?:ed|ing)|removed from the plan)\b",
    re.I,
)
_ELAPSED = re.compile(r"\bit's been (\d+|a) (day|week)s?\b", re.I)
ELAPSED_WORDS = ("been",)


# The claims comment_claim reads, first match wins (the generator's cheap pre-test,
# comments._HINTS, must cover each: tests/test_comments.py checks it).
CLAIM_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dep_closed", _DEP_CLOSED),
    ("dep_waiting", _DEP_WAITING),
    ("subtasks", _SUBTASKS),
    ("closing", _CLOSING),
)
# One of these words is in every text the patterns above match (may_match's first test, and
# with the absence hints the generator's, comments._HINTS: tests/test_comments.py checks both)
CLAIM_WORDS = (
    "depend",
    "previous",
    "earlier",
    "subtask",
    "clos",
    "cancel",
    "dropp",
    "won't",
    "scrapped",
    "descoped",
    "spiking",
    "no longer",
    "not needed",
    "not pursuing",
    "deprioriti",
    "removed from the plan",
)


def comment_claim(text: str | None) -> str | None:
    """The claim a comment makes that the record can prove: 'dep_closed', 'dep_waiting',
    'subtasks', 'closing', else None."""
    if not text or not may_match(text, CLAIM_WORDS):
        return None
    for claim, pattern in CLAIM_PATTERNS:
        if pattern.search(text):
            return claim
    return None


def elapsed_claim(text: str | None) -> float | None:
    """The days a nudge says it has waited ("it's been 3 days", "it's been a week"), or None."""
    if not text or not may_match(text, ELAPSED_WORDS):
        return None
    m = _ELAPSED.search(text)
    if m is None:
        return None
    n = 1 if m.group(1).lower() == "a" else int(m.group(1))
    return float(n * (7 if m.group(2).lower() == "week" else 1))


def prepare(conn: sqlite3.Connection) -> None:
    """Add the pattern functions the rules below call (a value they cannot read is no claim)."""
    add_pattern_functions(conn, {"comment_claim": comment_claim, "elapsed_claim": elapsed_claim})


# Each comment's claim, found once for the four rules that read it (a TEMP table, their
# shared setup: the pattern function costs about a microsecond a comment).  Only comments with
# a claim are kept, in the order the scan met them.  OFFSET 0 keeps the planner from calling
# the function twice a row (once to test it, once to keep it).
CLAIMS_SETUP = """CREATE TEMP TABLE IF NOT EXISTS _comment_claims AS
    SELECT id, task_id, created_by_id, created_at, claim FROM (
        SELECT id, task_id, created_by_id, created_at, comment_claim(text) AS claim
        FROM stories WHERE resource_subtype = 'comment_added' LIMIT -1 OFFSET 0)
    WHERE claim IS NOT NULL"""
_CLAIMS = "temp._comment_claims"

# (rule, description, sql, severity): the same fields as validate's Check, in order.
RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "comments.dependency_claim",
        "a comment that speaks of the task's dependency ('the dependency closed', 'waiting on "
        "the previous task') sits on a task with a task_dependencies row",
        f"""SELECT c.id FROM {_CLAIMS} c
            WHERE c.claim IN ('dep_closed', 'dep_waiting')
              AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.task_id = c.task_id)""",
        WARNING,
    ),
    (
        "comments.dependency_closed",
        "a comment that says the dependency closed comes after a task it depends on was "
        "completed; one that says it is still awaited, while one is still open",
        f"""SELECT c.id FROM {_CLAIMS} c
            WHERE (c.claim = 'dep_closed' AND EXISTS (
                      SELECT 1 FROM task_dependencies d WHERE d.task_id = c.task_id)
                   AND NOT EXISTS (
                      SELECT 1 FROM task_dependencies d JOIN tasks p ON p.id = d.depends_on_id
                      WHERE d.task_id = c.task_id AND p.completed = 1
                        AND p.completed_at <= c.created_at))
               OR (c.claim = 'dep_waiting' AND EXISTS (
                      SELECT 1 FROM task_dependencies d WHERE d.task_id = c.task_id)
                   AND NOT EXISTS (
                      SELECT 1 FROM task_dependencies d JOIN tasks p ON p.id = d.depends_on_id
                      WHERE d.task_id = c.task_id
                        AND (p.completed = 0 OR p.completed_at > c.created_at)))""",
        WARNING,
    ),
    (
        "comments.subtask_claim",
        "a comment that says the work will be broken into subtasks is on a top-level task "
        "that later gets a subtask created by the comment's author (within a week: one in the "
        "file's last week may still be pending)",
        f"""SELECT c.id FROM {_CLAIMS} c JOIN tasks t ON t.id = c.task_id
            WHERE c.claim = 'subtasks'
              AND (t.parent_id IS NOT NULL OR (NOT EXISTS (
                     SELECT 1 FROM tasks s WHERE s.parent_id = c.task_id
                       AND s.created_by_id = c.created_by_id
                       AND s.created_at >= c.created_at)
                   AND NOT COALESCE(julianday(c.created_at) >= julianday({{until}}) - 7, 0)))""",
        WARNING,
    ),
    (
        "comments.closing_claim",
        "a comment that closes, cancels or drops the task ('closing as duplicate', "
        "'cancelling', 'no longer needed', 'deprioritized') sits on a task that is completed",
        f"""SELECT c.id FROM {_CLAIMS} c JOIN tasks t ON t.id = c.task_id
            WHERE c.claim = 'closing' AND t.completed = 0""",
        WARNING,
    ),
    (
        "comments.repeated_text",
        "no comment text appears twice on one task",
        # The IN list (the task's texts written twice or more) spares the look-up on nearly
        # every comment; +s.task_id keeps the scan of s in rowid order (the same examples).
        """SELECT s.id FROM stories s
           WHERE s.resource_subtype = 'comment_added'
             AND (+s.task_id, s.text) IN (
                 SELECT task_id, text FROM stories WHERE resource_subtype = 'comment_added'
                 GROUP BY task_id, text HAVING count(*) > 1)
             AND EXISTS (
               SELECT 1 FROM stories o WHERE o.task_id = s.task_id
                 AND o.resource_subtype = 'comment_added' AND o.text = s.text
                 AND (o.created_at < s.created_at
                      OR (o.created_at = s.created_at AND o.id < s.id)))""",
        WARNING,
    ),
    (
        "comments.nudge_elapsed",
        "a nudge that says how long it has waited ('it's been 3 days') states the time since "
        f"the task's previous story, within {ELAPSED_SLACK_DAYS:g} day",
        f"""SELECT e.id FROM (
               SELECT n.id, n.created_at, n.days,
                      (SELECT MAX(p.created_at) FROM stories p
                       WHERE p.task_id = n.task_id AND p.created_at < n.created_at) AS prev
               FROM (SELECT s.id, s.task_id, s.created_at,
                            CASE WHEN {may_match_sql("s.text", ELAPSED_WORDS)}
                                 THEN elapsed_claim(s.text) END AS days
                     FROM stories s WHERE s.resource_subtype = 'comment_added'
                     LIMIT -1 OFFSET 0) n
               WHERE n.days IS NOT NULL LIMIT -1 OFFSET 0) e
           WHERE e.prev IS NULL
              OR abs(julianday(e.created_at) - julianday(e.prev) - e.days)
                 > {ELAPSED_SLACK_DAYS}""",
        WARNING,
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    """The rules; a subtask claim in the file's last week is pending when the file records
    its anchor (continuous mode's lives run past it: the subtask may come after the clock)."""
    return sharing(anchored_checks(conn, RULES), _CLAIMS, CLAIMS_SETUP)
