"""Opening the file to export or push: the one place that does it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputFileError
from ..inputs import open_readonly, reading

__all__ = ["open_source", "reading", "reading_rows"]


def open_source(path: str | Path) -> sqlite3.Connection:
    """Open ``path`` read-only (SQLite URI mode=ro: an export never changes its input) and make
    sure it is an organization file; raises InputFileError with one line otherwise.  Errors
    met later while reading rows become the same kind of line through `reading(path)`."""
    return open_readonly(Path(path))


@contextmanager
def reading_rows(path: str | Path) -> Iterator[None]:
    """`reading(path)`, and also the two ways an edited file breaks a row-to-object build:
    a row naming an id the file does not hold (a KeyError in an id lookup) and a BLOB where
    schema.sql stores text or a number (a TypeError from the JSON encoder).  Both become one
    InputFileError line instead of a traceback; any other error is a bug and stays one."""
    with reading(path):
        try:
            yield
        except KeyError as exc:
            raise InputFileError(
                f"{path}: a row refers to {exc.args[0]!r}, which the file does not hold, so the "
                f"file does not follow schema.sql; `validate {path}` lists every broken reference"
            ) from exc
        except TypeError as exc:
            if "bytes" not in str(exc):
                raise
            raise InputFileError(
                f"{path}: a value is binary (a BLOB) where schema.sql stores text or a number, "
                f"so the file does not follow schema.sql"
            ) from exc
