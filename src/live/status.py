"""`status`: a file's clock, its last continuous run's mode and cadence, what happened in the
last simulated hour and day, and whether a live writer is attached (works while one runs:
the file is only read, and the writer's lock is tested, never taken)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from ..inputs import open_readonly, reading
from ..worktime import DAY_MS, fmt_ms, parse_ms
from .lock import writer_pid

HOUR_MS = 3_600_000
# what counts as an event, by kind: (label, SQL over the span [?, ?))
KINDS = (
    (
        "comments",
        "SELECT count(*) FROM stories WHERE type = 'comment' AND created_at >= ? "
        "AND created_at < ?",
    ),
    (
        "changes",
        "SELECT count(*) FROM stories WHERE type = 'system' AND created_at >= ? AND created_at < ?",
    ),
    ("new tasks", "SELECT count(*) FROM tasks WHERE created_at >= ? AND created_at < ?"),
    ("completions", "SELECT count(*) FROM tasks WHERE completed_at >= ? AND completed_at < ?"),
    (
        "status updates",
        "SELECT count(*) FROM status_updates WHERE created_at >= ? AND created_at < ?",
    ),
    ("new projects", "SELECT count(*) FROM projects WHERE created_at >= ? AND created_at < ?"),
    ("joined", "SELECT count(*) FROM users WHERE created_at >= ? AND created_at < ?"),
    ("left", "SELECT count(*) FROM users WHERE left_at >= ? AND left_at < ?"),
)


@dataclass(frozen=True)
class Status:
    path: str
    clock: str
    runs: int
    mode: str  # generated | simulate | live
    settings: dict[str, Any]
    writer_pid: int | None  # the attached live writer, if any
    last_hour: dict[str, int]
    last_day: dict[str, int]

    @property
    def attached(self) -> bool:
        return self.writer_pid is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"attached": self.attached}


def status(path: str | Path) -> Status:
    """The file's continuous state, read without blocking a writer."""
    path = Path(path)
    with closing(open_readonly(path)) as conn, reading(path):
        conn.execute("PRAGMA busy_timeout=5000")
        rows = conn.execute(
            "SELECT anchor, config_json FROM generation_runs ORDER BY id DESC"
        ).fetchall()
        if not rows:
            raise InputFileError(f"{path}: its generation_runs table is empty; no clock")
        anchor, config_json = rows[0]
        try:
            clock = parse_ms(anchor)
            settings = json.loads(config_json).get("continuous") or {}
        except (ValueError, TypeError, AttributeError) as e:
            raise InputFileError(f"{path}: its generation_runs record is not usable") from e
        mode = "generated" if len(rows) == 1 else "live" if settings.get("live") else "simulate"
        conn.execute("BEGIN")  # one snapshot for every count
        try:
            hour = _counts(conn, clock - HOUR_MS, clock)
            day = _counts(conn, clock - DAY_MS, clock)
        finally:
            conn.execute("COMMIT")
    return Status(str(path), anchor, len(rows), mode, settings, writer_pid(path), hour, day)


def _counts(conn: sqlite3.Connection, lo: int, hi: int) -> dict[str, int]:
    span = (fmt_ms(lo), fmt_ms(hi))
    return {name: conn.execute(sql, span).fetchone()[0] for name, sql in KINDS}
