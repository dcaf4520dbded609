"""The project's own rows at a clock: the project row (completed, archived), its notes and
status updates, members, sections and field settings."""

from __future__ import annotations

from ..lifecycle import Draws
from ..rng import Stream, rng_for
from ..text import Picker, fill
from ..worktime import DAY_MS, fmt_ms
from .handoffs import member_for
from .project_world import ProjectWorld
from .reviewers import EXECUTIVE_LABEL
from .status_updates import status_update_rows


def status_rows(w: ProjectWorld) -> tuple[str, list[tuple]]:
    """The project's notes and its status updates up to the world's clock (each reporting
    the project's state at its moment), from their own streams."""
    plan, vocab = w.plan, w.vocab
    pick = Picker(rng_for(w.seed, Stream.TASK_TEXT, plan.index, 1))
    team = w.org.teams[plan.team]
    notes = fill(
        pick.pick(vocab.org["project_notes"]), project=plan.name, theme=plan.theme, team=team.name
    )
    milestones = sorted(
        (x.life.due_on or "", w.names[x.local], x.life.created, x.life.completed)
        for x in w.tasks
        if x.life.subtype == "milestone"
    )  # names are unique in a project: the None of an open milestone is never compared
    completion = w.completion
    rows = status_update_rows(
        Draws(rng_for(w.seed, Stream.STATUS_UPDATES, plan.index)),
        pick,
        vocab,
        plan.index,
        plan.id,
        plan.name,
        w.owner,
        plan.created,
        plan.due_ms,
        w.completed_at(w.clock),
        completion.wrapped if completion else 0,
        w.clock,
        [t.life for t in w.tasks if t.parent is None],
        milestones,
        sponsor=member_for(w.org, plan.handoff[1])
        if plan.handoff is not None and plan.handoff[2] == EXECUTIVE_LABEL
        else None,
        cancelled=w.cancellation,
    )
    return notes, rows


def project_record_rows(tb: dict[str, list[tuple]], w: ProjectWorld, clock: int, last: int) -> None:
    """The project row at ``clock`` (completed as `wrap_up` decided, archived a month after),
    its status updates so far, members, sections, settings."""
    plan, org, owner = w.plan, w.org, w.owner
    completed_at = w.completed_at(clock)
    archived = int(completed_at is not None and completed_at < clock - 30 * DAY_MS and w.archive)
    modified = max(last, completed_at or 0)
    c = w.cancellation
    if c is not None and c.archived_at < clock:  # a cancelled project is archived at once
        archived, modified = 1, max(modified, c.archived_at)
    team = org.teams[plan.team]
    notes, updates = w.status_rows
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
    stamp = fmt_ms(clock)
    tb["status_updates"].extend(r for r in updates if r[-1] < stamp)
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
