"""A project's kind and fate, from its own streams: ongoing (operations or an intake queue)
or time-boxed (launch, sprint, campaign, audit), whether it stalls or is cancelled part-way,
and the sign-off it asks of another function (its hand-off)."""

from __future__ import annotations

from ..model import Org
from ..rng import Stream, rng_for
from ..worktime import DAY_MS
from .project_plan import GOLDEN, ProjectPlan, in_share, over, weighted
from .reviewers import EXECUTIVE_LABEL

# Kinds of project (issue 9), drawn from the project's own stream (PROJECT_SHAPES, index) so
# the plan's other draws are untouched.  A project without a due date is ongoing work: run
# as operations (recurring, dated) or as an intake queue of requests (design: most teams
# keep one of each).  A project with one is time-boxed; which of the four it is names its
# shape in the docs and the report, the engine treats them alike.
ONGOING_KINDS = (("operations", 0.5), ("intake", 0.5))  # half each, alternating (shape)
TIMEBOXED_KINDS = (("launch", 0.3), ("sprint", 0.25), ("campaign", 0.25), ("audit", 0.2))
# Share of time-boxed projects that stall part-way (work stops; status updates then read
# "on hold" from the quiet), design: a few in ten of real initiatives lose their sponsor.
P_PROJECT_STALLS = 0.12
# Share of the other time-boxed projects that are cancelled part-way (design, 3-6% of
# time-boxed work): the owner closes the open tasks as dropped or moves them to another
# project of the team, archives the project and posts a "dropped" status update.  Which
# ones is read off a golden-ratio sequence over the project index (a phase per seed), so
# that about one in 1 / P of the projects is, in every stretch of them: independent draws
# leave most default files (30 projects) with none or with three.
P_PROJECT_CANCELLED = 0.06
# Hand-offs between functions (issue 9): a time-boxed project asks a reviewer of another
# team for sign-off, as an approval task assigned to them; later projects may depend on it.
P_HANDOFF = 0.6
# Share of hand-offs that go to an executive (the important projects): the executive approves
# the sign-off, posts some of the status updates and takes part like any member (design).
P_EXECUTIVE = 0.3
SIGN_OFF_ROOM = 14 * DAY_MS  # an executive's first sign-off in the window leaves time to act


def shape(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    reviewers: dict,
    nth: int,
    phases: list[float],
    window: tuple[int, int],
    sponsored: set[int],
) -> None:
    """The project's kind, whether it stalls (or is cancelled) and its hand-off, from its own
    streams (never the anchor: the stall, the cancellation and the hand-off are points of the
    project's planned life, so a later clock keeps them).  Which ongoing project is an intake
    queue and which time-boxed one stalls is read off evenly spread sequences over ``nth``
    (its place among the projects of its kind; ``phases`` per seed), so every file has its
    share of each: a default file has four or five ongoing projects and some 25 time-boxed
    ones, and independent draws left some with no intake queue or with six stalls (the
    per-file completion, Blocked and days-to-completion figures swung with them).
    ``window`` is the configured window (start and end date, not the clock) and
    ``sponsored`` the executives given a hand-off in it by the earlier plans."""
    rng = rng_for(seed, Stream.PROJECT_SHAPES, plan.index)
    if plan.due_ms is None:
        rng.random()  # was the kind's draw (nothing follows it)
        plan.kind = ONGOING_KINDS[int(in_share(nth, phases[1], 0.5))][0]
        return
    plan.kind = weighted(rng, TIMEBOXED_KINDS)
    life = plan.due_ms - plan.created
    rng.random()  # was the stall's draw: kept so the draws below stay in place
    if in_share(nth, phases[0], P_PROJECT_STALLS):
        plan.halt = plan.created + int((0.25 + 0.45 * rng.random()) * life)
    elif (plan.index * GOLDEN + seed * 0.7548776662466927) % 1.0 < P_PROJECT_CANCELLED:
        # the point from its own stream: the draws below (and every other plan) are unchanged
        fate = rng_for(seed, Stream.PROJECT_SHAPES, plan.index, 7)
        plan.cancel = plan.created + int((0.3 + 0.45 * fate.random()) * life)
    if rng.random() < P_HANDOFF:
        at = plan.created + int((0.3 + 0.5 * rng.random()) * life)
        gates = reviewers.get(plan.team, [])
        executive = [g for g in gates if g[2] == EXECUTIVE_LABEL]
        others = [g for g in gates if g[2] != EXECUTIVE_LABEL]
        # an executive who has signed nothing off in the window yet takes the first hand-off
        # (in plan order) of a team they sponsor that falls in it and that they can take:
        # there when the project starts, not already in it (issue 9: executives approve;
        # drawn alone, some of them had none and never acted in the window)
        end = over(plan)
        signs_in = window[0] <= at < window[1] - SIGN_OFF_ROOM and (end is None or at < end)
        unsigned = (
            bool(executive)
            and executive[0][1] not in sponsored
            and signs_in
            and _can_sign(org, plan, executive[0][1])
        )
        r = rng.random()
        pool = executive if executive and (unsigned or r < P_EXECUTIVE or not others) else others
        if pool:
            _, reviewer, label = pool[int(rng.integers(len(pool)))]
            if _can_sign(org, plan, reviewer):
                guests = [m for m in plan.members if m[1]]
                plan.members = [m for m in plan.members if not m[1]] + [(reviewer, False)] + guests
                plan.handoff = (at, reviewer, label)
                if label == EXECUTIVE_LABEL and signs_in:
                    sponsored.add(reviewer)


def _can_sign(org: Org, plan: ProjectPlan, reviewer: int) -> bool:
    """Whether ``reviewer`` can take the project's hand-off: there when it starts and not
    one of its members already."""
    return org.users[reviewer].join < plan.created and all(u != reviewer for u, _ in plan.members)
