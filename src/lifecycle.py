"""The one lifecycle engine: a task's life from creation to done, dropped, or still open.

A task's life is drawn whole from its project's stream: created -> (assigned) -> started ->
(blocked -> unblocked)* -> (in review) -> done, or it stalls, or it is dropped.  Each state
change is a system story at a working instant of the person who made it; the anchor only
*censors* the life (events at or after it are not kept), which is how a continuous mode can
carry the same lives forward.  Comments are laid over the state timeline afterwards, each of a
kind that fits the task's state at the moment it is written.  Each person acts in their own
calendar (their zone's minus their time off): a step due while they are away waits for their
return, or, through a long absence, the work is handed over.

Numbers below cite their source: (A) and (B) are the references in docs/realism.md;
"design" marks a choice of ours made to land in a band listed there.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .model import FieldDef
from .rng import buffered
from .worktime import (
    DAY_MS,
    Calendar,
    OwnWeekends,
    PersonalCalendar,
    absence_on,
    day_ms,
    fmt_date,
    fmt_ms,
    is_workday,
    parse_ms,
)

NEVER = 2**62  # "has not left"

# --- parameters (lifecycle as data) --------------------------------------------------------
PRIORITIES = ("Low", "Medium", "High", "Urgent")
# (A): Minor 68 / Major 20 / Critical 7.8 / Trivial 2.1 / Blocker 1.8 %: most work low or
# medium, a few percent urgent.
PRIORITY_P = (0.38, 0.42, 0.15, 0.05)
# Median working days from start to done, by priority; sigma of the lognormal.  With the lags
# before the start this gives (A)'s median ~4 calendar days and p90 > 3x median.
WORK_MEDIAN_WD = (1.8, 1.26, 0.81, 0.4)
WORK_SIGMA = 1.5
# Comment rate multipliers by priority: urgent work is discussed more (design).
CHAT_BY_PRIORITY = (0.8, 1.0, 1.3, 1.7)
# Due-date offset from creation, calendar days, median by priority (design).
DUE_MEDIAN_DAYS = (21.0, 14.0, 8.0, 3.0)

# Shares of tasks taking each path (design: tuned together so that default runs of every
# industry land in docs/realism.md's bands; `validate` prints where a file lands).
P_MILESTONE = 0.035
P_APPROVAL = 0.045
P_ASSIGN_AT_CREATION = 0.795
P_ASSIGN_LATER = 0.187  # the rest (~1.8%) is never assigned: unassigned backlog, (A) + design
GOLDEN = 0.6180339887498949
P_DUE = 0.78
P_DUE_AT = 0.06  # a due time instead of a due day
P_START_ON = 0.22
P_DUE_CHANGE = 0.15
# People move due dates they will miss (design): likelier when the work overruns; the rest
# finish late (issue 9: 15-35% of dated work does).
P_OVERRUN_MOVE = 0.2
# Stalled work that started and waits on someone (design: most stuck work is waiting).
P_STALL_BLOCKED = 0.15
P_HOLIDAY_MOVE = 0.99  # due dates that would fall on a public holiday and are moved (design)
P_SECOND_BLOCK = 0.2
P_REASSIGN = 0.06
P_ESCALATE = 0.04
P_NAME_CHANGE = 0.05
P_REVIEW_COLUMN = 0.7
P_LIST_MOVE = 0.08
P_MULTI_HOME = 0.03
# Work of a project with a hand-off that is also posted to the reviewing team's list project
# (issue 9: tasks multi-homed across teams' projects; design).
P_REVIEW_POST = 0.1
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


@dataclass(frozen=True)
class Shape:
    """How a kind of project runs its work (issue 9; design values, tuned together so the
    files land in docs/realism.md's bands for completion, lateness, planning and Blocked)."""

    pickup_wd: float  # median working days from creation to the start of work
    pickup_sigma: float
    p_stalled: float  # tasks nobody gets to before the anchor
    p_dropped: float
    p_planned: float  # dated tasks scheduled toward the project's end, started near their date
    p_blocked: float  # work that waits on someone at least once
    block_wd: float  # median length of a block, working days
    p_queued: float  # requests that wait unassigned until picked up (pickup_wd)


# Time-boxed work (launch, sprint, campaign, audit) is planned toward its end date and mostly
# finishes, often late; operations and intake queues keep a steady backlog: requests wait to
# be picked up and some never are.
SHAPES = {
    "timeboxed": Shape(0.28, 1.2, 0.15, 0.025, 0.24, 0.12, 1.0, 0.1),
    "operations": Shape(1.6, 1.4, 0.3, 0.03, 0.0, 0.12, 1.0, 0.28),
    "intake": Shape(2.5, 1.4, 0.4, 0.04, 0.0, 0.12, 1.0, 0.38),
}


def shape_of(kind: str, timeboxed: bool) -> Shape:
    """The shape of a project of this kind (read from SHAPES at call time: tests raise it)."""
    return SHAPES["timeboxed" if timeboxed else kind]


# Planned work is dated at most this far ahead (calendar days): the plan is detailed for the
# next weeks, later phases get their tasks when they come near (rolling-wave planning, design).
PLAN_HORIZON_DAYS = 75.0
# Working days before its due date that planned work starts, as a multiple of its effort:
# people start late (a median of 0.25x leaves about a third of planned work late, design).
PLANNED_LEAD = (0.25, 0.7)

EXTRA_COMMENT_RATE = 1.2  # free comments per task, before the chattiness and priority factors
EXTRA_COMMENT_PER_WD = 0.12  # more for longer-lived work
OPEN_DISCUSSION_SPAN = 120 * DAY_MS  # free comments on work never closed stop after (design)
# Share of planned absences that start during in-progress work which the assignee announces
# on that task (design).
P_ANNOUNCE = 0.5


class Censored(Exception):
    """The next event would fall at or after the anchor: the life so far is the state."""


class Draws:
    """Uniforms and normals served from buffered blocks of one numpy generator.

    Cheap per call (``u`` and ``z`` are the ``__next__`` of generators over the blocks, no
    Python frame per draw), and the sequence depends only on the generator's key and the
    order of calls, which is fixed by the (deterministic) simulation.
    """

    __slots__ = ("u", "z")

    def __init__(self, rng: Any):
        self.u = buffered(rng.random, 4096)
        self.z = buffered(rng.standard_normal, 2048)

    def chance(self, p: float) -> bool:
        return self.u() < p

    def pick(self, items: Any) -> Any:
        return items[int(self.u() * len(items))]

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.z())

    def poisson(self, lam: float) -> int:
        # inversion: lam is small here (a handful of comments)
        k, p = 0, math.exp(-lam)
        s, u = p, self.u()
        while u > s and k < 60:
            k += 1
            p *= lam / k
            s += p
        return k

    def weighted(self, weights: tuple[float, ...]) -> int:
        u, acc = self.u(), 0.0
        for i, w in enumerate(weights):
            acc += w
            if u < acc:
                return i
        return len(weights) - 1


