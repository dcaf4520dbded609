"""The live runner and `status`: batches are "advance to T" whatever the cadence, readers see
whole batches, a stop or a crash loses at most the batch in flight, and live resumes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from src.config import Config
from src.fingerprint import fingerprint_file
from src.live import Settings, advance, file_clock
from src.live.lock import lock_path
from src.live.runner import Live
from src.live.status import status
from src.pipeline import generate
from src.validate import validate
from src.worktime import DAY_MS, HOUR_MS, fmt_ms

ROOT = Path(__file__).resolve().parent.parent
FAST = ("--interval", "PT1S", "--mode", "emulated", "--batch", "5-20", "--speed", "7200")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("runner") / "base.sqlite"
    generate(Config(seed=8, scale="small", users=40, projects=8, tasks_per_project=25), path)
    return path


def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def _failed(path: Path) -> list[str]:
    return [r.rule for r in validate(path).rules if not r.passed]


def _stories_before(path: Path, clock: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT count(*) FROM stories WHERE created_at < ?", (clock,)
        ).fetchone()[0]
    finally:
        conn.close()


def test_batches_write_what_advance_writes_whatever_the_cadence(base, tmp_path):
    live_file = _copy(base, tmp_path / "live.sqlite")
    ref = _copy(base, tmp_path / "ref.sqlite")
    start = file_clock(base).clock
    # uneven batches, across day boundaries, through quiet nights and into the next window
    # of days the runner builds (days.WINDOW) and the one after
    steps = [7 * 60_000, HOUR_MS, 5 * HOUR_MS + 17, DAY_MS, 3 * HOUR_MS, 2 * DAY_MS + 5]
    steps += [6 * DAY_MS + HOUR_MS, 2 * HOUR_MS, 8 * DAY_MS]
    with Live(live_file, wall=lambda: 4e9) as live:
        t = start
        sizes = []
        for step in steps:
            t += step
            sizes.append(live.run_batch(t).size)
    assert sum(sizes) > 20
    advance(ref, until=t)
    assert fingerprint_file(live_file) == fingerprint_file(ref)
    assert _failed(live_file) == []
    runs = sqlite3.connect(live_file).execute("SELECT count(*) FROM generation_runs").fetchone()
    assert runs[0] == 2  # one row for the live session, its anchor moved by every batch


def test_a_reader_only_ever_sees_whole_batches(base, tmp_path):
    """Every snapshot holds exactly the stories before its own clock that the finished file
    holds (the world is prefix-stable): never half a batch, never a batch without its clock."""
    path = _copy(base, tmp_path / "f.sqlite")
    seen: list[tuple[str, int]] = []
    stop = threading.Event()
    live = Live(path, wall=lambda: 4e9)

    def read() -> None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        while not stop.is_set():
            conn.execute("BEGIN")
            (clock,) = conn.execute(
                "SELECT anchor FROM generation_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            (n,) = conn.execute("SELECT count(*) FROM stories").fetchone()
            conn.execute("COMMIT")
            seen.append((clock, n))
        conn.close()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        t = live.clock
        for _ in range(40):
            t += 2 * HOUR_MS
            live.run_batch(t)
            # batches are quick: let the reader (reading all along) see each one's clock
            end = time.monotonic() + 60
            while not seen or seen[-1][0] != fmt_ms(t):
                assert time.monotonic() < end and reader.is_alive()
                time.sleep(0.001)
    finally:
        stop.set()
        reader.join()
        live.close()
    clocks = {c for c, _ in seen}
    assert len(clocks) > 3, "the reader should have seen several batches"
    for clock, n in set(seen):
        assert n == _stories_before(path, clock), clock


def _live(path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "src.main", "live", str(path), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_batches(path: Path, proc: subprocess.Popen, after: str, timeout: float = 60) -> str:
    """Wait until the file's clock has moved past ``after`` twice; return the clock."""
    end = time.time() + timeout
    seen = []
    while time.time() < end:
        assert proc.poll() is None, proc.communicate()
        clock = status(path).clock
        if clock > after and (not seen or clock != seen[-1]):
            seen.append(clock)
            if len(seen) >= 2:
                return clock
        time.sleep(0.1)
    raise AssertionError("live made no progress")


