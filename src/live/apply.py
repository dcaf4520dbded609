"""Writing a later state of the world into a file: the rows that are new or changed, by
primary key, in one transaction, with the clock recorded in the same transaction.

Rows are compared whole (SQLite's EXCEPT), so only what differs is written.  A changed row is
updated in place (an upsert), never deleted and inserted again: deleting a parent row makes
SQLite look for its children in every referencing table, and some references (a story's
project or assignee) have no index, so a delete-and-insert of the changed projects scanned
the million stories once per project (minutes on the large preset).  Foreign keys are checked
at the commit (deferred), so the order of the tables does not matter inside it.
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

# a task's own rows: compared for the tasks touched since the old clock only
TASK_TABLES = ("tasks", *CHILD_TABLES)


def upsert(table: str, source: str | None = None) -> str:
    """INSERT into main's ``table`` that updates a row with the same key in place (no
    delete, so no search for its children): of ``source``'s rows, or of one row of
    parameters when ``source`` is None."""
    keys = _pk(table)
    names = column_names(table)
    rest = [c for c in names if c not in keys]
    action = (
        "DO UPDATE SET " + ", ".join(f"[{c}] = excluded.[{c}]" for c in rest)
        if rest
        else "DO NOTHING"
    )
    # "WHERE true": SQLite's rule for an upsert on INSERT ... SELECT (parsing ambiguity)
    rows = (
        f"VALUES ({','.join('?' * len(names))})"
        if source is None
        else f"SELECT * FROM {source} WHERE true"
    )
    return f'INSERT INTO main."{table}" {rows} ON CONFLICT ({_key_list(table)}) {action}'


def _sync(conn: sqlite3.Connection, schema: str, table: str, where: str = "") -> Counter:
    """Make main's ``table`` equal to ``schema``'s on the rows matching ``where`` (both
    sides): delete the keys that are gone, upsert the rows that are new or differ."""
    counts: Counter = Counter()
    keys = _key_list(table)
    cond = f" WHERE {where}" if where else ""
    conn.execute("DROP TABLE IF EXISTS temp._rows")
    conn.execute(
        f'CREATE TEMP TABLE _rows AS SELECT * FROM {schema}."{table}"{cond} '
        f'EXCEPT SELECT * FROM main."{table}"{cond}'
    )
    tuple_keys = f"({keys})" if len(_pk(table)) > 1 else keys
    gone = conn.execute(
        f'DELETE FROM main."{table}" WHERE {tuple_keys} IN ('
        f'SELECT {keys} FROM main."{table}"{cond} '
        f'EXCEPT SELECT {keys} FROM {schema}."{table}"{cond})'
    ).rowcount
    counts[f"{table}-"] += gone
    n = conn.execute("SELECT count(*) FROM temp._rows").fetchone()[0]
    if n:
        (changed,) = conn.execute(
            f"SELECT count(*) FROM temp._rows "
            f'WHERE {tuple_keys} IN (SELECT {keys} FROM main."{table}")'
        ).fetchone()
        conn.execute(upsert(table, "temp._rows"))
        counts[f"{table}+"] += n - changed
        counts[f"{table}~"] += changed
    return counts


def apply_world(conn: sqlite3.Connection, schema: str, since: str | None = None) -> Counter:
    """Make the main database's content equal to attached ``schema``'s (same schema.sql),
    inside the caller's transaction.  Returns rows written per table ("+" new, "~" changed,
    "-" removed).  With ``since`` (the old clock), the append-only tables are compared from
    that moment on only, and a task's rows only for the tasks touched since: the world before
    it is the same by construction."""
    counts: Counter = Counter()
    if since is not None:
        # every change to a task comes with a story (or is its creation): the tasks with a
        # story or a creation from the old clock on are the only ones whose rows can differ.
        # The new stories are read once (the scratch file has no index on their time).
        conn.execute("DROP TABLE IF EXISTS temp._stories")
        conn.execute(
            f"CREATE TEMP TABLE _stories AS SELECT * FROM {schema}.stories WHERE created_at >= ?",
            (since,),
        )
        conn.execute("DROP TABLE IF EXISTS temp._touched")
        conn.execute("CREATE TEMP TABLE _touched (id INTEGER PRIMARY KEY)")
        conn.execute(
            "INSERT OR IGNORE INTO temp._touched SELECT task_id FROM temp._stories "
            f"UNION SELECT id FROM {schema}.tasks WHERE created_at >= ?",
            (since,),
        )
    for table in CONTENT_TABLES:
        if since is not None and table in TASK_TABLES:
            key = "id" if table == "tasks" else "task_id"
            counts += _sync(conn, schema, table, f"{key} IN (SELECT id FROM temp._touched)")
        elif since is not None and table in APPEND_ONLY:
            source = "temp._stories" if table == "stories" else f'{schema}."{table}"'
            counts[f"{table}+"] += conn.execute(
                f'INSERT OR REPLACE INTO main."{table}" SELECT * FROM {source} '
                "WHERE created_at >= ?",
                (since,),
            ).rowcount
        else:
            counts += _sync(conn, schema, table)
    for temp in ("_rows", "_stories", "_touched"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{temp}")
    return counts
