"""Content fingerprint: SHA-256 over every table's rows in primary-key order.

The run record (`generation_runs`, which holds wall-clock timings) is excluded, so two runs with
the same seed, anchor and config print the same fingerprint.  Rows are serialised with repr()
of the row tuple, which is exact for SQLite's int, float, str and None values.
"""

from __future__ import annotations

import hashlib
import sqlite3

EXCLUDED = ("generation_runs",)


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    pk = sorted((c[5], c[1]) for c in cols if c[5] > 0)
    return [name for _, name in pk] or ["rowid"]


def fingerprint_connection(conn: sqlite3.Connection) -> str:
    h = hashlib.sha256()
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    for table in tables:
        if table in EXCLUDED:
            continue
        order = ", ".join(f'"{c}"' for c in _primary_key(conn, table))
        h.update(f"\x00{table}\x00".encode())
        cur = conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
        while True:
            chunk = cur.fetchmany(20_000)
            if not chunk:
                break
            h.update("\n".join(map(repr, chunk)).encode())
            h.update(b"\n")
    return h.hexdigest()


def fingerprint_file(path: str) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return fingerprint_connection(conn)
    finally:
        conn.close()
