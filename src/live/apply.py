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
from collections import Counter, defaultdict
from operator import itemgetter

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


def write_rows(
    conn: sqlite3.Connection, table: str, rows: list[tuple], scope: list[int] | None = None
) -> None:
    """Make main's ``table`` hold ``rows`` (by primary key, the last of a key winning),
    writing only what differs from what it holds: a new row is inserted, a changed one updated
    in its changed columns only, an identical one left alone.  A file's pages are what a
    writer pays for (each page it touches goes to the WAL whole, and the readers' checkpoint
    copies it back): rewriting a row whole rewrites every index of the table, and a task's
    followers, tags and field values deleted and inserted again touch a leaf of each index
    per row, although a batch changes few of them.  With ``scope`` (task ids: the table is a
    task's child table, written whole with its task), the rows of those tasks that ``rows``
    lacks are deleted."""
    names = column_names(table)
    at = primary_key_columns()[table]
    key = itemgetter(*at)
    latest = {key(r): r for r in rows}
    first = names[at[0]]
    ids = scope if scope is not None else sorted({r[at[0]] for r in latest.values()})
    held: dict = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        marks = ",".join("?" * len(chunk))
        got = conn.execute(f'SELECT * FROM main."{table}" WHERE [{first}] IN ({marks})', chunk)
        held.update((key(r), r) for r in got)
    where = " AND ".join(f"[{names[i]}] = ?" for i in at)
    as_params = (lambda k: (k,)) if len(at) == 1 else tuple
    if scope is not None:
        gone = [as_params(k) for k in held if k not in latest]
        if gone:
            conn.executemany(f'DELETE FROM main."{table}" WHERE {where}', gone)
    new: list[tuple] = []
    changed: dict[tuple[int, ...], list[tuple]] = defaultdict(list)
    for k, row in latest.items():
        old = held.get(k)
        if old is None:
            new.append(row)
            continue
        # the columns' affinities store equal numbers alike (1, 1.0 and True in an INTEGER
        # column), so a value equal in Python is the value the file holds
        cols = tuple(i for i, (a, b) in enumerate(zip(row, old, strict=True)) if a != b)
        if cols:
            changed[cols].append((*(row[i] for i in cols), *as_params(k)))
    for cols, params in changed.items():
        sets = ", ".join(f"[{names[i]}] = ?" for i in cols)
        conn.executemany(f'UPDATE main."{table}" SET {sets} WHERE {where}', params)
    if new:
        new.sort(key=key)  # in key order: each leaf is found once
        marks = ",".join("?" * len(names))
        conn.executemany(f'INSERT INTO main."{table}" VALUES ({marks})', new)
