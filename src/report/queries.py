"""The report's data: every aggregate the page is drawn from, computed by SQLite.

Every query returns aggregates only (GROUP BY, window functions, index-only counts), so a few
hundred numbers reach Python whatever the file's size.  Local-time figures reuse validate's
TEMP tables and human-event profile, so the heatmap counts exactly what the rules check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ..checks.localtime import EventProfile, human_event_profile, prepare_local_time
from ..checks.scorecard import _COMMENTS_PER_TASK, _DAYS_TO_COMPLETION, _in_window
from ..inputs import SCHEMA_TABLES, load_anchor, load_window_start

TOP_PROJECTS = 15
TOP_PEOPLE = 30
COMMENT_CAP = 20  # comments per task at or above this share one "20+" bar
MAX_LOAD = 500  # open tasks per person the load chart bins one by one (a corrupt file: fewer)
MAX_WEEKS = 520  # a corrupt date must not make the weeks table (and the charts) huge

# Completion-lag bins in days: roughly doubling widths, so a long tail stays readable.
LAG_EDGES: tuple[float, ...] = (0.0, 1 / 24, 0.25, 1, 2, 4, 7, 14, 31, 61, 122, 365)


@dataclass(frozen=True)
class ReportData:
    """The aggregates the page is drawn from (small: at most a few thousand numbers)."""

    run: dict
    workspace: str | None
    row_counts: dict[str, int]
    activity: EventProfile  # validate's profile of every human event (the heatmap's source)
    weeks: tuple[str, ...]  # Monday of each week, oldest first
    created: tuple[int, ...]
    completed: tuple[int, ...]
    open_by_project: tuple[tuple[str, tuple[int, ...]], ...]  # (project name, open per week)
    comments: tuple[int, ...]  # tasks with 0, 1, ..., COMMENT_CAP+ comments
    lags: tuple[int, ...]  # completed tasks per LAG_EDGES bin
    workload: tuple[tuple[str, int, int], ...]  # (person, open, completed)
    load: tuple[int, ...]  # people still in the company with 0, 1, 2, ... open top-level tasks
    fields: tuple[tuple[str, str, tuple[tuple[str, str, int], ...]], ...]  # (field, subtype, opts)

    @property
    def heatmap(self) -> tuple[tuple[int, ...], ...]:
        """[Mon..Sun][hour 0..23] (the profile's grid starts on Sunday, as SQLite's %w)."""
        return (*self.activity.grid[1:], self.activity.grid[0])

    @property
    def events(self) -> int:
        """Every human event, also those whose local time could not be placed."""
        return self.activity.total


def report_data(conn: sqlite3.Connection) -> ReportData:
    """Every aggregate the page shows, from an open file (builds validate's local-time TEMP
    tables on it)."""
    run = _run_record(conn)
    weekly = _weekly_counts(conn)
    weeks = _make_weeks_table(conn, weekly, run.get("anchor"), load_window_start(conn))
    prepare_local_time(conn)
    return ReportData(
        run=run,
        workspace=_scalar(conn, "SELECT name FROM workspaces ORDER BY id LIMIT 1"),
        row_counts=_row_counts(conn),
        activity=human_event_profile(conn),
        weeks=weeks,
        created=tuple(weekly.get(w, (0, 0))[0] for w in weeks),
        completed=tuple(weekly.get(w, (0, 0))[1] for w in weeks),
        open_by_project=_open_by_project(conn, weeks),
        comments=_comment_histogram(conn),
        lags=_lag_histogram(conn),
        workload=_workload(conn),
        fields=_field_mix(conn),
        load=_load_histogram(conn),
    )


def _scalar(conn: sqlite3.Connection, sql: str, params: Sequence = ()) -> object:
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def _run_record(conn: sqlite3.Connection) -> dict:
    """The latest generation_runs row, config decoded; {} for a hand-made file without one."""
    anchor = load_anchor(conn)
    if anchor is None:
        return {}
    row = conn.execute(
        "SELECT seed, anchor, config_json, program_version, fingerprint, finished_at "
        "FROM generation_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    try:
        config = json.loads(row[2])
    except (TypeError, ValueError):
        config = {}
    return {
        "seed": row[0],
        "anchor": row[1],
        "config": config if isinstance(config, dict) else {},
        "program_version": row[3],
        "fingerprint": row[4],
        "finished_at": row[5],
    }


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        for t in SCHEMA_TABLES
        if t in present
    }


_WEEK_OF = "date(substr({col}, 1, 10), '-6 days', 'weekday 1')"  # the Monday on or before


def _weekly_counts(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Tasks (and subtasks) created and completed per UTC week, keyed by the week's Monday."""
    rows = conn.execute(
        f"""SELECT week, sum(c), sum(d) FROM (
                SELECT {_WEEK_OF.format(col="created_at")} AS week, 1 AS c, 0 AS d FROM tasks
                UNION ALL
                SELECT {_WEEK_OF.format(col="completed_at")}, 0, 1 FROM tasks
                WHERE completed_at IS NOT NULL)
            WHERE week IS NOT NULL GROUP BY week"""
    )
    return {week: (c, d) for week, c, d in rows}