def test_live_stops_on_sigint_and_resumes_where_it_stopped(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    start = status(path).clock
    proc = _live(path, *FAST, "--allow-future")
    _wait_for_batches(path, proc, start)
    st = status(path)
    assert st.attached and st.writer_pid == proc.pid and st.mode == "live"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped at" in out
    stopped = status(path)
    assert not stopped.attached and stopped.clock > start
    assert not lock_path(path).exists()
    # restart: the clock resumes from the stored one, and nothing is repeated or lost
    again = subprocess.run(
        [sys.executable, "-m", "src.main", "live", str(path), *FAST, "--allow-future"]
        + ["--batches", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert f"from {stopped.clock}" in again.stdout
    final = file_clock(path).clock
    ref = _copy(base, tmp_path / "ref.sqlite")
    advance(ref, until=final)
    assert fingerprint_file(path) == fingerprint_file(ref)
    assert _failed(path) == []


def test_kill_9_loses_at_most_the_batch_in_flight(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    proc = _live(path, *FAST, "--allow-future")
    _wait_for_batches(path, proc, status(path).clock)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert not status(path).attached  # the lock dies with its process
    assert _failed(path) == []
    clock = file_clock(path).clock
    ref = _copy(base, tmp_path / "ref.sqlite")
    advance(ref, until=clock)
    assert fingerprint_file(path) == fingerprint_file(ref)
    again = subprocess.run(
        [sys.executable, "-m", "src.main", "live", str(path), *FAST, "--allow-future"]
        + ["--batches", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert file_clock(path).clock > clock
    assert _failed(path) == []


def test_one_writer_at_a_time(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    with Live(path, wall=lambda: 4e9):
        r = subprocess.run(
            [sys.executable, "-m", "src.main", "live", str(path), "--batches", "1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 2 and "already attached" in r.stderr
        r = subprocess.run(
            [sys.executable, "-m", "src.main", "simulate", str(path), "--days", "1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 2 and "live writer is attached" in r.stderr


def test_emulated_batches_stay_inside_their_range_though_events_share_an_instant(base, tmp_path):
    # a new task and its first changes are stamped the same millisecond: a batch cut after
    # the range's last event must not take the rest of that instant's events with it (a
    # batch of 22 in a 5-20 range); it ends before that instant when enough come before it,
    # and runs over only when fewer than the range's minimum do
    path = _copy(base, tmp_path / "emulated.sqlite")
    settings = Settings(mode="emulated", interval=1, speed=86400, batch_min=2, batch_max=4)
    over = []
    with Live(path, settings, wall=lambda: 4e9) as live:
        for _ in range(60):
            goal = live.target()
            moments = _moments(live, live.clock, goal)
            batch = live.run_batch(goal)
            assert batch.size == len(moments) >= 2
            if batch.size > 4:  # events before the instant it ends on: fewer than 2
                over.append(sum(t < moments[-1] for t in moments))
    assert sum(n >= 2 for n in over) == 0, over


def _moments(live: Live, lo: int, hi: int) -> list[int]:
    """The instants of the events in [lo, hi), one per event, from the runner's days."""
    out, t = [], lo
    while t < hi:
        day = live._day_for(t)
        out += [m[0] for m in day.span(t, min(hi, day.end))]
        t = min(hi, day.end)
    return out


def test_the_clock_never_passes_the_wall_clock_unless_asked(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    start = file_clock(path).clock
    now = [(start + 3 * HOUR_MS) / 1000]  # the wall clock: 3 hours after the file's clock
    with Live(path, Settings(speed=1e6), wall=lambda: now[0]) as live:
        now[0] += 1  # a second later: a million simulated seconds are due
        assert live.target() == start + 3 * HOUR_MS + 1000
    now = [(start + 3 * HOUR_MS) / 1000]
    with Live(path, Settings(speed=1e6, allow_future=True), wall=lambda: now[0]) as live:
        now[0] += 1
        assert live.target() == start + 1_000_000_000


def test_status_json_while_idle(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    advance(path, 2)
    r = subprocess.run(
        [sys.executable, "-m", "src.main", "status", str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    import json

    data = json.loads(r.stdout)
    # the last day's counts are the file's (a quiet day of a small file may hold no story:
    # seed 8's July 1 has a status update only)
    with closing(sqlite3.connect(path)) as conn:
        stories = dict(
            conn.execute(
                """SELECT type, count(*) FROM stories
                   WHERE created_at >= '2026-07-01' AND created_at < '2026-07-02' GROUP BY type"""
            ).fetchall()
        )
    assert data["clock"] == "2026-07-02T00:00:00.000Z"
    assert data["mode"] == "simulate" and data["attached"] is False
    assert data["last_day"]["comments"] == stories.get("comment", 0)
    assert data["last_day"]["changes"] == stories.get("system", 0)
    assert sum(data["last_day"].values()) > 0


@pytest.mark.parametrize(
    "args",
    [
        ("--interval", "10s"),
        ("--interval", "PT0S"),
        ("--speed", "0"),
        ("--speed", "fast"),
        ("--level", "extreme"),
        ("--mode", "turbo"),
        ("--batch", "20-5"),
        ("--until", "next week"),
    ],
)
def test_bad_live_inputs_exit_2_with_one_line(base, tmp_path, args):
    path = _copy(base, tmp_path / "f.sqlite")
    r = subprocess.run(
        [sys.executable, "-m", "src.main", "live", str(path), *args, "--batches", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert fingerprint_file(path) == fingerprint_file(base)


def test_prepared_days_spare_the_batches_any_wait_for_the_week_builder(base, tmp_path):
    """`prepare` receives the days ahead in the idle time, the next window's too once its
    builder (started with the first window) is done: the batches then never ask a builder,
    across a day and a window boundary, and write what `advance` writes."""
    from src.live.days import WINDOW

    path = _copy(base, tmp_path / "f.sqlite")
    with Live(path, wall=lambda: 4e9) as live:
        start = live.clock
        live.run_batch(start + 1)  # the first window, and the next one set building
        first = live._builds.window_of(live.clock // DAY_MS * DAY_MS)
        following = first + WINDOW * DAY_MS
        end = time.monotonic() + 120
        while following not in live.days:  # poll: prepare never waits for a builder
            assert time.monotonic() < end, "the next window was never built"
            live.prepare(following + 1)
            time.sleep(0.05)

        def no_waiting(start: int) -> None:
            raise AssertionError(f"a batch asked the builder for the day from {start}")

        live._builds.take = no_waiting
        t = live.clock
        while t < following + 3 * HOUR_MS:
            t = min(t + 5 * HOUR_MS, following + 3 * HOUR_MS)
            live.run_batch(t)
    ref = _copy(base, tmp_path / "ref.sqlite")
    advance(ref, until=t)
    assert fingerprint_file(path) == fingerprint_file(ref)
