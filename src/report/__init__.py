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

The package, by family: `queries` (the aggregates), `charts` (the plotly figures), `page`
(the HTML); here the one entry, `build_report`, which writes the page atomically.
"""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ..checks.scorecard import scorecard_of
from ..inputs import NotADatabaseError, first_bad_value, open_readonly, reading
from ..output import atomic_target, check_target
from .charts import CHART_TITLES, LAG_LABELS, lag_position, load_figure
from .page import format_value, render_html
from .queries import LAG_EDGES, ReportData, report_data

__all__ = [
    "CHART_TITLES",
    "LAG_EDGES",
    "LAG_LABELS",
    "ReportData",
    "ReportSummary",
    "build_report",
    "format_value",
    "lag_position",
    "load_figure",
    "render_html",
    "report_data",
]


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
