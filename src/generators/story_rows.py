"""Story rows: one per lifecycle event, a comment's text or the system line Asana shows
("assigned to ...", "changed the due date to ..."), and the human dates those lines use."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from ..worktime import DAY_MS, ms_date
from .project_plan import ProjectPlan

_SYSTEM_TEXT = {
    "unassigned": "unassigned",
    "marked_complete": "marked this task complete",
}


def story_row(
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
    """The stories-table row of one event: its kind, subtype, text and before/after values."""
    st = ev.subtype
    old_n = new_n = None
    if st == "comment_added":  # a wrap-up's closing stories take slots of cut comments
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
                f"changed the due date to {human_date_text(new)}" if new else "removed the due date"
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


def human_date(t: int | None) -> str:
    """A due moment as a comment says it ("Fri, Jun 5"); no due date: the end of the week."""
    if t is None:
        return "the end of the week"
    return _human_day(t // DAY_MS)


@lru_cache(maxsize=4096)
def _human_day(day_index: int) -> str:
    day = ms_date(day_index * DAY_MS)
    return day.strftime("%a, %b ") + str(day.day)


@lru_cache(maxsize=4096)
def human_date_text(value: str) -> str:
    """An ISO date or datetime as a story or description says it ("Jun 5")."""
    day = dt.date.fromisoformat(value[:10])
    return day.strftime("%b ") + str(day.day)
