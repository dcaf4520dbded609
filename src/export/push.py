"""`push`: replay an organization file into a real Asana workspace, resumably.

What is done is recorded in the file's ``push_map`` table (created on the first push, from
schema.sql) right after Asana answers, one row per step; a rerun loads it and skips every
recorded step, so after Ctrl-C, a crash or a failed request the replay continues where it
stopped.  On Ctrl-C the requests in flight are finished and recorded before push stops.  The
token is passed in by the caller and only ever put in the Authorization header.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Hashable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InputFileError, SeedError
from ..pipeline import NullProgress, Progress
from ..schema import optional_table_statement
from .asana_client import DEFAULT_BASE_URL, AsanaClient, NotFound, PushError
from .push_plan import Stage, Step, build_plan
from .registry import ExportOptionError
from .source import open_source, reading_rows

MAP_TABLE = "push_map"
# Asana's documented rate limit per token: 1,500 requests per minute on paid plans (150 on
# free ones); the estimate assumes the paid limit, or the latency bound if that is lower.
REQUESTS_PER_MINUTE = 1500
SECONDS_PER_REQUEST = 0.4  # a typical round trip to Asana


class PushInterrupted(SeedError):
    """Ctrl-C (or SIGTERM) stopped the replay after the requests in flight were recorded."""

    exit_code = 130


@dataclass(frozen=True)
class StagePlan:
    name: str
    requests: int
    done: int


@dataclass(frozen=True)
class PushPlan:
    """What a replay sends: requests per stage and how many are already recorded as done."""

    workspace: str
    stages: tuple[StagePlan, ...]
    concurrency: int

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.stages)

    @property
    def remaining(self) -> int:
        return sum(s.requests - s.done for s in self.stages)

    def estimate_seconds(self, per_minute: int = REQUESTS_PER_MINUTE) -> float:
        rate = min(per_minute / 60, self.concurrency / SECONDS_PER_REQUEST)
        return self.remaining / rate


@dataclass(frozen=True)
class PushSummary:
    plan: PushPlan
    sent: int  # requests answered in this run
    skipped: int  # steps already done by an earlier run
    retries: int
    rate_limited: int
    unmatched_people: int
    seconds: float


class MapStore:
    """push_map: the steps done in one workspace, loaded once, each new one written (and
    committed) as soon as Asana answers."""

    def __init__(self, conn: sqlite3.Connection, workspace: str, create: bool):
        self.conn, self.workspace = conn, workspace
        self.lock = threading.Lock()
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MAP_TABLE,)
        ).fetchone()
        if not exists and create:
            conn.execute(optional_table_statement(MAP_TABLE))
        self.done: dict[tuple[str, int], str] = {}
        if exists or create:
            self.done = {
                (kind, local): remote
                for kind, local, remote in conn.execute(
                    f"SELECT kind, local_gid, remote_gid FROM {MAP_TABLE} WHERE workspace_gid = ?",
                    (workspace,),
                )
            }

    def gid(self, kind: str, local: int) -> str | None:
        return self.done.get((kind, local)) or None

    def record(self, rows: list[tuple[str, int, str]]) -> None:
        with self.lock:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO {MAP_TABLE} VALUES (?, ?, ?, ?)",
                [(self.workspace, *row) for row in rows],
            )
            for kind, local, remote in rows:
                self.done[kind, local] = remote


def _open_for_push(path: Path) -> sqlite3.Connection:
    """Check the file as every input is checked, then open it for writing push_map."""
    open_source(path).close()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN IMMEDIATE")  # fails now, not after the first request, if read-only
        conn.execute("ROLLBACK")
        return conn
    except sqlite3.DatabaseError as e:
        conn.close()
        raise InputFileError(f"{path}: cannot write push's record (push_map) into it: {e}") from e


def _plan_of(stages: list[Stage], store: MapStore, concurrency: int) -> PushPlan:
    return PushPlan(
        store.workspace,
        tuple(
            StagePlan(
                s.name, len(s.steps), sum((st.kind, st.local) in store.done for st in s.steps)
            )
            for s in stages
        ),
        concurrency,
    )


def plan(path: str | Path, workspace: str, concurrency: int = 4) -> PushPlan:
    """The replay's requests per stage, and how many an earlier run already did (no network)."""
    _check_options(workspace, concurrency)
    conn = open_source(path)
    try:
        with reading_rows(path):
            stages = build_plan(conn, workspace)
        return _plan_of(stages, MapStore(conn, workspace, create=False), concurrency)
    finally:
        conn.close()


