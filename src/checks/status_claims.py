"""Rules on what status updates claim: their type, counts, milestones and grammar against the
record at the moment each update was written.

A claim is found by a pattern in the text ("12 open", "3 tasks are overdue", "Done: 27", "all 5
open items have owners and dates", a milestone task's name with "is next" or "is done"), never
by knowing which template wrote it, so the rules hold for any file that follows schema.sql.  The
state at an update's instant ``t`` is read from the rows: a project's work is its top-level
tasks with a primary membership in it (cross-posted tasks belong to their home project); a task
is open at ``t`` if created at or before ``t`` and not completed by then (completed_at); its due
day and assignee at ``t`` are those of its last due_date_changed and assigned/unassigned story
at or before ``t`` (the replay rules make the stories the history of those columns).

Severity: every rule here is a "warning".  "error" marks a broken promise of schema.sql; a text
that says more than the record shows is a consistency finding of the same kind as the other
warnings (an edited file may reasonably carry one), and the generator writes none of them.

The pattern rules call a few Python functions that `prepare` adds to a connection.
"""

from __future__ import annotations

import re
import sqlite3

from .core import Check, add_pattern_functions, sharing
from .replay import STORY_LOG, STORY_LOG_SETUP, last_of

WARNING = "warning"

# --- claimed numbers ------------------------------------------------------------------------
# A count followed, within a few words, by what it counts; or a "label: N" pair.  The words
# between never join two clauses ("1 open and nothing overdue" claims no overdue count).
_STOP = r"(?!(?:and|but|or|nothing|none|no|open|overdue|done|closed)\b)"
_WORDS = rf"(?:{_STOP}[a-z-]+ ){{0,3}}?"
_COUNT_PATTERNS = {
    "open": (
        re.compile(rf"\b(\d+) {_WORDS}(?:still )?open\b", re.I),
        re.compile(rf"\b(\d+) (?:{_STOP}[a-z-]+ ){{0,2}}?remain(?:s|ing)?\b", re.I),
        re.compile(r"\bopen: (\d+)\b", re.I),
    ),
    "overdue": (
        re.compile(rf"\b(\d+) {_WORDS}(?:overdue|past due|past (?:its|their) due dates?)\b", re.I),
        re.compile(r"\boverdue(?: count is(?: at)?|:) (\d+)\b", re.I),
    ),
    "done": (
        re.compile(rf"\b(\d+) {_WORDS}(?:closed|done|completed|complete|finished)\b", re.I),
        re.compile(r"\b(?:done:|closed) (\d+)\b", re.I),
    ),
}
_ALL_OWNED = re.compile(
    r"\b(?:all|every)(?: (\d+))? open (?:[a-z-]+ )?(?:have|has) (?:an? )?owners?\b", re.I
)

# --- milestones -----------------------------------------------------------------------------
_SENTENCES = re.compile(r"(?<=[.!?;])\s+")
_FINISHED = re.compile(
    r"\b(?:is done|was done|delivered|happened|was reached|reached|is behind us|went out"
    r"|went live|is live|live in)\b",
    re.I,
)
_UPCOMING = re.compile(
    r"\b(?:next|upcoming|on schedule|on plan|planned date|should land|is due|coming up"
    r"|may slip|could slip|will slip|slips|may move|moves|set for|heading into|toward"
    r"|depends on|in question|is tight|is close|threatens|missed|late|can't happen"
    r"|did not happen|not going to hit|before|at risk|on time|achievable|focused on)\b",
    re.I,
)

# --- cancellation -------------------------------------------------------------------------
_CANCELLED = re.compile(
    r"\b(?:is|was|been|being) cancell?ed\b|\bcancell?ing the project\b|\bcalled off\b", re.I
)
_MOVED = re.compile(r"\b(?:moved|folded) (?:in)?to\b|\bnow lives\b", re.I)

