"""The live writer's sidecar lock, ``FILE.live.lock``: an advisory lock held (with the writer's
pid written in the file) for as long as a `Live` runner is attached to FILE."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".live.lock")


def writer_pid(path: Path) -> int | None:
    """The pid of the live writer holding ``path``'s lock, or None if none holds it (a lock
    file left by a killed writer holds no lock)."""
    try:
        f = open(lock_path(path))  # noqa: SIM115 - closed below
    except OSError:
        return None
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = f.read().strip()
            return int(text) if text.isdigit() else -1
        with contextlib.suppress(OSError):
            fcntl.flock(f, fcntl.LOCK_UN)
    return None
