"""When a project is completed, and the wrap-up that closes its remaining work first.

A project is completed once it is a week past its due date and at least nine tenths of its
top-level tasks are closed (done or dropped), when the work has gone quiet.  A team does not
leave the rest dangling: at the wrap-up the owner closes every task still open (subtasks
before their parents), a few minutes apart in the owner's working hours and after each task's
last event, and the project is completed right after, so "complete" means no open work
remains and nothing happens in the project after its completion.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..lifecycle import Draws, ProjectCtx, TaskLife, close_at_wrap_up
from ..worktime import DAY_MS

MIN_CLOSED_SHARE = 0.8  # of top-level tasks closed before a project is wrapped up (design)
CLOSE_GAP_WD = 0.004  # working days between two closures at the wrap-up (a few minutes)


@dataclass(frozen=True)
class Completion:
    completed_at: int
    wrapped: int  # top-level tasks the owner closed at the wrap-up


def wrap_up(
    ctx: ProjectCtx,
    d: Draws,
    due_ms: int | None,
    lives: list[tuple[TaskLife, TaskLife | None]],
    anchor: int,
) -> Completion | None:
    """Complete the project if it is done enough, closing its open work first; None if not.

    ``lives`` holds (task, parent) for every task of the project (parent None at top level),
    parents before their subtasks.  Nothing is changed unless the completion lands before the
    anchor.
    """
    top = [x for x, parent in lives if parent is None]
    if not (due_ms and due_ms + 7 * DAY_MS < anchor and top):
        return None
    closed = sum(1 for x in top if x.completed is not None or x.dropped)
    if closed < MIN_CLOSED_SHARE * len(top):
        return None
    owner = ctx.owner
    last = max(x.modified for x, _ in lives)
    t = owner.cal.advance(max(due_ms, last), d.lognormal(0.8, 0.7))
    # subtasks first, then their parent: a parent is not closed over open pieces
    children: dict[int, list[TaskLife]] = {}
    for x, parent in lives:
        if parent is not None and x.completed is None:
            children.setdefault(id(parent), []).append(x)
    order: list[tuple[TaskLife, bool]] = []
    for x, parent in lives:
        if parent is None:
            order += [(c, False) for c in children.get(id(x), ())]
            if x.completed is None:
                order.append((x, True))
    times = []
    for _ in order:
        times.append(t)
        t = owner.cal.advance(t, CLOSE_GAP_WD)
    if t >= anchor or not owner.active(t):
        return None
    for (x, in_project), at in zip(order, times, strict=True):
        close_at_wrap_up(ctx, d, x, at, owner, in_project)
    return Completion(t, sum(1 for _, in_project in order if in_project))
