"""The live runner's days: what the batches of each simulated day write, prepared in a
forked process while the batches before them are written.

A window of WINDOW days is built from one simulation of the world up to the window's end
(every project, `simulate_project`): each day's moments in time order (a task's creation or
event, a status update, a project's start, completion or archiving, a person joining or
leaving) and, for every (project, moment), the rows the moment leaves behind, as they stand
just after it (`project_rows` at t + 1).  A project's or a task's rows change only at its
moments, so the rows at a batch's end are those after its last moment in the batch: a batch
only copies prepared rows.  Simulating the world costs about what generating the file costs
(~20 s of CPU on the large preset, whose simulated day passes in 24 s at ``--speed 3600``), so
it is done once a window, in a child process, which sends the days back one at a time.
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
from ..generators.task_rows import project_rows
from ..generators.tasks import simulate_project
from ..pipeline import anchor_ms
from ..workers import _STOP_SIGNALS, _init_worker
from ..worktime import DAY_MS, fmt_ms, parse_ms

# a project's own rows (the rest of a snapshot's rows belong to a task, keyed by its id first)
PROJECT_TABLES = ("projects", "project_memberships", "sections", "custom_field_settings")
PROJECT_ONCE = ("project_memberships", "sections", "custom_field_settings")
# days built from one simulation of the world: a simulation to a week later costs about what
# one to the next day costs (the history's tasks are most of it)
WINDOW = 7


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


def build_days(config: Any, world: Any, tuning: Any, horizon: int, start: int) -> list[Day]:
    """The days of the window from ``start``, from one simulation of every project up to the
    window's end (the world is prefix-stable: censored at an earlier moment it is the world
    up to that moment): their moments and the snapshot after each."""
    end = min(start + WINDOW * DAY_MS, horizon)
    starts = list(range(start, end, DAY_MS))
    anchor = anchor_ms(config)
    moments: dict[int, list[tuple[int, int, int, str]]] = {s: [] for s in starts}
    snapshots: dict[int, dict[tuple[int, int], Snapshot]] = {s: {} for s in starts}
    created: dict[int, dict[int, int]] = {s: {} for s in starts}
    lo, hi = fmt_ms(start), fmt_ms(end)
    stamps = {s: fmt_ms(s) for s in starts}

    def day_of(t: int) -> int:
        return t - (t - start) % DAY_MS

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
        at: dict[int, set[int]] = defaultdict(set)
        for t, x, kind in mine:
            day = day_of(t)
            moments[day].append((t, p, x, kind))
            created[day][p] = plan.created
            xs = at[t]
            if x >= 0:
                xs.add(x)
        for t, xs in at.items():
            day = day_of(t)
            rows = project_rows(w, t + 1, only=sorted(xs), since=t).tables
            snapshots[day][(p, t)] = _snapshot(rows, stamps[day], plan.created >= day)
    for u in world.org.users:
        if start <= u.join < end:
            moments[day_of(u.join)].append((u.join, -1, u.index, "joined"))
        if u.leave is not None and start <= u.leave < end:
            moments[day_of(u.leave)].append((u.leave, -1, u.index, "left"))
    return [
        Day(s, min(s + DAY_MS, horizon), sorted(moments[s]), snapshots[s], created[s])
        for s in starts
    ]


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


def _window_child(send: Any, lock_fd: int, parent: int, args: tuple, start: int) -> None:
    """A forked builder: build the window's days and send them one by one (the writer
    unpickles one day at a time).  It holds no lock of the writer's (the sidecar lock is
    dropped at once, so a writer killed with -9 can be restarted at once) and dies with its
    parent."""
    _init_worker(parent)
    os.close(lock_fd)
    # the batches and the readers come first: the week has days of wall time to be built
    # (at --speed 3600), a batch has a second
    os.nice(10)
    for day in build_days(*args, start):
        send.send(day)
    send.close()


class Builder:
    """Windows of days being built in forked processes, by the window's start."""

    def __init__(self, args: tuple, lock_fd: int, origin: int):
        self.args, self.lock_fd = args, lock_fd
        self.horizon = args[-1]
        self.origin = origin  # windows follow one another from the writer's first day, so
        # the second window has a week to be built, wherever in the week the writer starts
        # window start -> (process, pipe, the starts of the days not yet received)
        self.running: dict[int, tuple[Any, Any, list[int]]] = {}

    def __contains__(self, window: int) -> bool:
        return window in self.running

    def submit(self, window: int) -> None:
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_window_child,
            args=(send, self.lock_fd, os.getpid(), self.args, window),
            daemon=True,
        )
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)  # the child unblocks them
        try:
            proc.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        send.close()
        end = min(window + WINDOW * DAY_MS, self.horizon)
        self.running[window] = (proc, recv, list(range(window, end, DAY_MS)))

    def window_of(self, start: int) -> int:
        """The start of the window of WINDOW days that holds the day from ``start``."""
        return start - (start - self.origin) % (WINDOW * DAY_MS)

    def ready(self, start: int) -> bool:
        """Whether the day from ``start`` can be taken without waiting for its builder."""
        window = self.window_of(start)
        if window not in self.running:
            return False
        _, recv, pending = self.running[window]
        return start in pending and recv.poll(0)

    def take(self, start: int) -> Day:
        """The day from ``start`` (its window built now if it was not asked for before);
        the window's days before it are dropped (the clock only moves forward)."""
        window = self.window_of(start)
        if window in self.running and start not in self.running[window][2]:
            self._stop(window)  # asked again for a day already handed out
        if window not in self.running:
            self.submit(window)
        proc, recv, pending = self.running[window]
        try:
            while True:
                got = pending.pop(0)
                day = recv.recv()
                if got == start:
                    break
        except EOFError:
            self._stop(window)
            raise RunError(
                f"building the simulated days from {fmt_ms(window)} failed "
                f"(its process exited with {proc.exitcode})"
            ) from None
        if not pending:
            self._stop(window)
        return day

    def drop(self, before: int) -> None:
        """Stop the builds of windows that end by ``before`` (the clock moved past)."""
        for window in [w for w in self.running if w + WINDOW * DAY_MS <= before]:
            self._stop(window)

    def close(self) -> None:
        for window in list(self.running):
            self._stop(window)

    def _stop(self, window: int) -> None:
        proc, recv, _ = self.running.pop(window)
        recv.close()
        if proc.is_alive():
            proc.terminate()
        proc.join()
