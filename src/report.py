"""`report`: one self-contained HTML page of charts and the realism scorecard for a file.

Why this shape:
  * Every figure is an aggregate computed by SQLite (GROUP BY, window functions, index-only
    counts), so only a few hundred numbers ever reach Python, whatever the file's size: a
    million-task file is read in a handful of passes with flat memory.
  * Charts are drawn by plotly, and plotly.js is inlined once in the page, so the report opens
    offline (no CDN), can be mailed or archived as one file, and renders the same anywhere.
  * No wall clock and fixed div ids: the same file gives a byte-identical report.
  * Local-time figures reuse validate's TEMP tables and human-event query, so the heatmap and
    the scorecard count exactly the events the rules check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import math
import sqlite3
import statistics
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from .checks.localtime import EventProfile, human_event_profile, prepare_local_time
from .checks.scorecard import _COMMENTS_PER_TASK, _DAYS_TO_COMPLETION, Metric, scorecard_of
from .inputs import (
    SCHEMA_TABLES,
    NotADatabaseError,
    first_bad_value,
    load_anchor,
    open_readonly,
    reading,
)
from .output import atomic_target, check_target

TOP_PROJECTS = 15
TOP_PEOPLE = 30
COMMENT_CAP = 20  # comments per task at or above this share one "20+" bar
MAX_LOAD = 500  # open tasks per person the load chart bins one by one (a corrupt file: fewer)
MAX_WEEKS = 520  # a corrupt date must not make the weeks table (and the charts) huge
TEMPLATE = "plotly_white"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}

# Reference figures of docs/realism.md, with the source each comes from.
REF_A = "A: one company's Jira export"
REF_B = "B: Public Jira Dataset, MSR 2022"
COMMENT_REFERENCES = (
    (3.34, f"mean 3.34 ({REF_B})"),
    (4.47, f"mean 4.47 ({REF_A})"),
    (4.0, f"median 4 ({REF_A})"),
    (8.0, f"p90 8 ({REF_A})"),
)
LAG_REFERENCES = (
    (4.0, f"median 4.0 days ({REF_A})"),
    (31.8, f"p90 31.8 days ({REF_A})"),
)

# Completion-lag bins in days: roughly doubling widths, so a long tail stays readable.
LAG_EDGES: tuple[float, ...] = (0.0, 1 / 24, 0.25, 1, 2, 4, 7, 14, 31, 61, 122, 365)
LAG_LABELS: tuple[str, ...] = (
    "< 1 h",
    "1-6 h",
    "6 h-1 d",
    "1-2 d",
    "2-4 d",
    "4-7 d",
    "1-2 wk",
    "2 wk-1 mo",
    "1-2 mo",
    "2-4 mo",
    "4-12 mo",
    ">= 1 y",
)
_LAG_LAST_EDGE = 730.0  # where the open-ended last bin is drawn to end, for line positions

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Asana's palette names (custom_field_enum_options.color) as CSS colours.
ASANA_COLORS = {
    "red": "#e8384f",
    "orange": "#fd612c",
    "yellow-orange": "#fd9a00",
    "yellow": "#eec300",
    "yellow-green": "#a4cf30",
    "green": "#62d26f",
    "blue-green": "#37c5ab",
    "aqua": "#20aaea",
    "blue": "#4186e0",
    "indigo": "#7a6ff0",
    "purple": "#aa62e3",
    "magenta": "#e362e3",
    "hot-pink": "#ea4e9d",
    "pink": "#fc91ad",
    "cool-gray": "#8da3a6",
}
_FALLBACK_COLOR = "#9aa5b1"
OBSERVED_COLOR = "#1f4e9c"
REFERENCE_COLOR = "#d9480f"

CHART_TITLES = (
    "Human activity by weekday and hour (each actor's local time)",
    "Tasks created vs completed per week",
    f"Open work per project over time (top {TOP_PROJECTS} projects by size)",
    "Comments per top-level task",
    "Days from creation to completion (completed top-level tasks)",
    f"Workload per person (top {TOP_PEOPLE} assignees by open tasks)",
    "Custom field values: the mix of enum options",
    "Open work per person: how unevenly the load is spread",
)


@dataclass(frozen=True)
class ReportSummary:
    """What was written: the page, the charts on it, and how long it took to build."""

    path: Path
    source: Path
    anchor: str | None
    fingerprint: str | None
    charts: tuple[str, ...]
    metrics: int
    bytes: int
    seconds: float


# ---------------------------------------------------------------------------------------------
# Entry point


def build_report(
    path: str | Path, out_path: str | Path, *, overwrite: bool = False
) -> ReportSummary:
    """Read the organization file at ``path`` and write the HTML report to ``out_path``.

    The page is built in a hidden folder beside the target and put in place when complete
    (`output.atomic_target`), so a crash never leaves a half-written report.  Raises
    NotADatabaseError for a bad input file, OutputExistsError for an existing target without
    ``overwrite`` (also one that appeared while the page was built), OutputPathError when the
    target cannot be written, DiskFullError when the disk fills.
    """
    t0 = time.perf_counter()
    source, target = Path(path), Path(out_path)
    with closing(open_readonly(source)) as conn, reading(source):
        check_target(  # after the input: its problem first; as typed: keeps a trailing slash
            out_path, overwrite, source=source, setting="out_path (--out)", example="report.html"
        )
        try:
            data = report_data(conn)
            # the heatmap's bins are the scorecard's profile: one pass over every story
            metrics = scorecard_of(conn, data.activity)
            page = render_html(source, data, metrics)
        except (ValueError, TypeError, AttributeError) as exc:
            # a value of the wrong type (an integer where a timestamp belongs, say)
            found = first_bad_value(conn) or f"a value of the wrong type or form ({exc})"
            raise NotADatabaseError(
                f"{source}: cannot be read for a report: {found}; `validate {source}` "
                "lists every bad value"
            ) from exc
    size = _write_atomically(target, page, overwrite)
    return ReportSummary(
        path=target,
        source=source,
        anchor=data.run.get("anchor"),
        fingerprint=data.run.get("fingerprint"),
        charts=CHART_TITLES,
        metrics=len(metrics),
        bytes=size,
        seconds=time.perf_counter() - t0,
    )


def _write_atomically(target: Path, page: str, overwrite: bool) -> int:
    data = page.encode("utf-8")
    with atomic_target(target, overwrite=overwrite, expected_bytes=len(data)) as tmp:
        tmp.write_bytes(data)
    return len(data)


# ---------------------------------------------------------------------------------------------
# Data: every query returns aggregates only


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
    weeks = _make_weeks_table(conn, weekly, run.get("anchor"))
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
    conn: sqlite3.Connection, weekly: dict[str, tuple[int, int]], anchor: str | None
) -> tuple[str, ...]:
    """TEMP table _weeks(week): every Monday from the first week with a task to the anchor's.

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
    """Completed top-level tasks per completion-lag bin (LAG_EDGES), binned by a CASE."""
    cases = " ".join(f"WHEN x < {edge!r} THEN {i - 1}" for i, edge in enumerate(LAG_EDGES) if i)
    counts = [0] * len(LAG_EDGES)
    rows = conn.execute(
        f"SELECT CASE {cases} ELSE {len(LAG_EDGES) - 1} END AS b, count(*) "
        f"FROM ({_DAYS_TO_COMPLETION}) WHERE x IS NOT NULL GROUP BY b"
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


# ---------------------------------------------------------------------------------------------
# Figures


def _layout(fig: go.Figure, title: str, height: int, **extra: object) -> go.Figure:
    """The shared look of every chart; ``extra`` overrides a default (legend, margin, ...)."""
    layout: dict[str, object] = {
        # below the mode bar (top right), so a long title is never drawn under its buttons
        "title": {
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 34},
        },
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 100, "b": 50},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
    }
    layout.update(extra)
    fig.update_layout(**layout)
    return fig


