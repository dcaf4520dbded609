"""Integrity and consistency rules for a generated (or hand-edited) organization file.

Every rule is one set-based SQL query that selects the ids of offending rows, so a check costs a
few scans and index look-ups however big the file is: nothing loops over rows in Python.  Rules
about local time join two small TEMP tables built here (UTC offsets per zone and day, public
holidays per country and day), which works on a read-only connection because TEMP tables live
in their own database.

Severity "error" marks integrity (the file breaks a promise of schema.sql) and fails validation;
"warning" marks consistency the generator keeps but an edited file may reasonably break.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from .errors import InputFileError
from .worktime import zone_info

ERROR = "error"
WARNING = "warning"
EXAMPLE_LIMIT = 5
WEEKEND_SHARE_LIMIT = 0.03
GUEST_SHARE_LIMIT = 0.10
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%fZ"
_EPOCH = dt.date(1970, 1, 1)
_MAX_LOCAL_TIME_DAYS = 40 * 366  # a corrupt date must not make the offset table huge

# The tables of schema.sql (a test keeps this in step with the file).  generation_runs is
# optional: a hand-made file may lack it, and then the anchor rules are skipped.
SCHEMA_TABLES = (
    "workspaces",
    "users",
    "time_off",
    "teams",
    "team_memberships",
    "projects",
    "project_memberships",
    "sections",
    "tasks",
    "task_memberships",
    "task_dependencies",
    "task_followers",
    "stories",
    "custom_fields",
    "custom_field_enum_options",
    "custom_field_settings",
    "custom_field_values",
    "custom_field_value_options",
    "custom_field_value_people",
    "tags",
    "task_tags",
    "status_updates",
    "generation_runs",
)
OPTIONAL_TABLES = frozenset({"generation_runs"})

# How to name a row in examples, for tables without an id column.
_ROW_KEYS = {
    "team_memberships": "team_id || '/' || user_id",
    "project_memberships": "project_id || '/' || user_id",
    "task_memberships": "task_id || '/' || project_id",
    "task_dependencies": "task_id || '/' || depends_on_id",
    "task_followers": "task_id || '/' || user_id",
    "custom_field_settings": "project_id || '/' || custom_field_id",
    "custom_field_values": "task_id || '/' || custom_field_id",
    "custom_field_value_options": "task_id || '/' || custom_field_id || '/' || enum_option_id",
    "custom_field_value_people": "task_id || '/' || custom_field_id || '/' || user_id",
    "task_tags": "task_id || '/' || tag_id",
}

# Enumerations the schema's comments define: (table, column, allowed values).  NULL is allowed
# where the column is nullable.
_ENUMS = (
    ("tasks", "resource_subtype", ("default_task", "milestone", "approval")),
    ("tasks", "approval_status", ("pending", "approved", "rejected", "changes_requested")),
    ("projects", "privacy_setting", ("public_to_workspace", "private_to_team", "private")),
    ("projects", "default_view", ("list", "board", "calendar", "timeline")),
    ("project_memberships", "access_level", ("admin", "editor", "commenter", "viewer")),
    ("sections", "workflow_state", ("backlog", "todo", "in_progress", "blocked", "review", "done")),
    ("stories", "type", ("comment", "system")),
    (
        "stories",
        "resource_subtype",
        (
            "comment_added",
            "added_to_project",
            "assigned",
            "unassigned",
            "marked_complete",
            "marked_incomplete",
            "section_changed",
            "due_date_changed",
            "name_changed",
            "enum_custom_field_changed",
        ),
    ),
    (
        "custom_fields",
        "resource_subtype",
        ("text", "number", "enum", "multi_enum", "date", "people"),
    ),
    ("custom_fields", "format", ("none", "currency", "percentage")),
    ("status_updates", "status_type", ("on_track", "at_risk", "off_track", "on_hold", "complete")),
)

_BOOLEANS = (
    ("users", "is_active"),
    ("team_memberships", "is_admin"),
    ("team_memberships", "is_primary"),
    ("projects", "archived"),
    ("projects", "completed"),
    ("project_memberships", "is_guest"),
    ("tasks", "completed"),
    ("task_memberships", "is_primary"),
    ("custom_field_enum_options", "enabled"),
    ("custom_field_settings", "is_important"),
)

# Timestamps that are not events (a due time may lie after the anchor; run wall clocks do).
_NOT_EVENT_COLUMNS = frozenset({"due_at", "old_due_at", "new_due_at"})


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: how many rows break it, and a few of them to look at."""

    rule: str
    description: str
    severity: str
    offending: int
    examples: tuple[int | str, ...]

    @property
    def passed(self) -> bool:
        return self.offending == 0

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "description": self.description,
            "severity": self.severity,
            "passed": self.passed,
            "offending": self.offending,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class ValidationReport:
    """All rules run against one file; only failed error-severity rules make it not ok."""

    path: str
    rules: tuple[RuleResult, ...]
    metrics: tuple[Any, ...] = ()  # the scorecard's Metrics, when asked for

    @property
    def ok(self) -> bool:
        return not any(r.severity == ERROR and not r.passed for r in self.rules)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "ok": self.ok,
            "errors": sum(r.severity == ERROR and not r.passed for r in self.rules),
            "warnings": sum(r.severity == WARNING and not r.passed for r in self.rules),
            "rules": [r.to_dict() for r in self.rules],
        }


class NotADatabaseError(InputFileError):
    """The path is missing, is not SQLite, or is SQLite without this project's tables."""


@dataclass(frozen=True)
class Check:
    """A rule as data: ``sql`` selects one column, the id of every offending row."""

    rule: str
    description: str
    sql: str
    severity: str = ERROR


