"""`advance`: move a file's clock forward, as `simulate` does.

The world at a later clock is what the one generator produces with the clock there: every
life is drawn to a fixed horizon and the clock only censors it (`generators/censor.py`), so
the file at the new clock holds the same past plus what happened since.  The new state is
generated beside the file and only what differs is written, in one transaction that also adds
a row to ``generation_runs`` with the new clock: the latest row's anchor is the file's clock.
Advancing 10 days once, 5 days twice or 1 day ten times gives the same file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import HORIZON_DAYS, Config
from ..errors import ConfigError, InputFileError
from ..fingerprint import combine
from ..inputs import open_readonly, reading
from ..llm import LLMReport, LLMSettings
from ..pipeline import (
    PROGRAM,
    Progress,
    Summary,
    canonical_json,
    generate,
    horizon_ms,
    versions,
)
from ..runs import read_run
from ..worktime import DAY_MS, fmt_ms, parse_ms
from .apply import apply_world
from .lock import writer_pid
from .settings import Settings, resolve_settings
from .text import carries_llm_text, fill_text


@dataclass(frozen=True)
class FileClock:
    """What a file's latest run record says: its config, clock and continuous settings."""

    config: Config
    clock: int
    settings: dict[str, Any]
    runs: int
    llm_text: bool = False  # a run wrote LLM text: existing rows keep theirs (live/text.py)

    @property
    def horizon(self) -> int:
        return horizon_ms(self.config)