def _make_weeks_table(
    conn: sqlite3.Connection,
    weekly: dict[str, tuple[int, int]],
    anchor: str | None,
    start: str | None = None,
) -> tuple[str, ...]:
    """TEMP table _weeks(week): every Monday from the first week with a task (or the week the
    window opens, ``start``: the history of the work in flight before it is not charted) to
    the anchor's.

    Weeks without events are kept, so every series has the same, gap-free time axis.
    """
    days = [dt.date.fromisoformat(w) for w in weekly]
    if anchor is not None:
        with contextlib.suppress(ValueError):
            last_day = dt.date.fromisoformat(anchor[:10]) - dt.timedelta(days=1)
            days.append(last_day - dt.timedelta(days=last_day.weekday()))
    weeks: list[str] = []
    if days:
        last = max(days)
        first = max(min(days), last - dt.timedelta(weeks=MAX_WEEKS - 1))
        with contextlib.suppress(ValueError, TypeError):
            opens = dt.date.fromisoformat(str(start)[:10])
            first = min(max(first, opens - dt.timedelta(days=opens.weekday())), last)
        weeks = [
            (first + dt.timedelta(weeks=i)).isoformat() for i in range((last - first).days // 7 + 1)
        ]
    conn.execute("DROP TABLE IF EXISTS temp._weeks")
    conn.execute("CREATE TEMP TABLE _weeks (week TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.executemany("INSERT INTO temp._weeks VALUES (?)", [(w,) for w in weeks])
    return tuple(weeks)


def _open_by_project(
    conn: sqlite3.Connection, weeks: tuple[str, ...]
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Open top-level tasks at the end of each week, for the largest projects.

    Open at the end of week w = created up to w minus completed up to w: per-week deltas
    (+1 on creation, -1 on completion) are summed by a running window over the weeks table,
    so the cost is one pass over the projects' tasks however many weeks there are.  Deltas
    before the first week fold into it.  A task's final completed_at is used (a reopened and
    re-completed task counts as open until its last completion).
    """
    if not weeks:
        return ()
    first = weeks[0]
    rows = conn.execute(
        f"""WITH top AS (
                SELECT project_id, count(*) AS n FROM task_memberships
                GROUP BY project_id ORDER BY n DESC, project_id LIMIT {TOP_PROJECTS}),
            delta AS (
                SELECT project_id, week, sum(d) AS d FROM (
                    SELECT tm.project_id,
                           max({_WEEK_OF.format(col="t.created_at")}, :first) AS week, 1 AS d
                    FROM top JOIN task_memberships tm ON tm.project_id = top.project_id
                    JOIN tasks t ON t.id = tm.task_id
                    UNION ALL
                    SELECT tm.project_id,
                           max({_WEEK_OF.format(col="t.completed_at")}, :first), -1
                    FROM top JOIN task_memberships tm ON tm.project_id = top.project_id
                    JOIN tasks t ON t.id = tm.task_id
                    WHERE t.completed_at IS NOT NULL)
                GROUP BY project_id, week)
            SELECT top.project_id, p.name, w.week,
                   sum(coalesce(delta.d, 0)) OVER (
                       PARTITION BY top.project_id ORDER BY w.week) AS open_tasks
            FROM top JOIN projects p ON p.id = top.project_id
            CROSS JOIN temp._weeks w
            LEFT JOIN delta ON delta.project_id = top.project_id AND delta.week = w.week
            ORDER BY top.n DESC, top.project_id, w.week""",
        {"first": first},
    )
    series: dict[int, tuple[str, list[int]]] = {}
    for project_id, name, _week, n in rows:
        series.setdefault(project_id, (name, []))[1].append(n)
    names = _unique_labels([(pid, name) for pid, (name, _) in series.items()])
    return tuple((names[pid], tuple(values)) for pid, (_, values) in series.items())


def _comment_histogram(conn: sqlite3.Connection) -> tuple[int, ...]:
    """Top-level tasks per number of comments (the scorecard's per-task count, grouped)."""
    counts = [0] * (COMMENT_CAP + 1)
    rows = conn.execute(
        f"SELECT min(x, {COMMENT_CAP}) AS k, count(*) FROM ({_COMMENTS_PER_TASK}) GROUP BY k"
    )
    for k, n in rows:
        counts[k] += n
    return tuple(counts)


def _lag_histogram(conn: sqlite3.Connection) -> tuple[int, ...]:
    """Completed top-level tasks created in the window per completion-lag bin (LAG_EDGES),
    binned by a CASE: the tasks the scorecard's median and p90 lines are read from (the
    history before the window left out, as in the other charts)."""
    cases = " ".join(f"WHEN x < {edge!r} THEN {i - 1}" for i, edge in enumerate(LAG_EDGES) if i)
    counts = [0] * len(LAG_EDGES)
    rows = conn.execute(
        f"SELECT CASE {cases} ELSE {len(LAG_EDGES) - 1} END AS b, count(*) "
        f"FROM ({_DAYS_TO_COMPLETION} AND {_in_window(conn)}) WHERE x IS NOT NULL GROUP BY b"
    )
    for b, n in rows:
        counts[max(b, 0)] += n
    return tuple(counts)


def _workload(conn: sqlite3.Connection) -> tuple[tuple[str, int, int], ...]:
    """Open and completed tasks per assignee (an index-only pass over idx_tasks_assignee)."""
    rows = conn.execute(
        f"""SELECT w.assignee_id, u.name, w.open_tasks, w.done FROM (
                SELECT assignee_id, sum(completed = 0) AS open_tasks, sum(completed = 1) AS done
                FROM tasks WHERE assignee_id IS NOT NULL GROUP BY assignee_id) w
            JOIN users u ON u.id = w.assignee_id
            ORDER BY w.open_tasks DESC, w.done DESC, w.assignee_id LIMIT {TOP_PEOPLE}"""
    ).fetchall()
    names = _unique_labels([(uid, name) for uid, name, _, _ in rows])
    return tuple((names[uid], open_n, done) for uid, _, open_n, done in rows)


def _load_histogram(conn: sqlite3.Connection) -> tuple[int, ...]:
    """How many people (still in the company) hold 0, 1, 2, ... open top-level tasks.

    One grouping of the open tasks joined to the people: a count per person in a correlated
    subquery scanned the tasks once per person in the planner's choice (31 s on the large
    preset)."""
    rows = conn.execute(
        """SELECT coalesce(o.n, 0), count(*) FROM users u
               LEFT JOIN (SELECT assignee_id, count(*) AS n FROM tasks
                          WHERE completed = 0 AND parent_id IS NULL GROUP BY assignee_id) o
                 ON o.assignee_id = u.id
               WHERE u.left_at IS NULL GROUP BY 1"""
    ).fetchall()
    counts = [0] * (min(max((n for n, _ in rows), default=0), MAX_LOAD) + 1)
    for n, k in rows:
        counts[min(n, MAX_LOAD)] += k
    return tuple(counts)


def _field_mix(
    conn: sqlite3.Connection,
) -> tuple[tuple[str, str, tuple[tuple[str, str, int], ...]], ...]:
    """Per enum and multi-enum field: how many values chose each option, in option order."""
    rows = conn.execute(
        """SELECT f.id, f.name, f.resource_subtype, o.name, o.color, coalesce(c.n, 0)
           FROM custom_fields f
           JOIN custom_field_enum_options o ON o.custom_field_id = f.id
           LEFT JOIN (
               SELECT custom_field_id, enum_option_id, count(*) AS n FROM custom_field_values
               WHERE enum_option_id IS NOT NULL GROUP BY custom_field_id, enum_option_id
               UNION ALL
               SELECT custom_field_id, enum_option_id, count(*) FROM custom_field_value_options
               GROUP BY custom_field_id, enum_option_id) c
             ON c.custom_field_id = f.id AND c.enum_option_id = o.id
           WHERE f.resource_subtype IN ('enum', 'multi_enum')
           ORDER BY f.name, f.id, o.position, o.id"""
    )
    fields: dict[int, tuple[str, str, list[tuple[str, str, int]]]] = {}
    for fid, fname, subtype, option, color, n in rows:
        fields.setdefault(fid, (fname, subtype, []))[2].append((option, color, n))
    return tuple((name, subtype, tuple(opts)) for name, subtype, opts in fields.values())


def _unique_labels(items: list[tuple[int, str]]) -> dict[int, str]:
    """Names as labels; a repeated name gets its id appended so the chart keeps both apart."""
    seen: dict[str, int] = {}
    for _, name in items:
        seen[name] = seen.get(name, 0) + 1
    return {i: name if seen[name] == 1 else f"{name} ({i})" for i, name in items}
