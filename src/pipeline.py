"""`generate`: one config in, one SQLite file out, written atomically.

Stages run in a fixed order (organization, catalog, projects, indexes); each reports
progress through the small `Progress` protocol and is timed.  The file is built in a locked
hidden folder beside the target and put in place only when complete (`output.atomic_target`),
so an interrupt or a crash never leaves a half-written target or a stray temporary file.

Projects are generated in chunks (by forked workers for large runs), each written to a part
file in that folder; the one writer copies the parts in, in project order, with foreign keys
on.  The output is the same whatever the number of workers.  Workers die with the process
that forked them, even when it is killed with SIGKILL.  The pool is `workers.py`; the part
files and the writer that hashes every table on the way in are `writer.py`; this module
decides what is generated, in which stage.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import json
import os
import platform
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from .config import CALENDAR_LEAD, CALENDAR_TAIL, HORIZON_DAYS, NO_TUNING, Config, Tuning
from .errors import ConfigError
from .fingerprint import combine
from .generators.continuation import continue_users, project_schedule
from .generators.custom_fields import custom_field_rows, generate_custom_fields
from .generators.projects import plan_projects
from .generators.reviewers import reviewer_memberships
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
from .schema import apply_schema, create_indexes, table_names
from .text import load_vocabulary
from .workers import run_chunks
from .worktime import DAY_MS, WORKFORCE_ZONES, build_calendar, date_ms, fmt_ms, weekend_days
from .writer import INSERT_ORDER as INSERT_ORDER  # re-exported: scripts use it
from .writer import PK_KEYS, Writer, write_part
from .writer import PROJECT_TABLES as PROJECT_TABLES  # re-exported: src/live uses it

PROGRAM = "asana-seed"


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
        in key order); `writer.write_part` writes them.
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
        return path, write_part(path, tables)


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
    with rare_collections():
        return _build_world(config, tuning)


@contextlib.contextmanager
def rare_collections() -> Iterator[None]:
    """Make the cyclic collector's passes rare for a while: building the world allocates
    hundreds of thousands of objects that hold no cycles, and the frequent passes over them
    cost about a tenth of it (at xl, a second before the workers start)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build_world(config: Config, tuning: Tuning) -> World:
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
    # personal time off up to the horizon, the same at every clock: the clock only decides
    # which rows are booked yet (time_off_rows)
    absences = generate_time_off(seed, config, users, calendars, horizon)
    weekends = {u.index: weekend_days(seed, u.index, first, last) for u in users}
    load_phase = float(rng_for(seed, Stream.WORKLOAD).random())
    org = Org(workspace, teams, users, calendars, absences_by_user(absences), weekends, load_phase)
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
        writer = Writer(conn, counts)
        conn.execute("BEGIN")

        # --- organization and catalog -------------------------------------------------
        t0 = time.perf_counter()
        progress.stage("organization", 1)
        world = build_world(config, tuning)
        org, users = world.org, world.org.users
        writer.add("workspaces", workspace_rows(org.workspace))
        writer.add("users", user_rows(users, org.workspace, clock))
        writer.add("time_off", time_off_rows(world.absences, users, clock))
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
            chunks = contextlib.closing(run_chunks(job, len(plans), workers))
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


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