@dataclass(frozen=True)
class EventProfile:
    """Human events (stories and task creations) binned by the actor's local weekday and hour.

    ``grid[weekday][hour]`` uses SQLite's weekday numbering (0 = Sunday); ``total`` also counts
    events whose local time could not be placed; ``holidays`` counts events on a public holiday
    of the actor's country.
    """

    total: int
    grid: tuple[tuple[int, ...], ...]
    holidays: int
    outside_employment: tuple[tuple[str, int], ...] = ()  # (kind, events by non-employees)

    @property
    def hours(self) -> tuple[int, ...]:
        return tuple(sum(day[h] for day in self.grid) for h in range(24))

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(sum(day) for day in self.grid)

    @property
    def weekend(self) -> int:
        return sum(self.grid[0]) + sum(self.grid[6])


# ---------------------------------------------------------------------------------------------
# Opening a file


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """Open ``path`` read-only and make sure it is one of our files, or raise NotADatabaseError.

    A URI built with ``as_uri`` survives paths with '?' or '#'; mode=ro means a check can never
    change the file it checks.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise NotADatabaseError(f"{path}: {what}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        tables = _table_names(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise NotADatabaseError(f"{path}: not an SQLite database ({exc})") from exc
    missing = [t for t in SCHEMA_TABLES if t not in tables and t not in OPTIONAL_TABLES]
    if missing:
        conn.close()
        raise NotADatabaseError(
            f"{path}: not an organization file: missing table(s) {', '.join(missing)}"
        )
    return conn


def _table_names(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]


def _present_tables(conn: sqlite3.Connection) -> tuple[str, ...]:
    present = _table_names(conn)
    return tuple(t for t in SCHEMA_TABLES if t in present)


def load_anchor(conn: sqlite3.Connection) -> str | None:
    """The latest run's anchor, the end of the history; None for a hand-made file."""
    if "generation_runs" not in _table_names(conn):
        return None
    row = conn.execute("SELECT anchor FROM generation_runs ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else row[0]


# ---------------------------------------------------------------------------------------------
# Running rules


def validate(path: str | Path, *, with_scorecard: bool = False) -> ValidationReport:
    """Run every rule against the file at ``path`` and collect all results (none stops early).

    The work is a list of jobs (SQLite's own checks, one pass over the human events, each rule
    query, and with ``with_scorecard`` the realism metrics) that two threads take in turn,
    heaviest first, each on its own read-only connection: sqlite3 releases the GIL while a
    query runs, so both cores work.  Results come back in one fixed order whatever finishes
    first.
    """
    from .checks.absence_claims import absence_checks  # builds on this module

    with closing(open_readonly(path)) as conn:  # a bad file fails here, once, clearly
        try:
            head = _format_checks(conn)
            if load_anchor(conn) is not None:
                head.append(_after_anchor_check(conn))
            head += absence_checks(conn)
        except sqlite3.DatabaseError as exc:
            raise NotADatabaseError(f"{path}: cannot be checked: {exc}") from exc
    pass_rules = set(_EVENT_PASS_RULES.values())
    checks = head + [c for c in CHECKS if c.rule not in pass_rules]
    parts: tuple[Callable[[sqlite3.Connection], Any], ...] = ()
    if with_scorecard:
        from .scorecard import SCORECARD_PARTS  # the scorecard builds on this module

        parts = SCORECARD_PARTS
    # Heaviest first, the many light rules last, so the two threads finish together; the
    # scorecard's metrics (a few seconds each at xl) go between.
    by_cost = sorted(checks, key=_cost, reverse=True)
    heavy = [c for c in by_cost if _cost(c) >= 2]
    light = by_cost[len(heavy) :]
    jobs: list[Callable[[sqlite3.Connection], Any]] = [
        _event_job,
        _integrity_result,
        _foreign_key_result,
        *(partial(run_check, check=c) for c in heavy),
        *parts,
        *(partial(run_check, check=c) for c in light),
    ]
    try:
        done = _run_jobs(path, jobs)
    except sqlite3.DatabaseError as exc:
        raise NotADatabaseError(f"{path}: cannot be checked: {exc}") from exc
    profile, event_results = done[0]
    rule_results = done[1 : 3 + len(heavy)] + done[3 + len(heavy) + len(parts) :]
    found = {r.rule: r for r in (*event_results, *rule_results)}
    order = (
        "fk.foreign_key_check",
        "fk.integrity_check",
        *(c.rule for c in head),
        *(c.rule for c in CHECKS),
        *_LOCAL_RULES,
    )
    metrics: tuple = ()
    if with_scorecard:
        from .scorecard import time_of_day_metrics

        part_results = done[3 + len(heavy) : 3 + len(heavy) + len(parts)]
        metrics = (*time_of_day_metrics(profile), *(m for ms in part_results for m in ms))
    rules = tuple(found[r] for r in order if r in found)
    return ValidationReport(path=str(path), rules=rules, metrics=metrics)


def _run_jobs(path: str | Path, jobs: list[Callable[[sqlite3.Connection], Any]]) -> list[Any]:
    """Run ``jobs`` on two threads, each with its own connection; results in job order."""
    lock = threading.Lock()
    pending = iter(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)
    failed = threading.Event()  # one thread's error stops the other at its next job

    def worker() -> None:
        try:
            with closing(open_readonly(path)) as conn:
                _prepare_connection(conn)
                while not failed.is_set():
                    with lock:
                        item = next(pending, None)
                    if item is None:
                        return
                    i, job = item
                    results[i] = job(conn)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(worker) for _ in range(2)]:
            future.result()
    return results


def _prepare_connection(conn: sqlite3.Connection) -> None:
    """TEMP state the rules read: the anchor (TEMP tables work on a read-only file)."""
    anchor = load_anchor(conn)
    if anchor is not None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _anchor (anchor TEXT)")
        conn.execute("DELETE FROM temp._anchor")
        conn.execute("INSERT INTO temp._anchor VALUES (?)", (anchor,))


def _cost(check: Check) -> int:
    """A rough rank of a rule's cost, so the heavy ones start first: passes over stories."""
    return 2 * check.sql.count("stories") + check.sql.count("tasks")


