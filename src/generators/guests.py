"""Guests from partner teams on a project's tasks: questions, answers and reviews.

A guest (`project_members.partner_guests`: someone of a partner function with commenter access)
takes part in discussions only: never assigned, never changing a task.  Their comments are
drawn from a stream of the project's own (TASKS, project, 5), after the lives of its tasks,
so a project that invites a guest keeps every other draw, and a task's guest comments depend
only on that task's life (continuous mode: a later clock adds tasks, never changes these).
"""

from __future__ import annotations

from ..lifecycle import OPEN_DISCUSSION_SPAN, Draws, Event, Member, ProjectCtx, TaskLife, state_at
from ..worktime import DAY_MS

P_GUEST_TASK = 0.3  # top-level tasks a guest comments on, when the project has one (design)
P_SECOND = 0.3  # of those, a second comment by a guest (design)
P_ANSWER = 0.8  # questions the assignee answers (as in the overlay's threads)


def guest_comments(ctx: ProjectCtx, d: Draws, guests: list[Member], lives: list[TaskLife]) -> None:
    """Add guests' comments to the top-level ``lives`` (in order): a question to whoever holds
    the task while it is open (often answered), a review once it is done; each at a working
    moment of the guest while they are in the company, before the horizon, not after work
    was dropped, and within a few days of its completion."""
    if not guests:
        return
    for life in lives:
        if not d.chance(P_GUEST_TASK):
            continue
        for _ in range(1 + d.chance(P_SECOND)):
            _comment(ctx, d, d.pick(guests), life)
        life.events.sort(key=lambda e: e.t)


def _comment(ctx: ProjectCtx, d: Draws, guest: Member, life: TaskLife) -> None:
    until = life.completed or min(ctx.anchor, life.created + OPEN_DISCUSSION_SPAN)
    end = min(ctx.anchor, until + 3 * DAY_MS)
    if life.dropped_at is not None:  # nobody discusses dropped work
        end = min(end, life.dropped_at)
    t0 = life.created + int(d.u() * max(end - life.created, 0))
    t = guest.cal.advance(t0, d.u() * 0.3 + 1e-4, d.u())
    answer_gap, answer_spread, answers = d.lognormal(0.15, 0.8), d.u(), d.chance(P_ANSWER)
    if t >= end or not guest.active(t):
        return
    state, assignee = state_at(life.timeline, t)
    addressee = assignee if assignee is not None else ctx.owner
    kind = "review" if state == "Done" else "question"
    life.events.append(Event(t, guest, "comment_added", kind=kind, addressee=addressee))
    life.followers.setdefault(guest.user_id, guest)
    if kind != "question" or assignee is None or not answers:
        return
    ta = assignee.cal.advance(t, answer_gap, answer_spread)
    if ta < end and assignee.active(ta) and state_at(life.timeline, ta) == (state, assignee):
        life.events.append(Event(ta, assignee, "comment_added", kind="answer", addressee=guest))
