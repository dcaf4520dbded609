"""`report`: one self-contained HTML page.  The page must carry every chart and the scorecard,
open with no network, show where the file came from, agree with plain SQL on the numbers it
draws, be written atomically, and really render in a browser (headless Chromium)."""

from __future__ import annotations

import html
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from conftest import ANCHOR, q, q1
from typer.testing import CliRunner

from src import Summary
from src.checks.localtime import prepare_local_time
from src.checks.scorecard import scorecard, scorecard_of
from src.errors import InputFileError, OutputExistsError, OutputPathError
from src.inputs import NotADatabaseError, open_readonly
from src.main import app
from src.report import (
    CHART_TITLES,
    LAG_EDGES,
    LAG_LABELS,
    ReportData,
    build_report,
    lag_position,
    load_figure,
    report_data,
)

CHART_IDS = (
    "chart-activity",
    "chart-weekly",
    "chart-open-work",
    "chart-comments",
    "chart-completion-lag",
    "chart-workload",
    "chart-load",
    "chart-custom-fields",
)
INSTALL_TIMEOUT_S = 900
RENDER_TIMEOUT_S = 120


# ---------------------------------------------------------------------------------------------
# Fixtures: one small generated file (the session's), one report of it, its aggregates


@pytest.fixture(scope="module")
def report(small_seed1: Summary, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    summary = build_report(small_seed1.path, out)
    assert summary.path == out and summary.bytes == out.stat().st_size
    return out, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(small_seed1: Summary) -> ReportData:
    with closing(open_readonly(small_seed1.path)) as conn:
        return report_data(conn)


# ---------------------------------------------------------------------------------------------
# The page


def test_every_chart_is_a_plotly_div_with_its_title(report: tuple[Path, str]) -> None:
    _, text = report
    # assert: one plotly div per chart, in page order, each drawn by Plotly.newPlot
    ids = re.findall(r'<div id="([\w-]+)" class="plotly-graph-div"', text)
    assert tuple(ids) == CHART_IDS
    assert text.count("Plotly.newPlot(") == len(CHART_IDS)
    for title in CHART_TITLES:
        assert f'"text":"{title}"' in text, title


def test_scorecard_table_lists_every_metric(small_seed1: Summary, report: tuple[Path, str]) -> None:
    _, text = report
    metrics = scorecard(small_seed1.path)
    # run: the scorecard table's rows
    table = re.search(r'<table id="scorecard">(.*?)</table>', text, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</td>", table.group(1))
    # assert: every metric, in order, with its band and source
    assert rows == [html.escape(m.name) for m in metrics]
    header = re.findall(r"<th>(.*?)</th>", table.group(1))
    assert header == ["metric", "value", "band", "in band", "source"]
    for m in metrics:
        assert html.escape(m.source) in table.group(1)


def test_page_needs_no_network(report: tuple[Path, str]) -> None:
    _, text = report
    # assert: no script is loaded from a src, and the markup (scripts' code aside: plotly.js
    # names its home page in a logo link it never shows) fetches nothing from the network
    assert re.findall(r"<script\b[^>]*>", text) and not re.search(r"<script\b[^>]*\bsrc\b", text)
    markup = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", text, flags=re.S)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", markup, re.I)
    assert not re.search(r"<link\b|@import|url\(", markup, re.I)
    # plotly.js itself is inline, once
    assert text.count("/* plotly.js ") == 1
    assert len(text) > 3_000_000


def test_header_shows_origin_and_row_counts(small_seed1: Summary, report: tuple[Path, str]) -> None:
    _, text = report
    header = text[text.index("<header>") : text.index("</header>")]
    # assert
    assert ANCHOR in header
    assert small_seed1.fingerprint in header
    assert re.search(r'class="fact-seed">1<', header)
    for table, n in small_seed1.row_counts.items():
        assert re.search(rf"<td>{table}</td><td class=\"num\">{n:,}</td>", header), table


def test_same_file_gives_the_same_page(small_seed1: Summary, tmp_path: Path) -> None:
    # run
    a = build_report(small_seed1.path, tmp_path / "a.html")
    b = build_report(small_seed1.path, tmp_path / "b.html")
    # assert: no random div ids, no wall clock
    assert a.path.read_bytes() == b.path.read_bytes()


# ---------------------------------------------------------------------------------------------
# The numbers agree with plain SQL


def test_activity_counts_every_human_event(small_seed1: Summary, data: ReportData) -> None:
    events = q1(small_seed1.path, "SELECT (SELECT count(*) FROM stories) + count(*) FROM tasks")
    assert data.events == sum(map(sum, data.heatmap)) == events
    assert len(data.heatmap) == 7 and all(len(day) == 24 for day in data.heatmap)
    # the generator keeps weekends nearly empty: Saturday and Sunday are the last rows
    assert sum(data.heatmap[5]) + sum(data.heatmap[6]) <= 0.03 * events


def test_weekly_series_cover_every_task_of_the_window(
    small_seed1: Summary, data: ReportData
) -> None:
    path = small_seed1.path
    # the charts start the week the window opens (2025-12-30, a Tuesday): the history of the
    # work in flight before it (there is some) is not charted
    first = data.weeks[0]
    assert first == "2025-12-29"
    assert q1(path, "SELECT count(*) FROM tasks WHERE created_at < ?", (first,)) > 0
    assert sum(data.created) == q1(
        path, "SELECT count(*) FROM tasks WHERE created_at >= ?", (first,)
    )
    assert sum(data.completed) == q1(
        path, "SELECT count(*) FROM tasks WHERE completed_at >= ?", (first,)
    )
    # gap-free Mondays up to the anchor's week
    assert all(q1(path, "SELECT strftime('%w', ?)", (w,)) == "1" for w in data.weeks)
    assert q1(path, "SELECT julianday(?) - julianday(?)", (data.weeks[-1], data.weeks[0])) == 7 * (
        len(data.weeks) - 1
    )
    assert data.weeks[-1] == "2026-06-29"  # the anchor, 2026-06-30, is a Tuesday


def test_open_work_matches_a_count_per_week(small_seed1: Summary, data: ReportData) -> None:
    path = small_seed1.path
    assert 1 <= len(data.open_by_project) <= 15
    name, series = data.open_by_project[0]
    (project_id,) = q(
        path,
        "SELECT project_id FROM task_memberships GROUP BY project_id "
        "ORDER BY count(*) DESC, project_id LIMIT 1",
    )[0]
    assert name.startswith(q1(path, "SELECT name FROM projects WHERE id = ?", (project_id,)))
    # assert: the running sum equals a direct count at each week's end
    for week, value in zip(data.weeks, series, strict=True):
        expected = q1(
            path,
            """SELECT count(*) FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
               WHERE tm.project_id = :p AND t.created_at < date(:w, '+7 days')
                 AND (t.completed_at IS NULL OR t.completed_at >= date(:w, '+7 days'))""",
            {"p": project_id, "w": week},
        )
        assert value == expected, week
    # at the anchor: the project's open top-level tasks
    assert series[-1] == q1(
        path,
        "SELECT count(*) FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id "
        "WHERE tm.project_id = ? AND t.completed = 0",
        (project_id,),
    )


def test_histograms_count_each_task_once(small_seed1: Summary, data: ReportData) -> None:
    path = small_seed1.path
    top_level = q1(path, "SELECT count(*) FROM tasks WHERE parent_id IS NULL")
    assert sum(data.comments) == top_level
    uncommented = q1(
        path,
        "SELECT count(*) FROM tasks t WHERE parent_id IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM stories s WHERE s.task_id = t.id AND s.type = 'comment')",
    )
    assert data.comments[0] == uncommented
    # resolved work created in the window: not closed with its project (by a cancellation,
    # or by the wrap-up in the week before the project's completion); the history before
    # the window is left out, as the scorecard's median and p90 lines leave it out
    resolved = (
        "FROM tasks t JOIN task_memberships m ON m.task_id = t.id AND m.is_primary = 1 "
        "JOIN projects p ON p.id = m.project_id WHERE t.parent_id IS NULL AND t.completed = 1 "
        "AND NOT (p.archived AND NOT p.completed) AND NOT (p.completed "
        "AND julianday(p.completed_at) - julianday(t.completed_at) BETWEEN 0 AND 7) "
        "AND t.created_at >= (SELECT date(json_extract(config_json, '$.end_date'), "
        "'-' || json_extract(config_json, '$.history_months') || ' months') "
        "|| 'T00:00:00.000Z' FROM generation_runs ORDER BY id DESC LIMIT 1)"
    )
    done = q1(path, f"SELECT count(*) {resolved}")
    wrapped = q1(path, "SELECT count(*) FROM tasks WHERE parent_id IS NULL AND completed = 1")
    assert 0 < done < wrapped  # the history and work closed with its project are left out
    assert sum(data.lags) == done and len(data.lags) == len(LAG_EDGES) == len(LAG_LABELS)
    within_a_day = q1(
        path,
        f"SELECT count(*) {resolved} AND julianday(t.completed_at) - julianday(t.created_at) < 1",
    )
    assert sum(data.lags[:3]) == within_a_day


def test_workload_and_field_mix_match_sql(small_seed1: Summary, data: ReportData) -> None:
    path = small_seed1.path
    assert 1 <= len(data.workload) <= 30
    opens = [r[1] for r in data.workload]
    assert opens == sorted(opens, reverse=True)
    assert opens[0] == q1(
        path,
        "SELECT count(*) AS n FROM tasks WHERE completed = 0 AND assignee_id IS NOT NULL "
        "GROUP BY assignee_id ORDER BY n DESC LIMIT 1",
    )
    # every enum value and every chosen multi-enum option is counted under its option
    names = {name for name, _, _ in data.fields}
    assert {"Priority", "Status"} <= names
    counted = sum(n for _, _, options in data.fields for _, _, n in options)
    expected = q1(
        path,
        "SELECT (SELECT count(*) FROM custom_field_values WHERE enum_option_id IS NOT NULL) "
        "+ (SELECT count(*) FROM custom_field_value_options)",
    )
    assert counted == expected


def test_load_histogram_counts_everyone_by_open_work(
    small_seed1: Summary, data: ReportData
) -> None:
    # run: the same histogram in SQL, one row per person still in the company
    path = small_seed1.path
    rows = q(
        path,
        """SELECT (SELECT count(*) FROM tasks t WHERE t.assignee_id = u.id AND t.completed = 0
                   AND t.parent_id IS NULL) FROM users u WHERE u.left_at IS NULL""",
    )
    # assert
    assert sum(data.load) == len(rows)
    assert sum(n * k for n, k in enumerate(data.load)) == sum(r[0] for r in rows)
    fig = load_figure(data.load)
    assert any("2 x median" in (trace.name or "") for trace in fig.data)


def test_heatmap_profile_gives_the_scorecard(small_seed1: Summary, data: ReportData) -> None:
    # the report bins events once and feeds the scorecard from that: the same metrics as
    # `validate` computes with its own pass
    with closing(open_readonly(small_seed1.path)) as conn:
        prepare_local_time(conn)
        assert scorecard_of(conn, data.activity) == scorecard(small_seed1.path)


def test_lag_positions_are_monotone_inside_their_bins() -> None:
    assert lag_position(4.0) == pytest.approx(LAG_EDGES.index(4) - 0.5)
    assert lag_position(0) == -0.5
    xs = [lag_position(d) for d in (0.01, 0.1, 0.5, 1.5, 3, 4, 10, 31.8, 100, 500, 5000)]
    assert xs == sorted(xs) and xs[-1] <= len(LAG_EDGES) - 0.5


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


def test_hand_made_file_without_run_record(small_seed1: Summary, tmp_path: Path) -> None:
    copy = tmp_path / "edited.sqlite"
    shutil.copyfile(small_seed1.path, copy)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("DROP TABLE generation_runs")
        conn.commit()
    # run
    summary = build_report(copy, tmp_path / "r.html")
    # assert
    text = summary.path.read_text(encoding="utf-8")
    assert summary.anchor is None and summary.fingerprint is None
    assert "not recorded" in text and text.count("Plotly.newPlot(") == len(CHART_IDS)


def test_existing_output_is_refused_then_replaced(small_seed1: Summary, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("keep me")
    # run / assert: refused, untouched
    with pytest.raises(OutputExistsError):
        build_report(small_seed1.path, out)
    assert out.read_text() == "keep me"
    # replaced with overwrite, and no temporary file is left beside it
    build_report(small_seed1.path, out, overwrite=True)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_bad_inputs_and_outputs_raise_typed_errors(small_seed1: Summary, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n" * 100)
    with pytest.raises(NotADatabaseError):
        build_report(text_file, tmp_path / "a.html")
    with pytest.raises(InputFileError):
        build_report(tmp_path / "missing.sqlite", tmp_path / "b.html")
    with pytest.raises(OutputPathError):
        build_report(small_seed1.path, tmp_path)  # a directory
    with pytest.raises(OutputPathError):
        build_report(small_seed1.path, small_seed1.path, overwrite=True)  # the input itself
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob(".*.tmp"))


# ---------------------------------------------------------------------------------------------
# Command line


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_writes_the_report(small_seed1: Summary, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    result = invoke("report", str(small_seed1.path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and "8 charts" in result.output


def test_cli_text_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    result = invoke("report", str(bad), "-o", str(tmp_path / "page.html"))
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "not an SQLite database" in message and "Traceback" not in message
    assert not (tmp_path / "page.html").exists()


def test_cli_existing_out_needs_force(small_seed1: Summary, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    out.write_text("old")
    # without --force: exit 2, one message, file untouched
    refused = invoke("report", str(small_seed1.path), "--out", str(out))
    assert refused.exit_code == 2, refused.output
    message = " ".join(refused.output.split())
    assert "already exists" in message and "Traceback" not in message
    assert out.read_text() == "old"
    # with --force: replaced
    forced = invoke("report", str(small_seed1.path), "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ---------------------------------------------------------------------------------------------
# Headless Chromium: the page really renders, offline


def _install_chromium() -> str:
    """Install Debian's chromium when we may (root, apt-get); return why not, or ''."""
    if getattr(os, "geteuid", lambda: -1)() != 0:
        return "not running as root"
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, env=env
            )
        except subprocess.TimeoutExpired:
            return f"{' '.join(cmd)} took longer than {INSTALL_TIMEOUT_S} s"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return f"{' '.join(cmd)} failed: {tail[0]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        reason = _install_chromium()
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(f"chromium not installable here: {reason or 'not on PATH after install'}")
    return found


def _headless(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,4000",
        "--virtual-time-budget=10000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S)


def png_scanlines(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the (filtered) scanlines of a non-interlaced PNG, with zlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, [], 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour] * depth // 8
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(idat))
    stride = 1 + width * bpp
    return width, height, [raw[i : i + stride] for i in range(0, len(raw), stride)]


def test_report_renders_in_headless_chromium(
    chromium: str, report: tuple[Path, str], tmp_path: Path
) -> None:
    page, _ = report
    png = tmp_path / "report.png"
    # run
    shot = _headless(chromium, tmp_path / "profile", f"--screenshot={png}", page.as_uri())
    # assert: a big picture with many different colours and rows, not a blank page
    assert png.is_file(), shot.stderr[-2000:]
    assert png.stat().st_size > 50_000
    width, height, rows = png_scanlines(png)
    assert (width, height) == (1400, 4000)
    assert len(set(b"".join(rows))) > 64
    # a page whose charts fail to draw has ~550 distinct scanlines (text and empty boxes); with
    # the charts drawn there are ~2,200
    assert len(set(rows)) > 1200
    # and plotly really drew into the DOM: an SVG per chart, the heatmap's image, bars, lines
    dom = _headless(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri()).stdout
    assert dom.count('class="main-svg"') >= len(CHART_IDS)
    assert dom.count('class="hm"') == 1
    assert dom.count('<g class="point">') >= 50  # histogram, workload and field-mix bars
    assert dom.count('class="js-line" d="M') >= 2 + 1  # weekly series and open work