# --- grammar --------------------------------------------------------------------------------
# "phase 1 remains": a number that ends a name (a project's phase, stage, wave...) is no count
_ONE = re.compile(
    r"(?<![\d.,])(?<![Pp]hase )(?<![Ss]tage )(?<![Ww]ave )(?<![Pp]art )(?<![Ss]tep )"
    r"(?<![Rr]ound )\b1 (?:(?:open|overdue|planned|more|new|leftover) )?([a-z]+)\b"
)
_NOT_PLURAL = re.compile(r"(?:ss|us|is|as|ics|ws)$")
_ONLY_ZERO = re.compile(r"\bonly 0\b", re.I)


NAMES_SEP = "\x1f"  # between the names `count_mismatch` takes out (project, then milestones)


def _without(text: str, project: str | None) -> str:
    """The text without the project's name (a name like "2026 goals" states no count), nor
    any other name given after it, separated by NAMES_SEP ("ISO 9001 audit is done")."""
    for name in project.split(NAMES_SEP) if project else ():
        if name:
            text = text.replace(name, " ")
    return text


def count_mismatch(
    text: str | None, project: str | None, open_: int, overdue: int, done: int
) -> int:
    """1 if a number the text states about open, overdue or done work differs from the
    record's, else 0."""
    if not text:
        return 0
    text = _without(text, project)
    actual = {"open": open_, "overdue": overdue, "done": done}
    for kind, patterns in _COUNT_PATTERNS.items():
        for p in patterns:
            if any(int(m) != actual[kind] for m in p.findall(text)):
                return 1
    return 0


def claims_counts(text: str | None, project: str | None) -> int:
    """1 if the text states a number about open, overdue or done work."""
    if not text:
        return 0
    text = _without(text, project)
    return int(any(p.search(text) for ps in _COUNT_PATTERNS.values() for p in ps))


def owned_claim(text: str | None) -> int | None:
    """-1 if the text claims all open work has owners (and dates) without a number, the
    number if it gives one, None if it claims nothing of the kind."""
    m = _ALL_OWNED.search(text or "")
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else -1


_PAST_DUE = r"\s+is\s+(?:now\s+|still\s+|already\s+)?past\s+(?:its|the)\s+due\s+date\b"


def past_due_named(text: str | None, name: str | None) -> int:
    """1 if the text says ``name`` is past its due date ("Beta launch is past its due date")."""
    if not text or not name:
        return 0
    return int(re.search(re.escape(name) + _PAST_DUE, text, re.I) is not None)


def milestone_tense(
    text: str | None, name: str | None, project: str | None, others: str | None = None
) -> str | None:
    """'done' or 'open' if a sentence names the milestone as finished or still to come.

    ``others`` holds the project's milestone names (joined by ``NAMES_SEP``, SQL's char(31)):
    a longer one that contains ``name`` is another milestone, so its mentions do not name this
    one
    ("Winter readiness" inside "Schedule the oil samples for Winter readiness")."""
    if not text or not name:
        return None
    for other in sorted((others or "").split(NAMES_SEP), key=len, reverse=True):
        if len(other) > len(name) and name in other:
            text = text.replace(other, " ")
    if project != name:
        text = _without(text, project)
    for sentence in _SENTENCES.split(text):
        if name not in sentence:
            continue
        rest = sentence.replace(name, " ")
        if _FINISHED.search(rest):
            return "done"
        if _UPCOMING.search(rest):
            return "open"
    return None


def cancel_claim(text: str | None, project: str | None) -> int:
    """2 if the text says its project is cancelled and its work moved elsewhere, 1 if only
    cancelled, 0 if neither (the project's own name, "Cancellation flow", claims nothing)."""
    if not text:
        return 0
    text = _without(text, project)
    if not _CANCELLED.search(text):
        return 0
    return 2 if _MOVED.search(text) else 1


