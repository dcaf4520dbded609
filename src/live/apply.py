"""Writing a later state of the world into a file: the rows that are new or changed, by
primary key, in one transaction, with the clock recorded in the same transaction.

Rows are compared whole (SQLite's EXCEPT), so only what differs is written; foreign keys are
checked at the commit (deferred), so the order of the tables does not matter inside it.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from ..schema import column_names, primary_key_columns, table_names

CONTENT_TABLES = tuple(t for t in table_names() if t != "generation_runs")


def _pk(table: str) -> list[str]:
    names = column_names(table)
    return [names[i] for i in primary_key_columns()[table]]


def _key_list(table: str, alias: str = "") -> str:
    return ", ".join(f"{alias}[{c}]" for c in _pk(table))


# tables whose rows never change once written (a story, a status update): only the rows from
# the old clock on can be new, so only those are compared
APPEND_ONLY = ("stories", "status_updates")
# rows that belong to one task and are rewritten with it (stories are only ever appended)
CHILD_TABLES = (
    "task_memberships",
    "task_dependencies",
    "task_followers",
    "custom_field_values",
    "custom_field_value_options",
    "custom_field_value_people",
    "task_tags",
)

# a task's own rows: rewritten whole for the tasks touched since the old clock
TASK_TABLES = ("tasks", *CHILD_TABLES)


def _replace(conn: sqlite3.Connection, schema: str, table: str, where: str) -> tuple[int, int]:
    """Delete ``table``'s rows matching ``where`` from main and copy in ``schema``'s matching
    rows; returns (rows deleted, rows inserted), from which the caller counts new/changed/gone."""
    gone = conn.execute(f'DELETE FROM main."{table}" WHERE {where}').rowcount
    added = conn.execute(
        f'INSERT INTO main."{table}" SELECT * FROM {schema}."{table}" WHERE {where}'
    ).rowcount
    return gone, added


def apply_world(conn: sqlite3.Connection, schema: str, since: str | None = None) -> Counter:
    """Make the main database's content equal to attached ``schema``'s (same schema.sql),
    inside the caller's transaction.  Returns rows written per table ("+" new, "~" changed,
    "-" removed).  With ``since`` (the old clock), the append-only tables are compared from
    that moment on only: the world before it is the same by construction."""
    counts: Counter = Counter()
    touched = False
    if since is not None:
        # every change to a task comes with a story (or is its creation): the tasks with a
        # story or a creation from the old clock on are the only ones whose rows can differ
        conn.execute("DROP TABLE IF EXISTS temp._touched")
        conn.execute(
            "CREATE TEMP TABLE _touched AS "
            f"SELECT task_id AS id FROM {schema}.stories WHERE created_at >= ? "
            f"UNION SELECT id FROM {schema}.tasks WHERE created_at >= ?",
            (since, since),
        )
        touched = True
    for table in CONTENT_TABLES:
        keys = _key_list(table)
        if touched and table in TASK_TABLES:
            key = "id" if table == "tasks" else "task_id"
            gone, added = _replace(conn, schema, table, f"{key} IN (SELECT id FROM temp._touched)")
            counts[f"{table}+"] += max(added - gone, 0)
            counts[f"{table}~"] += min(added, gone)
            continue
        if since is not None and table in APPEND_ONLY:
            added = conn.execute(
                f'INSERT OR REPLACE INTO main."{table}" SELECT * FROM {schema}."{table}" '
                "WHERE created_at >= ?",
                (since,),
            ).rowcount
            counts[f"{table}+"] += added
            continue
        changed = (
            f'SELECT {keys} FROM (SELECT * FROM {schema}."{table}" '
            f'EXCEPT SELECT * FROM main."{table}")'
        )
        gone = f'SELECT {keys} FROM main."{table}" EXCEPT SELECT {keys} FROM {schema}."{table}"'
        conn.execute("DROP TABLE IF EXISTS temp._keys")
        conn.execute(
            f"CREATE TEMP TABLE _keys AS SELECT * FROM ({changed}) UNION SELECT * FROM ({gone})"
        )
        n = conn.execute("SELECT count(*) FROM temp._keys").fetchone()[0]
        if not n:
            continue
        tuple_keys = f"({keys})" if len(_pk(table)) > 1 else keys
        existing, added = _replace(
            conn, schema, table, f"{tuple_keys} IN (SELECT * FROM temp._keys)"
        )
        counts[f"{table}+"] += max(added - existing, 0)
        counts[f"{table}~"] += min(added, existing)
        counts[f"{table}-"] += max(existing - added, 0)
    conn.execute("DROP TABLE IF EXISTS temp._keys")
    conn.execute("DROP TABLE IF EXISTS temp._touched")
    return counts
