"""`status` (src/live/status.py): a file's clock, how it got there, the mode and cadence of
its last live run (also after a `simulate` came after it), events by kind in the last
simulated hour and day, and the attached writer; the library call and the command, text
and --json, on real files checked with SQL."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import small_config
from typer.testing import CliRunner

from src.fingerprint import fingerprint_file
from src.live import Settings, advance
from src.live.runner import Live
from src.live.status import status
from src.main import app
from src.pipeline import generate
from src.worktime import DAY_MS, HOUR_MS, fmt_ms, parse_ms

ROOT = Path(__file__).resolve().parent.parent
EMULATED = Settings(mode="emulated", interval=2, speed=3600, batch_min=3, batch_max=9)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("status") / "base.sqlite"
    generate(small_config(4), path)
    return path


def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def _status_cli(path: Path, *args: str) -> subprocess.CompletedProcess:
    """`status` in a process of its own, as a reader beside a writer would run it."""
    return subprocess.run(
        [sys.executable, "-m", "src.main", "status", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_generated_file_has_no_live_run(base):
    st = status(base)
    assert (st.mode, st.runs, st.settings, st.last_live, st.attached) == (
        "generated",
        1,
        {},
        None,
        False,
    )
    result = CliRunner().invoke(app, ["status", str(base)])
    assert result.exit_code == 0, result.output
    assert "(generated, 1 runs)" in result.output and "last live run: none" in result.output


def test_the_last_live_run_s_mode_and_cadence_outlast_a_simulate(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    with Live(path, EMULATED, wall=lambda: 4e9, prefetch=False) as live:
        for _ in range(3):
            live.run_batch()
        # while it runs: attached, in live mode, batches not yet counted (from another process)
        running = json.loads(_status_cli(path, "--json").stdout)
        assert running["attached"] is True and running["writer_pid"] == os.getpid()
        assert running["mode"] == "live" and running["last_live"]["batches"] is None
        line = next(x for x in _status_cli(path).stdout.splitlines() if "last live run" in x)
        assert "(run 2, started " in line and line.endswith(", running)")  # soft wrap: one line
        clock = fmt_ms(live.clock)
    # the run record holds the mode and its settings
    conn = sqlite3.connect(path)
    (record,) = conn.execute("SELECT config_json FROM generation_runs WHERE id = 2").fetchone()
    conn.close()
    continuous = json.loads(record)["continuous"]
    assert continuous["live"] is True and continuous["mode"] == "emulated"
    assert (continuous["batch_min"], continuous["batch_max"], continuous["interval"]) == (3, 9, 2)

    st = status(path)
    assert st.mode == "live" and not st.attached and st.clock == clock
    live_run = {"run": 2, "clock": clock, "batches": 3, "mode": "emulated", "speed": 3600}
    assert live_run.items() <= st.last_live.items()

    advance(path, 1)  # a simulate after it: the latest run, but no live cadence of its own
    st = status(path)
    assert (st.mode, st.runs) == ("simulate", 3)
    assert live_run.items() <= st.last_live.items()
    text = CliRunner().invoke(app, ["status", str(path)]).output
    assert "(simulate, 3 runs)" in text
    assert "last live run: emulated every 2 s at x3600, batches of 3-9 events" in text
    assert "run 2" in text and "stopped after 3 batches" in text
    assert "live writer: none" in text and "tuning: level medium, steadiness unset" in text
    data = json.loads(CliRunner().invoke(app, ["status", str(path), "--json"]).output)
    assert data["last_live"] == st.last_live and data["mode"] == "simulate"


def test_events_by_kind_are_those_before_the_clock(base, tmp_path):
    """The last hour and day count what happened in [clock - span, clock): checked against
    the rows themselves, read apart from the counts' own SQL."""
    path = _copy(base, tmp_path / "f.sqlite")
    advance(path, 1.4)  # a clock inside a working day
    st = status(path)
    for _ in range(16):  # a small file may have quiet days (4 July weekend): go on to activity
        if st.last_day["comments"] and st.last_day["changes"] > st.last_hour["changes"]:
            break
        advance(path, 0.5)
        st = status(path)
    clock = parse_ms(st.clock)
    conn = sqlite3.connect(path)
    stories = conn.execute("SELECT type, created_at FROM stories").fetchall()
    tasks = conn.execute("SELECT created_at, completed_at FROM tasks").fetchall()
    conn.close()
    for span, counts in ((HOUR_MS, st.last_hour), (DAY_MS, st.last_day)):

        def inside(stamp: str | None, span: int = span) -> bool:
            return stamp is not None and clock - span <= parse_ms(stamp) < clock

        assert counts["comments"] == sum(inside(t) for k, t in stories if k == "comment")
        assert counts["changes"] == sum(inside(t) for k, t in stories if k == "system")
        assert counts["new tasks"] == sum(inside(c) for c, _ in tasks)
        assert counts["completions"] == sum(inside(d) for _, d in tasks)
    assert st.last_day["changes"] > st.last_hour["changes"] >= 0 and st.last_day["comments"] > 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "empty"), (b"not a database at all" * 100, "not an SQLite database")],
    ids=["empty", "text"],
)
def test_a_file_status_cannot_read_is_one_line_exit_2(tmp_path, content, needle):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(content)
    r = _status_cli(path, "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr
    assert path.read_bytes() == content


def test_status_never_changes_the_file(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    advance(path, 2)
    before = fingerprint_file(path), path.stat().st_mtime_ns
    assert _status_cli(path).returncode == 0
    assert (fingerprint_file(path), path.stat().st_mtime_ns) == before
