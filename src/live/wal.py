"""Keeping the WAL bounded while `live` writes, without a batch ever waiting for it.

Readers must never be blocked, so a checkpoint can only copy into the database file the frames
no reader's snapshot still needs: a reader in a transaction that began before a batch holds
that batch's frames back until it ends.  Waiting for it inside the batch (as a TRUNCATE
checkpoint with a busy timeout does) put up to that wait on every batch past the size limit.

So the copying happens in a thread of its own, on its own connection, after every commit:
PASSIVE checkpoints (they never wait and never block the writer or a reader), tried again
every POLL_S while a reader holds frames back; once every frame is in the database file, a
TRUNCATE checkpoint that does not wait (busy timeout 0) empties the WAL as soon as no reader
still reads it: it holds the write lock only for that instant, as nothing is left to copy.
When the thread cannot empty it before the next batch, the writer starts the WAL over itself
at that batch if it can (SQLite does so once everything is copied and no reader uses it), and
``journal_size_limit`` then cuts the file back.  The WAL so holds the batches committed since
the oldest snapshot a reader still reads (one batch with readers in short transactions) and
is emptied soon after it.  SQLite releases the GIL while it works, so the copying runs beside
the batches.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from ..errors import RunError

POLL_S = 0.02  # how soon to try again while a reader holds frames back (seconds)


class Checkpointer:
    """A thread that checkpoints ``path``'s WAL after each `committed` call (see above)."""

    def __init__(self, path: Path):
        self.path = path
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="live-checkpoint", daemon=True)
        self.truncations = 0  # times the WAL was emptied (for tests and the benchmark)
        self.error: BaseException | None = None  # what stopped the thread, if anything did
        self._thread.start()

    def committed(self) -> None:
        """A batch was committed: copy it into the database file."""
        self._wake.set()

    def check(self) -> None:
        """Raise `RunError` if the thread stopped on an error: the WAL would grow without
        bound."""
        if self.error is not None:
            raise RunError(f"{self.path}: checkpointing the WAL failed: {self.error}")

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as e:  # reported to the writer at its next commit
            self.error = e

    def _loop(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=0")  # never wait: try again later instead
            conn.execute("PRAGMA synchronous=NORMAL")  # as the writer's
            while True:
                self._wake.wait()
                self._wake.clear()
                while not self._stopping and not self._step(conn):
                    # a reader holds frames back: try again soon, or at once after a commit
                    if self._wake.wait(POLL_S):
                        self._wake.clear()
                if self._stopping:
                    return
        finally:
            conn.close()

    def _step(self, conn: sqlite3.Connection) -> bool:
        """One attempt; True once the WAL is empty (nothing left to do until a commit)."""
        with contextlib.suppress(sqlite3.OperationalError):  # locked for an instant: retry
            _, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if log <= 0:
                return True  # empty, or not in WAL mode
            if copied < log:
                return False
            busy, log, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                self.truncations += 1
                return True
        return False
