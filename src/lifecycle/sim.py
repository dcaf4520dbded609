"""One simulation run's mutable state (`_Sim`): who acts next and when, in their own calendar,
the hand-over of work whose assignee leaves or is away for long, and the stories each state
change emits; `state_at` reads a life's timeline back."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import itemgetter

from ..worktime import DAY_MS
from .model import Censored, Draws, Event, Member, ProjectCtx, TaskLife

# Probability that a structured step also gets a comment (design, to land in (B)'s mean 3.3
# comments per item, (A)'s p90 = 2 x median).
P_COMMENT_ON = {
    "start": 0.35,
    "blocked": 0.85,
    "unblocked": 0.7,
    "done": 0.35,
    "reassigned": 0.6,
    "dropped": 0.8,
}


class _Sim:
    """Mutable state of one simulation run; methods emit events and enforce the anchor."""

    def __init__(
        self,
        ctx: ProjectCtx,
        d: Draws,
        life: TaskLife,
        in_project: bool,
        deadline: int | None = None,
    ):
        self.ctx, self.d, self.life, self.in_project = ctx, d, life, in_project
        self.t = life.created
        self.deadline = deadline  # a subtask of finished work is done before its parent

    def _fit(self, actor: Member, gap: float) -> float:
        """With a deadline, a step takes at most half the working time left before it, so
        every step (however many) still lands before the deadline."""
        if self.deadline is None or self.deadline <= self.t:
            return gap
        left = actor.cal.to_w(self.deadline) - actor.cal.to_w(self.t)
        return min(gap, max(left * 0.5, 1e-5))

    # -- actors ---------------------------------------------------------------------------
    def _pool(self, t: int, exclude: Member | None, editors: bool = True) -> tuple[Member, ...]:
        """The members active at t but ``exclude``, in member order."""
        pool = self.ctx.active(t, editors)
        return tuple(m for m in pool if m is not exclude) if exclude in pool else pool

    def someone(self, t: int, exclude: Member | None = None, editors: bool = True) -> Member:
        """A random member active at t (the owner if nobody else is).  Guests (commenters)
        only take part in discussions: with ``editors`` they are never picked."""
        pool = self._pool(t, exclude, editors)
        return self.d.pick(pool) if pool else self.ctx.owner

    def worker(self, t: int, exclude: Member | None = None) -> Member:
        """Whom work is handed to at t: an editor of the project who has had none of it yet,
        while there is one (a team shares out its work before anyone gets a second piece),
        then anyone, as likely as their load (some people carry far more than others).
        Uniform picks left a late joiner of a big project with nothing to do all window
        (issue 9: at most 8% of established employees never act)."""
        ctx, pool = self.ctx, self._pool(t, exclude)
        if len(ctx.given) < len(ctx.editors):
            fresh = tuple(m for m in pool if m.user_id not in ctx.given)
            if fresh:
                return self.d.pick(fresh)
        return self.d.pick_by_load(pool) if pool else ctx.owner

    def place(self, actor: Member, gap: float, base: int | None = None) -> int:
        t = actor.cal.advance(self.t if base is None else base, max(gap, 1e-5), self.d.u())
        if t >= self.ctx.anchor:
            raise Censored
        return t

    def act(self, role: str, gap: float) -> tuple[int, Member]:
        """Time and actor of the next step by ``role`` ('assignee' or 'owner')."""
        if role == "assignee" and self.life.assignee is not None:
            actor = self.life.assignee
            cal = actor.cal
            t = cal.advance(self.t, max(self._fit(actor, gap), 1e-5), self.d.u())
            # the work waits through a short absence (the calendar skips it); through a
            # long one (parental leave) it is handed over like a leaver's
            away = cal.long_away(self.t, t) if cal.longs else None
            if away is not None:
                self.handover(away)
                return self.act(role, gap * 0.5)
            if t >= self.ctx.anchor:
                raise Censored
            if not actor.active(t):
                self.handover(actor.leave)
                return self.act(role, gap * 0.5)
            return t, actor
        actor = self.ctx.owner
        t = self.place(actor, self._fit(actor, gap))
        gone = self.life.assignee
        if gone is not None and gone.leave < t:
            # the assignee left first: their work is handed over before the owner's step (lives
            # run past the anchor, so an owner's late step must not delay the hand-over)
            self.handover(gone.leave)
            return self.act(role, gap * 0.5)
        return t, actor

    def handover(self, leave: int) -> None:
        """The assignee leaves (or is about to be away for long): the owner reassigns their
        open work in their last days (an off-boarding, so no open work is ever held by someone
        gone), or soon after when the task moved on too late for that; a colleague does while
        the owner is away for long themselves."""
        actor = self.reassigner(max(self.t, leave))
        gap, spread = self.d.lognormal(0.4, 0.6), self.d.u()
        cal = actor.cal
        t = cal.from_w(cal.to_w(leave) - min(gap, 2.0) * (0.1 + 0.9 * spread))
        if not (self.t < t < leave and actor.active(t)):
            t = cal.advance(max(self.t, leave), max(gap, 1e-5), spread)
        if t >= self.ctx.anchor:
            raise Censored
        self.t = t
        new = self.worker(t, exclude=self.life.assignee)
        if (
            new is self.life.assignee
            or not new.active(t)
            or (new is not actor and new.cal.longs and new.cal.long_away(t, t + 5 * DAY_MS))
        ):
            new = actor  # nobody about to be away for long is handed the work
        self.assign(t, actor, new)
        if self.d.chance(P_COMMENT_ON["reassigned"]):
            self.comment(t, actor, "reassigned", addressee=new, gap=0.01)

    def reassigner(self, t: int) -> Member:
        """The owner, unless a long absence of theirs has begun or begins within days of
        ``t``: then a colleague who is in the company (the owner if there is none)."""
        owner = self.ctx.owner
        cal = owner.cal
        if not cal.longs or cal.long_away(t, t + 5 * DAY_MS) is None:
            return owner
        gone = self.life.assignee
        pool = [m for m in self.ctx.active(t) if m is not owner and m is not gone]
        return self.d.pick(pool) if pool else owner

    # -- state changes -------------------------------------------------------------------
    def emit(self, ev: Event) -> None:
        life = self.life
        life.events.append(ev)
        life.followers.setdefault(ev.actor.user_id, ev.actor)
        if ev.t > self.t:
            self.t = ev.t

    def mark(self, t: int, state: str) -> None:
        self.life.timeline.append((t, state, self.life.assignee))

    def assign(self, t: int, actor: Member, who: Member | None) -> None:
        self.life.assignee = who
        if who is None:
            self.emit(Event(t, actor, "unassigned"))
        else:
            self.emit(Event(t, actor, "assigned", assignee=who))
            self.ctx.given.add(who.user_id)
            self.life.followers.setdefault(who.user_id, who)
        self.mark(t, self.life.status)

    def move(self, t: int, actor: Member, state: str) -> None:
        if not (self.in_project and self.ctx.board):
            return
        new = self.ctx.section_for(state)
        if new is None or new is self.life.section:
            return
        self.emit(
            Event(
                t,
                actor,
                "section_changed",
                project_id=self.ctx.id,
                old_section=self.life.section,
                new_section=new,
            )
        )
        self.life.section = new

    def set_status(self, t: int, actor: Member, status: str) -> None:
        if not self.in_project:
            self.life.status = status
            self.mark(t, status)
            self.t = max(self.t, t)  # no story for subtasks, but the clock still moves on
            return
        f = self.ctx.status_field
        old = f.option_id(self.life.status) if self.life.timeline else None
        self.emit(
            Event(
                t,
                actor,
                "enum_custom_field_changed",
                field_id=f.id,
                old_option=old,
                new_option=f.option_id(status),
            )
        )
        self.life.status = status
        self.mark(t, status)

    def close(self, t: int, actor: Member) -> None:
        """``actor`` marks the task complete at t: Status "Done", in the board's Done column."""
        self.emit(Event(t, actor, "marked_complete"))
        self.life.completed, self.life.completer = t, actor
        self.set_status(t, actor, "Done")
        self.move(t, actor, "done")

    def comment(
        self,
        t: int,
        actor: Member,
        kind: str,
        addressee: Member | None = None,
        date_arg: int | None = None,
        gap: float = 0.0,
    ) -> None:
        """A comment at t, or ``gap`` working days after it (still in the actor's hours)."""
        if gap > 0:
            t = actor.cal.advance(t, gap, self.d.u())
        if t >= self.ctx.anchor or not actor.active(t):
            return
        self.emit(
            Event(t, actor, "comment_added", kind=kind, addressee=addressee, date_arg=date_arg)
        )


def state_at(
    timeline: list[tuple[int, str, Member | None]], t: int, before: bool = False
) -> tuple[str, Member | None]:
    """The state and assignee at t: after the changes made at t, or before them with
    ``before`` (the timeline is in time order: a life's clock only moves forward)."""
    i = (bisect_left if before else bisect_right)(timeline, t, key=_time_of)
    if not i:
        return ("Not started", None)
    _, state, assignee = timeline[i - 1]
    return state, assignee


_time_of = itemgetter(0)
