"""The report's page: one self-contained HTML string (plotly.js inline, no CDN), with the
file's facts, the realism scorecard and the charts.  No wall clock and fixed div ids: the same
file gives a byte-identical page."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ..checks.scorecard import Metric
from .charts import (
    comments_figure,
    fields_figure,
    heatmap_figure,
    lag_figure,
    load_figure,
    open_work_figure,
    weekly_figure,
    workload_figure,
)
from .queries import ReportData

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

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