def grammar_flaw(text: str | None) -> int:
    """1 if a count reads "1 tasks" or "only 0"."""
    if not text:
        return 0
    if _ONLY_ZERO.search(text):
        return 1
    return int(any(not _NOT_PLURAL.search(w) and w.endswith("s") for w in _ONE.findall(text)))


def prepare(conn: sqlite3.Connection) -> None:
    """Add the pattern functions the rules below call (a value they cannot read is no claim)."""
    add_pattern_functions(
        conn,
        {
            "claims_counts": claims_counts,
            "count_mismatch": count_mismatch,
            "owned_claim": owned_claim,
            "past_due_named": past_due_named,
            "milestone_tense": milestone_tense,
            "grammar_flaw": grammar_flaw,
            "cancel_claim": cancel_claim,
        },
    )


# --- the state of a project's work at an update ---------------------------------------------


def _work_at(updates: str) -> str:
    """SQL: one row per (update, top-level task of its project created by then), with
    ``is_open`` at the update's instant; ``updates`` selects id, project_id, t, day."""
    return f"""
        SELECT u.id AS uid, u.t AS t, u.day AS day, x.id AS task,
               (x.completed_at IS NULL OR x.completed_at > u.t) AS is_open
        FROM ({updates}) u
        JOIN task_memberships tm ON tm.project_id = u.project_id AND tm.is_primary = 1
        JOIN tasks x ON x.id = tm.task_id
        WHERE x.parent_id IS NULL AND x.created_at <= u.t"""


# task w.task's due day at w.t: its last due_date_changed story by then (found in the replay
# rules' story log, their shared setup: one seek instead of a walk over the task's stories)
_DUE_AT = (
    "(SELECT COALESCE(d.new_due_on, substr(d.new_due_at, 1, 10)) FROM stories d WHERE d.id = "
    f"{last_of('due', 'w.task', 's.created_at <= w.t')})"
)
# a milestone m's due day at update x: its last change by then, else its first change's old
# value (the day it had before any change), else the column
_MILESTONE_DUE_AT = (
    "COALESCE((SELECT COALESCE(s.new_due_on, substr(s.new_due_at, 1, 10)) FROM stories s "
    "WHERE s.task_id = m.id AND s.created_at <= x.created_at "
    "AND +s.resource_subtype = 'due_date_changed' ORDER BY s.created_at DESC, s.id DESC "
    "LIMIT 1), (SELECT s.old_due_on FROM stories s WHERE s.task_id = m.id "
    "AND +s.resource_subtype = 'due_date_changed' ORDER BY s.created_at, s.id LIMIT 1))"
)
# whether task w.task had an assignee at w.t: its last assigned/unassigned story by then
_OWNED_AT = last_of("assignment", "w.task", "s.created_at <= w.t", "resource_subtype = 'assigned'")


def _updates(where: str) -> str:
    """SQL: id, project_id, t, day of the status updates x (of project p) matching ``where``.
    OFFSET 0 keeps the planner from re-testing ``where`` (a Python call) on every joined row."""
    return (
        "SELECT x.id, x.project_id, x.created_at AS t, substr(x.created_at, 1, 10) AS day "
        f"FROM status_updates x JOIN projects p ON p.id = x.project_id WHERE {where} "
        "LIMIT -1 OFFSET 0"
    )


# a task was added to another project by the update x's time (moved, or cross-posted)
_MOVED_BY = (
    "EXISTS (SELECT 1 FROM stories s WHERE s.task_id = {task} "
    "AND s.resource_subtype = 'added_to_project' AND s.project_id != p.id "
    "AND s.created_at <= x.created_at)"
)
_COUNTING = _updates("claims_counts(x.text, p.name)")
# Each project's name, then its milestones' (NAMES_SEP between): the names `count_mismatch`
# takes out of an update's text.  Once a project, not once an update (a walk over the
# project's memberships each: 1.4 s at xl); OFFSET 0 keeps it so.
_PROJECT_NAMES = """SELECT p.id, p.name || COALESCE(char(31) || (
        SELECT group_concat(m.name, char(31)) FROM task_memberships mm
        JOIN tasks m ON m.id = mm.task_id AND m.resource_subtype = 'milestone'
        WHERE mm.project_id = p.id AND mm.is_primary = 1), '') AS names
    FROM projects p LIMIT -1 OFFSET 0"""
