"""Structure rules: SQLite's own checks, the file's columns against schema.sql, value formats
(timestamps, dates, enumerations, booleans), how tasks sit in projects, and the generator's
consistency warnings."""

from __future__ import annotations

import sqlite3

from ..inputs import (
    column_differences,
    columns_of,
    present_tables,
    text_columns,
    text_problem,
    value_problem,
)
from ..schema import declared_columns
from .core import (
    ERROR,
    EXAMPLE_LIMIT,
    TEXT_RULE,
    WARNING,
    Check,
    RuleResult,
    example_key,
    per_table_check,
    run_check,
)

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
    (
        "status_updates",
        "status_type",
        ("on_track", "at_risk", "off_track", "on_hold", "complete", "dropped"),
    ),
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


def foreign_key_result(conn: sqlite3.Connection) -> RuleResult:
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


def integrity_result(conn: sqlite3.Connection) -> RuleResult:
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


# what SQLite may store under each type schema.sql declares (REAL keeps a whole number as is)
_STORED_AS = {
    "INTEGER": ("integer", "null"),
    "REAL": ("real", "integer", "null"),
    "TEXT": ("text", "null"),
}


def _stored_otherwise(col: str, decl: str) -> str:
    """The condition for a value not stored as ``decl``: not NULL (a test with no function
    call: half the cost on the many NULLs of stories) and a chain of ``typeof <>`` (a fifth
    cheaper per value than NOT IN a list, on every value of the file)."""
    kinds = [t for t in _STORED_AS[decl.upper()] if t != "null"]
    return " AND ".join([f'"{col}" IS NOT NULL', *(f"typeof(\"{col}\") <> '{t}'" for t in kinds)])


def types_check(conn: sqlite3.Connection) -> Check:
    """Every value is stored as its column's declared type: SQLite keeps 'many' in a REAL
    column or bytes in a TEXT one, which every reader of the file then trips over."""
    have = {table: set(columns_of(conn, table)) for table in present_tables(conn)}
    return per_table_check(
        conn,
        "format.types",
        "every value is stored as its column's type in schema.sql (no text in a number column, "
        "no binary anywhere)",
        (
            (table, col, _stored_otherwise(col, decl))
            for table, cols in have.items()
            for col, decl in declared_columns(table)
            if col in cols and decl.upper() in _STORED_AS
        ),
    )


# Rows per pass of format.text: a chunk's texts are joined in C and checked in one decode.
TEXT_CHUNK = 100_000
_ENUM_COLUMNS = frozenset((table, col) for table, col, _ in _ENUMS)


def text_result(conn: sqlite3.Connection) -> RuleResult:
    """Every text is UTF-8 without NUL characters: SQLite stores any bytes as TEXT, and then
    Python cannot read the row (every command but this one stops there) and SQLite's own
    text functions stop at a NUL.

    One pass per table over its free-text columns (timestamps, dates and enumerations have
    stricter rules that any such byte already breaks): each chunk of rows has every
    column's texts joined by SQLite (with a space, which ends any multi-byte sequence) and
    decoded in one call, so a good file costs a few memory copies, not a Python call per
    value; only a chunk that fails is read value by value to name its rows."""
    conn.create_function("text_problem", 1, text_problem, deterministic=True)
    count, examples = 0, []
    for table in present_tables(conn):
        cols = [
            c
            for c in text_columns(conn, table)
            if value_problem(c) is None and (table, c) not in _ENUM_COLUMNS
        ]
        if not cols:
            continue
        bound_sql, chunk_sql, rows_sql = _text_queries(conn, table, cols)
        lo, end = -(1 << 63), (1 << 63) - 1
        while lo < end:
            hi = (conn.execute(bound_sql, (lo,)).fetchone() or (end,))[0]
            texts = conn.execute(chunk_sql, (lo, hi)).fetchone()
            if any(map(text_problem, texts)):  # (or a BLOB: format.types, not counted here)
                found = [r[0] for r in conn.execute(rows_sql, (lo, hi))]
                count += len(found)
                examples += found[: EXAMPLE_LIMIT - len(examples)]
            lo = hi
    return RuleResult(
        TEXT_RULE,
        "every text is UTF-8 without NUL characters (bytes stored as TEXT stop every reader)",
        ERROR,
        count,
        tuple(examples),
    )


