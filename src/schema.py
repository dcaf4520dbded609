"""Loading `schema.sql`, the one source of the DDL, from the repository root."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.sql"
OPTIONAL_MARK = "-- optional:"


@lru_cache(maxsize=1)
def _statements() -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    tables, indexes, optional, buf = [], [], {}, ""
    for line in SCHEMA_PATH.read_text(encoding="utf-8").splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            stmt = buf.strip()
            buf = ""
            lines = stmt.splitlines()
            body = "\n".join(x for x in lines if not x.strip().startswith("--")).strip()
            if body.upper().startswith("CREATE INDEX"):
                indexes.append(stmt)
            elif any(x.startswith(OPTIONAL_MARK) for x in lines):
                optional[body.split()[2]] = stmt
            else:
                tables.append(stmt)
    return tuple(tables), tuple(indexes), optional


def schema_statements() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(table statements, index statements), split with sqlite3.complete_statement.  Tables
    whose comment starts with ``-- optional:`` are left out: the code that needs one creates
    it (`optional_table_statement`)."""
    tables, indexes, _ = _statements()
    return tables, indexes


def optional_table_statement(name: str) -> str:
    """The CREATE TABLE statement of an optional table of schema.sql (e.g. push_map)."""
    return _statements()[2][name]


def optional_table_names() -> tuple[str, ...]:
    return tuple(_statements()[2])


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
def _table_info() -> dict[str, tuple[tuple, ...]]:
    """PRAGMA table_info of each table of schema.sql, in schema order (parents before
    children), read once from an in-memory copy."""
    conn = sqlite3.connect(":memory:")
    try:
        apply_schema(conn, with_indexes=False)
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid"
            )
        ]
        return {t: tuple(conn.execute(f'PRAGMA table_info("{t}")').fetchall()) for t in names}
    finally:
        conn.close()


@lru_cache(maxsize=1)
def _tables() -> dict[str, tuple[tuple[str, ...], tuple[int, ...]]]:
    """Each table with its column names and the positions of its primary-key columns in key
    order."""
    out = {}
    for t, info in _table_info().items():
        key = tuple(c[0] for c in sorted((c for c in info if c[5] > 0), key=lambda c: c[5]))
        out[t] = (tuple(c[1] for c in info), key)
    return out


def declared_columns(table: str) -> tuple[tuple[str, str], ...]:
    """(name, declared type) of each column of ``table`` as schema.sql declares it."""
    return tuple((c[1], c[2]) for c in _table_info()[table])


def table_names() -> tuple[str, ...]:
    """Tables in schema order (parents before children)."""
    return tuple(_tables())


def primary_key_columns() -> dict[str, tuple[int, ...]]:
    """Positions of each table's primary-key columns, in key order."""
    return {t: key for t, (_, key) in _tables().items()}


def column_names(table: str) -> tuple[str, ...]:
    return _tables()[table][0]


def column_declarations(table: str) -> tuple[tuple[str, str, bool], ...]:
    """Each column of ``table`` as (name, declared type upper-cased, nullable), from schema.sql:
    what exporters need to type a column without looking at its values."""
    return tuple((c[1], c[2].upper(), not c[3] and not c[5]) for c in _table_info()[table])


@lru_cache(maxsize=1)
def insert_statements() -> dict[str, str]:
    """``INSERT INTO "t" VALUES (?, ...)`` with one parameter per column, for every table."""
    return {
        t: f'INSERT INTO "{t}" VALUES ({",".join("?" * len(cols))})'
        for t, (cols, _) in _tables().items()
    }


@lru_cache(maxsize=1)
def transport_statements() -> tuple[str, ...]:
    """CREATE TABLE statements with schema.sql's tables and columns but no types, keys or
    constraints: a file that only carries rows to another file, which checks them there.

    A table keyed by ``id`` keeps it as its rowid, so its rows read back in id order
    whatever order they went in; other tables read back in insertion order.
    """
    out = []
    for t, (cols, key) in _tables().items():
        defs = [f"[{c}]" for c in cols]
        if key == (0,) and cols[0] == "id":
            defs[0] = "[id] INTEGER PRIMARY KEY"
        out.append(f'CREATE TABLE "{t}" ({", ".join(defs)})')
    return tuple(out)
