"""System stories say what changed as Asana shows it (src/generators/story_rows.py): checked
with SQL on a generated file."""

from __future__ import annotations

import datetime as dt

from conftest import q

from src.generators.story_rows import human_date, human_date_text


def test_due_date_stories_name_the_new_date(small_seed1) -> None:
    rows = q(
        small_seed1.path,
        "SELECT text, new_due_on, new_due_at FROM stories"
        " WHERE resource_subtype = 'due_date_changed'",
    )
    assert rows
    for text, due_on, due_at in rows:
        new = due_on or due_at
        day = dt.date.fromisoformat(new[:10]) if new else None
        expected = f"changed the due date to {day:%b} {day.day}" if day else "removed the due date"
        assert text == expected


def test_assigned_stories_name_the_assignee(small_seed1) -> None:
    [(total, wrong)] = q(
        small_seed1.path,
        "SELECT count(*), sum(s.text != 'assigned to ' || u.name) FROM stories s"
        " JOIN users u ON u.id = s.assignee_id WHERE s.resource_subtype = 'assigned'",
    )
    assert total > 0 and wrong == 0


def test_human_dates() -> None:
    assert human_date_text("2026-06-05") == human_date_text("2026-06-05T17:00:00.000Z") == "Jun 5"
    assert human_date(None) == "the end of the week"
    day = dt.datetime(2026, 6, 5, 15, tzinfo=dt.UTC)
    assert human_date(int(day.timestamp() * 1000)) == "Fri, Jun 5"