@dataclass(frozen=True, eq=False)
class Member:
    """A project member as the engine sees them: when they can act, and in which calendar."""

    user_index: int
    user_id: int
    first_name: str
    name: str
    cal: Calendar | OwnWeekends | PersonalCalendar  # their zone's, their weekends, minus absences
    join: int
    leave: int  # NEVER if they stay

    def active(self, t: int) -> bool:
        return self.join <= t < self.leave


@dataclass(frozen=True)
class Section:
    id: int
    name: str
    state: str | None  # board workflow state, None for list sections


@dataclass(frozen=True)
class OtherProject:
    """A list project a task may be multi-homed into: an earlier one of the same team, or the
    reviewing team's (hand-off work)."""

    id: int
    section_id: int
    created: int


@dataclass
class ProjectCtx:
    """What the engine needs to know about one project."""

    id: int
    owner: Member
    members: list[Member]
    sections: list[Section]
    board: bool
    anchor: int
    status_field: FieldDef
    priority_field: FieldDef | None
    others: list[OtherProject] = field(default_factory=list)
    guests: frozenset[int] = frozenset()  # user ids with commenter access only
    shape: Shape = SHAPES["timeboxed"]
    due: int | None = None  # the project's due date (epoch ms), toward which work is planned
    start: int = 0  # when the project was created (epoch ms)
    horizon: int | None = None  # the real anchor when ``anchor`` is a stalled project's halt
    review: OtherProject | None = None  # the reviewing team's list project hand-off work goes to

    def __post_init__(self) -> None:
        self.editors = [m for m in self.members if m.user_id not in self.guests]
        self.never_phase = (self.id * GOLDEN) % 1.0
        self._editor_eras = _eras(self.editors)
        self._member_eras = _eras(self.members)

    def active(self, t: int, editors: bool = True) -> tuple[Member, ...]:
        """The editors (or all members) active at t, in member order: looked up in the
        spans between joins and leaves (drawing an actor is a hot path; a scan of the
        members per draw cost more)."""
        points, eras = self._editor_eras if editors else self._member_eras
        return eras[bisect_right(points, t)]

    def never_draw(self) -> float:
        """The next point of a golden-ratio sequence (a phase per project): whether a task is
        never assigned is read from it, so a project's share of unowned backlog is close to
        its expectation (independent draws spread the file's open unassigned share over
        8-21% at the default scale once dropped work is closed; the band is 10-20%)."""
        self.never_phase = (self.never_phase + GOLDEN) % 1.0
        return self.never_phase

    def section_for(self, state: str) -> Section | None:
        for s in self.sections:
            if s.state == state:
                return s
        return None


