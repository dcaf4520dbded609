"""Opening the file to export: the one place that does it, so a better opener is one change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..validate import open_readonly


def open_source(path: str | Path) -> sqlite3.Connection:
    """Open ``path`` read-only (SQLite URI mode=ro: an export never changes its input) and make
    sure it is an organization file; raises InputFileError with one line otherwise."""
    return open_readonly(Path(path))
