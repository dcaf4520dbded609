"""When a project is completed, and the wrap-up that closes its remaining work first.

A project is completed once it is a week past its due date and at least seven tenths of its
top-level tasks are closed (done or dropped), when the work has gone quiet.  A team does not
leave the rest dangling: at the wrap-up the owner closes every task still open (subtasks
before their parents), a few minutes apart in the owner's working hours and after each task's
last event, and the project is completed right after, so "complete" means no open work
remains and nothing happens in the project after its completion.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, replace

from ..lifecycle import Draws, ProjectCtx, TaskLife, close_at_wrap_up
from ..worktime import DAY_MS
from .censor import censor

MIN_CLOSED_SHARE = 0.7  # of top-level tasks closed before a project is wrapped up (design)
QUIET_WD = 8.0  # working days without any event before a wrap-up (design)
CLOSE_GAP_WD = 0.004  # working days between two closures at the wrap-up (a few minutes)


@dataclass(frozen=True)
class Completion:
    completed_at: int
    wrapped: int  # top-level tasks the owner closed at the wrap-up
    lives: tuple[TaskLife, ...]  # the lives as the wrap-up left them, in the order given


def wrap_up(
    ctx: ProjectCtx,
    d: Draws,
    due_ms: int | None,
    lives: list[tuple[TaskLife, TaskLife | None]],
    anchor: int,
    not_before: int = 0,
) -> Completion | None:
    """Complete the project if it is done enough, closing its open work first; None if not.

    ``lives`` holds (task, parent) for every task of the project (parent None at top level),
    parents before their subtasks.  They are not changed: the completion carries the lives as
    the wrap-up leaves them (cut at it, open work closed), and only if it lands before the
    anchor.  The wrap-up is never before ``not_before`` (the end of the project's task
    creation), so it can be decided only once every task is known.
    """
    top = [x for x, parent in lives if parent is None]
    if not (due_ms and due_ms + 7 * DAY_MS < anchor and top):
        return None
    # Lives run to the horizon: the wrap-up comes once seven tenths of the work is closed,
    # every task is created and the project has gone quiet for a while; it cuts the rest of
    # the lives short.
    closes = sorted(
        x.completed if x.completed is not None else x.dropped_at
        for x in top
        if x.completed is not None or x.dropped_at is not None
    )
    need = math.ceil(MIN_CLOSED_SHARE * len(top))
    if len(closes) < need:
        return None
    owner = ctx.owner
    base = max(closes[need - 1], due_ms, not_before, *(x.created for x, _ in lives))
    t = owner.cal.advance(_quiet_from(owner, lives, base, ctx.guests), d.lognormal(0.8, 0.7))
    cuts = [(censor(x, t, ctx, parent is None) or x, parent) for x, parent in lives]
    # subtasks first, then their parent: a parent is not closed over open pieces
    children: dict[int, list[int]] = {}
    for i, (x, parent) in enumerate(cuts):
        if parent is not None and x.completed is None:
            children.setdefault(id(parent), []).append(i)
    order: list[tuple[int, bool]] = []
    for i, (x, parent) in enumerate(cuts):
        if parent is None:
            order += [(c, False) for c in children.get(id(lives[i][0]), ())]
            if x.completed is None:
                order.append((i, True))
    times = []
    for _ in order:
        times.append(t)
        t = owner.cal.advance(t, CLOSE_GAP_WD)
    if t >= anchor or not owner.active(t):
        return None
    new = [x for x, _ in cuts]
    for (i, in_project), at in zip(order, times, strict=True):
        if new[i] is lives[i][0]:  # not cut: closed on a copy of its own
            x = new[i]
            new[i] = replace(
                x, events=list(x.events), timeline=list(x.timeline), followers=dict(x.followers)
            )
        close_at_wrap_up(ctx, d, new[i], at, owner, in_project)
    return Completion(t, sum(1 for _, in_project in order if in_project), tuple(new))


def _quiet_from(owner, lives, base: int, guests: frozenset[int] = frozenset()) -> int:
    """The first moment from ``base`` after ``QUIET_WD`` of the owner's working days with no
    event in any of ``lives``.  A guest's comments and the answers to them do not count:
    they come from a stream of their own, and inviting a guest changes nothing else (the
    wrap-up moved with them)."""
    times = sorted(
        e.t
        for x, _ in lives
        for e in x.events
        if e.actor.user_id not in guests
        and (e.addressee is None or e.addressee.user_id not in guests)
    )
    t = base
    while True:
        i = bisect_right(times, t) - 1
        if i < 0:
            return t
        quiet_since = owner.cal.advance(times[i], QUIET_WD)
        if quiet_since <= t:
            return t
        t = quiet_since
