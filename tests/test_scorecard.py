"""scorecard(): every metric of the hand-built file against values worked out by hand.

The file is test_validate's valid organization (users in America/Chicago: CST, UTC-6, until
2026-03-08, then CDT, UTC-5).  Its 25 human events (21 stories, 4 task creations) fall at local
09h x11, 10h x9, 11h x1, 12h x1, 14h x3, and on Mon x5, Tue x7, Wed x7, Thu x6, Fri x0.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from test_validate import build_valid_db, mutate

from src.checks.scorecard import Metric, metric, percentiles, scorecard, total_variation
from src.validate import NotADatabaseError


@pytest.fixture(scope="module")
def valid_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_valid_db(tmp_path_factory.mktemp("card") / "org.sqlite")


@pytest.fixture(scope="module")
def card(valid_db: Path) -> dict[str, Metric]:
    return {m.name: m for m in scorecard(valid_db)}


def value(card: dict[str, Metric], name: str) -> float | None:
    return card[name].value


# ---------------------------------------------------------------------------------------------
# Time of day


def test_weekend_and_office_hours(card: dict[str, Metric]) -> None:
    assert value(card, "weekend share of human events") == 0.0
    assert value(card, "share of human events in 08-18h local") == 1.0
    assert card["weekend share of human events"].in_band is True


def test_hour_profile_distance(card: dict[str, Metric]) -> None:
    # observed 09h .44, 10h .36, 11h .04, 12h .04, 14h .12; reference sums to 99.9
    ref = 99.9
    diffs = (
        abs(0.44 - 13.7 / ref)
        + abs(0.36 - 14.6 / ref)
        + abs(0.04 - 14.3 / ref)
        + abs(0.04 - 6.4 / ref)
        + abs(0.12 - 10.5 / ref)
        + (2.9 + 9.8 + 10.2 + 8.6 + 5.5 + 1.4 + 2.0) / ref  # hours with no event
    )
    m = card["hour-of-day profile distance (TVD)"]
    assert m.value == pytest.approx(diffs / 2)
    assert m.value == pytest.approx(0.5316, abs=1e-4)
    assert m.in_band is False


def test_weekday_profile_distance(card: dict[str, Metric]) -> None:
    # observed Mon..Fri .20/.28/.28/.24/0 is at or above the reference on every day but Friday,
    # so the distance is the reference's whole Friday share
    m = card["weekday profile distance, Mon-Fri (TVD)"]
    assert m.value == pytest.approx(13.9 / 99.6)
    assert m.in_band is True


# ---------------------------------------------------------------------------------------------
# Work items


def test_comments_per_top_level_task(card: dict[str, Metric]) -> None:
    # comments: task 101 two, 102 one, 103 one (the subtask's stories do not count)
    assert value(card, "comments per top-level task, mean") == pytest.approx(4 / 3)
    assert value(card, "comments per top-level task, median") == 1.0
    p90 = card["comments per top-level task, p90"]
    assert p90.value == pytest.approx(1.8)  # rank 0.9 * 2 = 1.8 between 1 and 2
    assert p90.low == 2.0 and p90.in_band is False
    assert card["comments per top-level task, median"].in_band is None


def test_days_to_completion(card: dict[str, Metric]) -> None:
    # only task 101 is completed: 2026-03-02 15:00 to 2026-03-05 16:00 = 3 days 1 hour
    days = 73 / 24
    assert value(card, "days to completion, median") == pytest.approx(days)
    p90 = card["days to completion, p90"]
    assert p90.value == pytest.approx(days)
    assert p90.low == pytest.approx(3 * days) and p90.in_band is False
    assert card["days to completion, median"].in_band is True


def test_task_state_shares(card: dict[str, Metric]) -> None:
    # open top-level: 102 assigned, 103 not; due_on: Fri 03-06, Mon 06-15, Mon 07-06;
    # open with a due date: 102 (06-15, before the anchor's 06-30) and 104 (07-06)
    assert value(card, "unassigned share of open top-level tasks") == 0.5
    assert value(card, "weekday share of due_on") == 1.0
    assert value(card, "overdue share of open tasks with a due date") == 0.5
    assert value(card, "distinct top-level task name ratio") == 1.0
    assert card["weekday share of due_on"].in_band is False
    assert card["overdue share of open tasks with a due date"].in_band is True  # 5-60%


def test_volume_per_task(card: dict[str, Metric]) -> None:
    # 1 subtask + 1 dependency over 3 top-level tasks; 17 system stories over 4 tasks
    assert value(card, "subtasks + dependencies per top-level task") == pytest.approx(2 / 3)
    assert value(card, "system stories per task (all tasks)") == 4.25


def test_company_metrics_of_the_hand_made_file(card: dict[str, Metric]) -> None:
    # top-level 101 done (due 03-06, done 03-05: on time), 102 and 103 open; 102 -> 101 in one
    # project; every assignee (11, 12) is at home in the project's team
    assert value(card, "completed share of top-level tasks") == pytest.approx(1 / 3)
    assert value(card, "dated completed tasks finished late") == 0.0
    assert value(card, "dependencies across projects") == 0.0
    assert value(card, "Blocked share of open top-level tasks") == 0.0
    assert card["completed share of top-level tasks"].in_band is False
    assert card["dependencies across projects"].in_band is False
    # every task lives in its one project: none is multi-homed into another team's
    assert value(card, "top-level tasks multi-homed in another team's project") == 0.0
    assert card["top-level tasks multi-homed in another team's project"].in_band is False


def test_monthly_flatness_is_scored_on_the_window_of_a_generated_file(default_seed42) -> None:
    # run: the default file holds tasks from before its window (the work in flight when it
    # opened); the per-window metrics read the window only
    card = {m.name: m for m in scorecard(default_seed42.path)}
    flat = card["task creation, quietest full month / busiest"]
    median = card["days to completion, median"]
    conn = sqlite3.connect(default_seed42.path)
    (in_window,) = percentiles(
        conn,
        """SELECT julianday(t.completed_at) - julianday(t.created_at) AS x FROM tasks t
           JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND t.completed = 1 AND t.created_at >= '2025-12-30'
             AND NOT (p.archived AND NOT p.completed)
             AND NOT (p.completed AND p.completed_at >= t.completed_at
                      AND p.completed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', t.completed_at,
                                                     '+7 days'))""",
        (0.5,),
    )
    closed_by_cancellation, closed_at_wrap_up = conn.execute(
        """SELECT sum(p.archived AND NOT p.completed),
                  sum(p.completed AND julianday(p.completed_at) - julianday(t.completed_at)
                                      BETWEEN 0 AND 7)
           FROM tasks t
           JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND t.completed = 1 AND t.created_at >= '2025-12-30'"""
    ).fetchone()
    conn.close()
    # assert: a scored band (generator design, issue 9), met
    assert flat.band == ">= 0.60" and flat.low == 0.60 and flat.high is None
    assert flat.in_band is True
    # the days to completion read the window's work, not what a cancellation or a
    # project's wrap-up closed (the file has both)
    assert median.value == pytest.approx(in_window)
    assert closed_by_cancellation > 0 and closed_at_wrap_up > 0


VARIETY = "distinct description ratio, names removed"


def test_description_variety_counts_texts_without_their_names(
    card: dict[str, Metric], valid_db: Path, tmp_path: Path
) -> None:
    # setup: 102's text is 101's but for its task's name (pasted lower-cased); 103 has its own
    path = mutate(valid_db, tmp_path, "UPDATE tasks SET notes = 'Needs a decision.' WHERE id = 103")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tasks SET notes = name || '. Part of Spring launch.' WHERE id = 101")
        conn.execute(
            "UPDATE tasks SET notes = 'review vendor contracts. Part of Spring launch.' "
            "WHERE id = 102"
        )
    # run
    m = {m.name: m for m in scorecard(path)}[VARIETY]
    # assert: ". Part of ." twice and "Needs a decision." once; none in the valid file
    assert m.value == pytest.approx(2 / 3) and m.in_band is True
    assert card[VARIETY].value is None and card[VARIETY].in_band is None


def test_comment_variety_counts_distinct_texts_and_the_top_share(
    card: dict[str, Metric], valid_db: Path, tmp_path: Path
) -> None:
    # the valid file's 4 comments are distinct; the top share is not judged on 4 comments
    assert card["distinct comment ratio"].value == 1.0
    assert card["top comment text share"].value is None
    # setup: three of the four say the same
    path = mutate(
        valid_db,
        tmp_path,
        "UPDATE stories SET text = 'On it.' WHERE id IN (207, 215)",
    )
    m = {m.name: m for m in scorecard(path)}["distinct comment ratio"]
    assert m.value == pytest.approx(2 / 4) and m.in_band is False


def test_time_off_load_counts_due_and_start_days_in_the_assignee_s_time_off(
    card: dict[str, Metric], valid_db: Path, tmp_path: Path
) -> None:
    # the valid file has no time off: nothing is due in it
    name = "dated tasks due or starting in their assignee's time off"
    assert card[name].value == 0.0 and card[name].in_band is True
    # setup: task 101's assignee away on its due day, task 102's on its start day, and
    # someone else away on task 104's due day
    path = mutate(
        valid_db,
        tmp_path,
        """INSERT INTO time_off VALUES
             (1, 12, 'vacation', '2026-03-02', '2026-03-06', '2026-02-01T10:00:00.000Z'),
             (2, 11, 'sick', '2026-03-10', '2026-03-10', '2026-03-10T08:00:00.000Z'),
             (3, 11, 'vacation', '2026-07-06', '2026-07-07', '2026-06-01T10:00:00.000Z')""",
    )
    # run
    m = {m.name: m for m in scorecard(path)}[name]
    # assert: two of the three dated assigned tasks
    assert m.value == pytest.approx(2 / 3) and m.in_band is False


def test_weekend_coworking_is_not_judged_on_a_handful_of_events(card: dict[str, Metric]) -> None:
    m = card["weekend co-working in a zone, observed / independent"]
    assert m.value is None and m.in_band is None


def test_every_metric_names_band_and_source(card: dict[str, Metric]) -> None:
    assert len(card) == 38
    for m in card.values():
        assert m.band and m.source
        assert m.in_band is None or isinstance(m.in_band, bool)


def test_overdue_needs_an_anchor(valid_db: Path, tmp_path: Path) -> None:
    # setup
    path = mutate(valid_db, tmp_path, "DELETE FROM generation_runs")
    # run
    m = {m.name: m for m in scorecard(path)}["overdue share of open tasks with a due date"]
    # assert
    assert m.value is None and m.in_band is None


def test_scorecard_of_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    path.write_text("not a database " * 100)
    with pytest.raises(NotADatabaseError):
        scorecard(path)


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize("n", [1, 2, 5, 10, 101, 1000])
def test_percentiles_match_numpy(n: int) -> None:
    # setup
    rng = np.random.default_rng(n)
    xs = rng.exponential(4.0, size=n).round(3)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE v (x REAL)")
    conn.executemany("INSERT INTO v VALUES (?)", [(float(x),) for x in xs])
    # run
    got = percentiles(conn, "SELECT x FROM v", (0.5, 0.9, 0.0, 1.0))
    # assert
    assert got == pytest.approx(tuple(np.percentile(xs, [50, 90, 0, 100])))


def test_percentiles_of_nothing_are_none() -> None:
    conn = sqlite3.connect(":memory:")
    assert percentiles(conn, "SELECT 1 AS x WHERE 0", (0.5,)) == (None,)


def test_total_variation() -> None:
    assert total_variation([1, 1], [1, 1]) == 0.0
    assert total_variation([1, 0], [0, 3]) == 1.0
    assert total_variation([3, 1], [1, 1]) == pytest.approx(0.25)
    assert total_variation([0, 0], [1, 1]) is None


def test_metric_band_judgement() -> None:
    assert metric("m", 0.5, "0-1", 0.0, 1.0, "s").in_band is True
    assert metric("m", 1.5, "<= 1", None, 1.0, "s").in_band is False
    assert metric("m", 1.0, ">= 1", 1.0, None, "s").in_band is True
    assert metric("m", None, "0-1", 0.0, 1.0, "s").in_band is None
    assert metric("m", 3.0, "-", None, None, "s").in_band is None


def test_validate_with_scorecard_gives_the_same_metrics(small_seed1) -> None:
    # validate runs the scorecard's parts as jobs of its own, beside the rules
    from src.validate import validate

    report = validate(small_seed1.path, with_scorecard=True)
    assert report.metrics == scorecard(small_seed1.path)
    assert validate(small_seed1.path).metrics == ()


def test_histogram_percentiles_match_numpy() -> None:
    from src.checks.scorecard import histogram_percentiles

    values = [0, 0, 1, 1, 1, 2, 3, 5, 8, 13, 21]
    hist = [(v, values.count(v)) for v in sorted(set(values))]
    got = histogram_percentiles(hist, (0.0, 0.5, 0.9, 1.0))
    assert got == pytest.approx(tuple(np.percentile(values, [0, 50, 90, 100])))
    assert histogram_percentiles([], (0.5,)) == (None,)
