"""A simulated project shown at a clock: the rows of its tasks, their memberships, links,
followers, tags, stories and field values, and (``whole``) the project's own rows, from a
`ProjectWorld` (`tasks.simulate_project`)."""

from __future__ import annotations

from ..ids import Kind, gid
from ..worktime import fmt_many
from .censor import censor
from .project_record import project_record_rows
from .project_world import ProjectRows, ProjectWorld
from .story_rows import story_row
from .value_rows import value_rows


def project_rows(
    w: ProjectWorld,
    clock: int,
    only: list[int] | None = None,
    since: int = 0,
    whole: bool = True,
) -> ProjectRows:
    """The project's rows as they stand at ``clock`` (at most the world's own).

    ``only`` limits the tasks to those local indices (default all) and ``since`` their
    stories to those from that moment; ``whole`` adds the project's own rows (project,
    members, sections, settings, status updates).  Rows go per table in key order.
    """
    assert clock <= w.clock
    plan, org, ctx = w.plan, w.org, w.ctx
    rows = ProjectRows()
    tb = rows.tables
    tasks = w.tasks if only is None else [w.tasks[i] for i in only]
    # each life as it stands at the clock (None: not created yet)
    shown = {t.local: censor(t.life, clock, ctx, t.parent is None) for t in tasks}
    # every timestamp needed, formatted in one numpy call: per task its creation, last
    # change and completion (0 if open), then its stories from ``since`` to the clock
    instants: list[int] = []
    for t in tasks:
        life = shown[t.local]
        if life is not None:
            instants += (life.created, life.modified, life.completed or 0)
            instants += [ev.t for ev in life.events if ev.t >= since]
    stamps = iter(fmt_many(instants))
    fields = {f.name: f for f, _ in plan.fields}
    option_labels = {oid: (f.name, label) for f in fields.values() for oid, label in f.options}
    story_base = gid(Kind.STORY, 0, plan.index)
    ids = w.ids
    add_story = tb["stories"].append
    for t in tasks:
        life = shown[t.local]
        if life is None:
            continue
        tid = ids[t.local]
        name = now_named = w.names[t.local]
        if w.old_names[t.local] is not None and not any(
            ev.subtype == "name_changed" for ev in life.events
        ):
            now_named = w.old_names[t.local]  # renamed after the clock: its first name till then
        is_sub = t.parent is not None
        created_at, modified_at, completed_at = next(stamps), next(stamps), next(stamps)
        completed = life.completed is not None
        tb["tasks"].append(
            (
                tid,
                org.workspace.id,
                None if t.parent is None else ids[t.parent],
                now_named,
                w.notes[t.local],
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
        if not is_sub:
            # positions follow creation: a task keeps its place whatever the others do
            sec = life.section
            tb["task_memberships"].append((tid, plan.id, sec.id, t.local + 1, 1))
            for other, _ in life.multi_home:
                # after the section's own tasks, ordered by home project and task: unique in
                # any section whichever projects cross-post into it
                position = 1_000_000_000 + plan.index * 100_000 + t.local
                tb["task_memberships"].append((tid, other.id, other.section_id, position, 0))
        for dep in t.deps:  # an earlier-created task: there whenever this one is
            tb["task_dependencies"].append((tid, ids[dep]))
        for dep_id in t.ext_deps:  # a sign-off of an earlier project
            tb["task_dependencies"].append((tid, dep_id))
        for uid in sorted(life.followers):
            tb["task_followers"].append((tid, uid))
        for ti in sorted(t.tags):
            tb["task_tags"].append((tid, w.tags[ti][0]))
        first, comments = w.first_story[t.local], w.comments[t.local]
        for k, ev in enumerate(life.events):
            if ev.t >= since:
                add_story(
                    story_row(
                        story_base + first + k,
                        tid,
                        ev,
                        next(stamps),
                        name,
                        w.old_names[t.local],
                        comments[k],
                        plan,
                        option_labels,
                    )
                )
        value_rows(tb, tid, t, life, plan, w.members)
    last = w.last_change(clock)
    rows.last_event = last
    if whole:
        project_record_rows(tb, w, clock, last)
    return rows
