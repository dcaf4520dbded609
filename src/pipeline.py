"""`generate`: one config in, one SQLite file out, written atomically.

Stages run in a fixed order (organization, catalog, projects, indexes); each reports
progress through the small `Progress` protocol and is timed.  The file is built in a locked
hidden folder beside the target and put in place only when complete (`output.atomic_target`),
so an interrupt or a crash never leaves a half-written target or a stray temporary file.

Projects are generated in chunks (by forked workers for large runs), each written to a part
file in that folder; the one writer copies the parts in, in project order, with foreign keys
on.  The output is the same whatever the number of workers.  Workers die with the process
that forked them, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import platform
import signal
import sqlite3
import tempfile
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from importlib import metadata
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

from .config import CALENDAR_LEAD, CALENDAR_TAIL, HORIZON_DAYS, NO_TUNING, Config, Tuning
from .errors import ConfigError, RunError
from .fingerprint import EXCLUDED, combine, serialize_rows
from .generators.continuation import continue_users, project_schedule
from .generators.custom_fields import custom_field_rows, generate_custom_fields
from .generators.projects import plan_projects, reviewer_memberships
from .generators.tags import generate_tags
from .generators.tasks import generate_project
from .generators.teams import generate_teams, team_membership_rows, team_rows
from .generators.time_off import absences_by_user, generate_time_off, time_off_rows
from .generators.users import generate_users, user_rows
from .generators.workspace import generate_workspace, workspace_rows
from .llm import LLMReport, LLMSettings, rewrite_database
from .model import Org
from .output import atomic_target, check_target
from .rng import Stream, rng_for
from .schema import (
    apply_schema,
    column_names,
    create_indexes,
    insert_statements,
    primary_key_columns,
    table_names,
    transport_statements,
)
from .text import load_vocabulary
from .worktime import DAY_MS, WORKFORCE_ZONES, build_calendar, date_ms, fmt_ms

PROGRAM = "asana-seed"
# Insert order inside one project's batch: parents before children (foreign keys are on).
PROJECT_TABLES = (
    "projects",
    "project_memberships",
    "sections",
    "custom_field_settings",
    "tasks",
    "task_memberships",
    "task_dependencies",
    "task_followers",
    "stories",
    "custom_field_values",
    "custom_field_value_options",
    "custom_field_value_people",
    "task_tags",
    "status_updates",
)
# Every content table in an order that satisfies the foreign keys, as the pipeline writes them.
INSERT_ORDER = (
    "workspaces",
    "users",
    "time_off",
    "teams",
    "team_memberships",
    "custom_fields",
    "custom_field_enum_options",
    "tags",
    *PROJECT_TABLES,
)


def _pk_key(table: str):
    return itemgetter(*primary_key_columns()[table])  # one column: the value; more: a tuple


PK_KEYS = {t: _pk_key(t) for t in table_names()}


class Progress(Protocol):
    """How the library reports progress; the CLI draws it with rich, tests ignore it."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class NullProgress:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@dataclass(frozen=True)
