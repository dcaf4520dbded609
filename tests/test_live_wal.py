"""The WAL while `live` writes: batches never checkpoint (so never wait for a reader), the
checkpoint thread empties the WAL with a reader always attached, and a reader that holds an
old snapshot holds back the WAL, not the batches."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from src.config import Config
from src.errors import RunError
from src.live import file_clock
from src.live.runner import Live
from src.live.wal import Checkpointer
from src.pipeline import generate
from src.worktime import HOUR_MS

WAIT_S = 60  # a guard against a hang, not a speed check


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wal") / "base.sqlite"
    generate(Config(seed=4, scale="small", users=40, projects=8, tasks_per_project=25), path)
    return path


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _size(path: Path) -> int:
    return _wal(path).stat().st_size if _wal(path).exists() else 0


def _wait_until(cond) -> None:
    end = time.monotonic() + WAIT_S
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def _stories(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM stories").fetchone()[0]


def test_batches_never_checkpoint_themselves(base, tmp_path):
    path = tmp_path / "f.sqlite"
    shutil.copyfile(base, path)
    with Live(path, wall=lambda: 4e9) as live:
        live.run_batch(live.clock + 1)  # the first day's world
        statements: list[str] = []
        live.conn.set_trace_callback(statements.append)
        t = live.clock
        for _ in range(6):
            t += 3 * HOUR_MS
            assert live.run_batch(t).size >= 0
        live.conn.set_trace_callback(None)
    assert any(s.startswith("INSERT") for s in statements)
    assert not [s for s in statements if "checkpoint" in s or "busy_timeout" in s]


def test_a_reader_holding_a_snapshot_holds_back_the_wal_not_the_batches(base, tmp_path):
    path = tmp_path / "f.sqlite"
    shutil.copyfile(base, path)
    with Live(path, wall=lambda: 4e9) as live:
        live.run_batch(live.clock + 1)
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        reader.execute("BEGIN")
        held = _stories(reader)
        emptied = live.wal.truncations
        sizes, t = [], live.clock
        for _ in range(8):  # the working hours of a day: each batch writes stories
            t += 2 * HOUR_MS
            live.run_batch(t)
            sizes.append(_size(path))
        # the batches went on; the reader still sees its snapshot, so the WAL kept them all
        assert _stories(reader) == held
        assert sizes == sorted(sizes) and sizes[-1] > sizes[0] > 0
        assert live.wal.truncations == emptied
        reader.execute("COMMIT")  # the reader lets go: the WAL is copied and emptied
        _wait_until(lambda: live.wal.truncations > emptied and _size(path) == 0)
        reader.execute("BEGIN")
        assert _stories(reader) > held
        reader.execute("COMMIT")
        reader.close()


def test_the_wal_is_emptied_after_every_batch_with_a_reader_always_attached(base, tmp_path):
    path = tmp_path / "f.sqlite"
    shutil.copyfile(base, path)
    stop = threading.Event()
    rounds = [0]

    def read() -> None:  # one read transaction after another, as a dashboard would
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        while not stop.is_set():
            conn.execute("BEGIN")
            _stories(conn)
            conn.execute("SELECT count(*) FROM tasks WHERE completed = 0").fetchone()
            conn.execute("COMMIT")
            rounds[0] += 1
        conn.close()

    with Live(path, wall=lambda: 4e9) as live:
        live.run_batch(live.clock + 1)
        reader = threading.Thread(target=read)
        reader.start()
        try:
            t = live.clock
            for _ in range(10):
                t += 2 * HOUR_MS
                before = live.wal.truncations
                live.run_batch(t)
                # each batch's frames are copied and the WAL emptied, while the reader reads
                _wait_until(lambda b=before: live.wal.truncations > b and _size(path) == 0)
        finally:
            stop.set()
            reader.join()
        assert rounds[0] > 10


def test_a_failing_checkpoint_stops_the_batches_with_one_clear_error(base, tmp_path, monkeypatch):
    def broken(self, conn):
        raise sqlite3.DatabaseError("disk I/O error")

    monkeypatch.setattr(Checkpointer, "_step", broken)
    path = tmp_path / "f.sqlite"
    shutil.copyfile(base, path)
    with Live(path, wall=lambda: 4e9) as live:
        clock = live.run_batch(live.clock + HOUR_MS).clock  # committed, then the thread fails
        _wait_until(lambda: live.wal.error is not None)
        with pytest.raises(RunError, match="checkpointing the WAL failed: disk I/O error"):
            live.run_batch(live.clock + HOUR_MS)
        assert live.clock == clock
    assert file_clock(path).clock == clock  # nothing half-written; the file closed cleanly
