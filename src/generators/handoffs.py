"""Work across project lines: each project's engine context, the sign-off a project asks of
another function (its hand-off), and the dependencies later projects take on those sign-offs.

A hand-off's life is drawn from its own stream (PROJECT_SHAPES, project, 2), so a later
project that depends on it can draw the very same life without generating the whole earlier
project: a cross-project dependency costs one task's simulation, and projects stay
independent of each other's workers.
"""

from __future__ import annotations

from ..ids import Kind, gid
from ..lifecycle import (
    NEVER,
    Draws,
    Member,
    OtherProject,
    ProjectCtx,
    Section,
    TaskLife,
    shape_of,
    simulate_task,
    workload,
)
from ..model import Org
from ..rng import Stream, rng_for
from ..worktime import DAY_MS
from .project_plan import ProjectPlan

HANDOFF_LOCAL = 0  # a hand-off is its project's first task: its id is known to every project
P_CROSS_DEPENDENCY = 0.8  # projects that depend on an earlier project's sign-off (design)
LOOK_BACK = 20  # how many earlier projects a project may depend on
TIMELY = 60 * DAY_MS  # an ongoing project's "middle" for the sign-offs it may wait on


def member_for(org: Org, user_index: int) -> Member:
    u = org.users[user_index]
    return Member(
        u.index,
        u.id,
        u.first_name,
        u.name,
        org.calendar(user_index),  # their zone's calendar minus their time off
        u.join,
        NEVER if u.leave is None else u.leave,
        workload(org.load_phase, user_index),
    )


def project_ctx(
    org: Org, plan: ProjectPlan, plans: list[ProjectPlan], anchor: int
) -> tuple[ProjectCtx, dict[int, Member]]:
    """The engine's view of a project, and its members by user index.  Guests from partner
    teams are left out: their comments come from a stream of their own
    (`guests.guest_comments`), so inviting one changes nothing else in the project."""
    members = {u: member_for(org, u) for u, _ in plan.members if u not in plan.partners}
    fields = {f.name: f for f, _ in plan.fields}
    others = [other_project(plans[q]) for q in plan.others]
    # a stalled project's work stops at its halt: its lives are censored there, as at the anchor
    # (a cancelled project's lives are drawn on and cut at its cancellation, `simulate_project`)
    until = anchor if plan.halt is None else min(anchor, plan.halt)
    ctx = ProjectCtx(
        plan.id,
        members[plan.owner],
        list(members.values()),
        [Section(i, n, s) for i, n, s in plan.sections],
        plan.board,
        until,
        fields["Status"],
        fields.get("Priority"),
        others,
        guests=frozenset(org.users[u].id for u, guest in plan.members if guest),
        shape=shape_of(plan.kind, plan.due_ms is not None),
        due=plan.due_ms,
        start=plan.created,
        horizon=None if until == anchor else anchor,
        review=None if plan.review is None else other_project(plans[plan.review]),
    )
    return ctx, members


def other_project(plan: ProjectPlan) -> OtherProject:
    """A list project as a place other work may be multi-homed into (its first section)."""
    return OtherProject(plan.id, plan.sections[0][0], plan.created)


def handoff_life(
    seed: int, plan: ProjectPlan, ctx: ProjectCtx, members: dict[int, Member]
) -> TaskLife | None:
    """The project's sign-off task, from its own stream; None without one (or if it would be
    created after the anchor)."""
    if plan.handoff is None:
        return None
    at, reviewer, _ = plan.handoff
    section = None
    if not plan.board:  # the list section of its moment in the project's planned life
        life = (plan.due_ms or at) + 14 * DAY_MS - plan.created
        k = min(int((at - plan.created) / max(life, DAY_MS) * len(ctx.sections)), 10**6)
        section = ctx.sections[min(k, len(ctx.sections) - 1)]
    d = Draws(rng_for(seed, Stream.PROJECT_SHAPES, plan.index, 2))
    return simulate_task(ctx, d, at, first_section=section, reviewer=members[reviewer])


def cross_dependencies(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    plans: list[ProjectPlan],
    anchor: int,
    lives: list[TaskLife],
    bound: int,
) -> list[tuple[int, int]]:
    """(position in ``lives``, depended-on task id) of the project's dependencies on earlier
    projects' sign-offs.  ``lives`` are the project's top-level tasks as drawn, before any
    wrap-up (continuous mode: whatever the clock); ``bound`` is the earliest moment the
    project's wrap-up could close them (None: ``lives`` already end as they will).  A task
    waits on a sign-off only if the order in time holds: the sign-off was created before it,
    and it is still open or the sign-off was done before it was; when a wrap-up may still
    close it, the sign-off is done by ``bound`` (a sign-off's own wrap-up only closes it
    earlier)."""
    rng = rng_for(seed, Stream.PROJECT_SHAPES, plan.index, 3)
    if not lives or rng.random() >= P_CROSS_DEPENDENCY:
        return []
    earlier = [q for q in plans[max(0, plan.index - LOOK_BACK) : plan.index] if q.handoff]
    # a sign-off asked before the middle of this project's planned life, if there is one:
    # project order is not time order, and a sign-off that comes after most of its tasks
    # seldom has one that waits on it (Technology files of seed 1 had 1-3% of
    # dependencies across projects, the band's floor is 3%)
    middle = plan.created + ((plan.due_ms or plan.created + 2 * TIMELY) - plan.created) // 2
    earlier = [q for q in earlier if q.handoff and q.handoff[0] < middle] or earlier
    if not earlier:
        return []
    other = earlier[int(rng.integers(len(earlier)))]
    ctx, members = project_ctx(org, other, plans, anchor)
    signoff = handoff_life(seed, other, ctx, members)
    if signoff is None:
        return []
    if other.cancel is not None and (signoff.completed or NEVER) >= other.cancel:
        return []  # its project was cancelled first: it was closed at the cancellation
    for _ in range(12):
        i = int(rng.integers(len(lives)))
        x = lives[i]
        if x.created <= signoff.created:
            continue
        done = signoff.completed
        if done is not None and done <= bound and (x.completed is None or done <= x.completed):
            return [(i, gid(Kind.TASK, HANDOFF_LOCAL, other.index))]
    return []