def _foreign_key_result(conn: sqlite3.Connection) -> RuleResult:
    """SQLite's own check of every declared foreign key."""
    return run_check(
        conn,
        Check(
            "fk.foreign_key_check",
            "every declared foreign key points at an existing row (PRAGMA foreign_key_check)",
            "SELECT \"table\" || ':' || coalesce(rowid, '?') || ' -> ' || parent "
            "FROM pragma_foreign_key_check",
        ),
    )


def _integrity_result(conn: sqlite3.Connection) -> RuleResult:
    """SQLite's own check of the b-trees, indexes and UNIQUE constraints."""
    messages = [row[0] for row in conn.execute("PRAGMA main.integrity_check(100)")]
    bad = [] if messages == ["ok"] else messages
    return RuleResult(
        "fk.integrity_check",
        "the file's b-trees and indexes are sound (PRAGMA integrity_check = ok)",
        ERROR,
        len(bad),
        tuple(bad[:EXAMPLE_LIMIT]),
    )


def run_check(conn: sqlite3.Connection, check: Check) -> RuleResult:
    """Count the offending rows, and fetch examples only when there are some."""
    (count,) = conn.execute(f"SELECT count(*) FROM ({check.sql})").fetchone()
    return _counted(conn, check, count)


def _counted(conn: sqlite3.Connection, check: Check, count: int) -> RuleResult:
    """The result of ``check`` once its offending rows are counted: examples only if any."""
    examples: tuple[int | str, ...] = ()
    if count:
        rows = conn.execute(f"SELECT * FROM ({check.sql}) LIMIT {EXAMPLE_LIMIT}")
        examples = tuple(row[0] for row in rows)
    return RuleResult(check.rule, check.description, check.severity, count, examples)


# ---------------------------------------------------------------------------------------------
# Formats: built from the file's own columns, one scan per table


def _row_key(table: str, columns: list[str]) -> str:
    if table in _ROW_KEYS:
        return _ROW_KEYS[table]
    return "id" if "id" in columns else "rowid"


def _per_table_check(
    conn: sqlite3.Connection,
    rule: str,
    description: str,
    conditions: Iterable[tuple[str, str, str]],
) -> Check:
    """One rule from (table, column, bad-value condition) triples; examples read table.col:key.

    Conditions of a table are OR-ed into one query so each table is scanned once.
    """
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, bad in conditions:
        by_table.setdefault(table, []).append((column, bad))
    parts = []
    for table, items in by_table.items():
        key = _row_key(table, _columns(conn, table))
        which = " ".join(f"WHEN {bad} THEN '{col}'" for col, bad in items)
        where = " OR ".join(f"({bad})" for _, bad in items)
        parts.append(
            f"SELECT '{table}.' || CASE {which} END || ':' || {key} FROM {table} WHERE {where}"
        )
    sql = " UNION ALL ".join(parts) if parts else "SELECT NULL WHERE 0"
    return Check(rule, description, sql)


def _format_checks(conn: sqlite3.Connection) -> list[Check]:
    tables = _present_tables(conn)
    timestamps, dates = [], []
    for table in tables:
        for col in _columns(conn, table):
            if col.endswith("_at") or col == "anchor":
                bad = f"strftime('{TIMESTAMP_FORMAT}', {col}, '+0 seconds') IS NOT {col}"
                timestamps.append((table, col, bad))
            elif col.endswith("_on") or col == "date_value":
                dates.append((table, col, f"date({col}, '+0 days') IS NOT {col}"))
    enums = [
        (table, col, f"{col} NOT IN ({', '.join(repr(v) for v in allowed)})")
        for table, col, allowed in _ENUMS
    ]
    booleans = [(table, col, f"{col} NOT IN (0, 1)") for table, col in _BOOLEANS]
    return [
        _per_table_check(
            conn,
            "format.timestamps",
            "every *_at column is a real UTC instant written YYYY-MM-DDTHH:MM:SS.mmmZ",
            timestamps,
        ),
        _per_table_check(
            conn,
            "format.dates",
            "every *_on and date_value column is a real date written YYYY-MM-DD",
            dates,
        ),
        _per_table_check(
            conn, "format.enums", "enumerated columns hold one of the schema's values", enums
        ),
        _per_table_check(conn, "format.booleans", "boolean columns hold 0 or 1", booleans),
    ]


def _after_anchor_check(conn: sqlite3.Connection) -> Check:
    """Nothing is dated at or after the end of the history (run wall clocks and due times may
    be): the anchor is the first instant that is no longer history."""
    conditions = [
        (table, col, f"{col} >= (SELECT anchor FROM temp._anchor)")
        for table in _present_tables(conn)
        if table != "generation_runs"
        for col in _columns(conn, table)
        if col.endswith("_at") and col not in _NOT_EVENT_COLUMNS
    ]
    return _per_table_check(
        conn,
        "time.after_anchor",
        "no event is dated at or after generation_runs.anchor (the end of the history)",
        conditions,
    )


# ---------------------------------------------------------------------------------------------
# The rules as SQL.  A task's projects are the memberships of COALESCE(parent_id, id): a subtask
# reaches its project through its parent.  In the replay rules, '+' before a column keeps the
# planner on idx_stories_task(task_id, created_at), whose order (with the rowid) is exactly
# (created_at, id): the last story of a task is then one short index walk.


def _last_story(where: str, column: str = "id") -> str:
    """SQL for a column of a task's last story matching ``where`` in (created_at, id) order."""
    return (
        f"(SELECT s.{column} FROM stories s WHERE {where} "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT 1)"
    )


def _member_of_task_project(task: str, user: str) -> str:
    """SQL: ``user`` is a member of at least one project of the task row aliased ``task``."""
    return (
        "EXISTS (SELECT 1 FROM task_memberships tm JOIN project_memberships pm "
        "ON pm.project_id = tm.project_id "
        f"WHERE tm.task_id = COALESCE({task}.parent_id, {task}.id) AND pm.user_id = {user})"
    )


