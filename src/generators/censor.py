"""A task's life as it stands at a clock: the whole life is drawn to a fixed horizon, and the
clock only censors it (events at or after it are not kept, the state is what the earlier
events made it).

This is what makes continuous mode (`src/live/`) one engine: the file at a later clock holds
the same past plus what happened since, because no draw depends on the clock.  The state is
replayed from the life's own events, the way `validate`'s replay rules read the stories.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from operator import attrgetter, itemgetter

from ..lifecycle import PRIORITIES, ProjectCtx, TaskLife, state_at


def censor(life: TaskLife, clock: int, ctx: ProjectCtx, in_project: bool) -> TaskLife | None:
    """``life`` as it is at ``clock`` (None if not yet created); the life itself is returned
    when nothing of it lies at or after the clock."""
    if life.created >= clock:
        return None
    events, timeline = life.events, life.timeline
    # events and timeline are in time order (the engine sorts a life's events)
    if (
        (not events or events[-1].t < clock)
        and (not timeline or timeline[-1][0] < clock)
        and all(t < clock for _, t in life.multi_home)
    ):
        return life
    past = events[: bisect_left(events, clock, key=_time_of)]
    assignee = completer = None
    completed = None
    due_on = due_at = None
    section = None
    priority_now = life.priority
    people = {life.creator.user_id}
    priority_field = ctx.priority_field
    for e in past:
        st = e.subtype
        people.add(e.actor.user_id)
        if st == "assigned":
            assignee = e.assignee
            people.add(e.assignee.user_id)
        elif st == "unassigned":
            assignee = None
        elif st == "marked_complete":
            completed, completer = e.t, e.actor
        elif st == "due_date_changed":
            due_on, due_at = e.new_due_on, e.new_due_at
        elif st in ("added_to_project", "section_changed") and e.project_id == ctx.id:
            section = e.new_section
        elif (
            st == "enum_custom_field_changed"
            and priority_field is not None
            and e.field_id == priority_field.id
        ):
            priority_now = PRIORITIES.index(dict(priority_field.options)[e.new_option])
    status, _ = state_at(timeline, clock, before=True)
    dropped = life.dropped_at is not None and life.dropped_at < clock
    start_on = life.start_on if life.start_on or not life.dropped else life.dropped_start_on
    if dropped:
        start_on = None
    # followers: those who acted before the clock, and the members who followed at creation
    actors = {e.actor.user_id for e in events} | {
        e.assignee.user_id for e in events if e.assignee is not None
    }
    followers = {
        uid: m
        for uid, m in life.followers.items()
        if uid in people or uid not in actors and uid != life.creator.user_id
    }
    return dataclasses.replace(
        life,
        events=past,
        assignee=assignee,
        completed=completed,
        completer=completer,
        approval=life.approval if completed is not None else None,
        due_on=due_on,
        due_at=due_at,
        start_on=start_on,
        section=section if in_project else life.section,
        status=status,
        priority_now=priority_now,
        dropped=dropped,
        dropped_at=life.dropped_at if dropped else None,
        multi_home=[(o, t) for o, t in life.multi_home if t < clock],
        followers=followers,
        timeline=timeline[: bisect_left(timeline, clock, key=itemgetter(0))],
    )


_time_of = attrgetter("t")
