"""Cancelled projects: the owner closes the open work, moves what is still worth doing to
another project of the team, and archives the project.

A cancellation is a point of the project's planned life (`project_fates.shape`, read off the
project index): the project's task lives are drawn as if it went on and cut there
(`tasks.simulate_project`), so its work before it is what it would have been, and nothing
happens in it afterwards but the close-out.  Soon after, in the owner's working time, every
task still open is closed as dropped (subtasks before their parents, each top-level one with
a comment that says so) or, for some of the work that someone who stays holds or nobody does
yet (`movers`, chosen on the cut lives), added to the team's latest list project (an
`added_to_project` story, like any cross-posted task); then the project is archived and a
"dropped" status update says it was cancelled.  All of it comes after the cancellation, so a
clock before it shows none of it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..lifecycle import (
    NEVER,
    Draws,
    Event,
    OtherProject,
    ProjectCtx,
    Section,
    TaskLife,
    close_as_cancelled,
    continue_moved,
)
from .project_plan import ProjectPlan

CLOSE_WD = 0.3  # working days from the cancellation to the owner's close-out (design)
CLOSE_GAP_WD = 0.004  # working days between two closures (a few minutes)
P_MOVE = 0.3  # open top-level tasks that move to another project of the team (design)
# the most stories a close-out adds to a task (due date, complete, status, section, comment)
CANCEL_EVENTS = 5


@dataclass(frozen=True)
class Cancellation:
    archived_at: int  # the project is archived here, once its open work is closed or moved
    dropped: int  # top-level tasks closed as dropped at the close-out
    moved: int  # top-level tasks moved to ``target``
    target: str | None  # the name of the project the moved work went to


def move_target(plan: ProjectPlan, plans: list[ProjectPlan]) -> int | None:
    """The index of the team's latest list project created before the cancellation that runs
    on (neither stalled nor cancelled), where moved work goes; None if there is none."""
    assert plan.cancel is not None
    for q in reversed(plan.others):
        other = plans[q]
        ok = other.team == plan.team and other.halt is None and other.cancel is None
        if ok and other.created < plan.cancel:
            return q
    return None


def movers(
    d: Draws, plan: ProjectPlan, plans: list[ProjectPlan], tops: list[tuple[int, TaskLife]]
) -> set[int]:
    """The top-level tasks (local index, life as it stands at the cancellation) to move to
    `move_target`: open work nobody holds or someone who stays holds, P_MOVE of it, each
    decided in task order from ``d`` on its own life only, so that the choice (which names
    the task after its home project, like any cross-posted task) is the same at any clock."""
    q = move_target(plan, plans)
    if q is None:
        return set()
    target = plans[q].id
    out = set()
    for local, x in tops:
        holder = x.assignee
        if (
            x.completed is None
            and x.subtype == "default_task"
            and (holder is None or holder.leave == NEVER)
            and all(o.id != target for o, _ in x.multi_home)
            and d.chance(P_MOVE)
        ):
            out.add(local)
    return out


def close_out(
    ctx: ProjectCtx,
    d: Draws,
    plan: ProjectPlan,
    plans: list[ProjectPlan],
    lives: list[tuple[TaskLife, TaskLife | None]],
    moving: set[int],
    dependents: dict[int, list[int]],
    goes_on: tuple[ProjectCtx, Draws] | None = None,
) -> Cancellation | None:
    """Close or move the open work of a cancelled project and archive it (None if the owner
    is not there to do it).  ``lives`` holds (task, parent) for every task, parents before
    their subtasks (positions are local indices); ``moving`` the tasks chosen to move
    (`movers`); ``dependents`` the tasks that depend on each: a task is closed, not moved,
    when one that depends on it is closed (a closed task's dependencies are closed).
    ``goes_on``: the context of the project moved work goes to and the draws of its rest of
    life there (`go_on`); without it, moved work stays as it was moved."""
    assert plan.cancel is not None
    owner = ctx.owner
    last = max((e.t for x, _ in lives for e in x.events), default=plan.cancel)
    t = owner.cal.advance(max(plan.cancel, last), CLOSE_WD)
    moving = set(moving)
    while True:  # a task stays only if all that depend on it move too
        stay = {i for i in moving if any(k not in moving for k in dependents.get(i, ()))}
        if not stay:
            break
        moving -= stay
    q = move_target(plan, plans)
    target = None
    if q is not None:
        other = plans[q]
        target = OtherProject(other.id, other.sections[0][0], other.created)
    children: dict[int, list[int]] = {}
    for i, (x, parent) in enumerate(lives):
        if parent is not None and x.completed is None:
            children.setdefault(id(parent), []).append(i)
    steps: list[tuple[int, str]] = []  # (position, what) in the order they are done
    for i, (x, parent) in enumerate(lives):
        if parent is not None:
            continue
        steps += [(c, "close") for c in children.get(id(x), ())]
        if x.completed is None:
            steps.append((i, "move" if i in moving and target is not None else "close"))
    times = []
    for _ in steps:
        times.append(t)
        t = owner.cal.advance(t, CLOSE_GAP_WD)
    if not (owner.active(times[0] if times else t) and owner.active(t)):
        return None
    dropped = moved = 0
    for (i, what), at in zip(steps, times, strict=True):
        x, parent = lives[i]
        if what == "move":
            assert target is not None
            x.events.append(
                Event(
                    at,
                    owner,
                    "added_to_project",
                    project_id=target.id,
                    new_section=Section(target.section_id, "", None),
                )
            )
            x.multi_home.append((target, at))
            moved += 1
            continue
        close_as_cancelled(ctx, d, x, at, owner, parent is None)
        dropped += parent is None
    if goes_on is not None and moved:
        go_on(ctx, goes_on, [i for i, what in steps if what == "move"], lives, dependents, t)
    return Cancellation(t, dropped, moved, plans[q].name if moved and q is not None else None)


def go_on(
    ctx: ProjectCtx,
    goes_on: tuple[ProjectCtx, Draws],
    moved: list[int],
    lives: list[tuple[TaskLife, TaskLife | None]],
    dependents: dict[int, list[int]],
    archived: int,
) -> None:
    """Moved work goes on in the project it moved to from the archiving on
    (`continue_moved`), in task order: a task is done only after the tasks it depends on
    (which moved too, or were closed at the close-out)."""
    target, d = goes_on
    # the target's people, owner and shape; the home project's id, sections and board, where
    # the task's primary membership (and section) stays
    here = dataclasses.replace(
        target,
        id=ctx.id,
        sections=ctx.sections,
        board=ctx.board,
        status_field=ctx.status_field,
        priority_field=ctx.priority_field,
    )
    waits: dict[int, list[int]] = {}
    for dep, ks in dependents.items():
        for k in ks:
            waits.setdefault(k, []).append(dep)
    for i in sorted(moved):
        done = [lives[j][0].completed for j in waits.get(i, ())]
        after = None if None in done else max(done, default=0)
        continue_moved(here, d, lives[i][0], archived, after)
