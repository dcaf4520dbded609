"""Rules on what task descriptions claim: their duration and urgency against the record, and
the theme a task name cites against its project's.

A claim is found by a pattern in ``tasks.notes`` ("less than a day", "a quick one", "a few
hours", "multi-week", "not urgent", "no rush", "urgent:", "ASAP"), with the task's own name
taken out first (a name may mention "urgent care"), never by knowing which template wrote it,
so the rules hold for any file that follows schema.sql.  The record: a task's real duration is
created_at to completed_at (to the anchor while it is open); its urgency is the display value
of its "Priority" custom field, when it has one.

A task name's theme is found where the generator's and people's names put it: a prefix
"Theme: ..." or a suffix "... (Theme)".  It is held against the names of the projects of the
task's team: citing the name of another project of the team and not its own is a mix-up.  A
description that pastes an imperative into a noun slot ("the review the memo") has no robust
pattern and is not checked.

Severity: "warning", as for status updates: a text that says more than the record shows is a
consistency finding (an edited file may reasonably carry one), and the generator writes none.
"""

from __future__ import annotations

import re
import sqlite3

from .core import Check, add_pattern_functions, anchored_checks, may_match, sharing

WARNING = "warning"

QUICK_MAX_DAYS = 3  # "less than a day" of work still fits a night and a weekend, not more
LONG_MIN_DAYS = 7  # "multi-week" work is not done within a week of its creation

_QUICK = re.compile(
    r"\b(?:less than a day|(?:a )?quick one|a few hours|an hour or two|under an hour)\b", re.I
)
_LONG = re.compile(r"\b(?:multi-week|a few weeks|several weeks|multi-month)\b", re.I)
_CALM = re.compile(
    r"\b(?:not urgent|isn't urgent|no rush|no hurry|not time[- ]critical|low priority)\b", re.I
)
_URGENT = re.compile(
    r"(?:\burgent(?::|ly needed| request| fix)|\bis urgent\b|\bASAP\b|\bas soon as possible\b"
    r"|\btop priority\b|\bdrop everything\b)",
    re.I,
)
# One of these words is in every text the patterns above match (may_match's first test)
_DURATION_WORDS = ("day", "quick", "hour", "week", "month")
_URGENCY_WORDS = (
    "urgent",
    "rush",
    "hurry",
    "critical",
    "priority",
    "asap",
    "possible",
    "everything",
)
_PREFIX = re.compile(r"^([A-Z][^:]{3,60}): ")
_SUFFIX = re.compile(r" \(([A-Za-z][^()]{3,60})\)$")
_NOT_THEMES = frozenset({"Approve", "Draft", "WIP", "Idea", "Proposal", "Maybe", "To discuss"})


def _rest(notes: str | None, name: str | None) -> str:
    if not notes:
        return ""
    return notes.replace(name, " ") if name else notes


def duration_claim(notes: str | None, name: str | None) -> str | None:
    """'quick' or 'long' if the description claims the work is short or long, else None."""
    text = _rest(notes, name)
    if not may_match(text, _DURATION_WORDS):
        return None
    if _QUICK.search(text):
        return "quick"
    if _LONG.search(text):
        return "long"
    return None


def urgency_claim(notes: str | None, name: str | None) -> str | None:
    """'calm' if the description says the work is not urgent, 'urgent' if it says it is."""
    text = _rest(notes, name)
    if not may_match(text, _URGENCY_WORDS):
        return None
    if _CALM.search(text):
        return "calm"
    if _URGENT.search(text):
        return "urgent"
    return None


def name_theme(name: str | None) -> str | None:
    """The theme a task name cites in a "Theme: ..." prefix or a "... (Theme)" suffix."""
    if not name:
        return None
    m = _PREFIX.match(name) or _SUFFIX.search(name)
    if m is None or m.group(1) in _NOT_THEMES:
        return None
    return m.group(1)


