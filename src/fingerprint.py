"""Content fingerprint: SHA-256 over every table's rows in primary-key order.

Each table gets its own SHA-256 over its rows in primary-key order, each row written as its
protocol-2 pickle without the memo (exact for SQLite's int, float, str and None values, and
encoded in C); the fingerprint is the SHA-256
of the lines ``name:digest`` for the tables sorted by name.  The run record (`generation_runs`,
which holds wall-clock timings) is excluded, so two runs with the same seed, anchor and config
print the same fingerprint.  Because rows can be hashed in any chunking, the generator hashes
them as it writes them and `fingerprint FILE` recomputes the same value from the file.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

from .inputs import is_corruption, open_readonly, reading

EXCLUDED = ("generation_runs", "push_map")  # a run record; push's bookkeeping


# A protocol-2 pickle of a tuple of four or more items is PROTO 2, MARK, the items, TUPLE,
# STOP: padding the rows with four Nones and cutting that frame off leaves exactly the rows'
# own encodings, one after another, whatever the chunking.
_HEAD = b"\x80\x02("
_PAD = (None, None, None, None)
_TAIL = b"NNNNt."


def serialize_rows(rows: Sequence[tuple]) -> bytes:
    """The bytes a table's digest is fed for these rows (already in primary-key order).

    Each row is its pickle (protocol 2, without the memo, so equal values give equal bytes
    however the objects are shared): exact for SQLite's int, float, str and None, and made
    in C, several times faster than formatting text.
    """
    if not rows:
        return b""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=2)
    pickler.fast = True  # no memo: rows of plain values hold no cycles
    pickler.dump((*rows, *_PAD))
    data = out.getvalue()
    return data[len(_HEAD) : -len(_TAIL)]


def combine(digests: Mapping[str, str]) -> str:
    lines = "".join(f"{name}:{digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(lines.encode()).hexdigest()


def primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    pk = sorted((c[5], c[1]) for c in cols if c[5] > 0)
    return [name for _, name in pk] or ["rowid"]


def table_digest(conn: sqlite3.Connection, table: str) -> str:
    h = hashlib.sha256()
    order = ", ".join(f'"{c}"' for c in primary_key(conn, table))
    cur = conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
    while chunk := cur.fetchmany(20_000):
        h.update(serialize_rows(chunk))
    return h.hexdigest()


def table_digests(conn: sqlite3.Connection) -> dict[str, str]:
    """Each table's digest (every table of the file but the run record and SQLite's own)."""
    return {t: table_digest(conn, t) for t in file_tables(conn)}


def file_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        if r[0] not in EXCLUDED
    ]


def fingerprint_connection(conn: sqlite3.Connection, known: Mapping[str, str] = {}) -> str:
    """The fingerprint of an open file; ``known`` gives digests already taken of some tables
    (an export hashes the rows it reads), which are then not read again."""
    return combine({t: known.get(t) or table_digest(conn, t) for t in file_tables(conn)})


def fingerprint_file(path: str | Path) -> str:
    """The fingerprint of the organization file at ``path``; InputFileError (one line, as the
    CLI prints it) for a path or file that is not one."""
    with closing(open_readonly(path)) as conn, reading(path):
        return fingerprint_connection(conn)


def readable_digests(path: str | Path, conn: sqlite3.Connection) -> tuple[dict, dict]:
    """(digests, damage): each table's digest, and for a table whose pages are corrupt the
    error instead, so one bad table does not hide what the others hold.  Any other error
    (a lock, say) is raised as the one-line InputFileError."""
    digests, damage = {}, {}
    with reading(path):
        for table in file_tables(conn):
            try:
                digests[table] = table_digest(conn, table)
            except sqlite3.DatabaseError as exc:
                if not is_corruption(exc):
                    raise
                damage[table] = str(exc)
    return digests, damage