def _check_options(workspace: str, concurrency: int) -> None:
    if not workspace.isdigit():
        raise ExportOptionError(f"--workspace: {workspace!r} is not an Asana gid (digits only)")
    if not 1 <= concurrency <= 15:
        raise ExportOptionError(f"--concurrency: {concurrency} is outside 1 … 15")


def _check_base_url(base_url: str) -> None:
    """An http(s) URL with a host, or one line now: tried as is, a bad one cost a minute of
    retries against no server and then read as if Asana were down."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ExportOptionError(
            f"ASANA_BASE_URL: {base_url!r} is not an http(s) URL with a host; "
            f"the default is {DEFAULT_BASE_URL}"
        )


def _run_step(step: Step, client: AsanaClient, store: MapStore) -> bool:
    """Send one step unless it is done; True if a request was sent."""
    if (step.kind, step.local) in store.done:
        return False
    path, data, schema = step.build(store.gid)
    try:
        answer = client.request(step.method, path, data, schema)
    except NotFound:
        if not step.missing_ok:
            raise
        answer = {}
    rows = [(step.kind, step.local, answer.get("gid", "") if step.creates else "")]
    if step.extra:
        rows += step.extra(answer)
    store.record(rows)
    return True


def push(
    path: str | Path,
    workspace: str,
    token: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    concurrency: int = 4,
    progress: Progress | None = None,
    client: AsanaClient | None = None,
) -> PushSummary:
    """Replay the file into the Asana workspace ``workspace``; see the module docstring.

    Raises PushError (exit 1) when Asana refuses a request or stays unreachable, with the
    file's push_map recording everything done so far; PushInterrupted (exit 130) on Ctrl-C,
    after the requests in flight are recorded.
    """
    _check_options(workspace, concurrency)
    _check_base_url(base_url)
    progress = progress or NullProgress()
    client = client or AsanaClient(token, base_url)
    started = time.monotonic()
    conn = _open_for_push(Path(path))
    stop = threading.Event()
    try:
        with reading_rows(path):  # before push_map is added: a damaged file stays as it was
            stages = build_plan(conn, workspace)
        store = MapStore(conn, workspace, create=True)
        the_plan = _plan_of(stages, store, concurrency)
        sent = 0
        sent_lock = threading.Lock()

        def run_lane(steps: list[Step]) -> None:
            nonlocal sent
            for step in steps:
                if stop.is_set():
                    return
                if _run_step(step, client, store):
                    with sent_lock:
                        sent += 1
                progress.advance(1)

        for stage, stage_plan in zip(stages, the_plan.stages, strict=True):
            progress.stage(stage.name, stage_plan.requests)
            lanes: dict[Hashable, list[Step]] = defaultdict(list)
            for step in stage.steps:
                lanes[step.lane].append(step)
            with ThreadPoolExecutor(concurrency) as pool:
                futures = [pool.submit(run_lane, steps) for steps in lanes.values()]
                try:
                    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                    for f in done:
                        if f.exception() is not None:
                            stop.set()
                            raise f.exception()
                except KeyboardInterrupt:
                    stop.set()
                    pool.shutdown(wait=True)  # the requests in flight finish and are recorded
                    raise PushInterrupted(
                        f"interrupted after {sent:,} requests, all recorded in {path}: run "
                        "push again to continue"
                    ) from None
        unmatched = sum(1 for (k, _), g in store.done.items() if k == "user" and not g)
        return PushSummary(
            the_plan,
            sent,
            the_plan.requests - the_plan.remaining,
            client.counters.retries,
            client.counters.rate_limited,
            unmatched,
            time.monotonic() - started,
        )
    finally:
        conn.close()


__all__ = ["PushError", "PushInterrupted", "PushPlan", "PushSummary", "plan", "push"]