def heatmap_figure(grid: Sequence[Sequence[int]]) -> go.Figure:
    """Weekday rows (Monday first) by local-hour columns: working hours show as a block."""
    total = sum(map(sum, grid)) or 1
    share = [[100.0 * n / total for n in row] for row in grid]
    fig = go.Figure(
        go.Heatmap(
            z=[list(r) for r in grid],
            x=[f"{h:02d}" for h in range(24)],
            y=list(WEEKDAY_NAMES),
            customdata=share,
            colorscale="Blues",
            colorbar={"title": {"text": "events"}},
            hovertemplate="%{y} %{x}h: %{z:,} events (%{customdata:.2f}%)<extra></extra>",
        )
    )
    return _layout(
        fig,
        CHART_TITLES[0],
        420,
        xaxis={"title": {"text": "local hour"}, "type": "category"},
        yaxis={"autorange": "reversed", "type": "category"},
    )


def weekly_figure(
    weeks: Sequence[str], created: Sequence[int], completed: Sequence[int]
) -> go.Figure:
    """Inflow against outflow: a backlog grows where the created line stays above."""
    fig = go.Figure(
        [
            go.Scatter(x=list(weeks), y=list(created), name="created", mode="lines+markers"),
            go.Scatter(x=list(weeks), y=list(completed), name="completed", mode="lines+markers"),
        ]
    )
    return _layout(
        fig,
        CHART_TITLES[1],
        420,
        xaxis={"title": {"text": "week (Monday, UTC); the anchor's week may be partial"}},
        yaxis={"title": {"text": "tasks and subtasks"}, "rangemode": "tozero"},
        hovermode="x unified",
    )