_OWNING = _updates("owned_claim(x.text) IS NOT NULL")

# (rule, description, sql, severity): the same fields as validate's Check, in order.
RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "status.on_track_past_due",
        "a status update is not 'on_track' while its project is past its due date with open work",
        f"""SELECT w.uid FROM ({_work_at(_updates("x.status_type = 'on_track'"))}) w
            JOIN status_updates x ON x.id = w.uid JOIN projects p ON p.id = x.project_id
            WHERE w.is_open AND p.due_on < w.day
            GROUP BY w.uid""",
        WARNING,
    ),
    (
        "status.past_due_claim",
        "a status update that says its project or one of its milestones is past its due date "
        "is right: the due day (as it stood then) was over and the work not completed",
        f"""SELECT DISTINCT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
           WHERE instr(lower(x.text), 'due date') > 0 AND (
               (past_due_named(x.text, p.name)
                AND (p.due_on IS NULL OR p.due_on >= substr(x.created_at, 1, 10)
                     OR p.completed_at <= x.created_at))
               OR EXISTS (
                   SELECT 1 FROM task_memberships tm JOIN tasks m ON m.id = tm.task_id
                   WHERE tm.project_id = p.id AND tm.is_primary = 1
                     AND m.resource_subtype = 'milestone' AND m.name <> p.name
                     AND past_due_named(x.text, m.name)
                     AND (COALESCE({_MILESTONE_DUE_AT}, m.due_on) IS NULL
                          OR COALESCE({_MILESTONE_DUE_AT}, m.due_on)
                             >= substr(x.created_at, 1, 10)
                          OR m.completed_at <= x.created_at)))""",
        WARNING,
    ),
    (
        "status.complete_open_work",
        "a 'complete' status update comes once its project is completed, with no open "
        "task or subtask left",
        """SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
            WHERE x.status_type = 'complete'
              AND (p.completed_at IS NULL OR p.completed_at > x.created_at
                   OR EXISTS (
                       SELECT 1 FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
                       LEFT JOIN tasks sub ON sub.parent_id = t.id
                       WHERE tm.project_id = x.project_id AND tm.is_primary = 1
                         AND ((t.created_at <= x.created_at
                               AND (t.completed_at IS NULL OR t.completed_at > x.created_at))
                           OR (sub.created_at <= x.created_at
                               AND (sub.completed_at IS NULL
                                    OR sub.completed_at > x.created_at)))))""",
        WARNING,
    ),
    (
        "status.claimed_counts",
        "the numbers a status update states about open, overdue and done work match its "
        "project's tasks at that moment",
        f"""SELECT u.id FROM ({_COUNTING}) u
            JOIN status_updates x ON x.id = u.id JOIN ({_PROJECT_NAMES}) n ON n.id = x.project_id
            LEFT JOIN (
                SELECT w.uid, sum(w.is_open) AS open_n, sum(NOT w.is_open) AS done_n,
                       sum(CASE WHEN w.is_open THEN {_DUE_AT} < w.day ELSE 0 END) AS overdue_n
                FROM ({_work_at(_COUNTING)}) w
                GROUP BY w.uid) c ON c.uid = u.id
            WHERE count_mismatch(x.text, n.names, COALESCE(c.open_n, 0), COALESCE(c.overdue_n, 0),
                                 COALESCE(c.done_n, 0))""",
        WARNING,
    ),
    (
        "status.all_open_owned",
        "a status update that says all open items have owners and dates is right: each "
        "open task had an assignee and a due date then (and the number, if given, holds)",
        f"""SELECT u.id FROM ({_OWNING}) u
            JOIN status_updates x ON x.id = u.id
            LEFT JOIN (
                SELECT w.uid, sum(w.is_open) AS open_n,
                       sum(CASE WHEN w.is_open
                                THEN {_DUE_AT} IS NULL OR {_OWNED_AT} IS NOT 1 ELSE 0 END)
                           AS unowned_n
                FROM ({_work_at(_OWNING)}) w
                GROUP BY w.uid) c ON c.uid = u.id
            WHERE COALESCE(c.open_n, 0) = 0 OR c.unowned_n > 0
               OR owned_claim(x.text) NOT IN (-1, c.open_n)""",
        WARNING,
    ),
    (
        "status.milestone_tense",
        "a status update names a milestone of its project in the tense of its state then "
        "(finished only once completed, upcoming or late only while open)",
        """WITH m AS (
               SELECT tm.project_id, t.name, t.completed_at FROM tasks t
               JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
               WHERE t.resource_subtype = 'milestone'),
           g AS (SELECT project_id, group_concat(name, char(31)) AS names FROM m
                 GROUP BY project_id)
           SELECT DISTINCT x.id FROM (SELECT * FROM m LIMIT -1 OFFSET 0) m
           JOIN g ON g.project_id = m.project_id
           JOIN status_updates x ON x.project_id = m.project_id
           JOIN projects p ON p.id = x.project_id
           WHERE instr(x.text, m.name) > 0
             AND CASE milestone_tense(x.text, m.name, p.name, g.names)
                 WHEN 'done' THEN m.completed_at IS NULL OR m.completed_at > x.created_at
                 WHEN 'open' THEN m.completed_at <= x.created_at
                 ELSE 0 END""",
        WARNING,
    ),
    (
        "status.cancelled",
        "a 'dropped' status update, or one that says its project is cancelled, comes once the "
        "project is archived with no open task or subtask left in it but work moved to "
        "another project (and one that says work moved, once some did)",
        f"""SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
            WHERE (x.status_type = 'dropped' OR cancel_claim(x.text, p.name) > 0)
              AND (p.archived = 0
                   OR EXISTS (
                       SELECT 1 FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
                       WHERE tm.project_id = p.id AND tm.is_primary = 1
                         AND t.created_at <= x.created_at
                         AND (t.completed_at IS NULL OR t.completed_at > x.created_at)
                         AND NOT {_MOVED_BY.format(task="t.id")})
                   OR EXISTS (
                       SELECT 1 FROM task_memberships tm
                       JOIN tasks sub ON sub.parent_id = tm.task_id
                       WHERE tm.project_id = p.id AND tm.is_primary = 1
                         AND sub.created_at <= x.created_at
                         AND (sub.completed_at IS NULL OR sub.completed_at > x.created_at))
                   OR (cancel_claim(x.text, p.name) = 2 AND NOT EXISTS (
                       SELECT 1 FROM task_memberships tm
                       WHERE tm.project_id = p.id AND tm.is_primary = 1
                         AND {_MOVED_BY.format(task="tm.task_id")})))""",
        WARNING,
    ),
    (
        "status.number_grammar",
        "counts in status updates read as English: '1 task', '2 tasks', never 'only 0'",
        "SELECT id FROM status_updates WHERE grammar_flaw(text) OR grammar_flaw(title)",
        WARNING,
    ),
    (
        "status.sentence_case",
        "every sentence of a status update's title and text starts with a capital letter",
        """SELECT id FROM status_updates
           WHERE text GLOB '[a-z]*' OR text GLOB '*[.!?] [a-z]*'
              OR title GLOB '[a-z]*' OR title GLOB '*[.!?] [a-z]*'""",
        WARNING,
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    return sharing([Check(*rule) for rule in RULES], STORY_LOG, STORY_LOG_SETUP)
