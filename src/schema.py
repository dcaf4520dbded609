"""Loading `schema.sql`, the one source of the DDL, from the repository root."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.sql"


@lru_cache(maxsize=1)
def schema_statements() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(table statements, index statements), split with sqlite3.complete_statement."""
    tables, indexes, buf = [], [], ""
    for line in SCHEMA_PATH.read_text(encoding="utf-8").splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            stmt = buf.strip()
            buf = ""
            body = "\n".join(x for x in stmt.splitlines() if not x.strip().startswith("--"))
            (indexes if body.strip().upper().startswith("CREATE INDEX") else tables).append(stmt)
    return tuple(tables), tuple(indexes)


def apply_schema(conn: sqlite3.Connection, with_indexes: bool = True) -> None:
    tables, indexes = schema_statements()
    for stmt in tables:
        conn.execute(stmt)
    if with_indexes:
        create_indexes(conn)


def create_indexes(conn: sqlite3.Connection) -> None:
    for stmt in schema_statements()[1]:
        conn.execute(stmt)


@lru_cache(maxsize=1)
def table_names() -> tuple[str, ...]:
    """Tables in schema order (parents before children)."""
    conn = sqlite3.connect(":memory:")
    apply_schema(conn, with_indexes=False)
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid")
    ]
    conn.close()
    return tuple(names)


@lru_cache(maxsize=1)
def primary_key_columns() -> dict[str, tuple[int, ...]]:
    """Positions of each table's primary-key columns, in key order."""
    conn = sqlite3.connect(":memory:")
    apply_schema(conn, with_indexes=False)
    out = {}
    for t in table_names():
        cols = conn.execute(f'PRAGMA table_info("{t}")').fetchall()
        out[t] = tuple(c[0] for c in sorted((c for c in cols if c[5] > 0), key=lambda c: c[5]))
    conn.close()
    return out


@lru_cache(maxsize=1)
def _columns() -> dict[str, tuple[str, ...]]:
    conn = sqlite3.connect(":memory:")
    apply_schema(conn, with_indexes=False)
    out = {t: tuple(c[1] for c in conn.execute(f'PRAGMA table_info("{t}")')) for t in table_names()}
    conn.close()
    return out


def insert_statements() -> dict[str, str]:
    """``INSERT INTO "t" VALUES (?, ...)`` with one parameter per column, for every table."""
    return {
        t: f'INSERT INTO "{t}" VALUES ({",".join("?" * len(cols))})'
        for t, cols in _columns().items()
    }


def column_names(table: str) -> tuple[str, ...]:
    return _columns()[table]


def transport_statements() -> list[str]:
    """CREATE TABLE statements with schema.sql's tables and columns but no types, keys or
    constraints: a file that only carries rows to another file, which checks them there.

    A table keyed by ``id`` keeps it as its rowid, so its rows read back in id order
    whatever order they went in; other tables read back in insertion order.
    """
    out = []
    for t, cols in _columns().items():
        keyed = primary_key_columns()[t] == (0,) and cols[0] == "id"
        defs = [f"[{c}]" for c in cols]
        if keyed:
            defs[0] = "[id] INTEGER PRIMARY KEY"
        out.append(f'CREATE TABLE "{t}" ({", ".join(defs)})')
    return out
