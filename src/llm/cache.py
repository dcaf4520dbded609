"""The on-disk cache of accepted LLM text: text written once is reproducible from then on.

A SQLite file of (key, text, title).  The key is the SHA-256 of the canonical JSON of what
decides the text: provider, model, the prompt file's hash, the item's variables and the request
parameters.  Never a key or a header.  An unreadable cache is bypassed, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any

# what a cache file may hold (tables and their automatic indexes); anything else is not ours
CACHE_OBJECTS = frozenset({"llm_text", "llm_runs", "sqlite_autoindex_llm_runs_1"})


def cache_key(parts: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


class Cache:
    """Reads and writes from the calling thread only (the stage's main thread)."""

    def __init__(self, path: Path | None, *, read_only: bool = False):
        self.path, self.read_only = path, read_only
        self.conn: sqlite3.Connection | None = None
        self.problem: str | None = None
        if path is None:
            return
        if read_only:  # `reproduce`: read what is there, never create or change a file
            if not path.is_file():
                self.problem = f"no LLM cache at {path}"
                return
            try:
                self.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                self.conn.execute("SELECT 1 FROM llm_text LIMIT 1")
            except sqlite3.Error as e:
                self.problem = f"LLM cache {path} is not usable ({e})"
                self.close()
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None)
            # never add our tables to someone else's database (the organization file given
            # by mistake, a damaged file): it must stay byte for byte as it was
            names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
            others = sorted(n for n in names if n not in CACHE_OBJECTS)
            if others:
                conn.close()
                self.problem = (
                    f"LLM cache {path} is not an LLM cache (it holds {', '.join(others[:3])}"
                    f"{', …' if len(others) > 3 else ''}); running without it"
                )
                return
            conn.execute(
                "CREATE TABLE IF NOT EXISTS llm_text "
                "(key TEXT PRIMARY KEY, text TEXT NOT NULL, title TEXT) WITHOUT ROWID"
            )
            conn.execute("CREATE TABLE IF NOT EXISTS llm_runs (key TEXT PRIMARY KEY, outcome BLOB)")
            self.conn = conn
        except (sqlite3.Error, OSError) as e:
            self.problem = f"LLM cache {path} is not usable ({e}); running without it"

    def get_many(self, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        if self.conn is None or not keys:
            return {}
        out: dict[str, tuple[str, str | None]] = {}
        try:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self.conn.execute(
                    f"SELECT key, text, title FROM llm_text WHERE key IN ({marks})", chunk
                )
                out.update({k: (t, title) for k, t, title in rows})
        except sqlite3.Error as e:
            self.problem = f"LLM cache {self.path} could not be read ({e}); running without it"
            self.close()
        return out

    def put_many(self, entries: list[tuple[str, str, str | None]]) -> None:
        if self.conn is None or not entries or self.read_only:
            return
        try:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT OR REPLACE INTO llm_text VALUES (?,?,?)", entries)
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self.problem = f"LLM cache {self.path} could not be written ({e}); text not kept"
            self.close()

    def get_run(self, key: str) -> dict[str, Any] | None:
        """A whole run's outcome (items, accepted texts, fallbacks), or None."""
        if self.conn is None:
            return None
        try:
            row = self.conn.execute("SELECT outcome FROM llm_runs WHERE key = ?", (key,)).fetchone()
            return None if row is None else json.loads(zlib.decompress(row[0]))
        except (sqlite3.Error, zlib.error, ValueError):
            return None  # an unreadable entry: the items are looked up one by one

    def put_run(self, key: str, outcome: dict[str, Any]) -> None:
        if self.conn is None or self.read_only:
            return
        blob = zlib.compress(json.dumps(outcome, ensure_ascii=False).encode(), 6)
        try:
            self.conn.execute("INSERT OR REPLACE INTO llm_runs VALUES (?, ?)", (key, blob))
        except sqlite3.Error as e:
            self.problem = f"LLM cache {self.path} could not be written ({e}); text not kept"

    def close(self) -> None:
        if self.conn is not None:
            try:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                self.conn.close()
            finally:
                self.conn = None
