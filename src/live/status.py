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
    mode: str  # how the clock got where it is: generated | simulate | live
    settings: dict[str, Any]  # the latest run's continuous settings (its tuning: level, ...)
    writer_pid: int | None  # the attached live writer, if any
    last_hour: dict[str, int]
    last_day: dict[str, int]
    # the last live session, even when a `simulate` came after it: its run row, its mode and
    # cadence, where its clock stopped (or stands), and its batches (None while it runs);
    # None for a file never run live
    last_live: dict[str, Any] | None = None

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
            "SELECT id, anchor, config_json, stage_seconds_json, started_at "
            "FROM generation_runs ORDER BY id DESC"
        ).fetchall()
        if not rows:
            raise InputFileError(f"{path}: its generation_runs table is empty; no clock")
        try:
            clock = parse_ms(rows[0][1])
            runs = [(r, json.loads(r[2]).get("continuous") or {}) for r in rows]
            settings = runs[0][1]
            last_live = next((_live_run(r, s) for r, s in runs if s.get("live")), None)
        except (ValueError, TypeError, AttributeError) as e:
            raise InputFileError(f"{path}: its generation_runs record is not usable") from e
        mode = "generated" if len(rows) == 1 else "live" if settings.get("live") else "simulate"
        conn.execute("BEGIN")  # one snapshot for every count
        try:
            hour = _counts(conn, clock - HOUR_MS, clock)
            day = _counts(conn, clock - DAY_MS, clock)
        finally:
            conn.execute("COMMIT")
    pid = writer_pid(path)
    return Status(str(path), rows[0][1], len(rows), mode, settings, pid, hour, day, last_live)


def _live_run(row: tuple, settings: dict[str, Any]) -> dict[str, Any]:
    """A live session's run row as `status` shows it (its batch count is written when it
    stops: None while it runs, or after a kill -9)."""
    run, anchor, _, seconds_json, started = row
    batches = json.loads(seconds_json or "{}").get("batches")
    cadence = {k: v for k, v in settings.items() if k != "live"}
    return {"run": run, "started_at": started, "clock": anchor, "batches": batches} | cadence


def _counts(conn: sqlite3.Connection, lo: int, hi: int) -> dict[str, int]:
    span = (fmt_ms(lo), fmt_ms(hi))
    return {name: conn.execute(sql, span).fetchone()[0] for name, sql in KINDS}
