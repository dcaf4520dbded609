"""Opening an input file: every command that reads a file (fingerprint, reproduce's source,
validate, stats, report) opens it here, read-only, and gets one typed error if it is not one of
ours."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import InputFileError

# The tables of schema.sql (a test keeps this in step with the file).  generation_runs is
# optional: a hand-made file may lack it, and then the anchor rules are skipped.
SCHEMA_TABLES = (
    "workspaces",
    "users",
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


class NotADatabaseError(InputFileError):
    """The path is missing, is not SQLite, or is SQLite without this project's tables."""


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
        tables = table_names_in(conn)
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


def table_names_in(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def columns_of(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]


def present_tables(conn: sqlite3.Connection) -> tuple[str, ...]:
    present = table_names_in(conn)
    return tuple(t for t in SCHEMA_TABLES if t in present)


def load_anchor(conn: sqlite3.Connection) -> str | None:
    """The latest run's anchor, the end of the history; None for a hand-made file."""
    if "generation_runs" not in table_names_in(conn):
        return None
    row = conn.execute("SELECT anchor FROM generation_runs ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else row[0]
