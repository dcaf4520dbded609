"""Realism metrics of a file, each held against the reference band it should land in.

Bands and sources come from docs/realism.md (sources A, B) or from the
generator's own design.  Every number is computed in SQL (aggregates, and ROW_NUMBER for
percentiles), so a million-task file is read in a few passes without loading its rows.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ..inputs import load_anchor, open_readonly, reading
from .company import (
    boundary_figures,
    completion_figures,
    holiday_load,
    monthly_flatness,
    people_figures,
    schedule_figures,
    time_off_load,
    weekend_coworking,
    window_start,
)
from .localtime import EventProfile, human_event_profile, prepare_local_time

SOURCE_A = "A: one company's Jira export, 512 tickets (docs/realism.md)"
SOURCE_B = "B: Public Jira Dataset, MSR 2022 (docs/realism.md)"
SOURCE_AB = "A and B (docs/realism.md)"
SOURCE_DESIGN = "generator design"

# Reference hour-of-day profile of source A (percent); 18-23h share 2.0 evenly.
REFERENCE_HOURS: tuple[float, ...] = (
    (0.0,) * 7 + (2.9, 9.8, 13.7, 14.6, 14.3, 6.4, 10.2, 10.5, 8.6, 5.5, 1.4) + (2.0 / 6,) * 6
)
# Reference weekday mix of source A, Monday..Friday (percent).
REFERENCE_WEEKDAYS: tuple[float, ...] = (16.2, 22.3, 27.1, 20.1, 13.9)


@dataclass(frozen=True)
class Metric:
    """One measured value and its band; in_band is None when there is no value or no band."""

    name: str
    value: float | None
    band: str
    low: float | None
    high: float | None
    source: str
    in_band: bool | None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "band": self.band,
            "low": self.low,
            "high": self.high,
            "source": self.source,
            "in_band": self.in_band,
        }


def metric(
    name: str,
    value: float | None,
    band: str,
    low: float | None,
    high: float | None,
    source: str,
) -> Metric:
    """Build a Metric, judging the value against [low, high] (either end may be open)."""
    if value is None or (low is None and high is None):
        in_band = None
    else:
        in_band = (low is None or value >= low) and (high is None or value <= high)
    return Metric(name, value, band, low, high, source, in_band)


def scorecard(path: str | Path) -> tuple[Metric, ...]:
    """Every realism metric of the file at ``path``, in a stable order."""
    with closing(open_readonly(path)) as conn, reading(path):
        prepare_local_time(conn)
        return scorecard_of(conn, human_event_profile(conn))


def scorecard_of(conn: sqlite3.Connection, profile: EventProfile) -> tuple[Metric, ...]:
    """The metrics of an open file, given its human events binned by local hour and weekday.

    Split from `scorecard` so a caller that bins the events anyway (`validate`, `report`'s
    heatmap) can pass its own profile and spare a pass over every story; only hours,
    weekdays and total are read from it.
    """
    return (*time_of_day_metrics(profile), *(m for part in SCORECARD_PARTS for m in part(conn)))


# ---------------------------------------------------------------------------------------------
# Helpers


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def total_variation(observed: Sequence[float], reference: Sequence[float]) -> float | None:
    """Half the L1 distance between two distributions, each normalised to sum 1 (0 = same)."""
    n, r = sum(observed), sum(reference)
    if not n or not r:
        return None
    return 0.5 * sum(abs(o / n - q / r) for o, q in zip(observed, reference, strict=True))


def percentiles(
    conn: sqlite3.Connection, values_sql: str, ps: Sequence[float]
) -> tuple[float | None, ...]:
    """Percentiles of the column ``x`` of ``values_sql``, interpolated linearly (numpy's default).

    Only the two ranks around each percentile leave SQLite: one sort, no rows in Python.
    """
    values_sql = f"SELECT x FROM ({values_sql}) WHERE x IS NOT NULL"
    (n,) = conn.execute(f"SELECT count(*) FROM ({values_sql})").fetchone()
    if n == 0:
        return tuple(None for _ in ps)
    positions = [p * (n - 1) for p in ps]
    ranks = sorted({math.floor(x) for x in positions} | {math.ceil(x) for x in positions})
    rows = conn.execute(
        f"""SELECT i, x FROM (SELECT x, ROW_NUMBER() OVER (ORDER BY x) - 1 AS i
                             FROM ({values_sql}))
            WHERE i IN ({", ".join(str(r) for r in ranks)})"""
    )
    at = dict(rows.fetchall())
    out = []
    for pos in positions:
        lo, hi = at[math.floor(pos)], at[math.ceil(pos)]
        out.append(lo + (hi - lo) * (pos - math.floor(pos)))
    return tuple(out)


def histogram_percentiles(
    hist: Sequence[tuple[float, int]], ps: Sequence[float]
) -> tuple[float | None, ...]:
    """`percentiles` of the values a (value, count) histogram holds, interpolated the same way."""
    hist = sorted(hist)
    n = sum(k for _, k in hist)
    if n == 0:
        return tuple(None for _ in ps)

    def at(rank: int) -> float:
        seen = 0
        for value, k in hist:
            seen += k
            if rank < seen:
                return value
        return hist[-1][0]

    out = []
    for p in ps:
        pos = p * (n - 1)
        lo, hi = at(math.floor(pos)), at(math.ceil(pos))
        out.append(lo + (hi - lo) * (pos - math.floor(pos)))
    return tuple(out)


def _scalar(conn: sqlite3.Connection, sql: str) -> float | None:
    return conn.execute(sql).fetchone()[0]


def _times(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


# ---------------------------------------------------------------------------------------------
# Metrics


def time_of_day_metrics(p: EventProfile) -> tuple[Metric, ...]:
    """When people act, in their own time zone: weekends, office hours, hour and weekday shape."""
    office = sum(p.hours[8:18])
    weekdays = [p.weekdays[d] for d in (1, 2, 3, 4, 5)]  # SQLite: 0 = Sunday
    return (
        metric(
            "weekend share of human events",
            ratio(p.weekend, p.total),
            "<= 3%",
            None,
            0.03,
            SOURCE_A,
        ),
        metric(
            "share of human events in 08-18h local",
            ratio(office, p.total),
            ">= 80%",
            0.80,
            None,
            SOURCE_A,
        ),
        metric(
            "hour-of-day profile distance (TVD)",
            total_variation(p.hours, REFERENCE_HOURS),
            "<= 0.15",
            None,
            0.15,
            SOURCE_A,
        ),
        metric(
            "weekday profile distance, Mon-Fri (TVD)",
            total_variation(weekdays, REFERENCE_WEEKDAYS),
            "<= 0.15",
            None,
            0.15,
            SOURCE_A,
        ),
    )


_COMMENTS_PER_TASK = """
    SELECT (SELECT count(*) FROM stories s
            WHERE s.task_id = t.id AND +s.resource_subtype = 'comment_added') AS x
    FROM tasks t WHERE t.parent_id IS NULL"""


def _comment_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """Comments per top-level task: a moderate mean with a heavy tail.

    One pass: the counts come back as a histogram (a few dozen rows), and the mean and
    percentiles are read off it.
    """
    hist = conn.execute(f"SELECT x, count(*) FROM ({_COMMENTS_PER_TASK}) GROUP BY x").fetchall()
    n = sum(k for _, k in hist)
    mean = sum(x * k for x, k in hist) / n if n else None
    median, p90 = histogram_percentiles(hist, (0.5, 0.9))
    twice = _times(median, 2)
    return (
        metric("comments per top-level task, mean", mean, "2-5", 2.0, 5.0, SOURCE_AB),
        metric("comments per top-level task, median", median, "-", None, None, SOURCE_A),
        metric("comments per top-level task, p90", p90, ">= 2 x median", twice, None, SOURCE_A),
    )


# Work closed with its project is not resolved work (issue 9): a task of a cancelled project
# (archived, not completed) that is closed was mostly closed by the cancellation, and a task
# closed in the week before its project's completion was closed by the wrap-up (a project is
# wrapped up only after QUIET_WD, eight working days without any event, so no work of its
# own is finished in that week; the wrap-up closes a task every few minutes of the owner's
# working time, and a big one runs over a night or a weekend).  Their days to completion are
# the project's, not the work's: the cancellation moved a default file's median by half a
# day, the wrap-up's leftovers (stalled for months) by up to a day.
_DAYS_TO_COMPLETION = """
    SELECT julianday(completed_at) - julianday(created_at) AS x
    FROM tasks WHERE parent_id IS NULL AND completed = 1 AND completed_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM task_memberships c JOIN projects q ON q.id = c.project_id
                      WHERE c.task_id = tasks.id AND c.is_primary = 1
                        AND ((q.archived AND NOT q.completed)
                             OR julianday(q.completed_at) - julianday(tasks.completed_at)
                                BETWEEN 0 AND 7))"""


def _in_window(conn: sqlite3.Connection) -> str:
    """SQL condition: a task created in the window (the file also holds the history of the
    work in flight when it opened, issue 9; the scorecard scores the window)."""
    start = window_start(conn).replace("'", "''")
    return f"created_at >= '{start}'"


def _completion_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """Days from creation to completion of completed top-level tasks created in the window
    (work closed with its project, by a cancellation or the wrap-up, left out): short
    median, long tail."""
    sql = f"{_DAYS_TO_COMPLETION} AND {_in_window(conn)}"
    median, p90 = percentiles(conn, sql, (0.5, 0.9))
    return (
        metric("days to completion, median", median, "2-7", 2.0, 7.0, SOURCE_A),
        metric("days to completion, p90", p90, ">= 3 x median", _times(median, 3), None, SOURCE_A),
    )


def _task_state_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """The state at the anchor of the work created in the window: backlog, due-date
    placement, overdue work, names."""
    anchor = load_anchor(conn)
    window = _in_window(conn)
    unassigned = _scalar(
        conn,
        "SELECT avg(assignee_id IS NULL) FROM tasks "
        f"WHERE parent_id IS NULL AND completed = 0 AND {window}",
    )
    weekday_due = _scalar(
        conn,
        "SELECT avg(strftime('%w', due_on) NOT IN ('0', '6')) FROM tasks WHERE due_on IS NOT NULL",
    )
    overdue = None
    if anchor is not None:
        overdue = conn.execute(
            f"""SELECT avg(COALESCE(due_on, date(due_at)) < date(?)) FROM tasks
               WHERE completed = 0 AND (due_on IS NOT NULL OR due_at IS NOT NULL)
                 AND {window}""",
            (anchor,),
        ).fetchone()[0]
    distinct_names = _scalar(
        conn,
        "SELECT CAST(count(DISTINCT name) AS REAL) / count(*) FROM tasks WHERE parent_id IS NULL",
    )
    return (
        metric(
            "unassigned share of open top-level tasks",
            unassigned,
            "10-20%",
            0.10,
            0.20,
            f"{SOURCE_A}; {SOURCE_DESIGN}",
        ),
        metric("weekday share of due_on", weekday_due, "80-90%", 0.80, 0.90, SOURCE_DESIGN),
        metric(
            "overdue share of open tasks with a due date",
            overdue,
            "5-60%",
            0.05,
            0.60,
            SOURCE_DESIGN,
        ),
        metric(
            "distinct top-level task name ratio",
            distinct_names,
            ">= 0.90",
            0.90,
            None,
            SOURCE_DESIGN,
        ),
    )


def _volume_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """How much structure and history each task carries."""
    top, subtasks, tasks = conn.execute(
        "SELECT sum(parent_id IS NULL), sum(parent_id IS NOT NULL), count(*) FROM tasks"
    ).fetchone()
    (dependencies,) = conn.execute("SELECT count(*) FROM task_dependencies").fetchone()
    (system,) = conn.execute("SELECT count(*) FROM stories WHERE type = 'system'").fetchone()
    links = ratio((subtasks or 0) + dependencies, top or 0)
    return (
        metric("subtasks + dependencies per top-level task", links, "0.2-0.8", 0.2, 0.8, SOURCE_B),
        metric(
            "system stories per task (all tasks)", ratio(system, tasks), "3-12", 3.0, 12.0, SOURCE_B
        ),
    )


def _company_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """A living company (issue 9): work at every stage, late and planned, blocked, across
    boundaries, spread unevenly over people who all take part, not due on holidays or in the
    assignee's time off, with weekend work that is each person's own."""
    c = completion_figures(conn)
    s = schedule_figures(conn)
    b = boundary_figures(conn)
    p = people_figures(conn)
    design = SOURCE_DESIGN
    return (
        metric("completed share of top-level tasks", c["completed"], "55-80%", 0.55, 0.80, design),
        metric(
            "completed share, time-boxed projects",
            c["completed_timeboxed"],
            "60-90%",
            0.60,
            0.90,
            design,
        ),
        metric(
            "completed share, ongoing projects",
            c["completed_ongoing"],
            "35-75%",
            0.35,
            0.75,
            design,
        ),
        metric(
            "per-project completed share, p90 - p10", c["spread"], ">= 0.30", 0.30, None, design
        ),
        metric(
            "completed share, projects under 60 days old",
            c["completed_young"],
            "<= 60%",
            None,
            0.60,
            design,
        ),
        metric("dated completed tasks finished late", s["late"], "15-35%", 0.15, 0.35, design),
        metric("open dated tasks due > 14 days out", s["planned"], ">= 15%", 0.15, None, design),
        metric("Blocked share of open top-level tasks", s["blocked"], "5-15%", 0.05, 0.15, design),
        metric(
            "assignments outside the project's team", b["cross_team"], "3-20%", 0.03, 0.20, design
        ),
        metric("dependencies across projects", b["cross_project"], ">= 3%", 0.03, None, design),
        metric(
            "top-level tasks multi-homed in another team's project",
            b["cross_home"],
            ">= 0.2%",
            0.002,
            None,
            design,
        ),
        metric("project members who are guests", b["guests"], "2-8%", 0.02, 0.08, design),
        metric(
            "comments by people outside the project's team",
            b["outside_comments"],
            ">= 1%",
            0.01,
            None,
            design,
        ),
        metric("established employees who never act", p["idle"], "<= 8%", None, 0.08, design),
        metric("open work per assignee, p90 / median", p["skew_p90"], "1.5-4", 1.5, 4.0, design),
        metric("open work per assignee, max / median", p["skew_max"], ">= 3", 3.0, None, design),
        metric(
            "task creation, quietest full month / busiest",
            monthly_flatness(conn),
            ">= 0.60",
            0.60,
            None,
            design,
        ),
        metric(
            "due dates on a public holiday vs a weekday",
            holiday_load(conn),
            "<= 0.40",
            None,
            0.40,
            design,
        ),
        metric(
            "dated tasks due or starting in their assignee's time off",
            time_off_load(conn),
            "<= 1%",
            None,
            0.01,
            design,
        ),
        metric(
            "weekend co-working in a zone, observed / independent",
            weekend_coworking(conn),
            "<= 2.5",
            None,
            2.5,
            design,
        ),
    )


_DESCRIPTION_SKELETONS = """
    SELECT CAST(count(DISTINCT replace(replace(replace(t.notes, t.name, ''),
                                                  lower(substr(t.name, 1, 1)) || substr(t.name, 2),
                                                  ''), p.name, '')) AS REAL) / count(*)
    FROM tasks t
    JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
    JOIN projects p ON p.id = tm.project_id
    WHERE t.parent_id IS NULL AND t.notes != ''"""


def _text_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """Variety of descriptions: the share that stay distinct once the task's name (as is and
    lower-cased) and its project's name are taken out, so templates that only paste names
    count once (issue 8: they reduced to 16-18 skeletons per industry)."""
    return (
        metric(
            "distinct description ratio, names removed",
            _scalar(conn, _DESCRIPTION_SKELETONS),
            ">= 0.25",
            0.25,
            None,
            SOURCE_DESIGN,
        ),
    )


MIN_COMMENTS_FOR_SHARE = 1000
# One grouping serves all three figures (the NULL text's group counts in the total and the
# maximum, as in count(*) and GROUP BY, but is no distinct text, as in count(DISTINCT))
_COMMENT_VARIETY = """
    SELECT coalesce(sum(n), 0), count(t), max(n) FROM (
        SELECT text AS t, count(*) AS n FROM stories WHERE resource_subtype = 'comment_added'
        GROUP BY text)"""


def _comment_variety_metrics(conn: sqlite3.Connection) -> tuple[Metric, ...]:
    """Variety of comments (issue 8: ~35% distinct and the top text ~50 times before):
    the share of comment texts that are distinct, and the share of the commonest one (judged
    from MIN_COMMENTS_FOR_SHARE comments: in a handful, one text is a large share by arithmetic)."""
    total, distinct, top = conn.execute(_COMMENT_VARIETY).fetchone()
    share = ratio(top or 0, total) if total >= MIN_COMMENTS_FOR_SHARE else None
    return (
        metric(
            "distinct comment ratio", ratio(distinct, total), ">= 0.60", 0.60, None, SOURCE_DESIGN
        ),
        metric("top comment text share", share, "<= 0.005", None, 0.005, SOURCE_DESIGN),
    )


# The metrics that read the file itself, each a function of an open connection, in the
# scorecard's order (after the time-of-day metrics): `validate` runs them as jobs of its own.
SCORECARD_PARTS = (
    _comment_metrics,
    _completion_metrics,
    _task_state_metrics,
    _volume_metrics,
    _text_metrics,
    _comment_variety_metrics,
    _company_metrics,
)
