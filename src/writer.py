"""How generated rows reach the output file: the part files a chunk of projects is written
to, and the one `Writer` that copies them in with foreign keys on and hashes every table on
the way.

Why apart from `pipeline`: this is the storage format between the workers and the output
(which tables, in which order, which columns a part file holds), and what lets the
fingerprint be computed while writing; `pipeline` only decides what to generate.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from .fingerprint import EXCLUDED, serialize_rows
from .schema import (
    column_names,
    insert_statements,
    primary_key_columns,
    table_names,
    transport_statements,
)

# Insert order inside one project's batch: parents before children (foreign keys are on).
PROJECT_TABLES = (
    "projects",
    "project_memberships",
    "sections",
    "custom_field_settings",
    "tasks",
    "task_memberships",
    "task_dependencies",
    "task_followers",
    "stories",
    "custom_field_values",
    "custom_field_value_options",
    "custom_field_value_people",
    "task_tags",
    "status_updates",
)
# Every content table in an order that satisfies the foreign keys, as the pipeline writes them.
INSERT_ORDER = (
    "workspaces",
    "users",
    "time_off",
    "teams",
    "team_memberships",
    "custom_fields",
    "custom_field_enum_options",
    "tags",
    *PROJECT_TABLES,
)


def _pk_key(table: str):
    return itemgetter(*primary_key_columns()[table])  # one column: the value; more: a tuple


PK_KEYS = {t: _pk_key(t) for t in table_names()}


def write_part(path: Path, tables: dict[str, list[tuple]]) -> dict[str, bytes]:
    """Write a chunk's rows (per table, in primary-key order) to the part file ``path`` and
    return each table's rows serialized for the fingerprint (`serialize_rows`).

    The part's tables have no keys, constraints or indexes: the writer checks everything
    when it copies the rows into the output, in C, with foreign keys on.
    """
    payloads = {}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA page_size=65536")  # few, large writes and reads
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        for stmt in transport_statements():
            conn.execute(stmt)
        conn.execute("BEGIN")
        for t in PROJECT_TABLES:
            if tables.get(t):
                payloads[t] = serialize_rows(tables[t])
                _insert_sparse(conn, t, tables[t])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return payloads


# Rows of these tables differ in which columns they use: the part file takes each group
# (stories by subtype) with its used columns only, since binding the NULLs of a 20-column
# story costs more than grouping it.  Keyed by id, they read back in id order.
_GROUP_BY = {"stories": "resource_subtype"}


def _insert_sparse(conn: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    """Insert ``rows`` naming only the columns that hold a value (per group, in C mostly),
    ``_VALUES_ROWS`` rows a statement (one step inserts them all: fewer calls per row)."""
    names = column_names(table)
    groups = [rows]
    if table in _GROUP_BY:
        i = names.index(_GROUP_BY[table])
        by_key: dict[Any, list[tuple]] = defaultdict(list)
        for row in rows:
            by_key[row[i]].append(row)
        groups = list(by_key.values())
    for group in groups:
        # a column is used if the first row holds a value, else if any row does (counting
        # the Nones of a mostly-None column is fast: they are one object)
        n, first = len(group), group[0]
        if min(map(len, group)) != max(map(len, group)):  # rows go in flattened: never shift
            raise ValueError(f"{table}: rows of different lengths")
        used = [
            i
            for i, value in enumerate(first)
            if value is not None or list(map(itemgetter(i), group)).count(None) != n
        ]
        width = len(used)
        pick = None if width == len(first) else _picker(used)  # None: the rows as they are
        head = f'INSERT INTO "{table}" ({", ".join(f"[{names[i]}]" for i in used)}) VALUES '
        one = f"({', '.join('?' * width)})"
        full = n - n % _VALUES_ROWS
        if full:
            block = group[:full] if full < n else group
            flat = chain.from_iterable(block if pick is None else map(pick, block))
            # the values of each statement, _VALUES_ROWS rows at a time
            params = zip(*[flat] * (_VALUES_ROWS * width), strict=True)
            conn.executemany(head + ", ".join([one] * _VALUES_ROWS), params)
        if full < n:
            rest = group[full:]
            conn.executemany(head + one, rest if pick is None else map(pick, rest))


_VALUES_ROWS = 100  # rows per INSERT: 100 x 20 columns stays far below SQLite's 32766 values


def _picker(used: list[int]) -> Callable[[tuple], tuple]:
    """The used columns of a row, as a tuple."""
    if len(used) == 1:
        i = used[0]
        return lambda row: (row[i],)
    return itemgetter(*used)


class Writer:
    """Writes rows table by table and hashes them on the way.

    Rows must arrive in primary-key order per table (each batch sorted, batches in id order:
    ids grow with the project index), which is what lets the fingerprint be computed while
    writing instead of by reading the whole file back.  The organization's rows come as
    Python rows; each chunk of projects comes as a part file, copied in by SQLite itself.
    """

    def __init__(self, conn: sqlite3.Connection, counts: dict[str, int]):
        self.conn, self.counts = conn, counts
        self.hashers = {t: hashlib.sha256() for t in table_names() if t not in EXCLUDED}
        self.rehashed: dict[str, str] = {}  # tables hashed again after a later change (LLM)

    def add(self, table: str, rows: Any) -> None:
        if rows:
            rows = sorted(rows, key=PK_KEYS[table])
            self.hashers[table].update(serialize_rows(rows))
            self.conn.executemany(insert_statements()[table], rows)
            self.counts[table] += len(rows)

    def copy_part(self, part: Path, payloads: dict[str, bytes]) -> None:
        """Copy a chunk file's rows in (foreign keys on), parents first, and hash them."""
        self.conn.execute("ATTACH DATABASE ? AS part", (str(part),))
        try:
            self.conn.execute("PRAGMA part.mmap_size=1073741824")  # read mapped, not by pread
            self.conn.execute("BEGIN")
            for table in PROJECT_TABLES:
                if table in payloads:
                    cur = self.conn.execute(
                        f'INSERT INTO main."{table}" SELECT * FROM part."{table}" ORDER BY rowid'
                    )
                    self.counts[table] += cur.rowcount
                    self.hashers[table].update(payloads[table])
            self.conn.execute("COMMIT")
        finally:
            if self.conn.in_transaction:  # an error or interrupt mid-copy: the file is dropped
                self.conn.execute("ROLLBACK")
            self.conn.execute("DETACH DATABASE part")

    def digests(self) -> dict[str, str]:
        return {t: self.rehashed.get(t) or h.hexdigest() for t, h in self.hashers.items()}