_TIME_CHECKS = (
    Check(
        "time.task_after_creator_joined",
        "a task is created while its creator is in the company (joined, not yet left)",
        """SELECT t.id FROM tasks t JOIN users u ON u.id = t.created_by_id
           WHERE t.created_at < u.created_at OR t.created_at >= u.left_at""",
    ),
    Check(
        "time.subtask_after_parent",
        "a subtask is created no earlier than its parent task",
        """SELECT t.id FROM tasks t JOIN tasks p ON p.id = t.parent_id
           WHERE t.created_at < p.created_at""",
    ),
    Check(
        "time.story_after_task",
        "a story is created no earlier than its task",
        """SELECT s.id FROM stories s JOIN tasks t ON t.id = s.task_id
           WHERE s.created_at < t.created_at""",
    ),
    Check(
        "time.story_author_employed",
        "a story's author is in the company at its time (joined, not yet left)",
        """SELECT s.id FROM stories s JOIN users u ON u.id = s.created_by_id
           WHERE s.created_at < u.created_at OR s.created_at >= u.left_at""",
    ),
    Check(
        "time.status_update_author_employed",
        "a status update's author is in the company at its time (joined, not yet left)",
        """SELECT x.id FROM status_updates x JOIN users u ON u.id = x.author_id
           WHERE x.created_at < u.created_at OR x.created_at >= u.left_at""",
    ),
    Check(
        "time.task_completed_after_created",
        "a task's completed_at is not before its created_at",
        "SELECT id FROM tasks WHERE completed_at < created_at",
    ),
    Check(
        "time.project_completed_after_created",
        "a project's completed_at is not before its created_at",
        "SELECT id FROM projects WHERE completed_at < created_at",
    ),
    Check(
        "time.task_modified",
        "a task's modified_at is not before its creation, completion or last story",
        """SELECT t.id FROM tasks t
           WHERE t.modified_at < t.created_at OR t.modified_at < t.completed_at
              OR t.modified_at < (SELECT max(s.created_at) FROM stories s
                                  WHERE s.task_id = t.id)""",
    ),
    Check(
        "time.project_modified",
        "a project's modified_at is not before its creation or the last story of the tasks "
        "created in it (primary memberships)",
        # Only primary memberships: a task multi-homed later is another project's work, and
        # the generator does not bump the second project for it.
        """SELECT p.id FROM projects p
           WHERE p.modified_at < p.created_at
              OR p.modified_at < (SELECT max(s.created_at) FROM task_memberships tm
                                  JOIN stories s ON s.task_id = tm.task_id
                                  WHERE tm.project_id = p.id AND tm.is_primary = 1)""",
    ),
    Check(
        "time.task_after_project",
        "a task is created no earlier than its primary project",
        """SELECT tm.task_id FROM task_memberships tm
           JOIN tasks t ON t.id = tm.task_id JOIN projects p ON p.id = tm.project_id
           WHERE tm.is_primary = 1 AND t.created_at < p.created_at""",
    ),
    Check(
        "time.status_update_after_project",
        "a status update is created no earlier than its project",
        """SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
           WHERE x.created_at < p.created_at""",
    ),
)

_WHO_CHECKS = (
    Check(
        "who.assignee_member",
        "a task's assignee is a member of one of the task's projects",
        "SELECT t.id FROM tasks t WHERE t.assignee_id IS NOT NULL AND NOT "
        + _member_of_task_project("t", "t.assignee_id"),
    ),
    Check(
        "who.completer_member",
        "whoever completed a task is a member of one of the task's projects",
        "SELECT t.id FROM tasks t WHERE t.completed_by_id IS NOT NULL AND NOT "
        + _member_of_task_project("t", "t.completed_by_id"),
    ),
    Check(
        "who.story_author_member",
        "a story's author is a member of one of its task's projects",
        "SELECT s.id FROM stories s JOIN tasks t ON t.id = s.task_id WHERE NOT "
        + _member_of_task_project("t", "s.created_by_id"),
    ),
    Check(
        "who.follower_member",
        "a task's follower is a member of one of the task's projects",
        "SELECT f.task_id || '/' || f.user_id FROM task_followers f "
        "JOIN tasks t ON t.id = f.task_id WHERE NOT " + _member_of_task_project("t", "f.user_id"),
    ),
    Check(
        "who.project_member_in_team",
        "a project member who is not a guest belongs to the project's team",
        """SELECT pm.project_id || '/' || pm.user_id FROM project_memberships pm
           JOIN projects p ON p.id = pm.project_id
           WHERE pm.is_guest = 0 AND NOT EXISTS (
               SELECT 1 FROM team_memberships x WHERE x.team_id = p.team_id
                                                  AND x.user_id = pm.user_id)""",
    ),
    Check(
        "who.open_task_assignee_left",
        "no open task is assigned to someone who has left (their open work is reassigned)",
        """SELECT t.id FROM tasks t JOIN users u ON u.id = t.assignee_id
           WHERE t.completed = 0 AND u.left_at IS NOT NULL""",
    ),
    Check(
        "who.guest_share",
        f"guests are at most {GUEST_SHARE_LIMIT:.0%} of a project's members",
        f"""SELECT project_id FROM project_memberships GROUP BY project_id
            HAVING sum(is_guest) > {GUEST_SHARE_LIMIT} * count(*)""",
        severity=WARNING,
    ),
)