def check_writable(path: Path) -> None:
    """An advance or a live writer changes the file in place and builds its next state in a
    folder beside it: a damaged or read-only file, or a read-only folder, is one line before
    any work, not a failure after it (or a write into damaged pages)."""
    with closing(open_readonly(path)) as conn, reading(path):  # path, header, tables first
        # the pages too (a second at large, against the advance's minutes): writing into a
        # damaged file spreads the damage, and the write may never touch the bad pages
        damage = " ".join(str(conn.execute("PRAGMA quick_check(1)").fetchone()[0]).split())
    if damage != "ok":
        raise InputFileError(
            f"{path}: corrupt: {damage}; simulate and live write into the file and would "
            "spread the damage: restore a copy or generate it again"
        )
    if not os.access(path, os.W_OK):
        raise InputFileError(
            f"{path}: read-only; simulate and live write into the file: make it writable "
            "(chmod u+w) or give a copy"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise InputFileError(
            f"{path}: its folder is read-only; simulate and live build the next state beside "
            "the file: make the folder writable or give a copy elsewhere"
        )


def file_clock(path: str | Path) -> FileClock:
    """The file's config and clock (its latest run's anchor), or InputFileError."""
    run = read_run(path)
    cfg = dict(run["config"])
    settings = cfg.pop("continuous", None) or {}
    config = Config.from_dict(cfg)
    try:
        clock = parse_ms(run["anchor"])
    except (TypeError, ValueError) as e:
        raise InputFileError(f"{path}: its generation_runs anchor is not a timestamp") from e
    with closing(open_readonly(path)) as conn:  # every table: an advance writes them all
        runs = conn.execute("SELECT count(*) FROM generation_runs").fetchone()[0]
        llm_text = carries_llm_text(conn)
    return FileClock(config, clock, settings, runs, llm_text)


@dataclass(frozen=True)
class Advanced:
    """One advance: from which clock to which, what was written, how long it took."""

    path: Path
    previous: str
    clock: str
    written: Counter
    fingerprint: str
    seconds: float
    llm: LLMReport | None = None  # what the LLM tier did for the new rows, when it was on

    def events(self) -> dict[str, int]:
        """New rows by kind (stories, tasks, projects, status updates, ...)."""
        return {k[:-1]: v for k, v in sorted(self.written.items()) if k.endswith("+") and v}


def target_clock(now: FileClock, days: float | None, until: int | None) -> int:
    """The clock an advance moves to, checked against the horizon (ConfigError if past it)."""
    if (days is None) == (until is None):
        raise ConfigError(["advance: give either days or until"])
    if days is not None:
        if not isinstance(days, int | float) or isinstance(days, bool) or not days > 0:
            raise ConfigError([f"days (--days): must be a number above 0, got {days!r}"])
        until = now.clock + round(days * DAY_MS)
    assert until is not None
    if until > now.horizon:
        raise ConfigError(
            [
                f"the clock can move up to {fmt_ms(now.horizon)} ({HORIZON_DAYS} days after "
                f"the end date {now.config.end_date}); {fmt_ms(until)} is past it"
            ]
        )
    return until


def check_world(now: FileClock, settings: Settings | None) -> Settings:
    """The settings to record: ``settings``, whose world tuning (level, steadiness) must be
    the one the file was first continued with (it decides everything after the end date)."""
    if settings is None:
        return Settings.from_record(now.settings) if now.settings else Settings()
    if now.settings:
        before = Settings.from_record(now.settings).world()
        if before != settings.world():
            change = ", ".join(
                f"{k} {before[k]!r} -> {v!r}" for k, v in settings.world().items() if before[k] != v
            )
            raise ConfigError(
                [
                    f"this file was continued with {before}; its tuning decides everything after "
                    f"the end date, so it cannot change ({change}): continue a fresh copy instead"
                ]
            )
    return settings


def advance(
    path: str | Path,
    days: float | None = None,
    *,
    until: int | None = None,
    settings: Settings | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    llm: LLMSettings | None = None,
    llm_api_key: str | None = None,
) -> Advanced:
    """Move the file at ``path`` forward by ``days`` (or to the epoch-ms clock ``until``).

    ``settings`` (the continuous mode's tuning) is recorded with the advance; ``config``
    gives them instead as `--config` does: a live TOML file's path, or a mapping of its
    keys (``{"level": "high"}``).  The file is
    changed in one transaction: an interrupt leaves it as it was.  Rows the file holds keep
    their text (LLM text included); the rows the advance adds get LLM text when ``llm`` is
    on (its key passed apart, as `generate` takes it), else the templates (live/text.py).
    """
    path = Path(path)
    check_writable(path)
    pid = writer_pid(path)
    if pid is not None:
        raise InputFileError(f"{path}: a live writer is attached (pid {pid}); stop it first")
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    if config is not None:
        if settings is not None:
            raise ConfigError(["advance: give settings or config, not both"])
        settings = resolve_settings(config_file=config)
    now = file_clock(path)
    settings = check_world(now, settings)
    target = target_clock(now, days, until)
    with tempfile.TemporaryDirectory(prefix=f".{path.name}.", dir=path.parent) as tmp:
        nxt = Path(tmp) / "next.sqlite"
        summary = generate(
            dataclasses.replace(now.config, db_path=path),
            nxt,
            progress=progress,
            workers=workers,
            clock=target,
            tuning=settings.tuning,
            indexes=False,  # read once, by key: its indexes would cost more than they save
        )
        digests, report, llm_json = fill_text(nxt, path, now.llm_text, llm, llm_api_key, progress)
        if digests or report is not None:
            merged = summary.table_digests | digests
            summary = dataclasses.replace(
                summary, table_digests=merged, fingerprint=combine(merged), llm=report
            )
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("ATTACH DATABASE ? AS next", (str(nxt),))
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("PRAGMA defer_foreign_keys=ON")
                written = apply_world(conn, "next", since=fmt_ms(now.clock))
                record_run(conn, summary, settings, started, time.perf_counter() - t0, llm_json)
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE next")
        finally:
            conn.close()
    return Advanced(
        path,
        fmt_ms(now.clock),
        fmt_ms(target),
        written,
        summary.fingerprint,
        time.perf_counter() - t0,
        summary.llm,
    )


def record_run(
    conn: sqlite3.Connection,
    summary: Summary,
    settings: Settings,
    started: dt.datetime,
    seconds: float,
    llm_json: str | None = None,
) -> None:
    """Add the advance's row to generation_runs: its clock is the file's clock from now on."""
    (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM generation_runs").fetchone()
    config = summary.config.to_dict() | {"continuous": settings.to_record()}
    finished = dt.datetime.now(dt.UTC)
    conn.execute(
        "INSERT INTO generation_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            last + 1,
            summary.seed,
            summary.anchor,
            canonical_json(config),
            versions()[PROGRAM],
            canonical_json(versions()),
            canonical_json({"advance": round(seconds, 3)}),
            canonical_json(summary.row_counts),
            summary.fingerprint,
            _iso(started),
            _iso(finished),
            llm_json,  # how the new rows got their text, when a run wrote LLM text (text.py)
        ),
    )


def _iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