def _text_queries(conn: sqlite3.Connection, table: str, cols: list[str]) -> tuple[str, ...]:
    """format.text's queries on ``table``: the last rowid of the chunk after a rowid (a walk
    of the b-tree's keys), the texts of the rows in a range joined per column, and the
    examples among them that hold a bad text (``tasks.name:12``)."""
    bound_sql = (
        f'SELECT rowid FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET '
        f"{TEXT_CHUNK - 1}"
    )
    joined = ", ".join(f"CAST(group_concat(\"{c}\", ' ') AS BLOB)" for c in cols)
    chunk_sql = f'SELECT {joined} FROM "{table}" WHERE rowid > ? AND rowid <= ?'
    bad = {
        c: f'typeof("{c}") = \'text\' AND text_problem(CAST("{c}" AS BLOB)) NOT NULL' for c in cols
    }
    which = " ".join(f"WHEN {cond} THEN '{c}'" for c, cond in bad.items())
    rows_sql = (
        f"SELECT '{table}.' || CASE {which} END || ':' || {example_key(conn, table)} "
        f'FROM "{table}" WHERE rowid > ? AND rowid <= ? AND ({" OR ".join(bad.values())})'
    )
    return bound_sql, chunk_sql, rows_sql


def format_checks(conn: sqlite3.Connection) -> list[Check]:
    tables = present_tables(conn)
    timestamps, dates = [], []
    for table in tables:
        for col in columns_of(conn, table):
            bad = value_problem(col)
            if bad is not None:
                (dates if "date(" in bad else timestamps).append((table, col, bad))
    enums = [
        (table, col, f"{col} NOT IN ({', '.join(repr(v) for v in allowed)})")
        for table, col, allowed in _ENUMS
    ]
    booleans = [(table, col, f"{col} NOT IN (0, 1)") for table, col in _BOOLEANS]
    return [
        per_table_check(
            conn,
            "format.timestamps",
            "every *_at column is a real UTC instant written YYYY-MM-DDTHH:MM:SS.mmmZ",
            timestamps,
        ),
        per_table_check(
            conn,
            "format.dates",
            "every *_on and date_value column is a real date written YYYY-MM-DD",
            dates,
        ),
        per_table_check(
            conn, "format.enums", "enumerated columns hold one of the schema's values", enums
        ),
        per_table_check(conn, "format.booleans", "boolean columns hold 0 or 1", booleans),
        types_check(conn),
    ]


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
        "structure.dependency_order",
        "a completed task's dependencies were completed no later than it (a dependency may "
        "sit in another project: hand-offs cross project lines)",
        """SELECT d.task_id || '/' || d.depends_on_id FROM task_dependencies d
           JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_id
           WHERE a.completed = 1 AND (b.completed = 0 OR b.completed_at > a.completed_at)""",
    ),
    Check(
        "structure.one_primary_team",
        "every user has exactly one primary (home) team",
        """SELECT u.id FROM users u WHERE (SELECT count(*) FROM team_memberships x
                                            WHERE x.user_id = u.id AND x.is_primary = 1) != 1""",
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


def columns_check(conn: sqlite3.Connection) -> Check:
    """Every table's columns are schema.sql's, with its declared types: a missing column
    would make rules vacuous, an extra or retyped one is a file that no longer follows the
    contract.  Computed here from PRAGMA table_info; the query only lists the findings."""
    found = [p for problems in column_differences(conn).values() for p in problems]
    listed = " UNION ALL ".join("SELECT '{}'".format(p.replace("'", "''")) for p in found)
    return Check(
        "structure.columns",
        "every table has exactly schema.sql's columns, declared with its types",
        listed or "SELECT NULL WHERE 0",
    )


def checks(conn: sqlite3.Connection) -> list[Check]:
    """The columns and formats (built from the file's own columns), then the fixed rules."""
    return [columns_check(conn), *format_checks(conn), *_STRUCTURE_CHECKS, *_CONSISTENCY_CHECKS]
