"""Rows for `status_updates`: the owner's fortnightly project status, read off the tasks."""

from __future__ import annotations

from ..ids import Kind, gid
from ..lifecycle import Draws, Member, TaskLife
from ..text import Picker, Vocabulary, fill
from ..worktime import DAY_MS, fmt_ms

CADENCE_DAYS = 14  # fortnightly updates (design); a few are skipped
P_SKIP = 0.2


def status_update_rows(
    d: Draws,
    pick: Picker,
    vocab: Vocabulary,
    project_index: int,
    project_id: int,
    project_name: str,
    owner: Member,
    created: int,
    completed_at: int | None,
    anchor: int,
    lives: list[TaskLife],
    milestones: list[tuple[str, str]],
) -> list[tuple]:
    """Updates every two weeks until completion or the anchor; the type follows the share of
    overdue open work at that moment, and a completed project ends with a 'complete' update."""
    rows: list[tuple] = []

    def add(t: int, status: str, done: int, open_: int, overdue: int) -> None:
        # the project's next milestone task at that moment; "the next phase" if it has none
        today = fmt_ms(t)[:10]
        upcoming = [name for due, name in milestones if due >= today]
        milestone = (upcoming or [m[1] for m in milestones[-1:]] or ["the next phase"])[0]
        title = pick.pick(vocab.common["status_titles"][status])
        text = fill(
            pick.pick(vocab.status_texts(status)),
            project=project_name,
            done=done,
            open=open_,
            overdue=overdue,
            milestone=milestone,
        )
        rows.append(
            (
                gid(Kind.STATUS_UPDATE, len(rows), project_index),
                project_id,
                owner.user_id,
                status,
                title,
                text,
                fmt_ms(t),
            )
        )

    end = completed_at if completed_at is not None else anchor
    t = owner.cal.advance(created, 5 + d.u() * 3)
    while t < end:
        if not d.chance(P_SKIP) and owner.active(t):
            done = sum(1 for x in lives if x.completed is not None and x.completed <= t)
            open_ = [x for x in lives if x.created <= t and not (x.completed and x.completed <= t)]
            overdue = sum(1 for x in open_ if x.due_on and x.due_on < fmt_ms(t)[:10])
            share = overdue / max(len(open_), 1)
            recent = any(t - 21 * DAY_MS < e.t <= t for x in lives for e in x.events[-3:])
            if not recent and open_:
                status = "on_hold"
            elif share < 0.15:
                status = "on_track"
            elif share < 0.35:
                status = "at_risk"
            else:
                status = "off_track"
            add(t, status, done, len(open_), overdue)
        t = owner.cal.advance(t, CADENCE_DAYS * 5 / 7 * (0.8 + 0.4 * d.u()))
    if completed_at is not None:
        t = owner.cal.advance(completed_at, 0.05)
        if t < anchor:
            add(t, "complete", sum(1 for x in lives if x.completed is not None), 0, 0)
    return rows
