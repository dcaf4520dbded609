"""The live runner's days: what the batches of one simulated day write, prepared in a forked
process while the batches of the day before are written.

A day is built from the world up to its end (every project simulated, `simulate_project`):
its moments in time order (a task's creation or event, a status update, a project's start,
completion or archiving, a person joining or leaving) and, for every (project, moment), the
rows the moment leaves behind, as they stand just after it (`project_rows` at t + 1).  A
project's or a task's rows change only at its moments, so the rows at a batch's end are those
after its last moment in the batch: a batch only copies prepared rows.  Building a day costs
about what generating the file costs; in the batch's own process that would take the
interpreter from the batches (on the large preset a day took ~12 s of CPU, a day passes in
24 s at ``--speed 3600``), so it runs in a child process that sends the day back whole.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import signal
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..errors import RunError
from ..generators.tasks import project_rows, simulate_project
from ..pipeline import _STOP_SIGNALS, _init_worker, anchor_ms
from ..worktime import DAY_MS, fmt_ms, parse_ms

# a project's own rows (the rest of a snapshot's rows belong to a task, keyed by its id first)
PROJECT_TABLES = ("projects", "project_memberships", "sections", "custom_field_settings")
PROJECT_ONCE = ("project_memberships", "sections", "custom_field_settings")


@dataclass
class Snapshot:
    """A project's rows just after moment t: its own rows (status updates from the day's
    start; memberships, sections and settings only if it starts that day), each task touched
    at t with its rows by table, and the stories made at t."""

    project: dict[str, list[tuple]]
    tasks: dict[int, dict[str, list[tuple]]]  # task id -> table -> rows
    stories: list[tuple]


@dataclass
class Day:
    """One simulated day's moments in time order and its snapshots by (project, moment)."""

    start: int
    end: int
    moments: list[tuple[int, int, int, str]] = field(default_factory=list)  # t, project, x, kind
    snapshots: dict[tuple[int, int], Snapshot] = field(default_factory=dict)
    created: dict[int, int] = field(default_factory=dict)  # project -> its creation

    def __post_init__(self) -> None:
        self.times = [m[0] for m in self.moments]

    def span(self, lo: int, hi: int) -> list[tuple[int, int, int, str]]:
        return self.moments[bisect.bisect_left(self.times, lo) : bisect.bisect_left(self.times, hi)]


def event_kind(subtype: str) -> str:
    return "comments" if subtype == "comment_added" else "changes"


def build_day(config: Any, world: Any, tuning: Any, horizon: int, start: int) -> Day:
    """The day from ``start``: every project's world up to its end, its moments and the
    snapshot after each."""
    end = min(start + DAY_MS, horizon)
    anchor = anchor_ms(config)
    moments: list[tuple[int, int, int, str]] = []
    snapshots: dict[tuple[int, int], Snapshot] = {}
    created: dict[int, int] = {}
    lo, hi = fmt_ms(start), fmt_ms(end)
    for plan in world.plans:
        if plan.created >= end:
            continue
        w = simulate_project(
            config.seed,
            world.org,
            plan,
            world.plans,
            world.tags,
            world.vocab,
            config.tasks_per_project,
            anchor,
            end,
            horizon,
            tuning,
        )
        p = plan.index
        mine: list[tuple[int, int, str]] = []  # t, task (-1: the project), kind
        if start <= plan.created < end:
            mine.append((plan.created, -1, "new projects"))
        for t_ in w.tasks:
            life = t_.life
            if start <= life.created < end:
                mine.append((life.created, t_.local, "new tasks"))
            mine += [
                (ev.t, t_.local, event_kind(ev.subtype))
                for ev in life.events
                if start <= ev.t < end
            ]
        mine += [
            (parse_ms(row[-1]), -1, "status updates")
            for row in w.status_rows[1]
            if lo <= row[-1] < hi
        ]
        done = w.completion.completed_at if w.completion else None
        for when, kind in ((done, "completions"), (done and done + 30 * DAY_MS, "archived")):
            if when is not None and start <= when < end:
                mine.append((when, -1, kind))
        if not mine:
            continue
        created[p] = plan.created
        at: dict[int, set[int]] = defaultdict(set)
        for t, x, kind in mine:
            moments.append((t, p, x, kind))
            xs = at[t]
            if x >= 0:
                xs.add(x)
        new = plan.created >= start
        for t, xs in at.items():
            snapshots[(p, t)] = _snapshot(
                project_rows(w, t + 1, only=sorted(xs), since=t).tables, lo, new
            )
    for u in world.org.users:
        if start <= u.join < end:
            moments.append((u.join, -1, u.index, "joined"))
        if u.leave is not None and start <= u.leave < end:
            moments.append((u.leave, -1, u.index, "left"))
    moments.sort()
    return Day(start, end, moments, snapshots, created)


def _snapshot(tables: dict[str, list[tuple]], lo: str, new: bool) -> Snapshot:
    """Split `project_rows`' tables into the project's own rows, each task's and stories."""
    project: dict[str, list[tuple]] = {}
    tasks: dict[int, dict[str, list[tuple]]] = defaultdict(dict)
    stories: list[tuple] = []
    for table, rows in tables.items():
        if table == "stories":
            stories = rows
        elif table == "status_updates":
            project[table] = [r for r in rows if r[-1] >= lo]
        elif table in PROJECT_TABLES:
            if new or table not in PROJECT_ONCE:
                project[table] = rows
        else:  # a task's rows: the task's id comes first
            for row in rows:
                tasks[row[0]].setdefault(table, []).append(row)
    return Snapshot(project, dict(tasks), stories)


def _day_child(send: Any, lock_fd: int, parent: int, args: tuple, start: int) -> None:
    """A forked builder: build the day and send it.  It holds no lock of the writer's (the
    sidecar lock is dropped at once, so a writer killed with -9 can be restarted at once) and
    dies with its parent."""
    _init_worker(parent)
    os.close(lock_fd)
    send.send(build_day(*args, start))
    send.close()


class Builder:
    """Days being built in forked processes, by their start."""

    def __init__(self, args: tuple, lock_fd: int):
        self.args, self.lock_fd = args, lock_fd
        self.running: dict[int, tuple[Any, Any]] = {}

    def __contains__(self, start: int) -> bool:
        return start in self.running

    def submit(self, start: int) -> None:
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_day_child,
            args=(send, self.lock_fd, os.getpid(), self.args, start),
            daemon=True,
        )
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)  # the child unblocks them
        try:
            proc.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        send.close()
        self.running[start] = (proc, recv)

    def take(self, start: int) -> Day:
        """The day from ``start`` (built now if it was not asked for before)."""
        if start not in self.running:
            self.submit(start)
        proc, recv = self.running.pop(start)
        try:
            return recv.recv()
        except EOFError:
            proc.join()
            raise RunError(
                f"building the simulated day from {fmt_ms(start)} failed "
                f"(its process exited with {proc.exitcode})"
            ) from None
        finally:
            recv.close()
            proc.join()

    def drop(self, before: int) -> None:
        """Stop the builds of days that start before ``before`` (the clock moved past)."""
        for start in [s for s in self.running if s < before]:
            self._stop(start)

    def close(self) -> None:
        for start in list(self.running):
            self._stop(start)

    def _stop(self, start: int) -> None:
        proc, recv = self.running.pop(start)
        proc.terminate()
        proc.join()
        recv.close()
