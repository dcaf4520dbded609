"""`Live`: hand a file's future out in batches, each one transaction with the clock.

A batch is just "advance to T": it writes exactly what `advance` would write to get from the
file's clock to T, so the content never depends on the cadence.  It is cheap because the
rows each moment leaves behind are prepared a week at a time in a forked process
(`days.py`), and a batch only copies, for the tasks and projects with a moment in its span,
the rows after their last one there, with the span's stories; rows are updated in place.

The file is in WAL mode while a writer is attached: readers are never blocked and never see
half a batch.  A thread copies every batch into the database file beside the batches
(`wal.py`) and the writer sets a journal size limit, so the WAL stays bounded even with a
reader always attached, and no batch waits for a reader.  A sidecar ``FILE.live.lock`` holds an
advisory lock (and the writer's pid) for as long as the runner is open.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import fcntl
import os
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputFileError
from ..fingerprint import fingerprint_file
from ..generators.time_off import Bookings
from ..generators.users import user_rows
from ..pipeline import (
    PROGRAM,
    PROJECT_TABLES,
    build_world,
    canonical_json,
    versions,
)
from ..worktime import DAY_MS, fmt_ms
from .advance import _iso, check_world, file_clock
from .apply import CHILD_TABLES, write_rows
from .days import PROJECT_ONCE, WINDOW, Builder, Day
from .lock import lock_path
from .settings import Settings
from .text import KEPT_RECORD, keep_row_text
from .wal import Checkpointer

JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024  # a WAL started over is cut back to this (bytes)
CLOSE_WAIT_MS = 2000  # how long closing waits for readers to leave the WAL, to empty it
# the tables a batch writes, parents first (foreign keys are checked at the commit anyway)
ORDER = ("users", "time_off", "team_memberships", *PROJECT_TABLES)


@dataclass(frozen=True)
class Batch:
    """One committed batch: the span of simulated time it covers and what it wrote."""

    previous: int
    clock: int
    events: dict[str, int]  # by kind: comments, changes, new tasks, status updates, ...
    seconds: float  # wall time the batch took
    lag: float = 0.0  # wall seconds behind its schedule when committed

    @property
    def size(self) -> int:
        return sum(self.events.values())


class Live:
    """A live writer attached to ``path``: `run_batch` moves its clock on.

    Open it (or use it as a context manager; opening builds the first simulated week), call
    ``run_batch(until)`` with the simulated time to reach (epoch ms; default: what the cadence
    and the wall clock allow), optionally `prepare` in the idle time between batches, and
    close it.
    """

    def __init__(
        self,
        path: str | Path,
        settings: Settings | None = None,
        *,
        wall: Callable[[], float] = time.time,
        prefetch: bool = True,
    ):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputFileError(f"{self.path}: no such file")
        now = file_clock(self.path)
        self.llm_text = now.llm_text  # rows it holds keep their (LLM) text: live/text.py
        self.settings = check_world(now, settings)
        self.config = dataclasses.replace(now.config, db_path=self.path)
        self.horizon = now.horizon
        self.clock = now.clock
        self.wall = wall
        self._lock = self._acquire_lock()
        try:
            self.world = build_world(self.config, self.settings.tuning)
            self.bookings = Bookings.of(self.world.absences)  # time_off rows as booked
            self.conn = self._open()
            self.run_id = self._start_run()
            self.wal = Checkpointer(self.path)  # copies each batch into the file, beside them
        except BaseException:
            self._release_lock()
            raise
        self.days: dict[int, Day] = {}  # by start: the days the clock has not yet passed
        self.prefetch = prefetch
        args = (self.config, self.world, self.settings.tuning, self.horizon)
        self._builds = Builder(args, self._lock.fileno(), self.clock // DAY_MS * DAY_MS)
        self.batches = 0
        self.written: Counter = Counter()
        if self.clock < self.horizon:
            # the first week is built before the cadence's clock starts (~20 s of CPU on the
            # large preset): else the second batch would owe all that time at once
            try:
                self._day_for(self.clock)
            except BaseException:
                self.close()
                raise
        self.started_wall = wall()
        self.started_clock = self.clock

    # -- lifecycle ----------------------------------------------------------------------
    def __enter__(self) -> Live:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _acquire_lock(self) -> Any:
        lock = open(lock_path(self.path), "a+")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.seek(0)
            pid = lock.read().strip() or "?"
            lock.close()
            raise InputFileError(
                f"{self.path}: a live writer is already attached (pid {pid}); stop it first"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        return lock

    def _release_lock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                lock_path(self.path).unlink()
            self._lock.close()
            self._lock = None

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's thread does them
        conn.execute("PRAGMA synchronous=NORMAL")
        # a working hour's batch on the large preset dirties ~4,000 pages: held in memory
        # until the commit, each goes to the WAL once (the default 2 MB cache spills them)
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _start_run(self) -> int:
        """A run row for this live session; each batch moves its anchor (the file's clock)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM generation_runs").fetchone()
            row = conn.execute(
                "SELECT fingerprint, row_counts_json FROM generation_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            now = _iso(dt.datetime.now(dt.UTC))
            record = self.settings.to_record() | {"live": True}
            conn.execute(
                "INSERT INTO generation_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    last + 1,
                    self.config.seed,
                    fmt_ms(self.clock),
                    canonical_json(self.config.to_dict() | {"continuous": record}),
                    versions()[PROGRAM],
                    canonical_json(versions()),
                    canonical_json({}),
                    row[1] if row else "{}",
                    row[0] if row else "",
                    now,
                    now,
                    KEPT_RECORD if self.llm_text else None,  # new rows: template text
                ),
            )
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return last + 1

    def close(self) -> None:
        """Stop preparing the next day, record the session's fingerprint and batch count,
        leave WAL mode if no reader is attached, and release the lock."""
        self._builds.close()
        if getattr(self, "conn", None) is None:
            self._release_lock()
            return
        self.wal.close()
        try:
            fp = fingerprint_file(self.path)
            self.conn.execute(
                "UPDATE generation_runs SET fingerprint = ?, stage_seconds_json = ?, "
                "finished_at = ? WHERE id = ?",
                (
                    fp,
                    canonical_json({"batches": self.batches}),
                    _iso(dt.datetime.now(dt.UTC)),
                    self.run_id,
                ),
            )
            # the last batches into the database file: a reader may hold them back a while
            self.conn.execute(f"PRAGMA busy_timeout={CLOSE_WAIT_MS}")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.suppress(sqlite3.OperationalError):
                self.conn.execute("PRAGMA journal_mode=DELETE")  # fails while readers stay
        finally:
            self.conn.close()
            self.conn = None  # type: ignore[assignment]
            self._release_lock()

    # -- the world, a day at a time ----------------------------------------------------
    def _day_for(self, t: int) -> Day:
        """The day holding ``t``.  Days come a window at a time from a forked process
        (`days.Builder`); the next window is built while this one's batches are written."""
        start = t // DAY_MS * DAY_MS
        day = self.days.get(start)
        if day is None:
            day = self.days[start] = self._builds.take(start)
        following = self._builds.window_of(start) + WINDOW * DAY_MS
        if self.prefetch and following < self.horizon and following not in self._builds:
            self._builds.submit(following)
        return day

    def prepare(self, until: int | None = None) -> None:
        """Receive now the simulated days a batch to ``until`` needs (default: one interval
        of the cadence ahead of the clock), so that it does not stop for them: receiving a
        day takes a few tenths of a second on the large preset.  Callers with idle time
        between batches (the CLI) call this in it.  A day whose window is still being built
        is left to the batch: nothing here waits for a builder."""
        if until is None:
            until = self.clock + int(self.settings.interval * self.settings.speed * 1000)
        t = self.clock
        while t < min(until, self.horizon):
            start = t // DAY_MS * DAY_MS
            if start not in self.days:
                if not self._builds.ready(start):
                    return
                self._day_for(start)
            t = start + DAY_MS

    # -- batches ------------------------------------------------------------------------
    def target(self) -> int:
        """The simulated time the next batch should reach, from the cadence and wall clock."""
        s = self.settings
        wall_ms = int(self.wall() * 1000)
        if s.mode == "emulated":
            goal = self.clock + int(s.interval * s.speed * 1000)
            goal = self._within_batch_range(goal)
        else:
            goal = self.started_clock + int((self.wall() - self.started_wall) * s.speed * 1000)
        if not s.allow_future:
            goal = min(goal, wall_ms)
        return max(min(goal, self.horizon), self.clock)

    def _within_batch_range(self, goal: int) -> int:
        """Move ``goal`` so that the batch holds batch_min..batch_max events (emulated),
        looking ahead day by day (at most a week) for quiet nights and weekends.  Events of
        one instant (a new task and its first changes share a millisecond) go in one batch:
        a batch too big ends after the instant of its batch_max-th event if all of that
        instant fits, else before it, and runs over only when fewer than batch_min events
        come before that instant."""
        s = self.settings
        ahead: list[int] = []
        t = self.clock
        while t < self.horizon and t < self.clock + 7 * DAY_MS:
            day = self._day_for(t)
            ahead += [m[0] for m in day.span(t, day.end)]
            # enough known: more than batch_max events (the cut is among them), or the goal
            # reached with batch_min of them (exactly batch_max short of the goal is not
            # enough: the next day may hold events before it)
            if len(ahead) > s.batch_max or (len(ahead) >= s.batch_min and day.end >= goal):
                break
            t = day.end
        n = bisect.bisect_left(ahead, goal)
        if n < s.batch_min:
            return ahead[s.batch_min - 1] + 1 if len(ahead) >= s.batch_min else t
        if n > s.batch_max:
            cut = ahead[s.batch_max - 1]  # ``ahead`` holds whole days: whole instants
            fits = bisect.bisect_right(ahead, cut) <= s.batch_max
            return cut + 1 if fits or bisect.bisect_left(ahead, cut) < s.batch_min else cut
        return goal

    def run_batch(self, until: int | None = None, due: float | None = None) -> Batch:
        """Advance the file to ``until`` (default: `target`) in one transaction."""
        t0 = time.perf_counter()
        goal = self.target() if until is None else until
        if goal > self.horizon:
            raise ConfigError([f"until: the clock can move up to {fmt_ms(self.horizon)}"])
        previous = self.clock
        events: Counter = Counter()
        if goal > previous:
            self.wal.check()  # no batch while the WAL cannot be checkpointed
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("PRAGMA defer_foreign_keys=ON")
                t = previous
                while t < goal:  # day by day
                    day = self._day_for(t)
                    hi = min(goal, day.end)
                    events += self._write_span(day, t, hi)
                    t = hi
                conn.execute(
                    "UPDATE generation_runs SET anchor = ?, finished_at = ? WHERE id = ?",
                    (fmt_ms(goal), _iso(dt.datetime.now(dt.UTC)), self.run_id),
                )
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            self.wal.committed()  # its thread copies the batch into the database file
            self.clock = goal
            today = goal // DAY_MS * DAY_MS
            self.days = {k: v for k, v in self.days.items() if k >= today}
            self._builds.drop(today)
        self.batches += 1
        self.written += events
        lag = max(0.0, self.wall() - due) if due is not None else 0.0
        return Batch(previous, self.clock, dict(events), time.perf_counter() - t0, lag)

    def _write_span(self, day: Day, lo: int, hi: int) -> Counter:
        """Write what changed in [lo, hi) of ``day``: the rows of touched tasks and
        projects as they stand at ``hi`` (as after their last moment in the span), new
        stories, status updates, people."""
        span = day.span(lo, hi)
        events = Counter(kind for *_, kind in span)
        people: set[int] = set()
        projects: dict[int, dict[str, list[tuple]]] = {}
        tasks: dict[int, dict[str, list[tuple]]] = {}
        stories: list[tuple] = []
        seen: set[tuple[int, int]] = set()
        for t, p, x, _kind in span:  # in time order: a later snapshot replaces an earlier
            if p < 0:
                people.add(x)
                continue
            if (p, t) in seen:
                continue
            seen.add((p, t))
            snap = day.snapshots[(p, t)]
            projects[p] = snap.project
            tasks.update(snap.tasks)
            stories += snap.stories
        tables: dict[str, list[tuple]] = defaultdict(list)
        since = fmt_ms(lo)
        for p, rows in sorted(projects.items()):
            for table, got in rows.items():
                if table in PROJECT_ONCE and day.created[p] < lo:
                    continue
                if table == "status_updates":
                    got = [r for r in got if r[-1] >= since]
                tables[table] += got
        for _, rows in sorted(tasks.items()):
            for table, got in rows.items():
                tables[table] += got
        tables["stories"] += stories
        if people:
            org = self.world.org
            ids = {org.users[i].id for i in people}
            tables["users"] = [r for r in user_rows(org.users, org.workspace, hi) if r[0] in ids]
            joined = {org.users[i].id for i in people if lo <= org.users[i].join < hi}
            tables["team_memberships"] = [r for r in self.world.team_members if r[1] in joined]
        tables["time_off"] = self.bookings.rows(self.world.org.users, lo, hi)
        self._upsert(tables, sorted(tasks))
        return events

    def _upsert(self, tables: dict[str, list[tuple]], task_ids: list[int]) -> None:
        """Write ``tables`` (the touched tasks' rows whole) as `apply.write_rows` does:
        only the rows and columns that differ from the file's."""
        conn = self.conn
        if self.llm_text:
            for table in ("tasks", "projects"):
                if tables.get(table):
                    tables[table] = keep_row_text(conn, table, tables[table])
        for table in ORDER:
            rows = tables.get(table, [])
            if table in CHILD_TABLES and task_ids:
                write_rows(conn, table, rows, task_ids)
            elif rows:
                write_rows(conn, table, rows)