_STRUCTURE_CHECKS = (
    Check(
        "structure.task_has_membership",
        "every top-level task lives in at least one project",
        """SELECT t.id FROM tasks t WHERE t.parent_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM task_memberships tm WHERE tm.task_id = t.id)""",
    ),
    Check(
        "structure.subtask_no_membership",
        "subtasks have no project membership (they reach the project through the parent)",
        """SELECT tm.task_id FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
           WHERE t.parent_id IS NOT NULL""",
    ),
    Check(
        "structure.one_primary_project",
        "a task has exactly one primary project membership (the project it was created in)",
        "SELECT task_id FROM task_memberships GROUP BY task_id HAVING sum(is_primary) != 1",
    ),
    Check(
        "structure.section_in_project",
        "a task membership's section belongs to the membership's project",
        """SELECT tm.task_id FROM task_memberships tm JOIN sections s ON s.id = tm.section_id
           WHERE s.project_id != tm.project_id""",
    ),
    Check(
        "structure.self_dependency",
        "a task never depends on itself",
        "SELECT task_id FROM task_dependencies WHERE task_id = depends_on_id",
    ),
    Check(
        "structure.dependency_cycle",
        "dependencies form no cycle of two or more tasks",
        # Along an edge to an earlier task (by created_at, id) the key falls, so every cycle
        # holds an edge that does not go back in time: walking only from those keeps the
        # recursion tiny on a valid file and still finds every cycle.
        """WITH RECURSIVE
           forward(task_id, depends_on_id) AS (
               SELECT d.task_id, d.depends_on_id FROM task_dependencies d
               JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_id
               WHERE d.task_id != d.depends_on_id
                 AND (b.created_at > a.created_at
                      OR (b.created_at = a.created_at AND b.id > a.id))),
           reach(start, node) AS (
               SELECT task_id, depends_on_id FROM forward
               UNION
               SELECT r.start, d.depends_on_id FROM reach r
               JOIN task_dependencies d ON d.task_id = r.node
               WHERE d.task_id != d.depends_on_id)
           SELECT DISTINCT start FROM reach WHERE start = node""",
    ),
    Check(
        "structure.dependency_same_project",
        "a task and the task it depends on share a project",
        """SELECT d.task_id || '/' || d.depends_on_id FROM task_dependencies d
           JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_id
           WHERE NOT EXISTS (
               SELECT 1 FROM task_memberships ma JOIN task_memberships mb
               ON mb.project_id = ma.project_id AND mb.task_id = COALESCE(b.parent_id, b.id)
               WHERE ma.task_id = COALESCE(a.parent_id, a.id))""",
    ),
    Check(
        "structure.one_primary_team",
        "every user has exactly one primary (home) team",
        """SELECT u.id FROM users u WHERE (SELECT count(*) FROM team_memberships x
                                            WHERE x.user_id = u.id AND x.is_primary = 1) != 1""",
    ),
)

_FIELD_CHECKS = (
    Check(
        "task.completed_fields",
        "completed = 1 exactly when completed_at and completed_by_id are set",
        """SELECT id FROM tasks WHERE NOT (
               (completed = 1 AND completed_at IS NOT NULL AND completed_by_id IS NOT NULL)
            OR (completed = 0 AND completed_at IS NULL AND completed_by_id IS NULL))""",
    ),
    Check(
        "task.approval_status",
        "approval_status is set only for approvals, and is 'pending' exactly while incomplete",
        """SELECT id FROM tasks WHERE
               (resource_subtype != 'approval' AND approval_status IS NOT NULL)
            OR (resource_subtype = 'approval'
                AND (approval_status IS NULL
                     OR (approval_status = 'pending') != (completed = 0)))""",
    ),
    Check(
        "task.milestone_start_on",
        "milestones have no start_on",
        "SELECT id FROM tasks WHERE resource_subtype = 'milestone' AND start_on IS NOT NULL",
    ),
    Check(
        "task.due_on_and_due_at",
        "due_on and due_at are never both set",
        "SELECT id FROM tasks WHERE due_on IS NOT NULL AND due_at IS NOT NULL",
    ),
    Check(
        "task.start_on",
        "start_on needs a due date and comes before the due day (UTC day of due_at)",
        """SELECT id FROM tasks WHERE start_on IS NOT NULL
           AND (COALESCE(due_on, date(due_at)) IS NULL
                OR start_on >= COALESCE(due_on, date(due_at)))""",
    ),
    Check(
        "project.dates",
        "a project's start_on is before its due_on",
        "SELECT id FROM projects WHERE start_on >= due_on",
    ),
    Check(
        "project.completed_fields",
        "a project is completed exactly when completed_at is set",
        "SELECT id FROM projects WHERE (completed = 1) != (completed_at IS NOT NULL)",
    ),
    Check(
        "user.active_left",
        "is_active = 0 exactly when left_at is set",
        "SELECT id FROM users WHERE (is_active = 0) != (left_at IS NOT NULL)",
    ),
    Check(
        "user.email_domain",
        "every user's email ends with @ the workspace's email_domain",
        """SELECT u.id FROM users u JOIN workspaces w ON w.id = u.workspace_id
           WHERE substr(u.email, -length(w.email_domain) - 1) != '@' || w.email_domain""",
    ),
)

_LAST_ASSIGNMENT = _last_story(
    "s.task_id = t.id AND +s.resource_subtype IN ('assigned', 'unassigned')"
)
_LAST_MARK = _last_story(
    "s.task_id = t.id AND +s.resource_subtype IN ('marked_complete', 'marked_incomplete')"
)
_LAST_COMPLETE = _last_story("s.task_id = t.id AND +s.resource_subtype = 'marked_complete'")
_LAST_DUE = _last_story("s.task_id = t.id AND +s.resource_subtype = 'due_date_changed'")
_LAST_NAME = _last_story("s.task_id = n.task_id AND +s.resource_subtype = 'name_changed'")
_LAST_SECTION = _last_story(
    "s.task_id = tm.task_id AND +s.project_id = tm.project_id "
    "AND +s.resource_subtype IN ('added_to_project', 'section_changed') "
    "AND s.new_section_id IS NOT NULL",
    "new_section_id",
)
_LAST_ENUM = _last_story(
    "s.task_id = c.task_id AND +s.custom_field_id = c.custom_field_id "
    "AND +s.resource_subtype = 'enum_custom_field_changed'"
)

