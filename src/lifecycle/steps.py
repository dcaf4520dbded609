"""The steps off a task's main path: completion, a drop, stalled work left Blocked, the
hand-over of a departed person's open work, multi-homing into another project, and the closes
a project's end forces (a wrap-up, a cancellation)."""

from __future__ import annotations

from ..worktime import DAY_MS
from .dates import _due_ms_of
from .model import Censored, Draws, Event, Member, ProjectCtx, Section, TaskLife
from .sim import P_COMMENT_ON, _Sim

P_MULTI_HOME = 0.03
# Work of a project with a hand-off that is also posted to the reviewing team's list project
# (issue 9: tasks multi-homed across teams' projects; design).
P_REVIEW_POST = 0.1
# The most stories the rest of a moved task's life adds (`continue_moved`: an assignment,
# a start or an unblock, the completion, their comments, and a few hand-overs of leavers).
CONTINUE_EVENTS = 24


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
    sim.close(t, actor)
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
    """Add the task to a second project: an earlier list project of the team (P_MULTI_HOME,
    from the task's stream), or, in a project with a hand-off, the reviewing team's
    (P_REVIEW_POST, read off `ProjectCtx.review_draw`, with the delay taken from the same
    point: the task's stream is drawn the same with or without a reviewing project)."""
    life, ctx = sim.life, sim.ctx
    other = None
    if ctx.others and d.chance(P_MULTI_HOME):
        other, gap, spread = d.pick(ctx.others), d.lognormal(0.5, 0.8), d.u()
    if ctx.review is not None:
        u = ctx.review_draw()
        if u < P_REVIEW_POST:
            frac = u / P_REVIEW_POST  # evenly spread over [0, 1) too
            other, gap, spread = ctx.review, 0.2 + 1.3 * frac, (frac * 7.0) % 1.0
    if other is None:
        return
    actor = life.creator if life.creator.active(life.created + DAY_MS) else ctx.owner
    t = actor.cal.advance(max(life.created, other.created), gap, spread)
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
    sim.close(t, actor)


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
    sim.close(t, actor)
    if not in_project:
        return None
    at = actor.cal.advance(t, 0.002)
    sim.emit(Event(at, actor, "comment_added", kind="cancelled"))
    return at


def continue_moved(
    ctx: ProjectCtx, d: Draws, life: TaskLife, t: int, after: int | None = 0
) -> None:
    """The rest of the life of open work moved at ``t`` out of a cancelled project: it goes on
    like the open work of the project it moved to (``ctx``: that project's people, owner and
    shape, with the home project's id, sections and board, where its primary membership and
    section stay).  Someone picks it up if nobody holds it, work starts (or a block is
    lifted) and it is done, or it waits like that project's stalled work; its stories and
    comments are the engine's own, so the replay rules hold.  ``after``: the latest
    completion of the tasks it depends on (None: one stays open, so this one cannot be done
    before it)."""
    sim = _Sim(ctx, d, life, in_project=True)
    sim.t = t
    shape = ctx.shape
    drawn = len(life.events)
    stalls = d.chance(shape.p_stalled)
    try:
        if life.assignee is None:
            at, owner = sim.act("owner", d.lognormal(shape.pickup_wd, shape.pickup_sigma))
            sim.assign(at, owner, sim.worker(at))
        if stalls or after is None:
            raise Censored  # waits, as the stalled work of the project it moved to
        if life.status == "Blocked":
            at, actor = sim.act("assignee", d.lognormal(shape.block_wd, 0.9))
            sim.set_status(at, actor, "In progress")
            sim.move(at, actor, "in_progress")
            if d.chance(P_COMMENT_ON["unblocked"]):
                sim.comment(at, actor, "unblocked", gap=0.003)
        elif life.status != "In progress":
            at, actor = sim.act("assignee", d.lognormal(shape.pickup_wd, shape.pickup_sigma))
            sim.set_status(at, actor, "In progress")
            sim.move(at, actor, "in_progress")
            if d.chance(P_COMMENT_ON["start"]):
                sim.comment(at, actor, "start", date_arg=_due_ms_of(life), gap=0.005 + d.u() * 0.02)
        sim.t = max(sim.t, after)  # not done before the work it waits on
        at, actor = sim.act("assignee", life.work_wd * (0.3 + 0.7 * d.u()))
        _complete(sim, d, at, actor)
    except Censored:
        pass
    _reassign_departed(sim, d)
    life.events.sort(key=lambda e: e.t)
    # story ids are numbered in the slots kept for it (tasks._room)
    assert len(life.events) - drawn <= CONTINUE_EVENTS, len(life.events) - drawn
