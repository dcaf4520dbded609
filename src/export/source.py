"""Opening the file to export or push: the one place that does it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..inputs import open_readonly, reading

__all__ = ["open_source", "reading"]


def open_source(path: str | Path) -> sqlite3.Connection:
    """Open ``path`` read-only (SQLite URI mode=ro: an export never changes its input) and make
    sure it is an organization file; raises InputFileError with one line otherwise.  Errors
    met later while reading rows become the same kind of line through `reading(path)`."""
    return open_readonly(Path(path))