class Summary:
    """What a run produced: where, from what, how much, how long, and its fingerprint."""

    path: Path
    seed: int
    anchor: str
    fingerprint: str
    row_counts: dict[str, int]
    stage_seconds: dict[str, float]
    config: Config
    table_digests: dict[str, str] = dataclasses.field(default_factory=dict)  # per table
    llm: LLMReport | None = None  # what the LLM text tier did, when it was on


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for dist in (PROGRAM, "numpy", "faker", "holidays", "tzdata"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def anchor_ms(config: Config) -> int:
    """The anchor: 00:00 UTC on the end date, the end of the history (a new file's clock)."""
    return date_ms(config.end_date)


def horizon_ms(config: Config) -> int:
    """How far every life is drawn: the clock of a continued file may move up to it."""
    return anchor_ms(config) + HORIZON_DAYS * DAY_MS


def generate(
    config: Config,
    path: str | Path | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
    clock: int | None = None,
    tuning: Tuning = NO_TUNING,
    llm: LLMSettings | None = None,
    llm_api_key: str | None = None,
    indexes: bool = True,
) -> Summary:
    """Generate the organization described by ``config`` into ``path`` (default: its db_path).

    ``workers`` processes generate projects in parallel (default: 2 for large runs, else 1);
    the content is identical for any worker count.  ``clock`` (epoch ms, default the anchor)
    is the moment the file shows: a later clock gives the same history and what followed.
    ``tuning`` shapes new work after the end date (continuous mode's level and slider).
    ``llm`` turns the LLM text tier on (text
    columns only; ``llm_api_key`` is used for the calls and kept nowhere).  ``indexes=False``
    leaves out the secondary indexes and planner statistics (a scratch file read once by key).

    Raises OutputPathError or OutputExistsError before any work (and OutputExistsError at the
    end if the target appeared meanwhile: it is never replaced without ``overwrite``),
    DiskFullError when the disk fills, RunError when a worker process dies.
    """
    given = path if path is not None else config.db_path
    progress = progress or NullProgress()
    check_target(given, overwrite)  # as given: a trailing slash names a folder
    target = Path(given)
    config = dataclasses.replace(config, db_path=target)  # the record names the real file
    workers = default_workers(config) if workers is None else workers
    if clock is not None and not anchor_ms(config) <= clock <= horizon_ms(config):
        raise ConfigError(
            [
                f"clock: must lie from the end date to {HORIZON_DAYS} days after it "
                f"({fmt_ms(anchor_ms(config))} to {fmt_ms(horizon_ms(config))}), got {clock}"
            ]
        )
    with atomic_target(target, overwrite=overwrite, expected_bytes=estimated_bytes(config)) as tmp:
        return _build(
            config, tmp, target, progress, workers, clock, tuning, llm, llm_api_key, indexes
        )


def estimated_bytes(config: Config) -> int:
    """About how large the file will be (for a full disk's message): measured at 4.2-4.3 kB
    per planned top-level task from 1,800 to 100k tasks, plus the organization."""
    return 256 * 1024 + 4300 * config.projects * config.tasks_per_project


@dataclass(frozen=True)
class _ProjectJob:
    """Everything a worker needs to generate any project (inherited by fork, not pickled)."""

    seed: int
    org: Org
    plans: list
    tags: list
    vocab: Any
    tasks_per_project: int
    anchor: int
    parts: Path  # where chunk files are written (a temporary folder beside the output)
    clock: int | None = None
    horizon: int | None = None
    tuning: Tuning = NO_TUNING  # continuous mode: new work after the end date

    def run(self, indices: range) -> tuple[Path, dict[str, bytes]]:
        """Generate a chunk of projects into a small SQLite file of its own, and return it
        with each table's rows serialized for the fingerprint (`serialize_rows`).

        Rows go in sorted by primary key (ids grow with the project index, so the chunk is
        in key order).  The part's tables have no keys, constraints or indexes: the writer
        checks everything when it copies the rows into the output, in C, with foreign keys
        on.
        """
        tables: dict[str, list[tuple]] = defaultdict(list)
        for i in indices:
            if self.clock is not None and self.plans[i].created >= self.clock:
                continue  # starts after the clock: nothing of it shows yet
            project = generate_project(
                self.seed,
                self.org,
                self.plans[i],
                self.plans,
                self.tags,
                self.vocab,
                self.tasks_per_project,
                self.anchor,
                self.clock,
                self.horizon,
                self.tuning,
            )
            for t, rows in project.tables.items():
                tables[t] += sorted(rows, key=PK_KEYS[t])
        path = self.parts / f"part-{indices.start:07d}.sqlite"
        payloads = {}
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA page_size=65536")  # few, large writes and reads
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            for stmt in transport_statements():
                conn.execute(stmt)
            conn.execute("BEGIN")
            for t in PROJECT_TABLES:
                if tables.get(t):
                    payloads[t] = serialize_rows(tables[t])
                    _insert_sparse(conn, t, tables[t])
            conn.execute("COMMIT")
        finally:
            conn.close()
        return path, payloads


# Rows of these tables differ in which columns they use: the part file takes each group
# (stories by subtype) with its used columns only, since binding the NULLs of a 20-column
# story costs more than grouping it.  Keyed by id, they read back in id order.
_GROUP_BY = {"stories": "resource_subtype"}


def _insert_sparse(conn: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    """Insert ``rows`` naming only the columns that hold a value (per group, in C mostly)."""
    names = column_names(table)
    groups = [rows]
    if table in _GROUP_BY:
        i = names.index(_GROUP_BY[table])
        by_key: dict[Any, list[tuple]] = defaultdict(list)
        for row in rows:
            by_key[row[i]].append(row)
        groups = list(by_key.values())
    for group in groups:
        columns = list(zip(*group, strict=True))
        used = [i for i, values in enumerate(columns) if values.count(None) != len(group)]
        conn.executemany(
            f'INSERT INTO "{table}" ({", ".join(f"[{names[i]}]" for i in used)}) '
            f"VALUES ({', '.join('?' * len(used))})",
            zip(*(columns[i] for i in used), strict=True),
        )


_JOB: _ProjectJob | None = None
CHUNK = 16  # projects per worker call
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _init_worker(parent: int) -> None:
    """Set up a forked worker: it dies with its parent and takes signals as a pool's worker
    should.

    SIGTERM gets its default action (the CLI's handler, inherited by fork, would turn it into
    an exception that a worker blocked on a full pipe never gets out of), and SIGINT is
    ignored: Ctrl-C reaches the whole process group, and the parent, which owns the clean-up,
    stops the workers itself.

    A worker allocates millions of short-lived objects that hold no cycles, so the cyclic
    collector's frequent passes are nearly all waste (about 13% of its time): inherited
    objects are frozen out of them and the passes made rare.  Only the worker's own process
    is touched.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # held while forking
    _die_with_parent(parent)
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _die_with_parent(parent: int) -> None:
    """Make the kernel send SIGKILL to this worker when its parent dies (Linux), or else
    watch the parent from a thread.  Either way a parent killed with SIGKILL (an OOM kill,
    ``kill -9``) leaves no worker running, holding the build folder and the parent's output.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux: no prctl
        armed = False
    if os.getppid() != parent:  # the parent died before the kernel was told to watch it
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _run_chunk(indices: range) -> tuple[Path, dict[str, bytes]]:
    assert _JOB is not None
    return _JOB.run(indices)


def _run_projects(job: _ProjectJob, workers: int):
    """Yield each chunk (its projects, part file and payloads) in project order, computed
    here or by forked workers.

    Each project draws only from its own keyed streams, so the rows are identical whatever
    the worker count; at most 2 chunks per worker are in flight, which keeps memory flat.
    On any error or interrupt (or when the consumer stops early) the workers are killed at
    once rather than left to finish their chunks; a worker that died becomes a RunError.
    """
    chunks = [range(i, min(i + CHUNK, len(job.plans))) for i in range(0, len(job.plans), CHUNK)]
    if workers <= 1 or len(chunks) < 2:
        for c in chunks:
            yield c, job.run(c)
        return
    global _JOB
    _JOB = job
    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),)
    )
    try:
        pending: deque = deque()
        it = iter(chunks)
        with _signals_held():  # the first submit forks every worker (fork context)
            for c in it:
                pending.append((c, pool.submit(_run_chunk, c)))
                if len(pending) >= 2 * workers:
                    break
        while pending:
            c, future = pending.popleft()
            result = future.result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(_run_chunk, nxt)))
            yield c, result
    except BrokenProcessPool as e:  # from a result or a submit: a worker is gone
        how = _how_it_died(list((pool._processes or {}).values()))  # before _stop kills more
        _stop(pool)
        raise RunError(f"a worker process died ({how}); no output was written") from e
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown()
    finally:
        _JOB = None


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM while workers are forked, and deliver them after.

    A signal that lands in fork's own hooks is swallowed ("Exception ignored"): the run
    would go on, or a worker would die before its handlers are set.  Workers inherit the
    held mask and release it in `_init_worker` once their handlers are right.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _how_it_died(processes: list) -> str:
    """How the first worker to die ended.  A broken pool sends SIGTERM to the others, so
    a worker ended by SIGTERM is named only when no other explains the break."""
    for p in processes:
        p.join(timeout=1)
    ended = [p.exitcode for p in processes if p.exitcode]
    ended.sort(key=lambda code: code == -signal.SIGTERM)
    if not ended:
        return "ended abruptly"
    if ended[0] < 0:
        return f"killed by {signal.Signals(-ended[0]).name}"
    return f"exit code {ended[0]}"


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the workers now and wait for them (a chunk in progress would take seconds)."""
    processes = list((pool._processes or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for p in processes:
        p.join(timeout=5)


def default_workers(config: Config) -> int:
    """Parallel only where it pays: forking costs more than a small run takes."""
    if config.projects * config.tasks_per_project < 20_000:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


@dataclass
class World:
    """The organization and catalog a file's projects are built on, and the projects' plans
    up to the horizon (continuous mode shows more of them as its clock moves)."""

    org: Org
    vocab: Any
    team_members: list[tuple]
    field_rows: list[tuple]
    option_rows: list[tuple]
    tags: list[tuple]
    plans: list
    absences: list = dataclasses.field(default_factory=list)  # everyone's time off (time_off rows)


def build_world(config: Config, tuning: Tuning = NO_TUNING) -> World:
    """Everything but the projects' activity, from the config's keyed streams."""
    seed = config.seed
    horizon = horizon_ms(config)
    vocab = load_vocabulary(config.industry)
    first = config.start_date - CALENDAR_LEAD
    last = config.end_date + CALENDAR_TAIL
    calendars = {
        z: build_calendar(seed, z, first, last) for z, _ in WORKFORCE_ZONES[config.workforce]
    }
    workspace = generate_workspace(rng_for(seed, Stream.WORKSPACE), config, vocab)
    teams = generate_teams(rng_for(seed, Stream.TEAMS), workspace, vocab, config.users)
    users = generate_users(rng_for(seed, Stream.USERS), config, workspace, teams, calendars)
    users = continue_users(seed, config, workspace, teams, users, calendars, horizon)
    # personal time off: booked before the end date (planned up to four weeks beyond it), so
    # the same at every clock
    absences = generate_time_off(seed, config, users, calendars)
    org = Org(workspace, teams, users, calendars, absences_by_user(absences))
    team_members = team_membership_rows(rng_for(seed, Stream.TEAMS, 1), teams, users)
    # each team's designated reviewers (Legal, Finance, ..., an executive) join it
    team_members += [
        (teams[t].id, users[u].id, 0, 0, fmt_ms(since))
        for t, u, since in reviewer_memberships(seed, org)
    ]
    fields = generate_custom_fields(vocab)
    field_rows, option_rows = custom_field_rows(
        rng_for(seed, Stream.CUSTOM_FIELDS), fields, workspace
    )
    tags = generate_tags(rng_for(seed, Stream.TAGS), vocab, workspace)
    later = project_schedule(seed, config, horizon, tuning.rate)
    plans = plan_projects(seed, config, org, vocab, fields, later)
    return World(org, vocab, team_members, field_rows, option_rows, tags, plans, absences)


def _build(
    config: Config,
    tmp: Path,
    target: Path,
    progress: Progress,
    workers: int,
    clock: int | None = None,
    tuning: Tuning = NO_TUNING,
    llm: LLMSettings | None = None,
    llm_api_key: str | None = None,
    indexes: bool = True,
) -> Summary:
    started = dt.datetime.now(dt.UTC)
    seconds: dict[str, float] = {}
    counts: dict[str, int] = defaultdict(int)
    seed = config.seed
    anchor = anchor_ms(config)
    clock = anchor if clock is None else clock
    horizon = horizon_ms(config)

    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-200000")
        apply_schema(conn, with_indexes=False)
        writer = _Writer(conn, counts)
        conn.execute("BEGIN")

        # --- organization and catalog -------------------------------------------------
        t0 = time.perf_counter()
        progress.stage("organization", 1)
        world = build_world(config, tuning)
        org, users = world.org, world.org.users
        writer.add("workspaces", workspace_rows(org.workspace))
        writer.add("users", user_rows(users, org.workspace, clock))
        writer.add("time_off", time_off_rows(world.absences, users))
        writer.add("teams", team_rows(org.teams, org.workspace))
        joined = {u.id for u in users if u.join < clock}
        writer.add("team_memberships", [r for r in world.team_members if r[1] in joined])
        progress.advance()
        seconds["organization"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        progress.stage("catalog", 1)
        writer.add("custom_fields", world.field_rows)
        writer.add("custom_field_enum_options", world.option_rows)
        writer.add("tags", world.tags)
        progress.advance()
        seconds["catalog"] = time.perf_counter() - t0

        # --- projects and their activity ----------------------------------------------
        t0 = time.perf_counter()
        plans, tags = world.plans, world.tags
        progress.stage("projects", len(plans))
        conn.execute("COMMIT")
        with tempfile.TemporaryDirectory(prefix="parts-", dir=tmp.parent) as parts:
            job = _ProjectJob(
                seed,
                org,
                plans,
                tags,
                world.vocab,
                config.tasks_per_project,
                anchor,
                Path(parts),
                clock,
                horizon,
                tuning,
            )
            # closing(): the workers are shut down before the part folder is removed
            chunks = contextlib.closing(_run_projects(job, workers))
            with chunks as results:
                for chunk, (part, payloads) in results:
                    writer.copy_part(part, payloads)
                    part.unlink()
                    progress.advance(len(chunk))
        seconds["projects"] = time.perf_counter() - t0

        # --- indexes and checks ------------------------------------------------------
        t0 = time.perf_counter()
        progress.stage("indexes", 1)
        # The workers are done, so the index sorts may use the second core.  SQLite sizes
        # a sort's in-memory runs by the page cache: small runs (16 MB) sort within the CPU
        # caches and merge on both threads, about twice as fast at xl as 200 MB runs.  No
        # foreign_key_check here: foreign keys were on for every insert, which refuses a
        # dangling one at once (a whole pass over the file would find nothing more).
        if indexes:
            conn.execute("PRAGMA threads=2")
            conn.execute("PRAGMA cache_size=-16000")
            conn.execute("BEGIN")
            create_indexes(conn)
            conn.execute("COMMIT")
            # Planner statistics from a sample of each index (SQLite's advice for large
            # files): 0.1 s instead of 3 s at xl, and validate's plans are the same.
            conn.execute("PRAGMA analysis_limit=100000")
            conn.execute("ANALYZE")
        progress.advance()
        seconds["indexes"] = time.perf_counter() - t0

        # --- LLM text tier: text columns only; the changed tables get new digests ----------
        report = None
        if llm is not None and llm.on:
            t0 = time.perf_counter()
            basis = combine(writer.digests())  # the template content: keys the run's outcome
            report = rewrite_database(conn, llm, llm_api_key, progress, basis=basis)
            writer.rehashed.update(report.digests)
            seconds["llm"] = time.perf_counter() - t0

        digests = writer.digests()
        fp = combine(digests)

        row_counts = {t: counts.get(t, 0) for t in table_names() if t != "generation_runs"}
        finished = dt.datetime.now(dt.UTC)
        conn.execute(
            "INSERT INTO generation_runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                1,
                seed,
                fmt_ms(clock),
                canonical_json(config.to_dict()),
                versions()[PROGRAM],
                canonical_json(versions()),
                canonical_json({k: round(v, 3) for k, v in seconds.items()}),
                canonical_json(row_counts),
                fp,
                _iso(started),
                _iso(finished),
                None
                if report is None
                else canonical_json({"settings": llm.to_dict(), "report": report.to_dict()}),
            ),
        )
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    return Summary(
        path=target,
        seed=seed,
        anchor=fmt_ms(clock),
        fingerprint=fp,
        row_counts=row_counts,
        stage_seconds=seconds,
        config=config,
        table_digests=digests,
        llm=report,
    )


class _Writer:
    """Writes rows table by table and hashes them on the way.

    Rows must arrive in primary-key order per table (each batch sorted, batches in id order:
    ids grow with the project index), which is what lets the fingerprint be computed while
    writing instead of by reading the whole file back.  The organization's rows come as
    Python rows; each chunk of projects comes as a part file, copied in by SQLite itself.
    """

    def __init__(self, conn: sqlite3.Connection, counts: dict[str, int]):
        self.conn, self.counts = conn, counts
        self.hashers = {t: hashlib.sha256() for t in table_names() if t not in EXCLUDED}
        self.rehashed: dict[str, str] = {}  # tables hashed again after a later change (LLM)

    def add(self, table: str, rows: Any) -> None:
        if rows:
            rows = sorted(rows, key=PK_KEYS[table])
            self.hashers[table].update(serialize_rows(rows))
            self.conn.executemany(insert_statements()[table], rows)
            self.counts[table] += len(rows)

    def copy_part(self, part: Path, payloads: dict[str, bytes]) -> None:
        """Copy a chunk file's rows in (foreign keys on), parents first, and hash them."""
        self.conn.execute("ATTACH DATABASE ? AS part", (str(part),))
        try:
            self.conn.execute("PRAGMA part.mmap_size=1073741824")  # read mapped, not by pread
            self.conn.execute("BEGIN")
            for table in PROJECT_TABLES:
                if table in payloads:
                    cur = self.conn.execute(
                        f'INSERT INTO main."{table}" SELECT * FROM part."{table}" ORDER BY rowid'
                    )
                    self.counts[table] += cur.rowcount
                    self.hashers[table].update(payloads[table])
            self.conn.execute("COMMIT")
        finally:
            if self.conn.in_transaction:  # an error or interrupt mid-copy: the file is dropped
                self.conn.execute("ROLLBACK")
            self.conn.execute("DETACH DATABASE part")

    def digests(self) -> dict[str, str]:
        return {t: self.rehashed.get(t) or h.hexdigest() for t, h in self.hashers.items()}


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