def open_work_figure(
    weeks: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> go.Figure:
    """One line per project: ramps, plateaus and wind-downs of the largest projects."""
    fig = go.Figure(
        [go.Scatter(x=list(weeks), y=list(v), name=name, mode="lines") for name, v in series]
    )
    return _layout(
        fig,
        CHART_TITLES[2],
        520,
        xaxis={"title": {"text": "week (Monday, UTC)"}},
        yaxis={"title": {"text": "open top-level tasks at the week's end"}, "rangemode": "tozero"},
        legend={"orientation": "v", "x": 1.02, "y": 1.0, "font": {"size": 10}},
    )


def _vline(x: float, top: float, name: str, color: str, dash: str) -> go.Scatter:
    """A vertical reference line as a trace, so its label sits in the legend, not on the bars."""
    return go.Scatter(
        x=[x, x],
        y=[0, top],
        mode="lines",
        name=name,
        line={"color": color, "dash": dash, "width": 2},
        hovertemplate=f"{html.escape(name)}<extra></extra>",
    )


def _observed(metrics: Sequence[Metric], name: str) -> float | None:
    for m in metrics:
        if m.name == name:
            return m.value
    return None


def comments_figure(counts: Sequence[int], metrics: Sequence[Metric]) -> go.Figure:
    """Shares, not counts, so the bars compare with the reference lines at any scale."""
    total = sum(counts) or 1
    share = [100.0 * n / total for n in counts]
    labels = [str(k) for k in range(COMMENT_CAP)] + [f"{COMMENT_CAP}+"]
    top = max(share, default=0) * 1.1 or 1
    traces: list[go.BaseTraceType] = [
        go.Bar(
            x=list(range(len(counts))),
            y=share,
            customdata=list(counts),
            name="this file",
            marker={"color": "#8fb3e8"},
            hovertemplate="%{x} comments: %{customdata:,} tasks (%{y:.1f}%)<extra></extra>",
        )
    ]
    for value, label in COMMENT_REFERENCES:
        dash = "dot" if REF_B in label else "dash"
        traces.append(_vline(value, top, f"reference {label}", REFERENCE_COLOR, dash))
    for stat in ("mean", "median", "p90"):
        value = _observed(metrics, f"comments per top-level task, {stat}")
        if value is not None:
            traces.append(
                _vline(value, top, f"this file: {stat} {value:.2f}", OBSERVED_COLOR, "solid")
            )
    fig = go.Figure(traces)
    return _layout(
        fig,
        CHART_TITLES[3],
        460,
        xaxis={
            "title": {"text": "comments on the task"},
            "tickvals": list(range(0, COMMENT_CAP + 1, 2)),
            "ticktext": labels[::2],
            "range": [-0.6, COMMENT_CAP + 0.6],
        },
        yaxis={"title": {"text": "% of top-level tasks"}},
        bargap=0.1,
        legend={"orientation": "v", "x": 0.55, "y": 0.98, "font": {"size": 10}},
    )


def lag_position(days: float) -> float:
    """Where ``days`` falls on the binned axis: bar i spans [i - 0.5, i + 0.5], log inside."""
    edges = (*LAG_EDGES, _LAG_LAST_EDGE)
    for i in range(len(LAG_EDGES)):
        lo, hi = edges[i], edges[i + 1]
        if days < hi or i == len(LAG_EDGES) - 1:
            if lo <= 0:
                frac = max(days, 0.0) / hi
            else:
                frac = math.log(max(days, lo) / lo) / math.log(hi / lo)
            return i - 0.5 + min(frac, 1.0)
    raise AssertionError("unreachable")


def lag_figure(counts: Sequence[int], metrics: Sequence[Metric]) -> go.Figure:
    """Roughly doubling bins on an index axis: the long tail stays visible, and reference
    lines land inside their bin on a log scale (see lag_position)."""
    total = sum(counts) or 1
    share = [100.0 * n / total for n in counts]
    top = max(share, default=0) * 1.1 or 1
    traces: list[go.BaseTraceType] = [
        go.Bar(
            x=list(range(len(counts))),
            y=share,
            customdata=[[label, n] for label, n in zip(LAG_LABELS, counts, strict=True)],
            name="this file",
            marker={"color": "#8fb3e8"},
            hovertemplate="%{customdata[0]}: %{customdata[1]:,} tasks (%{y:.1f}%)<extra></extra>",
        )
    ]
    for value, label in LAG_REFERENCES:
        traces.append(
            _vline(lag_position(value), top, f"reference {label}", REFERENCE_COLOR, "dash")
        )
    for stat in ("median", "p90"):
        value = _observed(metrics, f"days to completion, {stat}")
        if value is not None:
            name = f"this file: {stat} {value:.1f} days"
            traces.append(_vline(lag_position(value), top, name, OBSERVED_COLOR, "solid"))
    fig = go.Figure(traces)
    return _layout(
        fig,
        CHART_TITLES[4],
        460,
        xaxis={
            "title": {"text": "days from creation to completion (bins widen roughly x2)"},
            "tickvals": list(range(len(LAG_LABELS))),
            "ticktext": list(LAG_LABELS),
            "range": [-0.6, len(LAG_LABELS) - 0.4],
        },
        yaxis={"title": {"text": "% of completed top-level tasks"}},
        bargap=0.05,
        legend={"orientation": "v", "x": 0.55, "y": 0.98, "font": {"size": 10}},
    )


def workload_figure(rows: Sequence[tuple[str, int, int]]) -> go.Figure:
    """Stacked open and completed work per person, busiest (by open work) on top."""
    names = [r[0] for r in rows]
    fig = go.Figure(
        [
            go.Bar(y=names, x=[r[1] for r in rows], name="open", orientation="h"),
            go.Bar(
                y=names,
                x=[r[2] for r in rows],
                name="completed",
                orientation="h",
                marker={"color": "#b8c4d6"},
            ),
        ]
    )
    return _layout(
        fig,
        CHART_TITLES[5],
        max(320, 24 * len(rows) + 130),
        barmode="stack",
        xaxis={"title": {"text": "tasks and subtasks assigned"}},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True},
        margin={"l": 160, "r": 20, "t": 100, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "traceorder": "normal"},
    )