@dataclass(slots=True)
class Event:
    """One story: a system change or a comment (kind set, text filled later)."""

    t: int
    actor: Member
    subtype: str
    assignee: Member | None = None
    project_id: int | None = None
    old_section: Section | None = None
    new_section: Section | None = None
    old_due_on: str | None = None
    new_due_on: str | None = None
    old_due_at: str | None = None
    new_due_at: str | None = None
    field_id: int | None = None
    old_option: int | None = None
    new_option: int | None = None
    kind: str | None = None  # comment kind
    addressee: Member | None = None
    date_arg: int | None = None  # a date the comment names (return from absence, due date)


@dataclass
class TaskLife:
    """A simulated task: its final state at the anchor and its event log."""

    subtype: str
    priority: int
    created: int
    creator: Member
    events: list[Event] = field(default_factory=list)
    assignee: Member | None = None
    completed: int | None = None
    completer: Member | None = None
    approval: str | None = None
    due_on: str | None = None
    due_at: str | None = None
    start_on: str | None = None
    section: Section | None = None
    status: str = "Not started"
    priority_now: int = 0
    escalated: bool = False
    renamed: bool = False
    dropped: bool = False
    dropped_at: int | None = None
    dropped_start_on: str | None = None  # the start date a drop removed (for censoring)
    work_wd: float = 1.0
    planned: bool = False  # its due date is a point of the project's plan
    queued: bool = False  # a request that waits unassigned until someone picks it up
    multi_home: list[tuple[OtherProject, int]] = field(default_factory=list)
    followers: dict[int, Member] = field(default_factory=dict)
    # (time, state, assignee) after each state change; drives comment kinds
    timeline: list[tuple[int, str, Member | None]] = field(default_factory=list)

    @property
    def modified(self) -> int:
        return max(self.created, self.events[-1].t if self.events else self.created)


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
    def someone(self, t: int, exclude: Member | None = None, editors: bool = True) -> Member:
        """A random member active at t (the owner if nobody else is).  Guests (commenters)
        only take part in discussions: with ``editors`` they are never picked."""
        pool = self.ctx.active(t, editors)
        if exclude in pool:
            pool = tuple(m for m in pool if m is not exclude)
        return self.d.pick(pool) if pool else self.ctx.owner

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
        new = self.someone(t, exclude=self.life.assignee)
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


