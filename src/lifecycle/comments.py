"""The discussion laid over a life's state timeline: free comments, each of a kind that fits
the state at its moment, answers to questions, and out-of-office notes before an absence."""

from __future__ import annotations

import math

from ..worktime import DAY_MS
from .model import Draws
from .sim import _Sim, state_at

# Comment rate multipliers by priority: urgent work is discussed more (design).
CHAT_BY_PRIORITY = (0.8, 1.0, 1.3, 1.7)
EXTRA_COMMENT_RATE = 1.2  # free comments per task, before the chattiness and priority factors
EXTRA_COMMENT_PER_WD = 0.12  # more for longer-lived work
OPEN_DISCUSSION_SPAN = 120 * DAY_MS  # free comments on work never closed stop after (design)
# Share of planned absences that start during in-progress work which the assignee announces
# on that task (design).
P_ANNOUNCE = 0.5


def _overlay_comments(sim: _Sim, d: Draws, due_ms: int | None) -> None:
    """Free comments, each of a kind that fits the state at its moment."""
    life, ctx = sim.life, sim.ctx
    # open work is discussed for a while, not until the horizon (the anchor a life runs to)
    until = life.completed or min(ctx.anchor, life.created + OPEN_DISCUSSION_SPAN)
    end = min(ctx.anchor, until + 3 * DAY_MS)
    if life.dropped_at is not None:  # nobody discusses dropped work
        end = min(end, life.dropped_at)
    if end <= life.created + 60_000:
        return
    chat = math.exp(0.7 * d.z() - 0.245)  # task-level chattiness, mean 1: a heavy tail
    active_wd = (end - life.created) / DAY_MS * 5 / 7
    lam = (
        chat
        * CHAT_BY_PRIORITY[life.priority]
        * (EXTRA_COMMENT_RATE + EXTRA_COMMENT_PER_WD * min(active_wd, 30))
    )
    if sim.in_project is False:
        lam *= 0.3
    timeline = life.timeline
    for _ in range(d.poisson(lam)):
        t0 = life.created + int(d.u() * (end - life.created))
        state, assignee = state_at(timeline, t0)
        other = sim.someone(t0, exclude=assignee, editors=False)
        overdue = due_ms is not None and t0 > due_ms
        if state == "Done":
            kind, actor = "review", other
        elif state == "Blocked":
            kind, actor = ("nudge", other) if overdue and d.chance(0.5) else ("progress", assignee)
        elif state == "In progress":
            kind, actor = ("progress", assignee) if d.u() < 0.55 else ("question", other)
        else:
            kind, actor = ("nudge", other) if overdue and d.chance(0.4) else ("question", other)
        if actor is None or (kind in ("question", "nudge") and assignee is None and d.chance(0.5)):
            actor = other
            kind = "question" if state != "Done" else "review"
        t = actor.cal.advance(t0, d.u() * 0.3 + 1e-4, d.u())
        if t >= end or not actor.active(t) or state_at(timeline, t) != (state, assignee):
            continue
        addressee = assignee if actor is not assignee else other
        if addressee is None or addressee is actor:
            addressee = ctx.owner if actor is not ctx.owner else life.creator
        date_arg = None
        if kind in ("start", "nudge") and due_ms is not None:
            date_arg = due_ms
        sim.comment(t, actor, kind, addressee=addressee, date_arg=date_arg)
        if kind == "question" and assignee is not None and d.chance(0.8):
            ta = assignee.cal.advance(t, d.lognormal(0.15, 0.8), d.u())
            if ta < end and assignee.active(ta) and state_at(timeline, ta) == (state, assignee):
                sim.comment(ta, assignee, "answer", addressee=actor)
    _announce_absences(sim, d, end)
    followers, created, u = life.followers, life.created, d.u
    for m in ctx.active(created, editors=False):  # chance inlined (a hot loop)
        if m.user_id not in followers and u() < 0.04:
            followers[m.user_id] = m


def _announce_absences(sim: _Sim, d: Draws, end: int) -> None:
    """Out-of-office notes: an assignee with work in progress when a planned absence of theirs
    begins may say so on the task, in the last working day or two before it, naming the real
    return date (the first working day after it, in their calendar)."""
    timeline = sim.life.timeline
    for i, (t_from, state, a) in enumerate(timeline):
        if a is None or state not in ("In progress", "Blocked"):
            continue
        t_to = min(timeline[i + 1][0] if i + 1 < len(timeline) else end, end)
        cal = a.cal
        k = cal.absence_starting(t_from, t_to)
        if k is None or not d.chance(P_ANNOUNCE):
            continue
        t = cal.from_w(cal.to_w(cal.t0[k]) - 0.05 - d.u() * 1.5)
        if t_from < t < t_to and a.active(t):
            sim.comment(t, a, "ooo", date_arg=cal.back[k])
