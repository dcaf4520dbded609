"""The worker pool that generates chunks of projects in forked processes, in project order.

Why a module of its own: what it takes for forked workers to never outlive or outrun their
parent (PR_SET_PDEATHSIG or a watchdog thread, signals held while forking, every worker killed
at once on an error or interrupt, a dead worker named in a RunError) has nothing to do with
what a chunk holds.  The job is anything with ``run(indices)``: `pipeline` hands in its
project job; the content is the same whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from .errors import RunError


class Job(Protocol):
    """A chunk's work: inherited by the forked workers (never pickled), run by index range."""

    def run(self, indices: range) -> Any: ...


_JOB: Job | None = None
CHUNK = 16  # projects per worker call
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _init_worker(parent: int) -> None:
    """Set up a forked worker: it dies with its parent and takes signals as a pool's worker
    should.

    SIGTERM gets its default action (the CLI's handler, inherited by fork, would turn it into
    an exception that a worker blocked on a full pipe never gets out of), and SIGINT is
    ignored: Ctrl-C reaches the whole process group, and the parent, which owns the clean-up,
    stops the workers itself.

    A worker allocates millions of short-lived objects that hold no cycles, so the cyclic
    collector's frequent passes are nearly all waste (about 13% of its time): inherited
    objects are frozen out of them and the passes made rare.  Only the worker's own process
    is touched.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # held while forking
    _die_with_parent(parent)
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _die_with_parent(parent: int) -> None:
    """Make the kernel send SIGKILL to this worker when its parent dies (Linux), or else
    watch the parent from a thread.  Either way a parent killed with SIGKILL (an OOM kill,
    ``kill -9``) leaves no worker running, holding the build folder and the parent's output.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux: no prctl
        armed = False
    if os.getppid() != parent:  # the parent died before the kernel was told to watch it
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _run_chunk(indices: range) -> Any:
    assert _JOB is not None
    return _JOB.run(indices)


def run_chunks(job: Job, count: int, workers: int) -> Iterator[tuple[range, Any]]:
    """Yield each chunk of ``range(count)`` with ``job.run(chunk)``, in order, computed here
    or by forked workers.

    Each project draws only from its own keyed streams, so the results are identical
    whatever the worker count; at most 2 chunks per worker are in flight, which keeps memory flat.
    On any error or interrupt (or when the consumer stops early) the workers are killed at
    once rather than left to finish their chunks; a worker that died becomes a RunError.
    """
    chunks = [range(i, min(i + CHUNK, count)) for i in range(0, count, CHUNK)]
    if workers <= 1 or len(chunks) < 2:
        for c in chunks:
            yield c, job.run(c)
        return
    global _JOB
    _JOB = job
    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),)
    )
    try:
        pending: deque = deque()
        it = iter(chunks)
        with _signals_held():  # the first submit forks every worker (fork context)
            for c in it:
                pending.append((c, pool.submit(_run_chunk, c)))
                if len(pending) >= 2 * workers:
                    break
        while pending:
            c, future = pending.popleft()
            result = future.result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(_run_chunk, nxt)))
            yield c, result
    except BrokenProcessPool as e:  # from a result or a submit: a worker is gone
        how = _how_it_died(list((pool._processes or {}).values()))  # before _stop kills more
        _stop(pool)
        raise RunError(f"a worker process died ({how}); no output was written") from e
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown()
    finally:
        _JOB = None


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM while workers are forked, and deliver them after.

    A signal that lands in fork's own hooks is swallowed ("Exception ignored"): the run
    would go on, or a worker would die before its handlers are set.  Workers inherit the
    held mask and release it in `_init_worker` once their handlers are right.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _how_it_died(processes: list) -> str:
    """How the first worker to die ended.  A broken pool sends SIGTERM to the others, so
    a worker ended by SIGTERM is named only when no other explains the break."""
    for p in processes:
        p.join(timeout=1)
    ended = [p.exitcode for p in processes if p.exitcode]
    ended.sort(key=lambda code: code == -signal.SIGTERM)
    if not ended:
        return "ended abruptly"
    if ended[0] < 0:
        return f"killed by {signal.Signals(-ended[0]).name}"
    return f"exit code {ended[0]}"


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the workers now and wait for them (a chunk in progress would take seconds)."""
    processes = list((pool._processes or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for p in processes:
        p.join(timeout=5)