def simulate_task(
    ctx: ProjectCtx,
    d: Draws,
    created_hint: int,
    *,
    first_section: Section | None,
    parent: TaskLife | None = None,
    reviewer: Member | None = None,
) -> TaskLife | None:
    """Simulate one task (or, with ``parent``, one subtask).  None if created after the anchor.

    With ``reviewer``, the task is a sign-off asked of them: an approval the owner creates
    and assigns to them (a hand-off between functions)."""
    in_project = parent is None
    r = d.u()
    subtype = "default_task"
    if reviewer is not None:
        subtype = "approval"
    elif in_project and r < P_MILESTONE:
        subtype = "milestone"
    elif in_project and r < P_MILESTONE + P_APPROVAL:
        subtype = "approval"
    priority = d.weighted(PRIORITY_P)
    if parent is not None:
        priority = parent.priority

    # creator and creation time
    if parent is None:
        creator = ctx.owner if d.chance(0.35) else _active_or_owner(ctx, d, created_hint)
        if reviewer is not None:
            creator = ctx.owner
    else:
        creator = parent.assignee or parent.creator
        if not creator.active(created_hint):
            creator = _active_or_owner(ctx, d, created_hint)
    created = creator.cal.advance(created_hint, d.u() * 0.3 + 1e-4, d.u())
    if not creator.active(created):  # they left before getting to it: the owner does
        creator = ctx.owner
        created = creator.cal.advance(created_hint, d.u() * 0.3 + 1e-4, d.u())
    if created >= ctx.anchor:
        return None
    life = TaskLife(
        subtype=subtype, priority=priority, created=created, creator=creator, priority_now=priority
    )
    life.followers[creator.user_id] = creator
    sim = _Sim(ctx, d, life, in_project, deadline=parent.completed if parent is not None else None)
    sim.t = created

    # creation: project membership, initial status, assignee, due date
    if in_project:
        initial = ctx.section_for("backlog") or ctx.section_for("todo") if ctx.board else None
        life.section = initial or first_section
        sim.emit(
            Event(created, creator, "added_to_project", project_id=ctx.id, new_section=life.section)
        )
        sim.set_status(created, creator, "Not started")
    else:
        sim.mark(created, "Not started")

    r = d.u()
    if subtype == "milestone":
        plan_assign = "now"
        first_assignee: Member | None = ctx.owner
    elif subtype == "approval":
        plan_assign = "now"
        first_assignee = sim.someone(created, exclude=creator)
        if reviewer is not None and reviewer.active(created):
            first_assignee = reviewer
    else:
        assigned = P_ASSIGN_AT_CREATION + P_ASSIGN_LATER
        plan_assign = (
            "never"
            if ctx.never_draw() >= assigned
            else "now"
            if r < P_ASSIGN_AT_CREATION / assigned
            else "later"
        )
        if parent is not None and plan_assign == "never" and d.chance(0.5):
            plan_assign = "now"
        if in_project and plan_assign == "now" and d.chance(ctx.shape.p_queued):
            plan_assign, life.queued = "later", True  # waits in the queue until picked up
        first_assignee = None
        if plan_assign == "now":
            first_assignee = (
                parent.assignee
                if parent is not None
                and parent.assignee
                and parent.assignee.active(created)
                and d.chance(0.5)
                else sim.someone(created)
            )
    if plan_assign == "now" and first_assignee is not None:
        sim.assign(created, creator, first_assignee)
        if (
            in_project
            and ctx.board
            and life.section is not None
            and life.section.state == "backlog"
        ):
            todo = ctx.section_for("todo")
            if todo is not None:
                life.section = todo
                life.events[0].new_section = todo  # created straight into To do

    # fate; work broken down in the first third of a project's life is the plan (kick-off)
    early = ctx.due is not None and 3 * (created - ctx.start) < ctx.due - ctx.start
    r = d.u()
    fate = "done"
    if plan_assign == "never":
        fate = "dropped" if r < 0.2 else "stalled"  # dropped work is closed (_drop)
    elif r < ctx.shape.p_dropped:
        fate = "dropped"
    elif r < ctx.shape.p_dropped + ctx.shape.p_stalled * _phase(ctx, early, 2.3, 0.35):
        fate = "stalled"  # kick-off scope is likelier to sit untouched than later work

    due_ms: int | None = None
    p_due = (P_DUE if parent is None else 0.35) * (0.05 if fate == "stalled" else 1.0)
    if subtype == "milestone" or d.chance(p_due):
        days = d.lognormal(DUE_MEDIAN_DAYS[priority], 0.6)
        if (
            parent is None
            and subtype == "default_task"
            and ctx.due is not None
            and d.chance(ctx.shape.p_planned * _phase(ctx, early, 3.0, 0.4))
        ):
            # a point of the plan: somewhere between now and the project's end date
            room = min((ctx.due - created) / DAY_MS, PLAN_HORIZON_DAYS)
            if room > days:
                days = days + d.u() * (room - days)
                life.planned = True
        due_ms = _due_day(
            d,
            (life.assignee or creator).cal,
            (created // DAY_MS + max(1, round(days))) * DAY_MS,
            created // DAY_MS * DAY_MS,
        )
        if parent is not None and parent.due_on is not None and day_ms(parent.due_on) < due_ms:
            due_ms = day_ms(parent.due_on)  # the parent's day, unless they are away then
            cal = (life.assignee or creator).cal
            away = absence_on(cal, due_ms)
            if away is not None:
                due_ms = _workday_from(cal, away[0], -1, 0)
            if due_ms is not None and due_ms <= created // DAY_MS * DAY_MS:
                due_ms = None
    if due_ms is not None:
        if subtype != "milestone" and d.chance(P_DUE_AT):
            # a due time: 17:00 in the creator's calendar day (working hours by construction)
            life.due_at = fmt_ms(_at_local_hour(creator.cal, due_ms, 17.0))
        else:
            life.due_on = fmt_date(due_ms)
        sim.emit(
            Event(
                created, creator, "due_date_changed", new_due_on=life.due_on, new_due_at=life.due_at
            )
        )
        # a start day comes with an assignee, and avoids their time off (the loop below)
        if subtype != "milestone" and life.due_on and life.assignee and d.chance(P_START_ON):
            span = (due_ms - created // DAY_MS * DAY_MS) // DAY_MS
            if span >= 2:
                start = due_ms - (1 + int(d.u() * min(span - 1, 10))) * DAY_MS
                cal = life.assignee.cal
                while not is_workday(cal, start) and start > created:  # the working day before
                    start -= DAY_MS
                away = absence_on(cal, start)  # away from the day it was made: when back
                if away is not None:
                    start = away[1] if away[1] < due_ms else None
                if start is not None:
                    life.start_on = fmt_date(start)

    life.work_wd = d.lognormal(WORK_MEDIAN_WD[priority], WORK_SIGMA)
    if parent is not None:
        life.work_wd *= 0.5
        if parent.completed is not None:
            # the piece must fit before the parent is done (most do; some run over)
            room = (parent.completed - created) / DAY_MS * 5 / 7
            life.work_wd = min(life.work_wd, max(0.05, room * 0.3))

    try:
        if in_project and d.chance(P_NAME_CHANGE):
            actor = creator if creator.active(created + 5 * DAY_MS) else ctx.owner
            t = sim.place(actor, d.lognormal(0.3, 0.8))
            sim.emit(Event(t, actor, "name_changed"))
            life.renamed = True
        if life.queued and fate == "stalled":
            raise Censored  # still waiting in the queue, unassigned
        if plan_assign == "later":
            wait = (ctx.shape.pickup_wd, ctx.shape.pickup_sigma) if life.queued else (0.3, 0.9)
            t, owner = sim.act("owner", d.lognormal(*wait))
            sim.assign(t, owner, sim.someone(t))
            _keep_off_time_off(sim, d, t, owner)
            sim.move(t, owner, "todo")
        if in_project and not ctx.board and d.chance(P_LIST_MOVE) and len(ctx.sections) > 1:
            t, actor = sim.act("assignee", d.lognormal(2.0, 0.8))
            i = ctx.sections.index(life.section) if life.section in ctx.sections else 0
            new = ctx.sections[min(i + 1, len(ctx.sections) - 1)]
            if new is not life.section:
                sim.emit(
                    Event(
                        t,
                        actor,
                        "section_changed",
                        project_id=ctx.id,
                        old_section=life.section,
                        new_section=new,
                    )
                )
                life.section = new
        if fate == "stalled":
            if life.assignee is not None and d.chance(P_STALL_BLOCKED):
                _stall_blocked(sim, d)
            raise Censored  # nothing more happens before the anchor; comments come below
        if fate == "dropped":
            _drop(sim, d, d.lognormal(6.0, 0.8))
            raise Censored
        _work(sim, d, subtype, due_ms)
    except Censored:
        pass
    if parent is None:
        _multi_home(sim, d)
    _reassign_departed(sim, d)
    _overlay_comments(sim, d, due_ms)
    life.events.sort(key=lambda e: e.t)
    return life


def _work(sim: _Sim, d: Draws, subtype: str, due_ms: int | None) -> None:
    """Start, block, review and finish: the main path of a task's life."""
    life, ctx = sim.life, sim.ctx
    if subtype == "milestone":
        base = max(sim.t, (due_ms or sim.t) - DAY_MS)
        if base >= ctx.anchor:
            raise Censored
        sim.t = base
        t, actor = sim.act("assignee", d.u() * 1.2)
        _complete(sim, d, t, actor)
        return
    if subtype == "approval":
        t, actor = sim.act("assignee", d.lognormal(1.0, 0.9))
        _complete(sim, d, t, actor)
        return

    shape = ctx.shape
    gap = d.lognormal(*((0.35, 1.2) if life.queued else (shape.pickup_wd, shape.pickup_sigma)))
    if life.planned and due_ms is not None:
        # planned work waits until its date comes near (people start late, some on time)
        who = life.assignee or ctx.owner
        lead = life.work_wd * d.lognormal(*PLANNED_LEAD)
        gap = max(gap, who.cal.to_w(due_ms) - who.cal.to_w(sim.t) - lead)
    t, actor = sim.act("assignee", gap)
    sim.set_status(t, actor, "In progress")
    sim.move(t, actor, "in_progress")
    if d.chance(P_COMMENT_ON["start"]):
        sim.comment(t, actor, "start", date_arg=_due_ms_of(life), gap=0.005 + d.u() * 0.02)

    # interruptions at fractions of the work
    work = life.work_wd
    plan: list[tuple[float, str]] = []
    if d.chance(shape.p_blocked * (1.3 if life.priority >= 2 else 1.0)):
        plan.append((d.u() * 0.8, "block"))
        if d.chance(P_SECOND_BLOCK):
            plan.append((0.5 + d.u() * 0.4, "block"))
    if d.chance(P_REASSIGN):
        plan.append((d.u() * 0.7, "reassign"))
    # People move due dates they will miss: likelier when the work overruns, in the
    # assignee's own calendar (a vacation before the due date is an overrun too).
    overrun = due_ms is not None and actor.cal.advance(t, work) > due_ms
    if due_ms is not None and d.chance(P_OVERRUN_MOVE if overrun else P_DUE_CHANGE):
        plan.append((d.u() * 0.9, "due"))
    if (
        sim.in_project
        and ctx.priority_field is not None
        and life.priority < 3
        and d.chance(P_ESCALATE)
    ):
        plan.append((d.u() * 0.6, "escalate"))
    plan.sort()
    done_frac = 0.0
    for frac, what in plan:
        gap = max(frac - done_frac, 0.001) * work
        done_frac = max(frac, done_frac)
        if what == "block":
            t, actor = sim.act("assignee", gap)
            sim.set_status(t, actor, "Blocked")
            sim.move(t, actor, "blocked")
            if d.chance(P_COMMENT_ON["blocked"]):
                sim.comment(t, actor, "blocked", gap=0.003)
            t, actor = sim.act("assignee", d.lognormal(shape.block_wd, 0.9))
            sim.set_status(t, actor, "In progress")
            sim.move(t, actor, "in_progress")
            if d.chance(P_COMMENT_ON["unblocked"]):
                sim.comment(t, actor, "unblocked", gap=0.003)
        elif what == "reassign":
            t, owner = sim.act("owner", gap)
            new = sim.someone(t, exclude=life.assignee)
            if new is not life.assignee:
                sim.assign(t, owner, new)
                _keep_off_time_off(sim, d, t, owner)
        elif what == "due":
            t, actor = sim.act("assignee", gap)
            old_on, old_at = life.due_on, life.due_at
            shift = (2 + int(d.u() * 9)) * DAY_MS
            if overrun:
                shift += max(0, actor.cal.advance(t, work) - due_ms) // DAY_MS * DAY_MS
            if life.due_at is not None:
                life.due_at = fmt_ms(parse_ms(life.due_at) + shift)
            else:
                cal = (life.assignee or actor).cal  # off the time off of whoever does the work
                _move_due_on(d, life, cal, day_ms(life.due_on) + shift, t)
            sim.emit(
                Event(
                    t,
                    actor,
                    "due_date_changed",
                    old_due_on=old_on,
                    old_due_at=old_at,
                    new_due_on=life.due_on,
                    new_due_at=life.due_at,
                )
            )
        elif what == "escalate":
            t, owner = sim.act("owner", gap)
            f = ctx.priority_field
            old = life.priority_now
            life.priority_now = min(old + 1, 3)
            life.escalated = True
            sim.emit(
                Event(
                    t,
                    owner,
                    "enum_custom_field_changed",
                    field_id=f.id,
                    old_option=f.option_id(PRIORITIES[old]),
                    new_option=f.option_id(PRIORITIES[life.priority_now]),
                )
            )
    remaining = max(1.0 - done_frac, 0.05) * work
    if sim.in_project and ctx.board and ctx.section_for("review") and d.chance(P_REVIEW_COLUMN):
        t, actor = sim.act("assignee", remaining * 0.8)
        sim.move(t, actor, "review")
        remaining *= 0.2
    t, actor = sim.act("assignee", remaining)
    _complete(sim, d, t, actor)


def _phase(ctx: ProjectCtx, early: bool, first: float, later: float) -> float:
    """A rate's factor in the first third of a time-boxed project's life and after it (1 for
    ongoing work, which has no phases)."""
    if ctx.due is None:
        return 1.0
    return first if early else later


def _stall_blocked(sim: _Sim, d: Draws) -> None:
    """Stalled work that got started and then waits on someone: it stays Blocked."""
    ctx = sim.ctx
    t, actor = sim.act("assignee", d.lognormal(ctx.shape.pickup_wd, ctx.shape.pickup_sigma))
    sim.set_status(t, actor, "In progress")
    sim.move(t, actor, "in_progress")
    t, actor = sim.act("assignee", d.lognormal(0.5, 1.0))
    sim.set_status(t, actor, "Blocked")
    sim.move(t, actor, "blocked")
    if d.chance(P_COMMENT_ON["blocked"]):
        sim.comment(t, actor, "blocked", gap=0.003)


def _complete(sim: _Sim, d: Draws, t: int, actor: Member) -> None:
    life = sim.life
    if life.subtype == "approval":
        life.approval = ("approved", "changes_requested", "rejected")[d.weighted((0.8, 0.12, 0.08))]
    sim.emit(Event(t, actor, "marked_complete"))
    life.completed, life.completer = t, actor
    sim.set_status(t, actor, "Done")
    sim.move(t, actor, "done")
    if d.chance(P_COMMENT_ON["done"]):
        sim.comment(t, actor, "done", gap=0.002 + d.u() * 0.01)


def _drop(sim: _Sim, d: Draws, gap: float) -> None:
    """The owner drops the task: it is closed (marked complete by them, Status "Done", the
    terminal option of the Status field: adding a "Cancelled" one would change every file's
    enum options), so a comment that says "closing" or "cancelling"
    is true; the due date is cleared and it is sometimes unassigned."""
    life = sim.life
    t, owner = sim.act("owner", gap)
    life.dropped = True
    life.dropped_at = t
    if life.assignee is not None and d.chance(0.1):
        sim.assign(t, owner, None)
    if life.due_on or life.due_at:
        sim.emit(
            Event(t, owner, "due_date_changed", old_due_on=life.due_on, old_due_at=life.due_at)
        )
        life.due_on = life.due_at = None
        life.dropped_start_on, life.start_on = life.start_on, None
    if life.subtype == "approval":
        life.approval = "rejected"  # an approval that is dropped is turned down
    sim.emit(Event(t, owner, "marked_complete"))
    life.completed, life.completer = t, owner
    if sim.in_project:
        sim.set_status(t, owner, "Done")
        sim.move(t, owner, "done")
    if d.chance(P_COMMENT_ON["dropped"]):
        sim.comment(t, owner, "dropped", gap=0.002)


def _reassign_departed(sim: _Sim, d: Draws) -> None:
    """Open work of someone who left goes to a colleague (before the anchor).  In a stalled
    project (``ctx.anchor`` is its halt) someone who leaves after the halt is only taken off
    the task, as nothing else happens there."""
    life, ctx = sim.life, sim.ctx
    limit = ctx.horizon if ctx.horizon is not None else ctx.anchor
    a = life.assignee
    for _ in range(4):  # the new assignee may leave too
        if life.completed is not None or a is None or a.leave >= limit:
            return
        if a.leave >= ctx.anchor:
            _take_off(sim, a.leave, limit)
            return
        try:
            sim.handover(a.leave)
        except Censored:
            # leave fell right before the anchor: the owner (or, while they are away for
            # long, a colleague) takes it over at once
            base = max(sim.t, a.leave)
            actor = sim.reassigner(base)
            t = actor.cal.advance(base, 0.001)
            if t < ctx.anchor and actor.active(t):
                sim.assign(t, actor, actor)
            elif ctx.horizon is not None:
                _take_off(sim, base, limit)
            return
        a = life.assignee


def _take_off(sim: _Sim, t0: int, limit: int) -> None:
    """The owner (or, if they are gone, a member still there) unassigns the task after t0."""
    for actor in (sim.ctx.owner, *sim.ctx.editors):
        t = actor.cal.advance(t0, 0.05)
        if t < limit and actor.active(t):
            sim.assign(t, actor, None)
            return


def _multi_home(sim: _Sim, d: Draws) -> None:
    life, ctx = sim.life, sim.ctx
    if ctx.review is not None and d.chance(P_REVIEW_POST):
        other = ctx.review
    elif ctx.others and d.chance(P_MULTI_HOME):
        other = d.pick(ctx.others)
    else:
        return
    actor = life.creator if life.creator.active(life.created + DAY_MS) else ctx.owner
    t = actor.cal.advance(max(life.created, other.created), d.lognormal(0.5, 0.8), d.u())
    if t < ctx.anchor and actor.active(t):
        sim.life.events.append(
            Event(
                t,
                actor,
                "added_to_project",
                project_id=other.id,
                new_section=Section(other.section_id, "", None),
            )
        )
        life.multi_home.append((other, t))


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


def _active_or_owner(ctx: ProjectCtx, d: Draws, t: int) -> Member:
    """An editor active at t who stays for three more days (the owner if there is none)."""
    soon = t + 3 * DAY_MS
    pool = [m for m in ctx.active(t) if m.leave > soon]
    return d.pick(pool) if pool else ctx.owner


def _eras(members: list[Member]) -> tuple[list[int], list[tuple[Member, ...]]]:
    """The joins and leaves of ``members``, sorted, and who is active in each span they
    bound: ``eras[bisect_right(points, t)]`` holds the members active at t, in order."""
    points = sorted({m.join for m in members} | {m.leave for m in members if m.leave < NEVER})
    eras = [()] + [tuple(m for m in members if m.join <= p < m.leave) for p in points]
    return points, eras


def _weekday_bias(d: Draws, day_ms: int) -> int:
    """Move most weekend due dates to the Friday before or the Monday after.

    Uniform days would put 5/7 = 71% on weekdays; moving 48% of the rest gives the design
    target of about 85%.
    """
    wd = (day_ms // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday: Mon=0
    if wd >= 5 and d.chance(0.48):
        return day_ms + (-1 if wd == 5 else 1) * DAY_MS
    return day_ms


def _due_day(d: Draws, cal: Calendar, day: int, floor: int) -> int:
    """A due day off the weekend (mostly, `_weekday_bias`), off the public holidays of ``cal``
    (the assignee's calendar; P_HOLIDAY_MOVE of them move to the working day before, else
    after, never to ``floor`` or earlier): nobody plans a deadline on Memorial Day; and off
    the assignee's time off (to the working day before it, else the day they are back)."""
    day = _weekday_bias(d, day)
    away = absence_on(cal, day)
    if away is not None:
        before = _workday_from(cal, away[0], -1, floor)
        return before if before is not None else away[1]
    if (day // DAY_MS + 3) % 7 >= 5 or is_workday(cal, day) or not d.chance(P_HOLIDAY_MOVE):
        return day
    for step in (-1, -2, -3, -4, 1, 2, 3, 4, 5, 6):
        c = day + step * DAY_MS
        if c > floor and is_workday(cal, c):
            return c
    return day


def _workday_from(cal: Calendar, day: int, step: int, floor: int) -> int | None:
    """The first working day of ``cal`` from ``day`` on (step +1) or back (step -1), within
    a week and after ``floor``."""
    for _ in range(7):
        day += step * DAY_MS
        if day <= floor:
            return None
        if is_workday(cal, day):
            return day
    return None


def _move_due_on(d: Draws, life: TaskLife, cal: Calendar, day: int, t: int) -> int:
    """Move ``life``'s due day to ``day`` (at ``t``), off the holidays and time off of ``cal``
    (`_due_day`), and return the new day.

    The new day comes after the day of the move and after the task's start day: work can
    be rescheduled before it starts, and the working day before an absence may be the
    start day or earlier (then the due day is the day they are back).  A start day the due
    day still does not come after is dropped, as at creation.  No extra draw: the other
    tasks' draws are untouched."""
    start = day_ms(life.start_on) if life.start_on else 0
    new = _due_day(d, cal, day, max(t // DAY_MS * DAY_MS, start))
    life.due_on = fmt_date(new)
    if life.start_on and new <= start:
        life.start_on = None
    return new


def _keep_off_time_off(sim: _Sim, d: Draws, t: int, actor: Member) -> None:
    """Whoever hands a dated task to someone away on its due day moves the date: to the
    working day before the absence (after the task's start day), else the day they are back.
    The start day stays (it is part of the task as created, whatever the clock), unless the
    due day cannot come after it (`_move_due_on`)."""
    life = sim.life
    who = life.assignee
    if who is None or not life.due_on:
        return
    old = day_ms(life.due_on)
    if absence_on(who.cal, old) is None:
        return
    if _move_due_on(d, life, who.cal, old, t) != old:
        sim.emit(
            Event(t, actor, "due_date_changed", old_due_on=fmt_date(old), new_due_on=life.due_on)
        )


def _at_local_hour(cal: Calendar, day_ms: int, hour: float) -> int:
    """UTC ms of ``hour`` local time on a day, from the calendar's local midnights."""
    j = bisect_right(cal.starts, day_ms + 12 * 3_600_000) - 1
    if j >= 0 and abs(cal.starts[j] - day_ms) < DAY_MS:
        return cal.starts[j] + int(hour * 3_600_000)
    return day_ms + int((hour + 5) * 3_600_000)  # not a working day there: roughly local


def _due_ms_of(life: TaskLife) -> int | None:
    if life.due_on:
        return day_ms(life.due_on)
    if life.due_at:
        return parse_ms(life.due_at)
    return None


def close_at_wrap_up(
    ctx: ProjectCtx, d: Draws, life: TaskLife, t: int, actor: Member, in_project: bool
) -> None:
    """Close work still open when its project is completed: ``actor`` (the owner) marks it
    complete at ``t``, after its last event, as a team does at a wrap-up (an open approval
    is approved).  The same stories as any completion, so the replay rules hold."""
    sim = _Sim(ctx, d, life, in_project)
    sim.t = t
    if life.subtype == "approval":
        life.approval = "approved"
    sim.emit(Event(t, actor, "marked_complete"))
    life.completed, life.completer = t, actor
    sim.set_status(t, actor, "Done")
    sim.move(t, actor, "done")


def close_as_cancelled(
    ctx: ProjectCtx, d: Draws, life: TaskLife, t: int, actor: Member, in_project: bool
) -> int | None:
    """Close work still open when its project is cancelled: ``actor`` (the owner) drops it at
    ``t`` (its due date cleared, marked complete, Status "Done", as `_drop` closes work; an
    open approval is rejected) and, on a top-level task, says so in a comment a minute later.
    Returns the comment's time (None for a subtask: no comment)."""
    sim = _Sim(ctx, d, life, in_project)
    sim.t = t
    life.dropped, life.dropped_at = True, t
    # as `_drop`: dropped work has no deadline left (a milestone keeps its date: the status
    # updates read the milestones' dates as drawn, whatever the clock)
    if (life.due_on or life.due_at) and life.subtype != "milestone":
        old_on, old_at = life.due_on, life.due_at
        sim.emit(Event(t, actor, "due_date_changed", old_due_on=old_on, old_due_at=old_at))
        life.due_on = life.due_at = None
        life.dropped_start_on, life.start_on = life.start_on, None
    if life.subtype == "approval":
        life.approval = "rejected"
    sim.emit(Event(t, actor, "marked_complete"))
    life.completed, life.completer = t, actor
    sim.set_status(t, actor, "Done")
    sim.move(t, actor, "done")
    if not in_project:
        return None
    at = actor.cal.advance(t, 0.002)
    sim.emit(Event(at, actor, "comment_added", kind="cancelled"))
    return at
