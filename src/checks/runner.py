"""Running validate's jobs on both cores: two threads for a small file, two processes for a
big one, with the same results in the same order either way.

A job is a function of one read-only connection.  Threads share the process: sqlite3
releases the GIL while a query runs, but the rules' Python pattern functions (a call per
comment or description) take it back on every row, so two such jobs in two threads take
turns instead of running together.  Processes each hold their own interpreter, so nothing
is serialized; starting them (a fresh interpreter importing the package, under a second)
pays only on a big file.  Measured at xl (2026-12-01): on an idle machine both ways keep
the two cores busy (62 s either way); with other programs running, processes finish 10-20%
sooner (85-86 s against 95-108 s at a load average of 3).
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from multiprocessing import connection
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..inputs import open_readonly
from .core import prepare_connection

Job = Callable[[sqlite3.Connection], Any]
WORKERS = 2
# From this size on (bytes) the jobs run in processes: a default file (7 MB) would spend
# most of its second waiting for them to start.
PROCESS_BYTES = 256 << 20


def run_jobs(
    path: str | Path,
    jobs: list[Job],
    prepare: Callable[[sqlite3.Connection], None] | None = None,
    *,
    processes: bool | None = None,
) -> list[Any]:
    """Run ``jobs`` on two workers, each with its own connection (set up by ``prepare``, after
    the anchor table every rule reads), taken in list order as a worker gets free; results in
    job order.  ``processes`` chooses processes or threads (default: processes for a file
    of at least PROCESS_BYTES); the first failing job's error is raised, the rest are not
    waited for.  Jobs and ``prepare`` must be picklable (module-level functions, partials
    of them with picklable arguments) for the process path."""
    if processes is None:
        processes = Path(path).stat().st_size >= PROCESS_BYTES
    if processes:
        try:
            return _in_processes(path, jobs, prepare)
        except WorkerDied:
            pass  # no worker process could run here: the same jobs on threads
    return _in_threads(path, jobs, prepare)


def _open(path: str | Path, prepare: Callable[[sqlite3.Connection], None] | None):
    conn = open_readonly(path)
    try:
        prepare_connection(conn)
        if prepare is not None:
            prepare(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _in_threads(
    path: str | Path, jobs: list[Job], prepare: Callable[[sqlite3.Connection], None] | None
) -> list[Any]:
    lock = threading.Lock()
    pending = iter(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)
    failed = threading.Event()  # one thread's error stops the other at its next job

    def worker() -> None:
        try:
            with closing(_open(path, prepare)) as conn:
                while not failed.is_set():
                    with lock:
                        item = next(pending, None)
                    if item is None:
                        return
                    i, job = item
                    results[i] = job(conn)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for future in [pool.submit(worker) for _ in range(WORKERS)]:
            future.result()
    return results


class WorkerDied(RuntimeError):
    """A worker process ended without answering (it could not start, or was killed)."""


def _in_processes(
    path: str | Path, jobs: list[Job], prepare: Callable[[sqlite3.Connection], None] | None
) -> list[Any]:
    """The jobs in two spawned processes, each opening the file read-only (the page cache and
    the memory map are the operating system's, shared).  A fresh interpreter copies nothing
    of the caller's threads or open connections; the caller's main module is imported again
    in it, as multiprocessing does.  Each worker gets its next job as it answers one, so
    the list order is the start order.  Leaving (done, an error, Ctrl-C) ends the workers.

    A worker that dies without answering raises WorkerDied: a script that calls `validate`
    outside ``if __name__ == "__main__":`` cannot start one (its import would start more)."""
    context = multiprocessing.get_context("spawn")
    workers: dict[Connection, Any] = {}  # our end of each worker's pipe: its process
    pending = iter(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)
    try:
        for _ in range(min(WORKERS, len(jobs))):
            ours, theirs = context.Pipe()
            worker = context.Process(target=_work, args=(theirs, str(path), prepare), daemon=True)
            workers[ours] = worker
            worker.start()
            theirs.close()
        for pipe in workers:
            _send(pipe, next(pending))
        busy = dict(workers)
        while busy:
            for ready in connection.wait([*busy, *(w.sentinel for w in busy.values())]):
                pipe = next((p for p, w in busy.items() if ready in (p, w.sentinel)), None)
                if pipe is None or (ready is not pipe and pipe.poll()):
                    continue  # done with, or it answered before it ended: read that first
                if ready is not pipe:
                    raise WorkerDied("a validate worker process ended without answering")
                i, ok, value = _receive(pipe)
                if not ok:
                    raise value
                results[i] = value
                item = next(pending, None)
                _send(pipe, item)
                if item is None:
                    del busy[pipe]
    except BaseException:
        for worker in workers.values():
            if worker.pid is not None:
                worker.kill()
        raise
    finally:
        for pipe, worker in workers.items():
            if worker.pid is not None:  # started
                worker.join()
            pipe.close()
    return results


def _send(pipe: Connection, item: tuple[int, Job] | None) -> None:
    try:
        pipe.send(item)
    except OSError as exc:  # the worker has ended (its end of the pipe is closed)
        raise WorkerDied(f"a validate worker process ended: {exc}") from exc


def _receive(pipe: Connection) -> tuple[int, bool, Any]:
    try:
        return pipe.recv()
    except (OSError, EOFError) as exc:
        raise WorkerDied(f"a validate worker process ended: {exc}") from exc


def _work(pipe: Connection, path: str, prepare: Callable[[sqlite3.Connection], None] | None):
    """A worker process: open the file, then answer ``(i, job)`` items with ``(i, ok, result
    or error)`` until a None, or until the caller is gone (its end of the pipe closed: no
    one to answer).  Ctrl-C is the caller's (it ends the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = None
    try:
        while (item := pipe.recv()) is not None:
            i, job = item
            try:
                if conn is None:
                    conn = _open(path, prepare)
                pipe.send((i, True, job(conn)))
            except Exception as exc:  # noqa: BLE001 - the caller raises it
                pipe.send((i, False, _picklable(exc)))
    except (EOFError, OSError):
        return
    finally:
        if conn is not None:
            conn.close()


def _picklable(exc: Exception) -> Exception:
    """``exc`` if it survives the pipe, else a RuntimeError with its text."""
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001 - any failure to pickle
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
