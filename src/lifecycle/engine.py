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

from ..worktime import DAY_MS, absence_on, day_ms, fmt_date, fmt_ms, is_workday, parse_ms
from .comments import _overlay_comments
from .dates import (
    _at_local_hour,
    _due_day,
    _due_ms_of,
    _keep_off_time_off,
    _move_due_on,
    _workday_from,
)
from .model import Censored, Draws, Event, Member, ProjectCtx, Section, TaskLife
from .sim import P_COMMENT_ON, _Sim
from .steps import _complete, _drop, _multi_home, _reassign_departed, _stall_blocked

# --- parameters (lifecycle as data) --------------------------------------------------------
PRIORITIES = ("Low", "Medium", "High", "Urgent")
# (A): Minor 68 / Major 20 / Critical 7.8 / Trivial 2.1 / Blocker 1.8 %: most work low or
# medium, a few percent urgent.
PRIORITY_P = (0.38, 0.42, 0.15, 0.05)
# Median working days from start to done, by priority; sigma of the lognormal.  With the lags
# before the start this gives (A)'s median ~4 calendar days and p90 > 3x median.
WORK_MEDIAN_WD = (1.8, 1.26, 0.81, 0.4)
WORK_SIGMA = 1.5
# Due-date offset from creation, calendar days, median by priority (design).
DUE_MEDIAN_DAYS = (21.0, 14.0, 8.0, 3.0)
# Shares of tasks taking each path (design: tuned together so that default runs of every
# industry land in docs/realism.md's bands; `validate` prints where a file lands).
P_MILESTONE = 0.035
P_APPROVAL = 0.045
P_ASSIGN_AT_CREATION = 0.795
P_ASSIGN_LATER = 0.187  # the rest: ~0.9% of subtasks is never assigned (tasks: P_UNOWNED)
# Of the work that stalls, the share nobody was ever asked to do (the unowned backlog) and,
# of the rest asked of someone at creation, the share still waiting in the queue (design,
# the same in every kind of project: see _owner_plan).  Together 1 - 0.875 * (1 - 0.1 *
# 0.81) = 20% of stalled work is unassigned, ~15% of open work (band 10-20%).
P_UNOWNED = 0.125
P_QUEUED_STALLED = 0.1
P_DUE = 0.78
P_DUE_AT = 0.06  # a due time instead of a due day
P_START_ON = 0.22
P_DUE_CHANGE = 0.15
# People move due dates they will miss (design): likelier when the work overruns; the rest
# finish late (issue 9: 15-35% of dated work does).
P_OVERRUN_MOVE = 0.2
# Stalled work that started and waits on someone (design: most stuck work is waiting).
P_STALL_BLOCKED = 0.15
P_SECOND_BLOCK = 0.2
P_REASSIGN = 0.06
P_ESCALATE = 0.04
P_NAME_CHANGE = 0.05
P_REVIEW_COLUMN = 0.7
P_LIST_MOVE = 0.08
# Planned work is dated at most this far ahead (calendar days): the plan is detailed for the
# next weeks, later phases get their tasks when they come near (rolling-wave planning, design).
PLAN_HORIZON_DAYS = 75.0
# Working days before its due date that planned work starts, as a multiple of its effort:
# people start late (a median of 0.25x leaves about a third of planned work late, design).
PLANNED_LEAD = (0.25, 0.7)


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
            if not in_project and ctx.never_draw() >= assigned
            else "now"
            if r < P_ASSIGN_AT_CREATION / assigned
            else "later"
        )
        if parent is not None and plan_assign == "never" and d.chance(0.5):
            plan_assign = "now"
    # fate; work broken down in the first third of a project's life is the plan (kick-off)
    early = ctx.due is not None and 3 * (created - ctx.start) < ctx.due - ctx.start
    fate = _fate(ctx, d, plan_assign, early)
    point: float | None = None  # a stalled task's point of the project's "stalled" sequence
    if subtype == "default_task":
        if in_project:
            if fate == "stalled":
                point = ctx.sequence("stalled")
            plan_assign, life.queued = _owner_plan(ctx, fate, plan_assign, point)
        first_assignee = None
        if plan_assign == "now":
            first_assignee = (
                parent.assignee
                if parent is not None
                and parent.assignee
                and parent.assignee.active(created)
                and d.chance(0.5)
                else sim.worker(created)
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

    life.work_wd = WORK_MEDIAN_WD[priority] * math.exp(WORK_SIGMA * ctx.work_z())
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
            sim.assign(t, owner, sim.worker(t))
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
            if life.assignee is not None and _left_blocked(ctx, point):
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


def _fate(ctx: ProjectCtx, d: Draws, plan_assign: str, early: bool) -> str:
    """How a task's life ends before the anchor: done, stalled (nobody gets to it) or
    dropped (closed).  Kick-off scope is likelier to sit untouched than later work."""
    r = d.u()
    if plan_assign == "never":
        return "dropped" if r < 0.2 else "stalled"  # dropped work is closed (_drop)
    if r < ctx.shape.p_dropped:
        return "dropped"
    if r < ctx.shape.p_dropped + ctx.shape.p_stalled * _phase(ctx, early, 2.3, 0.35):
        return "stalled"
    return "done"


def _owner_plan(
    ctx: ProjectCtx, fate: str, plan_assign: str, point: float | None
) -> tuple[str, bool]:
    """Who a task of the project waits for, given its fate: nobody ever ("never": unowned
    backlog), the queue (a request waiting until someone picks it up: "later", queued) or
    the plan drawn.  Work that stalls is unowned (P_UNOWNED of it) or, asked of someone
    at creation, waits in the queue (P_QUEUED_STALLED of the rest): both read from one
    point of the project's "stalled" sequence, so each project leaves close to that share of
    its stalled work unassigned, give or take one task.  Nearly all open work at the anchor
    is stalled work: as independent draws (the never-assigned ones a golden-ratio sequence
    over all tasks, the queue a draw beside the fate) the file's open unassigned share spread
    over 9-21% between seeds (band 10-20%)."""
    if point is not None:  # stalled
        if point < P_UNOWNED:
            return "never", False
        if plan_assign == "now" and point < P_UNOWNED + (1.0 - P_UNOWNED) * P_QUEUED_STALLED:
            return "later", True
        return plan_assign, False
    if plan_assign == "now" and ctx.sequence("queue") < ctx.shape.p_queued:
        return "later", True
    return plan_assign, False


def _left_blocked(ctx: ProjectCtx, point: float | None) -> bool:
    """Whether stalled work with an assignee is left Blocked (waiting on someone).  A task
    of the project reads the top of its "stalled" point (disjoint from the unowned and
    queued stretches at the bottom: P_STALL_BLOCKED of the work that is neither), so the
    Blocked, unowned and queued shares of the project's stalled work are even together;
    a subtask, a milestone or an approval reads the "blocked" sequence."""
    if point is None:
        return ctx.sequence("blocked") < P_STALL_BLOCKED
    return point >= 1.0 - P_STALL_BLOCKED * (1.0 - P_UNOWNED) * (1.0 - P_QUEUED_STALLED)


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
            new = sim.worker(t, exclude=life.assignee)
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


def _active_or_owner(ctx: ProjectCtx, d: Draws, t: int) -> Member:
    """An editor active at t who stays for three more days (the owner if there is none)."""
    soon = t + 3 * DAY_MS
    pool = [m for m in ctx.active(t) if m.leave > soon]
    return d.pick(pool) if pool else ctx.owner