def load_figure(counts: Sequence[int]) -> go.Figure:
    """People by their number of open top-level tasks, with the median and twice the median
    marked: the people right of the second line are the overloaded ones."""
    people = [n for n, k in enumerate(counts) for _ in range(k)]
    fig = go.Figure([go.Bar(x=list(range(len(counts))), y=list(counts), name="people")])
    top = max(counts, default=0)
    if people:
        median = float(statistics.median(people))
        fig.add_trace(_vline(median, top, f"median ({median:g})", "#2a6f3e", "dash"))
        over = sum(1 for n in people if n > 2 * median)
        fig.add_trace(_vline(2 * median, top, f"2 x median: {over} people above", "#b23", "dot"))
    return _layout(
        fig,
        CHART_TITLES[7],
        380,
        xaxis={"title": {"text": "open top-level tasks assigned"}},
        yaxis={"title": {"text": "people"}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0},
    )


def fields_figure(
    fields: Sequence[tuple[str, str, Sequence[tuple[str, str, int]]]],
) -> go.Figure:
    """One small panel per enum field, bars in the option's own Asana colour."""
    if not fields:
        fig = go.Figure()
        fig.add_annotation(text="no enum custom fields in this file", showarrow=False)
        return _layout(fig, CHART_TITLES[6], 300)
    cols = min(3, len(fields))
    rows = math.ceil(len(fields) / cols)
    titles = [f"{name} (multi-enum)" if sub == "multi_enum" else name for name, sub, _ in fields]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=0.12,
        vertical_spacing=min(0.3, 0.45 / rows),
    )
    for i, (name, _sub, options) in enumerate(fields):
        total = sum(n for _, _, n in options) or 1
        fig.add_trace(
            go.Bar(
                y=[o[0] for o in options],
                x=[o[2] for o in options],
                customdata=[100.0 * o[2] / total for o in options],
                orientation="h",
                name=name,
                showlegend=False,
                marker={"color": [ASANA_COLORS.get(o[1], _FALLBACK_COLOR) for o in options]},
                hovertemplate="%{y}: %{x:,} (%{customdata:.1f}%)<extra></extra>",
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    return _layout(fig, CHART_TITLES[6], 80 + 260 * rows)


# ---------------------------------------------------------------------------------------------
# The page

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0;
       background: #f4f6f9; color: #1d2733; }
header { background: #1d2733; color: #f4f6f9; padding: 18px 28px; }
header h1 { margin: 0 0 8px 0; font-size: 22px; }
header .head { display: flex; flex-wrap: wrap; gap: 10px 40px; align-items: flex-start; }
header dl { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 0;
            font-size: 13px; }
header dt { color: #9fb0c4; } header dd { margin: 0; font-family: ui-monospace, monospace; }
main { padding: 14px 20px; display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
section { background: #fff; border-radius: 6px; padding: 10px 12px;
          box-shadow: 0 1px 3px rgba(0, 0, 0, .12); min-width: 0; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size: 15px; margin: 4px 0 8px 0; }
p.note { font-size: 12px; color: #5a6878; margin: 4px 0 0 0; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid #e3e8ef; padding: 4px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.yes { color: #1b7f3b; font-weight: 600; } td.no { color: #b35c00; font-weight: 600; }
table.counts { width: auto; font-size: 12px; color: #d5dde8; }
table.counts td { border-bottom: 1px solid #2f3d4d; padding: 1px 6px; }
"""


def format_value(v: object) -> str:
    """A number or text as tables show it (also used by the CLI's tables)."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _header(source: Path, data: ReportData) -> str:
    run, config = data.run, data.run.get("config", {})
    facts = [
        ("file", source.name),
        ("workspace", data.workspace),
        ("anchor", run.get("anchor", "not recorded (no generation_runs row)")),
        ("seed", run.get("seed", "not recorded")),
        ("fingerprint", run.get("fingerprint", "not recorded")),
        ("scale / industry / workforce", None),
        ("program version", run.get("program_version")),
    ]
    if config:
        facts[5] = (
            facts[5][0],
            f"{config.get('scale', '-')} / {config.get('industry', '-')} / "
            f"{config.get('workforce', '-')}",
        )
    items = "".join(
        f'<dt>{html.escape(k)}</dt><dd class="fact-{html.escape(k.split()[0])}">'
        f"{html.escape(format_value(v))}</dd>"
        for k, v in facts
        if v is not None
    )
    return (
        f"<header><h1>Organization report: {html.escape(format_value(data.workspace))}</h1>"
        f'<div class="head"><dl>{items}</dl>{_counts_table(data.row_counts)}</div></header>'
    )


def _counts_table(counts: dict[str, int]) -> str:
    """Rows per table, laid out in a few columns so the header stays short."""
    cells = [(t, f"{n:,}") for t, n in counts.items()] + [("total", f"{sum(counts.values()):,}")]
    per_col = math.ceil(len(cells) / 3)
    cols = [cells[i : i + per_col] for i in range(0, len(cells), per_col)]
    rows = []
    for r in range(per_col):
        tds = []
        for col in cols:
            name, n = col[r] if r < len(col) else ("", "")
            tds.append(f'<td>{html.escape(name)}</td><td class="num">{n}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return f'<table class="counts" id="row-counts">{"".join(rows)}</table>'


def _scorecard_table(metrics: Sequence[Metric]) -> str:
    rows = []
    for m in metrics:
        mark = {True: ("yes", "yes"), False: ("no", "no"), None: ("-", "")}[m.in_band]
        rows.append(
            f"<tr><td>{html.escape(m.name)}</td>"
            f'<td class="num">{html.escape(format_value(m.value))}'
            f'</td><td>{html.escape(m.band)}</td><td class="{mark[1]}">{mark[0]}</td>'
            f"<td>{html.escape(m.source)}</td></tr>"
        )
    return (
        '<table id="scorecard"><tr><th>metric</th><th>value</th><th>band</th><th>in band</th>'
        f"<th>source</th></tr>{''.join(rows)}</table>"
    )


def _chart(fig: go.Figure, div_id: str, note: str, wide: bool = False) -> str:
    div = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=PLOT_CONFIG,
        default_width="100%",
    )
    cls = ' class="wide"' if wide else ""
    return f'<section{cls}>{div}<p class="note">{html.escape(note)}</p></section>'


def render_html(source: Path, data: ReportData, metrics: Sequence[Metric]) -> str:
    """The whole page as one string: plotly.js inline, then the header, charts and tables."""
    events = data.events
    in_band = sum(m.in_band is True for m in metrics)
    judged = sum(m.in_band is not None for m in metrics)
    charts = [
        _chart(
            heatmap_figure(data.heatmap),
            "chart-activity",
            f"{events:,} human events (stories and task creations by their creator), shifted "
            "to the actor's time zone with validate's offset tables.",
        ),
        _chart(
            weekly_figure(data.weeks, data.created, data.completed),
            "chart-weekly",
            "Tasks and subtasks by the UTC week of created_at and of completed_at.",
        ),
        _chart(
            open_work_figure(data.weeks, data.open_by_project),
            "chart-open-work",
            "Top-level tasks created up to the week's end and not completed by then (final "
            "completed_at); projects ranked by their number of top-level tasks.",
            wide=True,
        ),
        _chart(
            comments_figure(data.comments, metrics),
            "chart-comments",
            "Reference lines from docs/realism.md: (B) mean over 2.7M public Jira issues; (A) one "
            "company's 512 tickets.",
        ),
        _chart(
            lag_figure(data.lags, metrics),
            "chart-completion-lag",
            "Reference: time to resolution of (A) one company's Jira export, docs/realism.md.",
        ),
        _chart(
            workload_figure(data.workload),
            "chart-workload",
            "Tasks and subtasks currently assigned to each person, open and completed.",
        ),
        _chart(
            load_figure(data.load),
            "chart-load",
            "Everyone still in the company by the open top-level tasks assigned to them; "
            "skewed as real teams are (docs/realism.md: workload skew).",
        ),
        _chart(
            fields_figure(data.fields),
            "chart-custom-fields",
            "Values per option of every enum and multi-enum custom field.",
        ),
    ]
    title = f"Organization report: {format_value(data.workspace)} ({source.name})"
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
            f'<script type="text/javascript">/* plotly.js {plotly.__version__} (inline) */\n',
            get_plotlyjs(),
            "\n</script></head><body>",
            _header(source, data),
            "<main>",
            '<section class="wide"><h2>Realism scorecard</h2>',
            _scorecard_table(metrics),
            f'<p class="note">{in_band} of {judged} judged metrics in band; bands and sources '
            "from docs/realism.md and the generator's design.</p></section>",
            *charts,
            "</main></body></html>\n",
        ]
    )