_REPLAY_CHECKS = (
    Check(
        "replay.assignee",
        "the last assigned/unassigned story gives the task's assignee (none: unassigned)",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories a ON a.id = {_LAST_ASSIGNMENT}
            WHERE t.assignee_id IS NOT
                  CASE WHEN a.resource_subtype = 'assigned' THEN a.assignee_id END""",
    ),
    Check(
        "replay.completed",
        "the last marked_complete/marked_incomplete story gives completed (none: incomplete)",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories m ON m.id = {_LAST_MARK}
            WHERE t.completed IS NOT (m.resource_subtype IS 'marked_complete')""",
    ),
    Check(
        "replay.completion_story",
        "a completed task's last marked_complete story has its completed_at and completed_by",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories m ON m.id = {_LAST_COMPLETE}
            WHERE t.completed = 1
              AND (m.id IS NULL OR m.created_at IS NOT t.completed_at
                   OR m.created_by_id IS NOT t.completed_by_id)""",
    ),
    Check(
        "replay.section",
        "per task and project, the last section move (added_to_project, section_changed) "
        "gives the membership's section",
        f"""SELECT tm.task_id FROM task_memberships tm
            WHERE tm.section_id IS NOT {_LAST_SECTION}
            UNION ALL
            SELECT s.task_id FROM stories s
            WHERE s.resource_subtype IN ('added_to_project', 'section_changed')
              AND NOT EXISTS (SELECT 1 FROM task_memberships tm
                              WHERE tm.task_id = s.task_id AND tm.project_id = s.project_id)""",
    ),
    Check(
        "replay.due",
        "the last due_date_changed story gives due_on and due_at (none: no due date)",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories d ON d.id = {_LAST_DUE}
            WHERE t.due_on IS NOT d.new_due_on OR t.due_at IS NOT d.new_due_at""",
    ),
    Check(
        "replay.name",
        "the last name_changed story, if any, gives the task's name",
        # driven from the (few) rename stories: one scan instead of a walk per task
        f"""SELECT n.task_id FROM stories n JOIN tasks t ON t.id = n.task_id
            WHERE n.resource_subtype = 'name_changed' AND n.new_name IS NOT t.name
              AND n.id = {_LAST_NAME}""",
    ),
    Check(
        "replay.enum_value",
        "per task and field, the last enum_custom_field_changed story gives the enum value",
        f"""SELECT c.task_id FROM (
                SELECT DISTINCT task_id, custom_field_id FROM stories
                WHERE resource_subtype = 'enum_custom_field_changed') c
            JOIN stories e ON e.id = {_LAST_ENUM}
            LEFT JOIN custom_field_values v
                   ON v.task_id = c.task_id AND v.custom_field_id = c.custom_field_id
            WHERE e.new_enum_option_id IS NOT v.enum_option_id""",
    ),
    Check(
        "replay.story_type",
        "a story's type is 'comment' exactly for comment_added, else 'system'",
        """SELECT id FROM stories WHERE type IS NOT
               CASE WHEN resource_subtype = 'comment_added' THEN 'comment' ELSE 'system' END""",
    ),
)

# Which typed columns a value row sets, as a 4-character flag string
# (text_value, number_value, enum_option_id, date_value), by the field's subtype.
_TYPED_FLAGS = """(v.text_value IS NOT NULL) || (v.number_value IS NOT NULL)
                  || (v.enum_option_id IS NOT NULL) || (v.date_value IS NOT NULL)"""

_CUSTOM_FIELD_CHECKS = (
    Check(
        "cf.value_field_enabled",
        "a custom field value's field is enabled on one of the task's projects",
        """SELECT v.task_id || '/' || v.custom_field_id FROM custom_field_values v
           JOIN tasks t ON t.id = v.task_id
           WHERE NOT EXISTS (
               SELECT 1 FROM task_memberships tm JOIN custom_field_settings cs
               ON cs.project_id = tm.project_id AND cs.custom_field_id = v.custom_field_id
               WHERE tm.task_id = COALESCE(t.parent_id, t.id))""",
    ),
    Check(
        "cf.value_typed_column",
        "a value row sets exactly the typed column of its field's subtype "
        "(multi_enum and people: none, they use child rows)",
        f"""SELECT v.task_id || '/' || v.custom_field_id FROM custom_field_values v
            JOIN custom_fields f ON f.id = v.custom_field_id
            WHERE {_TYPED_FLAGS} IS NOT CASE f.resource_subtype
                WHEN 'text' THEN '1000' WHEN 'number' THEN '0100' WHEN 'enum' THEN '0010'
                WHEN 'date' THEN '0001' WHEN 'multi_enum' THEN '0000' WHEN 'people' THEN '0000'
            END""",
    ),
    Check(
        "cf.enum_option_field",
        "a value's enum option belongs to the value's field",
        """SELECT v.task_id || '/' || v.custom_field_id FROM custom_field_values v
           JOIN custom_field_enum_options o ON o.id = v.enum_option_id
           WHERE o.custom_field_id != v.custom_field_id""",
    ),
    Check(
        "cf.multi_enum_options",
        "chosen options exist only for multi_enum fields, and are options of that field",
        """SELECT x.task_id || '/' || x.custom_field_id FROM custom_field_value_options x
           JOIN custom_fields f ON f.id = x.custom_field_id
           JOIN custom_field_enum_options o ON o.id = x.enum_option_id
           WHERE f.resource_subtype != 'multi_enum' OR o.custom_field_id != x.custom_field_id""",
    ),
    Check(
        "cf.people_values",
        "chosen people exist only for people fields",
        """SELECT x.task_id || '/' || x.custom_field_id FROM custom_field_value_people x
           JOIN custom_fields f ON f.id = x.custom_field_id
           WHERE f.resource_subtype != 'people'""",
    ),
    Check(
        "cf.currency_code",
        "number fields formatted as currency have a currency_code",
        """SELECT id FROM custom_fields WHERE resource_subtype = 'number'
           AND format = 'currency' AND currency_code IS NULL""",
    ),
)

