"""Realism bands on the default-scale file (seed 42): the distributions a reader of the data
would notice.  The bands come from the project's realism reference; a failure here is a real
finding about the generator, not a reason to loosen the band."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from conftest import q, q1

from src.config import add_months
from src.inputs import load_window_start


@pytest.fixture(scope="module")
def db(default_seed42) -> Path:
    return default_seed42.path


def window_start(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        start = load_window_start(conn)
    assert start is not None
    return start


def ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def days(a: str, b: str) -> float:
    return (ts(b) - ts(a)).total_seconds() / 86_400


COMMENTS_PER_TOP_TASK = """
    SELECT (SELECT COUNT(*) FROM stories s WHERE s.task_id = t.id AND s.type = 'comment')
      FROM tasks t WHERE t.parent_id IS NULL"""


def test_top_level_task_names_are_mostly_distinct(db: Path) -> None:
    # run
    total, distinct = q(
        db, "SELECT COUNT(*), COUNT(DISTINCT name) FROM tasks WHERE parent_id IS NULL"
    )[0]
    # assert
    assert total > 1000
    assert distinct / total >= 0.90


def test_most_top_level_tasks_have_notes(db: Path) -> None:
    share = q1(db, "SELECT AVG(notes != '') FROM tasks WHERE parent_id IS NULL")
    assert share > 0.70


def test_comments_per_top_level_task(db: Path) -> None:
    # run
    counts = np.array([r[0] for r in q(db, COMMENTS_PER_TOP_TASK)])
    median, p90 = np.median(counts), np.percentile(counts, 90)
    # assert: mean in band and a heavy tail (p90 at least twice the median)
    assert 2.0 <= counts.mean() <= 5.0
    assert median > 0
    assert p90 >= 2 * median


def test_days_to_completion(db: Path) -> None:
    # setup: the work created in the window (the history before it is the work in flight when
    # it opened, issue 9)
    start = window_start(db)
    # run
    lags = np.array(
        [
            days(a, b)
            for a, b in q(
                db,
                """SELECT created_at, completed_at FROM tasks
                   WHERE parent_id IS NULL AND completed = 1 AND created_at >= ?""",
                (start,),
            )
        ]
    )
    median, p90 = np.median(lags), np.percentile(lags, 90)
    # assert
    assert len(lags) > 500
    assert 2.0 <= median <= 7.0
    assert p90 >= 3 * median


def test_share_of_open_top_level_tasks_unassigned(db: Path) -> None:
    # target: 80-90% of open top-level tasks assigned
    n, share = q(
        db,
        """SELECT COUNT(*), AVG(assignee_id IS NULL) FROM tasks
                         WHERE parent_id IS NULL AND completed = 0""",
    )[0]
    assert n > 50
    assert 0.08 <= share <= 0.25


def test_due_dates_mostly_on_weekdays(db: Path) -> None:
    # run
    due = [
        dt.date.fromisoformat(r[0])
        for r in q(db, "SELECT due_on FROM tasks WHERE due_on IS NOT NULL")
    ]
    share = sum(d.weekday() < 5 for d in due) / len(due)
    # assert: above uniform (5/7 = 71%), below "all weekdays"
    assert 0.78 <= share <= 0.92


def test_human_events_mostly_in_office_hours(db: Path) -> None:
    # run: stories and task creations in the actor's local time
    events = q(
        db,
        """
        SELECT s.created_at, u.timezone FROM stories s JOIN users u ON u.id = s.created_by_id
        UNION ALL
        SELECT t.created_at, u.timezone FROM tasks t JOIN users u ON u.id = t.created_by_id""",
    )
    hours = [ts(at).astimezone(ZoneInfo(zone)).hour for at, zone in events]
    share = sum(8 <= h < 18 for h in hours) / len(hours)
    # assert
    assert share >= 0.80


def test_subtasks_and_dependencies_per_top_level_task(db: Path) -> None:
    ratio = q1(
        db,
        """
        SELECT ((SELECT COUNT(*) FROM tasks WHERE parent_id IS NOT NULL)
              + (SELECT COUNT(*) FROM task_dependencies)) * 1.0
             / (SELECT COUNT(*) FROM tasks WHERE parent_id IS NULL)""",
    )
    assert 0.2 <= ratio <= 0.8


def test_system_stories_per_task(db: Path) -> None:
    ratio = q1(
        db,
        """SELECT (SELECT COUNT(*) FROM stories WHERE type = 'system') * 1.0
                           / (SELECT COUNT(*) FROM tasks)""",
    )
    assert 3.0 <= ratio <= 12.0


def by_priority(db: Path, level: str) -> tuple[list[float], list[int]]:
    """Completion lags (days) and comment counts of top-level tasks with a Priority value."""
    rows = q(
        db,
        """
        SELECT t.created_at, t.completed_at,
               (SELECT COUNT(*) FROM stories s WHERE s.task_id = t.id AND s.type = 'comment')
          FROM tasks t JOIN custom_field_values v ON v.task_id = t.id
          JOIN custom_fields f ON f.id = v.custom_field_id AND f.name = 'Priority'
         WHERE t.parent_id IS NULL AND v.display_value = ?""",
        (level,),
    )
    return [days(a, b) for a, b, _ in rows if b], [n for *_, n in rows]


def test_urgent_work_finishes_faster_and_is_discussed_more_than_low(db: Path) -> None:
    # run
    urgent_lags, urgent_comments = by_priority(db, "Urgent")
    low_lags, low_comments = by_priority(db, "Low")
    # assert
    assert len(urgent_lags) >= 20 and len(low_lags) >= 20
    assert np.median(urgent_lags) < np.median(low_lags)
    assert np.mean(urgent_comments) > np.mean(low_comments)


def test_older_projects_have_a_higher_completed_share(db: Path, default_seed42) -> None:
    # setup: the middle of the history window
    config = default_seed42.config
    start = dt.datetime.combine(config.start_date, dt.time(), dt.UTC)
    end = dt.datetime.combine(config.end_date, dt.time(), dt.UTC)
    assert start.date() == add_months(config.end_date, -config.history_months)
    middle = (start + (end - start) / 2).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    # run: completed share of each half's projects' own top-level tasks
    rows = dict(
        q(
            db,
            """
        SELECT p.created_at < ?, AVG(t.completed) FROM projects p
          JOIN task_memberships tm ON tm.project_id = p.id AND tm.is_primary = 1
          JOIN tasks t ON t.id = tm.task_id
         GROUP BY p.created_at < ?""",
            (middle, middle),
        )
    )
    # assert
    assert set(rows) == {0, 1}, "both halves of the window need projects"
    assert rows[1] > rows[0]
