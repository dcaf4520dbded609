"""The report's charts: one plotly figure per chart, drawn from the aggregates of `queries`,
with the reference figures of docs/realism.md as lines to compare against."""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..checks.scorecard import Metric
from .queries import COMMENT_CAP, LAG_EDGES, TOP_PEOPLE, TOP_PROJECTS

TEMPLATE = "plotly_white"

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
    "Days from creation to completion (top-level work of the window, resolved)",
    f"Workload per person (top {TOP_PEOPLE} assignees by open tasks)",
    "Custom field values: the mix of enum options",
    "Open work per person: how unevenly the load is spread",
)


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