def prepare(conn: sqlite3.Connection) -> None:
    """Add the pattern functions the rules below call (a value they cannot read is no claim)."""
    add_pattern_functions(
        conn,
        {
            "duration_claim": duration_claim,
            "urgency_claim": urgency_claim,
            "name_theme": name_theme,
        },
    )


# Each description's claims, found once for the three rules that read them (a TEMP table,
# their shared setup).  Only tasks with a claim are kept, in the order the scan met them.
# OFFSET 0 keeps the planner from calling the functions twice a row.
CLAIMS_SETUP = """CREATE TEMP TABLE IF NOT EXISTS _task_claims AS
    SELECT id, created_at, completed_at, duration, urgency FROM (
        SELECT id, created_at, completed_at, duration_claim(notes, name) AS duration,
               urgency_claim(notes, name) AS urgency
        FROM tasks WHERE notes != '' LIMIT -1 OFFSET 0)
    WHERE duration IS NOT NULL OR urgency IS NOT NULL"""
_CLAIMS = "temp._task_claims"
_PRIORITY = """SELECT v.task_id, v.display_value FROM custom_field_values v
               JOIN custom_fields f ON f.id = v.custom_field_id AND f.name = 'Priority'"""

# (rule, description, sql, severity): the same fields as validate's Check, in order.
RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "context.quick_claim",
        "a description that calls the work quick ('less than a day', 'a few hours') sits on "
        f"a task done within {QUICK_MAX_DAYS} days of its creation",
        f"""SELECT c.id FROM {_CLAIMS} c
            WHERE c.duration = 'quick'
              AND julianday(COALESCE(c.completed_at, {{until}}))
                  - julianday(c.created_at) > {QUICK_MAX_DAYS}""",
        WARNING,
    ),
    (
        "context.long_claim",
        "a description that calls the work multi-week sits on a task not completed within "
        f"{LONG_MIN_DAYS} days of its creation",
        f"""SELECT c.id FROM {_CLAIMS} c
            WHERE c.duration = 'long' AND c.completed_at IS NOT NULL
              AND julianday(c.completed_at) - julianday(c.created_at) < {LONG_MIN_DAYS}""",
        WARNING,
    ),
    (
        "context.urgency_claim",
        "a description that says 'not urgent' or 'no rush' is not on High or Urgent priority, "
        "and one that says 'urgent' or 'ASAP' is not on Low priority",
        f"""SELECT c.id FROM {_CLAIMS} c JOIN ({_PRIORITY}) p ON p.task_id = c.id
            WHERE (c.urgency = 'calm' AND p.display_value IN ('High', 'Urgent'))
               OR (c.urgency = 'urgent' AND p.display_value = 'Low')""",
        WARNING,
    ),
    (
        "context.task_theme",
        "a task name that cites a theme ('Theme: ...', '... (Theme)') cites its own project's, "
        "not one only another project of its team is named for",
        # A project whose name holds the theme is another one than the task's (whose name
        # does not hold it), so whether one exists depends only on (team, theme): asked once
        # per pair, not once per task and project of its team (quadratic at xl, where a team
        # has hundreds of projects).
        """WITH c AS MATERIALIZED (
               SELECT t.id, name_theme(t.name) AS theme, p.name AS project, p.team_id
               FROM tasks t
               JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
               JOIN projects p ON p.id = tm.project_id
               WHERE t.parent_id IS NULL LIMIT -1 OFFSET 0),
           cited AS (
               SELECT h.team_id, h.theme FROM (
                   SELECT DISTINCT team_id, theme FROM c WHERE theme IS NOT NULL) h
               WHERE EXISTS (SELECT 1 FROM projects o
                             WHERE o.team_id = h.team_id AND instr(o.name, h.theme) > 0))
           SELECT DISTINCT c.id FROM c
           WHERE c.theme IS NOT NULL AND instr(c.project, c.theme) = 0
             AND (c.team_id, c.theme) IN cited""",
        WARNING,
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    """The rules; open work is held against the anchor when the file records one (a file
    without it has only its completed tasks' durations judged)."""
    return sharing(anchored_checks(conn, RULES), _CLAIMS, CLAIMS_SETUP)