_CONSISTENCY_CHECKS = (
    Check(
        "consistency.duplicate_task_name",
        "no two top-level tasks of one project share a name",
        """SELECT tm.task_id FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
           JOIN (SELECT tm2.project_id, t2.name FROM task_memberships tm2
                 JOIN tasks t2 ON t2.id = tm2.task_id
                 GROUP BY tm2.project_id, t2.name HAVING count(*) > 1) d
             ON d.project_id = tm.project_id AND d.name = t.name""",
        severity=WARNING,
    ),
    Check(
        "consistency.board_section_state",
        "on a board, completed tasks sit in the 'done' column and open tasks outside it",
        """SELECT tm.task_id FROM task_memberships tm
           JOIN tasks t ON t.id = tm.task_id JOIN sections s ON s.id = tm.section_id
           WHERE EXISTS (SELECT 1 FROM sections b WHERE b.project_id = tm.project_id
                                                    AND b.workflow_state IS NOT NULL)
             AND ((t.completed = 1 AND s.workflow_state IS NOT 'done')
                  OR (t.completed = 0 AND s.workflow_state IS 'done'))""",
        severity=WARNING,
    ),
)

CHECKS: tuple[Check, ...] = (
    _TIME_CHECKS
    + _WHO_CHECKS
    + _STRUCTURE_CHECKS
    + _FIELD_CHECKS
    + _REPLAY_CHECKS
    + _CUSTOM_FIELD_CHECKS
    + _CONSISTENCY_CHECKS
)


# ---------------------------------------------------------------------------------------------
# Local time: actors' zones and countries


def prepare_local_time(conn: sqlite3.Connection) -> None:
    """Build TEMP tables _tz_offset(timezone, day, offset_s), _holiday(country_code, day) and
    _valid_tz(timezone) for the file's zones, countries and date range.

    ``day`` in _tz_offset is an event's UTC date as days since 1970-01-01; its offset is the
    zone's offset at that day's local noon, which is exact except for the few night hours
    around a DST switch.  ``day`` in _holiday is the local date, counted the same way: both
    join on integers.
    """
    conn.execute("DROP TABLE IF EXISTS temp._tz_offset")
    conn.execute("DROP TABLE IF EXISTS temp._holiday")
    conn.execute("DROP TABLE IF EXISTS temp._valid_tz")
    conn.execute(
        "CREATE TEMP TABLE _tz_offset (timezone TEXT, day INTEGER, offset_s INTEGER, "
        "PRIMARY KEY (timezone, day)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TEMP TABLE _holiday (country_code TEXT, day INTEGER, "
        "PRIMARY KEY (country_code, day)) WITHOUT ROWID"
    )
    conn.execute("CREATE TEMP TABLE _valid_tz (timezone TEXT PRIMARY KEY) WITHOUT ROWID")
    zones = _valid_zones(conn)
    conn.executemany("INSERT INTO temp._valid_tz VALUES (?)", [(z,) for z in zones])
    first, last = _event_day_range(conn)
    if first is None or last is None:
        return
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    conn.executemany(
        "INSERT INTO temp._tz_offset VALUES (?, ?, ?)",
        [
            (name, (day - _EPOCH).days, _noon_offset(zone, day))
            for name, zone in zones.items()
            for day in days
        ],
    )
    countries = [c for (c,) in conn.execute("SELECT DISTINCT country_code FROM users")]
    years = range(first.year, last.year + 1)
    conn.executemany(
        "INSERT OR IGNORE INTO temp._holiday VALUES (?, ?)",
        [(c, (d - _EPOCH).days) for c in countries for d in _public_holidays(c, years)],
    )


def _valid_zones(conn: sqlite3.Connection) -> dict[str, ZoneInfo]:
    zones = {}
    for (name,) in conn.execute("SELECT DISTINCT timezone FROM users"):
        try:
            zones[name] = zone_info(name)
        except (KeyError, ValueError, TypeError, OSError):  # not found is a KeyError
            continue
    return zones


def _noon_offset(zone: ZoneInfo, day: dt.date) -> int:
    offset = dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _public_holidays(country: str, years: range) -> list[dt.date]:
    """The country's public holidays from the pinned `holidays` package; none if unknown."""
    try:
        return list(holidays.country_holidays(country, years=years).keys())
    except (NotImplementedError, KeyError, ValueError):
        return []


_DAY_PATTERN = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"


def _event_day_range(conn: sqlite3.Connection) -> tuple[dt.date | None, dt.date | None]:
    """First and last UTC day of human events (stories and task creations), widened by a day
    for the local shift.  Read from the events themselves, not bounded by the anchor: an
    edited file may date events anywhere, and each still gets its actor's local time.

    Plain min/max first (a quick scan); only if an end is not a date (a malformed value sorts
    before or after every real one) again over the values that start with one.
    """
    for where in ("", f"WHERE created_at GLOB {_DAY_PATTERN}"):
        row = conn.execute(
            f"""SELECT min(lo), max(hi) FROM (
                  SELECT min(created_at) AS lo, max(created_at) AS hi FROM stories {where}
                  UNION ALL
                  SELECT min(created_at), max(created_at) FROM tasks {where})"""
        ).fetchone()
        try:
            first = dt.date.fromisoformat(str(row[0])[:10]) - dt.timedelta(days=1)
            last = dt.date.fromisoformat(str(row[1])[:10]) + dt.timedelta(days=1)
        except ValueError:
            continue
        if (last - first).days > _MAX_LOCAL_TIME_DAYS:
            first = last - dt.timedelta(days=_MAX_LOCAL_TIME_DAYS)
        return first, last
    return None, None


