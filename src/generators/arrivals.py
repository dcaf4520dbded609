"""When a project's work arrives: the creation moments of its top-level tasks over its
planned life (and after the end date, in continuous mode), and the hour profile that work
after the end date follows when a steadiness is set."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..config import Tuning
from ..lifecycle import Draws, Member, ProjectCtx
from ..seasons import mean_multiplier, warp
from ..worktime import DAY_MS, hour_profile
from .project_plan import ProjectPlan

# Ongoing work (operations, intake) spreads its tasks over its age, at least this long: a
# younger one has made its share of that much work so far (design).
ONGOING_LIFE = 120 * DAY_MS
# A time-boxed project's mean planned life (due in 30-150 days, two weeks' wrap-up): one of
# that length has the mean number of tasks, a longer one more (design).
TIMEBOXED_LIFE = 126 * DAY_MS
# Share of a project's top-level tasks created at its kick-off (design).
P_KICKOFF = 0.15


def retuned(ctx: ProjectCtx, tuning: Tuning) -> ProjectCtx:
    """``ctx`` with every member's calendar in the tuning's hour-of-day profile, sharing
    its record of who has had work (new work goes round the editors once, not again at
    the anchor)."""
    cdf = hour_profile(float(tuning.steadiness or 0.0))
    cals: dict[int, Any] = {}
    members = []
    for m in ctx.members:
        cal = cals.get(id(m.cal))
        if cal is None:
            cal = cals.setdefault(id(m.cal), m.cal.with_cdf(cdf))
        members.append(dataclasses.replace(m, cal=cal))
    by_id = {m.user_id: m for m in members}
    out = dataclasses.replace(ctx, owner=by_id[ctx.owner.user_id], members=members)
    out.given = ctx.given  # who has had work of the project: one record for both (worker)
    return out


def creation_hints(
    d: Draws,
    later: Draws,
    owner: Member,
    plan: ProjectPlan,
    n: int,
    anchor: int,
    horizon: int,
    rate: float = 1.0,
    season: tuple[float, ...] = (1.0,),
) -> tuple[list[int], int, int]:
    """Creation moments of the project's top-level tasks, sorted, in the owner's working
    time (so no weekend pile-up): P_KICKOFF of them at kick-off, the rest spread over the project's
    planned life, cut at the anchor; after it, new work keeps arriving at the same rate until
    the project's end or the horizon.  Returns (hints, planned life, end of the hints).

    All are drawn up front, whatever the clock, so the draws that follow never depend on it.
    """
    cal = owner.cal
    if plan.created < anchor:
        # The project's planned life: to its end date and a wrap-up, ongoing work over at
        # least ONGOING_LIFE.  A longer project has more work (the same pace for every one);
        # a quarter is planned at kick-off, the rest comes through the life, and a project
        # still young at the end date has made only that much of it (issue 9: no pile of
        # new work in the last weeks, open planned work in the projects in flight).
        life_end = plan.due_ms + 14 * DAY_MS if plan.due_ms else anchor
        life_end = max(life_end, plan.created + (0 if plan.due_ms else ONGOING_LIFE))
        if plan.due_ms:
            n = max(2, round(n * (life_end - plan.created) / TIMEBOXED_LIFE))
        end = min(anchor, life_end)
    else:  # a project of continuous mode: its first 90 days set its pace
        end = min(plan.created + 90 * DAY_MS, plan.due_ms + 14 * DAY_MS if plan.due_ms else horizon)
        life_end = end
        n = max(2, round(n * rate))
    span = max(life_end - plan.created, DAY_MS)
    # the industry's season sets how much work the life holds (busy months, more of it) and,
    # below, where in the life it comes
    n = max(2, round(n * mean_multiplier(cal, plan.created, plan.created + span, season)))
    w0, wl = cal.to_w(plan.created), cal.to_w(plan.created + span)
    # P_KICKOFF of them at kick-off, the rest one in each of equal stretches of the life (a
    # random moment in it): a month of the life gets its share of the work, give or take
    # one task (independent moments left some months of a small file with half the work
    # of others, issue 9's monthly flatness)
    kickoff = round(n * P_KICKOFF)
    rest = n - kickoff
    hints = sorted(
        [cal.from_w(w0 + d.u() * 4) for _ in range(kickoff)]
        + [cal.from_w(w0 + (i + d.u()) / rest * (wl - w0)) for i in range(rest)]
    )
    # the industry's season: more new work in its busy months, less in its quiet ones (no
    # draw: the moments move, their order is kept)
    hints = warp(cal, hints, plan.created, plan.created + span, season)
    hints = [h for h in hints if h < end]  # the end date (never the clock) cuts the plan
    full_end = min(horizon, plan.due_ms + 14 * DAY_MS if plan.due_ms else horizon)
    if full_end > end:
        w1, w2 = cal.to_w(end), cal.to_w(full_end)
        lam = 0.75 * n / max(wl - w0, 1e-6) * (w2 - w1) * (1.0 if plan.created >= anchor else rate)
        k = max(0, round(lam + math.sqrt(lam) * later.z()))
        hints += [cal.from_w(w1 + later.u() * (w2 - w1)) for _ in range(k)]
    return sorted(hints), span, max(full_end, end)
