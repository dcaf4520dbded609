"""Rows for one project's activity: the project itself, its sections and members, its tasks and
subtasks with their stories, memberships, followers, dependencies, tags and field values.

Everything for project ``p`` comes from the streams (TASKS, p) for structure and (TASK_TEXT, p)
for words, so a project's content depends on nothing but the seed, the organization, the
catalog and its own plan.  Structure is decided first; text fills the slots afterwards.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..ids import Kind, gid
from ..lifecycle import (
    PRIORITIES,
    Draws,
    Member,
    ProjectCtx,
    TaskLife,
    simulate_task,
)
from ..model import FieldDef, Org
from ..rng import Stream, rng_for
from ..seasons import monthly, warp
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
from ..worktime import DAY_MS, fmt_many, fmt_ms, ms_date
from .comments import CommentWriter, TaskFacts
from .completion import Completion, wrap_up
from .descriptions import Pools, describe, facts_of
from .field_values import industry_value, typed_value
from .handoffs import HANDOFF_LOCAL, cross_dependencies, handoff_life, member_for, project_ctx
from .projects import EXECUTIVE_LABEL, ProjectPlan
from .status_updates import status_update_rows

P_SUBTASKS = 0.16  # top-level tasks with subtasks; with dependencies lands in (B)'s 0.2-0.8 band
P_DEPENDENCY = 0.07
P_DESCRIPTION = 0.85  # "most top-level tasks have a description"
P_SUBTASK_DESCRIPTION = 0.2
P_TAG = 0.3
P_FIELD_VALUE = {"Priority": 0.9, "Estimate (hours)": 0.6, "Target date": 0.45, "Reviewer": 0.4}


@dataclass
class ProjectRows:
    """Rows of one project, by table, plus figures the caller reports."""

    tables: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    last_event: int = 0


@dataclass
class _Task:
    local: int
    life: TaskLife
    parent: int | None  # local index of the parent
    deps: list[int] = field(default_factory=list)
    ext_deps: list[int] = field(default_factory=list)  # task ids in earlier projects
    tags: list[int] = field(default_factory=list)
    values: dict[int, Any] = field(default_factory=dict)  # field index -> value


def generate_project(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    plans: list[ProjectPlan],
    tags: list[tuple],
    vocab: Vocabulary,
    tasks_per_project: int,
    anchor: int,
) -> ProjectRows:
    rng = rng_for(seed, Stream.TASKS, plan.index)
    d = Draws(rng)
    ctx, members = project_ctx(org, plan, plans, anchor)
    owner, sections = ctx.owner, ctx.sections
    fields = {f.name: f for f, _ in plan.fields}
    priority = fields.get("Priority")
    until = ctx.anchor

    # --- structure -------------------------------------------------------------------------
    n = max(2, round(tasks_per_project * math.exp(0.3 * d.z() - 0.045)))
    end = min(anchor, plan.due_ms + 14 * DAY_MS if plan.due_ms else anchor)
    span = max(end - plan.created, DAY_MS)
    # Creation moments, drawn in the owner's working time (so no weekend pile-up): a quarter
    # at kick-off, the rest spread over the project's life.
    cal = owner.cal
    w0, w1 = cal.to_w(plan.created), cal.to_w(plan.created + span)
    hints = sorted(
        cal.from_w(w0 + (d.u() * 4 if d.chance(0.25) else d.u() * (w1 - w0))) for _ in range(n)
    )
    # the industry's season: more new work in its busy months, less in its quiet ones
    hints = warp(cal, hints, plan.created, plan.created + span, monthly(org.workspace.industry))
    tasks: list[_Task] = []
    top: list[_Task] = []
    signoff = handoff_life(seed, plan, ctx, members)
    if signoff is not None:  # the sign-off asked of another function: the first task
        tasks.append(_Task(HANDOFF_LOCAL, signoff, None))
        top.append(tasks[0])
        _values(d, tasks[0], plan, ctx, members)
    for hint in hints:
        phase = sections[min(int((hint - plan.created) / span * len(sections)), len(sections) - 1)]
        life = simulate_task(ctx, d, hint, first_section=None if plan.board else phase)
        if life is None:
            continue
        t = _Task(len(tasks), life, None)
        tasks.append(t)
        top.append(t)
        if len(top) > 2 and d.chance(P_DEPENDENCY):
            # blocked by a recent earlier task that was finished before this one was (or
            # any recent one while this is still open): the dependency order holds in time
            j = top[max(len(top) - 2 - int(d.u() * min(len(top) - 1, 8)), 0)]
            if life.completed is None or (
                j.life.completed is not None and j.life.completed <= life.completed
            ):
                t.deps.append(j.local)
        if d.chance(P_TAG) and tags:
            t.tags.append(int(d.u() * len(tags)))
            if d.chance(0.25):
                extra = int(d.u() * len(tags))
                if extra not in t.tags:
                    t.tags.append(extra)
        _values(d, t, plan, ctx, members)
        if life.subtype == "default_task" and d.chance(P_SUBTASKS):
            k = 1 + min(int(-math.log(1 - d.u() * 0.999) / 0.6), 5)
            stop = life.completed or anchor
            for _ in range(k):
                sub_hint = life.created + int(d.u() * 0.3 * max(stop - life.created, DAY_MS))
                sub = simulate_task(ctx, d, sub_hint, first_section=None, parent=life)
                # a subtask is broken out of live work, not added after its parent is done
                if sub is not None and (life.completed is None or sub.created < life.completed):
                    tasks.append(_Task(len(tasks), sub, t.local))

    # the project is completed once its work is closed: that closes the rest, before any row
    completion = wrap_up(
        ctx,
        d,
        plan.due_ms,
        [(t.life, None if t.parent is None else tasks[t.parent].life) for t in tasks],
        until,
    )
    for i, dep_id in cross_dependencies(seed, org, plan, plans, anchor, [t.life for t in top]):
        top[i].ext_deps.append(dep_id)

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
        if t.life.multi_home:
            # cross-posted work is labelled with its home project (project names are unique),
            # so it cannot collide with a task name in the project it is added to
            name = f"{name} ({plan.name})"
        names.append(name)
        parts.append(part)
        kinds.append(kind)
    # industry fields fit the task's kind (a bug's Severity): drawn once the names are known
    industry = [f for f, _ in plan.fields if not f.core]
    if industry:
        for t in tasks:
            if t.parent is None:
                for f in industry:
                    value = industry_value(pick.u, f, t.life, kinds[t.local], members)
                    if value is not None:
                        t.values[f.index] = value
    function = team_function(spec)
    pools = Pools.of(vocab, function, spec)
    writer = CommentWriter(pick, vocab, function, plan.name)
    children: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for t in tasks:
        if t.parent is not None:
            children[t.parent].append((t.life.creator.user_id, t.life.created))
    priority_index = priority.index if priority is not None else -1

    # --- rows --------------------------------------------------------------------------
    rows = ProjectRows()
    tb = rows.tables
    story_n = 0
    ids = [gid(Kind.TASK, t.local, plan.index) for t in tasks]
    # Every timestamp of the project's tasks and stories, formatted in one numpy call: per
    # task its creation, last change and completion (0 if open), then its events.
    instants: list[int] = []
    for t in tasks:
        life = t.life
        instants += (life.created, life.modified, life.completed or 0)
        instants += [ev.t for ev in life.events]
    stamps = iter(fmt_many(instants))
    option_labels = {oid: (f.name, label) for f in fields.values() for oid, label in f.options}
    n_stories = len(instants) - 3 * len(tasks)
    story_base = gid(Kind.STORY, 0, plan.index)
    if n_stories:
        gid(Kind.STORY, n_stories - 1, plan.index)  # the last id is in range: all are
    positions: dict[int, int] = defaultdict(int)
    last = plan.created
    add_story = tb["stories"].append
    for t, name in zip(tasks, names, strict=True):
        life = t.life
        tid = ids[t.local]
        parent_id = None if t.parent is None else ids[t.parent]
        is_sub = t.parent is not None
        notes = ""
        if pick.u() < (P_SUBTASK_DESCRIPTION if is_sub else P_DESCRIPTION):
            notes = _notes(pick, pools, t, tasks, names, parts, kinds, plan, priority_index, anchor)
        old_name = None
        if life.renamed:
            old_name = pick.pick(vocab.common["name_variants"]) + name
        completed = life.completed is not None
        created_at, modified_at, completed_at = next(stamps), next(stamps), next(stamps)
        tb["tasks"].append(
            (
                tid,
                org.workspace.id,
                parent_id,
                name,
                notes,
                life.subtype,
                (life.approval or "pending") if life.subtype == "approval" else None,
                life.assignee.user_id if life.assignee else None,
                life.creator.user_id,
                created_at,
                modified_at,
                life.start_on,
                life.due_on,
                life.due_at,
                int(completed),
                completed_at if completed else None,
                life.completer.user_id if completed else None,
            )
        )
        last = max(last, life.modified)
        if not is_sub:
            sec = life.section
            positions[sec.id] += 1
            tb["task_memberships"].append((tid, plan.id, sec.id, positions[sec.id], 1))
            for other, _ in life.multi_home:
                # after the section's own tasks, ordered by home project and task: unique in
                # any section whichever projects cross-post into it
                position = 1_000_000_000 + plan.index * 100_000 + t.local
                tb["task_memberships"].append((tid, other.id, other.section_id, position, 0))
        for dep in t.deps:
            tb["task_dependencies"].append((tid, ids[dep]))
        for dep_id in t.ext_deps:  # a sign-off of an earlier project
            tb["task_dependencies"].append((tid, dep_id))
        for uid in sorted(life.followers):
            tb["task_followers"].append((tid, uid))
        for ti in sorted(t.tags):
            tb["task_tags"].append((tid, tags[ti][0]))
        part = parts[t.local]
        writer.task(
            TaskFacts(
                name,
                part.object if part else "this",
                is_sub,
                [tasks[dep].life.completed for dep in t.deps],
                children.get(t.local, []),
            ),
            owner.first_name,
        )
        for ev in life.events:
            if ev.subtype == "comment_added":
                text = writer.text(ev, _human_date)
            else:
                writer.seen(ev.t)
                text = None
            add_story(
                _story_row(
                    story_base + story_n,
                    tid,
                    ev,
                    next(stamps),
                    name,
                    old_name,
                    text,
                    plan,
                    option_labels,
                )
            )
            story_n += 1
        _value_rows(tb, tid, t, life, plan, members)

    # the project row, now that its tasks' lives are known
    rows.last_event = last
    _project_rows(
        tb, seed, org, plan, tasks, names, owner, anchor, last, completion, d, vocab, pick
    )
    return rows


def _notes(
    pick: Picker,
    pools: Pools,
    t: _Task,
    tasks: list[_Task],
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
        slots["due"] = _human_date_text(life.due_on or life.due_at)
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


def _values(
    d: Draws, t: _Task, plan: ProjectPlan, ctx: ProjectCtx, members: dict[int, Member]
) -> None:
    """Typed values for the project's enabled core fields, correlated with the task's life."""
    life = t.life
    for f, _ in plan.fields:
        name = f.name
        if name == "Status" or not f.core:
            continue  # Status comes from the lifecycle, industry fields with the text
        p = P_FIELD_VALUE.get(name, 0.5)
        if name == "Priority":
            if life.escalated or d.chance(p):
                t.values[f.index] = ("enum", f.option_id(PRIORITIES[life.priority_now]))
            continue
        if not d.chance(p):
            continue
        if name == "Estimate (hours)":
            hours = life.work_wd * 3.0 * math.exp(0.4 * d.z())  # longer work, bigger estimate
            t.values[f.index] = ("number", max(0.5, round(hours * 2) / 2))
        else:
            value = typed_value(d.u, f, life, members, d.z)
            if value is not None:
                t.values[f.index] = value


def _value_rows(
    tb: dict[str, list[tuple]],
    tid: int,
    t: _Task,
    life: TaskLife,
    plan: ProjectPlan,
    members: dict[int, Member],
) -> None:
    if t.parent is not None:
        return
    by_index = {f.index: f for f, _ in plan.fields}
    for f, _ in plan.fields:
        if f.name == "Status":
            oid = f.option_id(life.status)
            tb["custom_field_values"].append((tid, f.id, None, None, oid, None, life.status))
    for fi, (kind, v) in sorted(t.values.items()):
        f = by_index[fi]
        if kind == "enum":
            label = dict(f.options)[v]
            tb["custom_field_values"].append((tid, f.id, None, None, v, None, label))
        elif kind == "number":
            tb["custom_field_values"].append((tid, f.id, None, v, None, None, _num_label(f, v)))
        elif kind == "text":
            tb["custom_field_values"].append((tid, f.id, v, None, None, None, v))
        elif kind == "date":
            tb["custom_field_values"].append((tid, f.id, None, None, None, v, v))
        elif kind == "multi":
            labels = dict(f.options)
            tb["custom_field_values"].append(
                (tid, f.id, None, None, None, None, ", ".join(labels[o] for o in v))
            )
            for o in v:
                tb["custom_field_value_options"].append((tid, f.id, o))
        elif kind == "people":
            names = {m.user_id: m.name for m in members.values()}
            tb["custom_field_values"].append(
                (tid, f.id, None, None, None, None, ", ".join(names[u] for u in v))
            )
            for u in v:
                tb["custom_field_value_people"].append((tid, f.id, u))


def _num_label(f: FieldDef, v: float) -> str:
    prec = int(f.spec.get("precision", 0))
    fmt = f.spec.get("format", "none")
    text = f"{v:,.{prec}f}"
    if fmt == "currency":
        return f"{f.spec.get('currency_code', 'USD')} {text}"
    if fmt == "percentage":
        return f"{text}%"
    return text


_SYSTEM_TEXT = {
    "unassigned": "unassigned",
    "marked_complete": "marked this task complete",
}


def _story_row(
    sid: int,
    tid: int,
    ev: Any,
    stamp: str,
    name: str,
    old_name: str | None,
    comment: str | None,
    plan: ProjectPlan,
    option_labels: dict[int, tuple[str, str]],
) -> tuple:
    st = ev.subtype
    old_n = new_n = None
    if comment is not None:
        text = comment
        kind = "comment"
    else:
        kind = "system"
        if st == "assigned":
            text = f"assigned to {ev.assignee.name}"
        elif st == "section_changed":
            text = (
                f'moved this task from "{ev.old_section.name}" to "{ev.new_section.name}"'
                if ev.old_section
                else f'moved this task to "{ev.new_section.name}"'
            )
        elif st == "due_date_changed":
            new = ev.new_due_on or ev.new_due_at
            text = (
                f"changed the due date to {_human_date_text(new)}"
                if new
                else "removed the due date"
            )
        elif st == "name_changed":
            old_n, new_n = old_name, name
            text = f'changed the name to "{name}"'
        elif st == "enum_custom_field_changed":
            field_name, label = option_labels[ev.new_option]
            text = f'changed {field_name} to "{label}"'
        elif st == "added_to_project":
            text = (
                "added this task to a project"
                if ev.project_id != plan.id
                else f"added this task to {plan.name}"
            )
        else:
            text = _SYSTEM_TEXT[st]
    return (
        sid,
        tid,
        ev.actor.user_id,
        stamp,
        kind,
        st,
        text,
        ev.assignee.user_id if ev.assignee else None,
        ev.project_id,
        ev.old_section.id if ev.old_section else None,
        ev.new_section.id if ev.new_section else None,
        ev.old_due_on,
        ev.new_due_on,
        ev.old_due_at,
        ev.new_due_at,
        old_n,
        new_n,
        ev.field_id,
        ev.old_option,
        ev.new_option,
    )


def _human_date(t: int | None) -> str:
    if t is None:
        return "the end of the week"
    return _human_day(t // DAY_MS)


@lru_cache(maxsize=4096)
def _human_day(day_index: int) -> str:
    day = ms_date(day_index * DAY_MS)
    return day.strftime("%a, %b ") + str(day.day)


@lru_cache(maxsize=4096)
def _human_date_text(value: str) -> str:
    day = dt.date.fromisoformat(value[:10])
    return day.strftime("%b ") + str(day.day)


def _project_rows(
    tb: dict[str, list[tuple]],
    seed: int,
    org: Org,
    plan: ProjectPlan,
    tasks: list[_Task],
    names: list[str],
    owner: Member,
    anchor: int,
    last: int,
    completion: Completion | None,
    d: Draws,
    vocab: Vocabulary,
    pick: Picker,
) -> None:
    """The project row (completed as `wrap_up` decided), members, sections, settings."""
    top = [t.life for t in tasks if t.parent is None]
    completed_at = completion.completed_at if completion else None
    archived = int(
        completed_at is not None and completed_at < anchor - 30 * DAY_MS and d.chance(0.5)
    )
    modified = max(last, completed_at or 0)
    team = org.teams[plan.team]
    notes = fill(
        pick.pick(vocab.org["project_notes"]), project=plan.name, theme=plan.theme, team=team.name
    )
    tb["projects"].append(
        (
            plan.id,
            org.workspace.id,
            team.id,
            owner.user_id,
            plan.name,
            notes,
            plan.color,
            plan.privacy,
            plan.view,
            archived,
            plan.start_on,
            plan.due_on,
            fmt_ms(plan.created),
            fmt_ms(modified),
            int(completed_at is not None),
            fmt_ms(completed_at) if completed_at else None,
            owner.user_id if completed_at else None,
        )
    )
    milestones = sorted(
        (x.life.due_on or "", names[x.local], x.life.created, x.life.completed)
        for x in tasks
        if x.life.subtype == "milestone"
    )  # names are unique in a project: the None of an open milestone is never compared
    su_draws = Draws(rng_for(seed, Stream.STATUS_UPDATES, plan.index))
    tb["status_updates"].extend(
        status_update_rows(
            su_draws,
            pick,
            vocab,
            plan.index,
            plan.id,
            plan.name,
            owner,
            plan.created,
            plan.due_ms,
            completed_at,
            completion.wrapped if completion else 0,
            anchor,
            top,
            milestones,
            sponsor=member_for(org, plan.handoff[1])
            if plan.handoff is not None and plan.handoff[2] == EXECUTIVE_LABEL
            else None,
        )
    )
    for u, guest in plan.members:
        user = org.users[u]
        level = "admin" if u == plan.owner else "commenter" if guest else "editor"
        tb["project_memberships"].append(
            (plan.id, user.id, level, int(guest), fmt_ms(max(plan.created, user.join)))
        )
    for pos, (sid, name, state) in enumerate(plan.sections):
        tb["sections"].append((sid, plan.id, name, pos, state, fmt_ms(plan.created)))
    for f, important in plan.fields:
        tb["custom_field_settings"].append((plan.id, f.id, int(important)))
