"""Rows for one project's activity: the project itself, its sections and members, its tasks and
subtasks with their stories, memberships, followers, dependencies, tags and field values.

Everything for project ``p`` comes from the streams (TASKS, p) for structure and (TASK_TEXT, p)
for words, so a project's content depends on nothing but the seed, the organization, the
catalog and its own plan.  Structure is decided first; text fills the slots afterwards.

This module simulates a project (`simulate_project`); task_rows shows it at a clock
(`project_rows`) and arrivals says when its work is created.  The row families live beside
it: project_world (the world and its drawn tasks), story_rows, value_rows (custom field
values) and project_record (the project's own rows, status updates).
Patch a knob in the module that reads it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from ..config import NO_TUNING, Tuning
from ..lifecycle import (
    CONTINUE_EVENTS,
    NEVER,
    PRIORITIES,
    Draws,
    ProjectCtx,
    TaskLife,
    simulate_task,
)
from ..model import Org
from ..rng import Stream, rng_for
from ..seasons import monthly
from ..text import (
    Picker,
    TaskKind,
    TaskName,
    Vocabulary,
    draw_task_name,
    fill,
    team_function,
    unique_task_name,
)
from ..worktime import DAY_MS
from .arrivals import creation_hints, retuned
from .cancellation import CANCEL_EVENTS, Cancellation, close_out, move_target, movers
from .censor import censor
from .comments import CommentWriter, TaskFacts
from .completion import wrap_up
from .descriptions import Pools, describe, facts_of
from .field_values import industry_value
from .guests import guest_comments
from .handoffs import HANDOFF_LOCAL, cross_dependencies, handoff_life, member_for, project_ctx
from .project_plan import ProjectPlan
from .project_record import status_rows
from .project_world import DrawnTask, ProjectRows, ProjectWorld
from .story_rows import human_date, human_date_text
from .task_rows import project_rows
from .value_rows import draw_values

P_SUBTASKS = 0.16  # top-level tasks with subtasks; with dependencies lands in (B)'s 0.2-0.8 band
P_DEPENDENCY = 0.07
P_DESCRIPTION = 0.85  # "most top-level tasks have a description"
P_SUBTASK_DESCRIPTION = 0.2
P_TAG = 0.3
# Subtasks of work still open are broken out within this span of its creation (design: the
# span an open task had before the anchor, on average, when lives stopped there).
SUBTASK_SPAN = 45 * DAY_MS
WRAP_UP_EVENTS = 3  # the most stories a wrap-up adds to a task (complete, status, section)


def simulate_project(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    plans: list[ProjectPlan],
    tags: list[tuple],
    vocab: Vocabulary,
    tasks_per_project: int,
    anchor: int,
    clock: int | None = None,
    horizon: int | None = None,
    tuning: Tuning = NO_TUNING,
) -> ProjectWorld:
    """The project's world up to ``clock`` (default: the anchor, the end of the history):
    every task created before it, its whole life drawn to the fixed ``horizon`` (default:
    the anchor), and every text drawn.  No draw depends on the clock, so the world at a later
    clock extends the one at an earlier clock; `project_rows` shows it at any clock up to
    its own (continuous mode, `src/live/`).
    """
    clock = anchor if clock is None else clock
    horizon = anchor if horizon is None else horizon
    rng = rng_for(seed, Stream.TASKS, plan.index)
    d = Draws(rng)
    # lives run to the horizon (a stalled project's to its halt), whatever the clock
    ctx, members = project_ctx(org, plan, plans, horizon)
    owner, sections = ctx.owner, ctx.sections
    fields = {f.name: f for f, _ in plan.fields}
    priority = fields.get("Priority")

    # --- structure -------------------------------------------------------------------------
    n = max(2, round(tasks_per_project * math.exp(0.3 * d.z() - 0.045)))
    # work arriving after the end date draws from its own stream: the tuning never moves
    # the history's draws
    later = Draws(rng_for(seed, Stream.TASKS, plan.index, 3))
    season = monthly(org.workspace.industry)
    hints, span, hints_end = creation_hints(
        d, later, owner, plan, n, anchor, horizon, tuning.rate, season
    )
    steady = retuned(ctx, tuning) if tuning.steadiness is not None else ctx
    tasks: list[DrawnTask] = []
    top: list[DrawnTask] = []
    # a cancelled project's lives are drawn as if it went on (so its work before the
    # cancellation is what it would have been) and cut there below; what comes later is not
    # kept (``kept``: created before the cancellation, or always)
    cancel = plan.cancel if plan.cancel is not None else NEVER

    def kept(x: TaskLife | None) -> bool:
        return x is not None and x.created < cancel

    signoff = handoff_life(seed, plan, ctx, members)
    if not kept(signoff):
        signoff = None
    if signoff is not None:  # the sign-off asked of another function: the first task
        tasks.append(DrawnTask(HANDOFF_LOCAL, signoff, None))
        top.append(tasks[0])
        draw_values(d, tasks[0], plan, ctx, members)
    for hint in hints:
        if hint >= clock:
            break  # later tasks are not simulated: hints are sorted and drawn up front
        phase = sections[min(int((hint - plan.created) / span * len(sections)), len(sections) - 1)]
        tctx = steady if hint >= anchor else ctx  # new work follows the tuned hour profile
        life = simulate_task(tctx, d, hint, first_section=None if plan.board else phase)
        if life is None or not kept(life):
            continue
        t = DrawnTask(len(tasks), life, None)
        tasks.append(t)
        top.append(t)
        if len(top) > 2 and d.chance(P_DEPENDENCY):
            # blocked by a recent earlier task that was finished before this one was (or
            # any recent one while this is still open): the dependency order holds in time
            j = top[max(len(top) - 2 - int(d.u() * min(len(top) - 1, 8)), 0)]
            if j.life.created < life.created and (
                life.completed is None
                or (j.life.completed is not None and j.life.completed <= life.completed)
            ):
                t.deps.append(j.local)
        if d.chance(P_TAG) and tags:
            t.tags.append(int(d.u() * len(tags)))
            if d.chance(0.25):
                extra = int(d.u() * len(tags))
                if extra not in t.tags:
                    t.tags.append(extra)
        draw_values(d, t, plan, ctx, members)
        if life.subtype == "default_task" and d.chance(P_SUBTASKS):
            k = 1 + min(int(-math.log(1 - d.u() * 0.999) / 0.6), 5)
            stop = life.completed or min(horizon, life.created + SUBTASK_SPAN)
            for _ in range(k):
                sub_hint = life.created + int(d.u() * 0.3 * max(stop - life.created, DAY_MS))
                sub = simulate_task(tctx, d, sub_hint, first_section=None, parent=life)
                # a subtask is broken out of live work, not added after its parent is done
                if kept(sub) and (life.completed is None or sub.created < life.completed):
                    tasks.append(DrawnTask(len(tasks), sub, t.local))

    # guests from partner teams join the discussion, from a stream of their own
    guests = [member_for(org, u) for u in plan.partners]
    if guests:
        guest_d = Draws(rng_for(seed, Stream.TASKS, plan.index, 5))
        guest_comments(ctx, guest_d, guests, [t.life for t in top])
    if plan.cancel is not None:  # nothing happens in a cancelled project after it (but the
        # close-out, below): its lives end there, whatever the clock
        for t in tasks:
            cut = censor(t.life, plan.cancel, ctx, t.parent is None)
            if cut is not None and cut is not t.life:
                vars(t.life).update(vars(cut))
    # the open work it moves to the team's list project when it is cancelled: chosen on the
    # lives as cut, whatever the clock (a moved task is named for its home project)
    moving: set[int] = set()
    if plan.cancel is not None:
        tops = [(t.local, t.life) for t in top]
        moving = movers(Draws(rng_for(seed, Stream.TASKS, plan.index, 6)), plan, plans, tops)

    # --- text --------------------------------------------------------------------------
    pick = Picker(rng_for(seed, Stream.TASK_TEXT, plan.index))
    team = org.teams[plan.team]
    spec = team.spec
    taken: set[str] = set()
    names: list[str] = []
    parts: list[TaskName | None] = []  # the verb and object of each top-level task's name
    kinds: list[TaskKind | None] = []
    team_subtasks = spec["subtasks"] + vocab.common["subtasks"]
    used_by_parent: dict[int, set[str]] = defaultdict(set)
    for t in tasks:
        part = kind = None
        if t.parent is not None:
            # a parent's subtasks come from its kind's checklist (a launch has its own)
            parent_kind = kinds[t.parent]
            pool = parent_kind.subtasks if parent_kind else team_subtasks
            used = used_by_parent[t.parent]
            name = pick.pick(pool)
            for _ in range(6):
                if name not in used:
                    break
                name = pick.pick(pool)
            used.add(name)
        elif t is tasks[0] and signoff is not None and plan.handoff is not None:
            name = f"{plan.handoff[2]} for {plan.name}"
            taken.add(name)
        elif t.life.subtype == "milestone":
            name = pick.pick(spec["milestones"])
            if name in taken:
                name = unique_task_name(pick, spec, plan.theme, taken)
            taken.add(name)
        else:
            part = draw_task_name(pick, spec, plan.theme, taken)
            kind = vocab.kind_of(part.verb, part.object)
            name = part.name
            if t.life.subtype == "approval":
                name = f"Approve: {name[:1].lower()}{name[1:]}" if pick.u() < 0.5 else name
                taken.add(name)
        if t.life.multi_home or t.local in moving:
            # cross-posted work is labelled with its home project (project names are unique),
            # so it cannot collide with a task name in the project it is added to
            name = f"{name} ({plan.name})"
        names.append(name)
        parts.append(part)
        kinds.append(kind)
    # industry fields fit the task's kind (a bug's Severity): drawn once the names are known
    # (their own stream: how many names were drawn depends on the clock)
    industry = [f for f, _ in plan.fields if not f.core]
    values = Picker(rng_for(seed, Stream.TASK_TEXT, plan.index, 3))
    if industry:
        for t in tasks:
            if t.parent is None:
                for f in industry:
                    value = industry_value(values.u, f, t.life, kinds[t.local], members)
                    if value is not None:
                        t.values[f.index] = value
    function = team_function(spec)
    pools = Pools.of(vocab, function, spec)
    children: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for t in tasks:
        if t.parent is not None:
            children[t.parent].append((t.life.creator.user_id, t.life.created))
    priority_index = priority.index if priority is not None else -1

    # --- the rows' text: its own stream, since how many names were drawn depends on the
    # clock; drawn for every event, shown or not, so the draws never depend on the clock
    pick = Picker(rng_for(seed, Stream.TASK_TEXT, plan.index, 2))
    # Comment texts from the facts of the lives as drawn (to the horizon, before a wrap-up):
    # each claim is checked at the comment's own time (a dependency completed before it,
    # subtasks its author creates after it), so it holds at every clock that shows it.
    writer = CommentWriter(pick, vocab, function, plan.name)
    # room for the stories that close a task: a wrap-up's, or a cancellation's close-out
    closing = WRAP_UP_EVENTS if plan.cancel is None else max(WRAP_UP_EVENTS, CANCEL_EVENTS)
    notes: list[str] = []
    old_names: list[str | None] = []
    comments: list[list[str | None]] = []
    # open work lasts to the horizon, or to a cancellation, whose close-out ends it
    lasts = horizon if plan.cancel is None else min(horizon, plan.cancel)
    for t, name in zip(tasks, names, strict=True):
        note = ""
        if pick.u() < (P_SUBTASK_DESCRIPTION if t.parent is not None else P_DESCRIPTION):
            # facts of the whole life (drawn to the horizon), whatever the clock
            note = _notes(pick, pools, t, tasks, names, parts, kinds, plan, priority_index, lasts)
        notes.append(note)
        old_names.append(
            pick.pick(vocab.common["name_variants"]) + name if t.life.renamed else None
        )
        part = parts[t.local]
        writer.task(
            TaskFacts(
                name,
                part.object if part else "this",
                t.parent is not None,
                [tasks[dep].life.completed for dep in t.deps],
                children.get(t.local, []),
            ),
            owner.first_name,
        )
        texts: list[str | None] = []
        for ev in t.life.events:
            if ev.subtype == "comment_added":
                texts.append(writer.text(ev, human_date))
            else:
                writer.seen(ev.t)
                texts.append(None)
        # a wrap-up's stories are system's; moved work's rest of life comes after them
        comments.append(texts + [None] * _room(closing, t.local, moving))
    # the project is completed once its work is closed: that closes the rest, before any row
    # (and after every text is drawn, from the lives as drawn: a wrap-up's cut is the clock's).
    # Its own stream: how far the task stream got depends on the clock.
    late = Draws(rng_for(seed, Stream.TASKS, plan.index, 1))
    # Story ids are numbered by these slots, fixed before a wrap-up cuts a life short and
    # closes it (whether the wrap-up is known yet depends on the clock): ids never move.
    for t in tasks:
        t.slots = len(t.life.events) + _room(closing, t.local, moving)
    # Dependencies on earlier projects' sign-offs: decided on the lives as drawn (before a
    # wrap-up cuts them) among the work created before the end date, which every clock
    # shows, so they never depend on the clock.
    hist = [t for t in top if t.life.created < anchor]
    bound = max(plan.due_ms or 0, hints_end)  # a wrap-up closes no work before this
    if plan.cancel is not None:  # ... a cancellation's close-out none before it
        bound = min(bound, plan.cancel)
    for i, dep_id in cross_dependencies(
        seed, org, plan, plans, horizon, [t.life for t in hist], bound
    ):
        hist[i].ext_deps.append(dep_id)
    completion = cancellation = None
    if plan.cancel is not None:
        if clock > plan.cancel:  # every task of the project (created before it) is simulated
            cancellation = _cancel(
                seed, org, ctx, plan, plans, tasks, comments, vocab, moving, (names, parts)
            )
    elif clock > hints_end:  # every task of the project is simulated
        completion = wrap_up(
            ctx,
            late,
            plan.due_ms,
            [(t.life, None if t.parent is None else tasks[t.parent].life) for t in tasks],
            ctx.anchor,  # the horizon, or a stalled project's halt
            not_before=hints_end,
        )
        if completion is not None:
            for t, life in zip(tasks, completion.lives, strict=True):
                t.life = life

    world = ProjectWorld(
        seed,
        org,
        plan,
        ctx,
        members,
        owner,
        tags,
        vocab,
        tasks,
        names,
        notes,
        old_names,
        comments,
        completion,
        late.chance(0.5),
        clock,
    )
    world.cancellation = cancellation
    world.status_rows = status_rows(world)  # type: ignore[assignment]
    return world


def generate_project(*args: Any, **kwargs: Any) -> ProjectRows:
    """The project's rows at its clock: `simulate_project` (same arguments; the clock
    defaults to the anchor, the end of the history) shown at that clock."""
    world = simulate_project(*args, **kwargs)
    return project_rows(world, world.clock)


def _room(closing: int, local: int, moving: set[int]) -> int:
    """Story slots a task keeps after its drawn events: a wrap-up's or close-out's, and the
    rest of its life for work moved out of a cancelled project."""
    return closing + (CONTINUE_EVENTS if local in moving else 0)


def _cancel(
    seed: int,
    org: Org,
    ctx: ProjectCtx,
    plan: ProjectPlan,
    plans: list[ProjectPlan],
    tasks: list[DrawnTask],
    comments: list[list[str | None]],
    vocab: Vocabulary,
    moving: set[int],
    named: tuple[list[str], list[TaskName | None]],
) -> Cancellation | None:
    """The close-out of a cancelled project (`cancellation.close_out`, its own stream), with
    the rest of the life of the work it moves (in the project it moves to, another stream),
    and the text of each comment they add (streams of their own)."""
    dependents: dict[int, list[int]] = defaultdict(list)
    for t in tasks:
        for dep in t.deps:
            dependents[dep].append(t.local)
    lives = [(t.life, None if t.parent is None else tasks[t.parent].life) for t in tasks]
    before = [len(t.life.events) for t in tasks]
    d = Draws(rng_for(seed, Stream.TASKS, plan.index, 4))
    q = move_target(plan, plans) if moving else None
    goes_on = None
    if q is not None:  # its people, owner and shape: lives there run to the same horizon
        target, _ = project_ctx(org, plans[q], plans, ctx.anchor)
        goes_on = (target, Draws(rng_for(seed, Stream.TASKS, plan.index, 7)))
    done = close_out(ctx, d, plan, plans, lives, moving, dependents, goes_on)
    pick = Picker(rng_for(seed, Stream.TASK_TEXT, plan.index, 4))
    names, parts = named
    writer = CommentWriter(
        Picker(rng_for(seed, Stream.TASK_TEXT, plan.index, 5)),
        vocab,
        team_function(org.teams[plan.team].spec),
        plan.name,
    )
    for t, n in zip(tasks, before, strict=True):
        events = t.life.events
        if t.local in moving and goes_on is not None:
            part = parts[t.local]
            deps = [tasks[dep].life.completed for dep in t.deps]
            facts = TaskFacts(names[t.local], part.object if part else "this", False, deps)
            writer.task(facts, goes_on[0].owner.first_name)
            writer.used.update(c for c in comments[t.local] if c)
        for k, ev in enumerate(events):
            if k < n:
                if t.local in moving:
                    writer.seen(ev.t)
            elif ev.kind == "cancelled":
                comments[t.local][k] = fill(
                    pick.pick(vocab.common["comments"]["cancelled"]), project=plan.name
                )
            elif ev.subtype == "comment_added":  # moved work going on
                comments[t.local][k] = writer.text(ev, human_date)
            elif t.local in moving:
                writer.seen(ev.t)
    return done


def _notes(
    pick: Picker,
    pools: Pools,
    t: DrawnTask,
    tasks: list[DrawnTask],
    names: list[str],
    parts: list[TaskName | None],
    kinds: list[TaskKind | None],
    plan: ProjectPlan,
    priority_index: int,
    anchor: int,
) -> str:
    """The task's description, from the slots its record fills (descriptions.py)."""
    life = t.life
    has_priority = t.parent is None and priority_index in t.values
    slots = {"project": plan.name, "team": pools.team, "theme": plan.theme}
    if life.due_on or life.due_at:
        slots["due"] = human_date_text(life.due_on or life.due_at)
    if has_priority:
        slots["priority"] = PRIORITIES[life.priority_now]
    top = t if t.parent is None else tasks[t.parent]
    if t.parent is not None:
        slots["parent"] = names[t.parent]
        form = "subtask"
    else:
        form = "milestone" if life.subtype == "milestone" else "task"
    kind = kinds[top.local]
    return describe(
        pick,
        pools,
        facts_of(life, anchor, has_priority=has_priority, is_sub=t.parent is not None),
        slots,
        subject=parts[top.local],
        form=form,
        checklist=kind.subtasks if kind else (),
    )