def _epoch_seconds(column: str) -> str:
    """SQL for the Unix time of a timestamp column (NULL if it does not parse).

    unixepoch() (SQLite 3.38+) is about twice as fast as formatting with strftime('%s').
    """
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({column})"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _events_of(kind: str, table: str) -> str:
    return f"""
    SELECT '{kind}' AS kind, x.id AS id, u.country_code AS country_code,
           x.utc + COALESCE(o.offset_s, 0) AS local_s,
           (x.created_at < u.created_at OR x.created_at >= u.left_at) AS outside
    FROM (SELECT id, created_by_id, created_at, {_epoch_seconds("created_at")} AS utc
          FROM {table} LIMIT -1 OFFSET 0) x
    JOIN users u ON u.id = x.created_by_id
    LEFT JOIN temp._tz_offset o ON o.timezone = u.timezone AND o.day = x.utc / 86400"""


# One row per human event: kind, id, the actor's country, local seconds since the epoch, and
# whether the actor was outside the company then.  OFFSET 0 keeps the planner from copying
# the (parsing) expressions into every place that reads them.
_HUMAN_EVENTS = (
    _events_of("stories", "stories") + " UNION ALL " + _events_of("tasks", "tasks")
) + " LIMIT -1 OFFSET 0"

_WEEKDAY = "((local_s / 86400 + 4) % 7)"  # 1970-01-01 was a Thursday; 0 = Sunday as in %w
_HOUR = "((local_s % 86400) / 3600)"
_ON_HOLIDAY = (
    "EXISTS (SELECT 1 FROM temp._holiday x "
    "WHERE x.country_code = e.country_code AND x.day = e.local_s / 86400)"
)
# Rules the pass over human events answers (it joins every event to its actor anyway).
_EVENT_PASS_RULES = {
    "stories": "time.story_author_employed",
    "tasks": "time.task_after_creator_joined",
}
_LOCAL_RULES = ("user.timezone", "consistency.holiday_event", "consistency.weekend_share")


def human_event_profile(conn: sqlite3.Connection) -> EventProfile:
    """Bin every human event by local hour, weekday and holiday in one pass (needs
    prepare_local_time).

    One GROUP BY on a single integer that packs the local hour number and the actor's
    country (an integer key sorts about twice as fast as text columns): a few thousand
    groups, from which the hour, weekday and holiday counts follow in Python.
    """
    holiday_days = set(conn.execute("SELECT country_code, day FROM temp._holiday"))
    countries = [c for (c,) in conn.execute("SELECT DISTINCT country_code FROM users")]
    width = len(countries) + 1  # one more for a country not in the list (NULL)
    country_index = " ".join(f"WHEN ? THEN {i}" for i in range(len(countries)))
    key = f"(local_s / 3600) * {width} + CASE country_code {country_index} ELSE {width - 1} END"
    grid = [[0] * 24 for _ in range(7)]
    total = holiday_count = 0
    outside = dict.fromkeys(_EVENT_PASS_RULES, 0)
    rows = conn.execute(
        f"SELECT {key} AS k, count(*), sum(outside AND kind = 'stories'), "
        f"sum(outside AND kind = 'tasks') FROM ({_HUMAN_EVENTS}) e GROUP BY k",
        countries,
    )
    for k, n, stories_outside, tasks_outside in rows:
        total += n
        outside["stories"] += stories_outside or 0
        outside["tasks"] += tasks_outside or 0
        if k is None or k < 0:
            continue  # a time that cannot be placed (unparsable, before 1970): not binned
        local_hour, country_i = divmod(k, width)
        day, hour = divmod(local_hour, 24)
        grid[(day + 4) % 7][hour] += n
        if country_i < len(countries) and (countries[country_i], day) in holiday_days:
            holiday_count += n
    return EventProfile(
        total=total,
        grid=tuple(tuple(row) for row in grid),
        holidays=holiday_count,
        outside_employment=tuple(outside.items()),
    )


def _event_job(conn: sqlite3.Connection) -> tuple[EventProfile, tuple[RuleResult, ...]]:
    """The local-time rules and the employment rules, from one pass over human events."""
    prepare_local_time(conn)
    results = [
        run_check(
            conn,
            Check(
                "user.timezone",
                "every user's timezone is a known IANA zone",
                "SELECT id FROM users WHERE timezone NOT IN (SELECT timezone FROM temp._valid_tz)",
            ),
        )
    ]
    profile = human_event_profile(conn)
    checks = {c.rule: c for c in CHECKS}
    for kind, count in profile.outside_employment:
        results.append(_counted(conn, checks[_EVENT_PASS_RULES[kind]], count))
    results.append(
        _event_result(
            conn,
            "consistency.holiday_event",
            "no human event falls on a public holiday of the actor's country (local date)",
            profile.holidays,
            _ON_HOLIDAY,
        )
    )
    share = profile.weekend / profile.total if profile.total else 0.0
    results.append(
        _event_result(
            conn,
            "consistency.weekend_share",
            f"at most {WEEKEND_SHARE_LIMIT:.0%} of human events fall on a local weekend "
            f"(observed {share:.1%})",
            profile.weekend if share > WEEKEND_SHARE_LIMIT else 0,
            f"local_s >= 0 AND {_WEEKDAY} IN (0, 6)",
        )
    )
    return profile, tuple(results)


def _event_result(
    conn: sqlite3.Connection, rule: str, description: str, offending: int, where: str
) -> RuleResult:
    examples: tuple[int | str, ...] = ()
    if offending:
        rows = conn.execute(
            f"SELECT kind || ':' || id FROM ({_HUMAN_EVENTS}) e WHERE {where} LIMIT {EXAMPLE_LIMIT}"
        )
        examples = tuple(r[0] for r in rows)
    return RuleResult(rule, description, WARNING, offending, examples)
