"""Opening an input file: every command that reads a file (fingerprint, reproduce's source,
validate, stats, report) opens it here, read-only, and gets one InputFileError line for
anything that makes it unusable.

The checks run cheapest first, each with its own message: the path itself (no such file, a
folder, a name over 255 bytes, a folder on the way that cannot be searched or is a file), an
empty file, a file that is not SQLite (its first 16 bytes), a file another program holds
locked (after waiting BUSY_TIMEOUT_S), a corrupt file, and an SQLite file without this
project's tables.  Errors met later, while reading rows, go through `reading`, which words
them the same way.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import sqlite3
import stat
from collections.abc import Collection, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from .config import add_months
from .errors import InputFileError
from .schema import declared_columns, table_names

# How long a read waits for another program's write lock before giving up.
BUSY_TIMEOUT_S = 5.0
SQLITE_HEADER = b"SQLite format 3\x00"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%fZ"  # 2026-05-03T14:22:05.123Z

# The tables of schema.sql, parents first.  generation_runs is optional for the inspection
# commands: a hand-made file may lack it, and then the anchor rules are skipped.
SCHEMA_TABLES = table_names()
OPTIONAL_TABLES = frozenset({"generation_runs"})
REQUIRED_TABLES = tuple(t for t in SCHEMA_TABLES if t not in OPTIONAL_TABLES)

_OS_PROBLEMS = {
    errno.ENOENT: "no such file",
    errno.ENAMETOOLONG: "name too long (a file or folder name in it is over 255 bytes)",
    errno.EACCES: "permission denied (a folder on the way cannot be searched, or the file "
    "cannot be read)",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "not a directory: a part of the path is a file, not a folder",
    errno.ELOOP: "too many levels of symbolic links",
}


class NotADatabaseError(InputFileError):
    """The path is missing, is not SQLite, or is SQLite without this project's tables."""


def open_readonly(
    path: str | Path, *, required: Collection[str] = REQUIRED_TABLES
) -> sqlite3.Connection:
    """Open ``path`` read-only and make sure it is one of our files, or raise NotADatabaseError
    with one line naming the path and the problem.

    ``required`` are the tables it must have (reproduce needs only generation_runs).  A URI
    built with ``as_uri`` survives paths with '?' or '#'; mode=ro means a check can never
    change the file it checks.
    """
    path = Path(path)
    _check_file(path)
    uri = f"{Path(os.path.abspath(path)).as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        with reading(path):
            tables = table_names_in(conn)
        _check_tables(path, tables, required)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_file(path: Path) -> None:
    """The path names a readable, non-empty file that starts with the SQLite header."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise NotADatabaseError(f"{path}: is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise NotADatabaseError(f"{path}: not a regular file")
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise NotADatabaseError(f"{path}: {os_problem(exc)}") from exc
    if not head or head != SQLITE_HEADER:
        what = "empty (0 bytes)" if not head else "no SQLite header"
        raise NotADatabaseError(
            f"{path}: {what}, not an SQLite database; give a file made by this generator "
            "(`python -m src.main --out FILE`)"
        )
    if short := _truncation(path):
        raise NotADatabaseError(f"{path}: {short}")


def _truncation(path: Path) -> str | None:
    """Whether the file is shorter than its own header says (a copy or download cut short):
    SQLite reads such a file as 'malformed' without saying why.  The header's page count is
    trusted only when valid (its version-valid-for equals its change counter), and not while
    a write-ahead log or a rollback journal beside it may hold pages the file has not taken
    in yet or gives back."""
    size = path.stat().st_size
    if size < 100:
        return f"truncated: {size} bytes, shorter than SQLite's 100-byte header; copy it again"
    if Path(f"{path}-wal").exists() or Path(f"{path}-journal").exists():
        return None
    with path.open("rb") as f:
        header = f.read(100)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96] or not pages or size >= pages * page_size:
        return None
    return (
        f"truncated: {size:,} of {pages * page_size:,} bytes (its header counts {pages:,} "
        f"pages of {page_size:,} bytes); the copy or download was cut short: copy it again"
    )


def os_problem(exc: OSError) -> str:
    """An OS error in a few words, without the path (the caller puts it in front)."""
    if exc.errno in _OS_PROBLEMS:
        return _OS_PROBLEMS[exc.errno]
    return (exc.strerror or str(exc)).lower()


def _check_tables(path: Path, tables: set[str], required: Collection[str]) -> None:
    missing = [t for t in required if t not in tables]
    if not missing:
        return
    if not tables & set(SCHEMA_TABLES):
        found = ", ".join(sorted(tables)[:5]) or "no tables"
        raise NotADatabaseError(
            f"{path}: not an organization file: none of schema.sql's tables (it has {found}); "
            f"needs {', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}"
        )
    raise NotADatabaseError(
        f"{path}: not an organization file: missing table(s) {', '.join(missing)}"
    )


def read_error(path: str | Path, exc: sqlite3.Error) -> InputFileError:
    """One line for an sqlite3 error met while reading ``path``."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return NotADatabaseError(
            f"{path}: locked by another program writing to it (waited {BUSY_TIMEOUT_S:g} s); "
            "try again when it has finished"
        )
    if is_corruption(exc):
        return NotADatabaseError(f"{path}: corrupt: {text}")
    if is_text_error(exc) and (found := locate_bad_text(path, text)):
        return NotADatabaseError(
            f"{path}: {found}; every text must be UTF-8: fix or delete that value "
            f"(`validate {path}` lists every one)"
        )
    if "no such column" in text or "no such table" in text:
        return NotADatabaseError(
            f"{path}: does not follow schema.sql ({text}); `validate {path}` lists every difference"
        )
    return NotADatabaseError(f"{path}: cannot be read: {text}")


def is_corruption(exc: sqlite3.Error) -> bool:
    """Whether SQLite found damaged pages (not a lock, a missing column or a bad query)."""
    text = str(exc)
    return "malformed" in text or "not a database" in text or "corrupt" in text


def is_text_error(exc: sqlite3.Error) -> bool:
    """Whether Python could not take a stored text as a str (bytes that are not UTF-8): on
    fetching a row, or on handing it to a Python SQL function (which then 'raised')."""
    text = str(exc)
    return "Could not decode to UTF-8" in text or "user-defined function raised" in text


def utf8_problem(data: bytes | None) -> str | None:
    """What is wrong with a stored text's bytes (read as ``CAST(col AS BLOB)``) for Python,
    which cannot take bytes that are not UTF-8 as a str; None when they are."""
    if data is None or data.isascii():
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"holds text that is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})"
    return None


def text_problem(data: bytes | None) -> str | None:
    """`utf8_problem`, or a NUL character (SQLite's own text functions stop at it)."""
    if data is None or (data.isascii() and b"\0" not in data):
        return None
    if problem := utf8_problem(data):
        return problem
    if b"\0" in data:
        return f"holds a NUL character in its text (at offset {data.index(0)})"
    return None


def text_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns schema.sql declares TEXT that the file's ``table`` has."""
    have = set(columns_of(conn, table))
    return [c for c, decl in declared_columns(table) if decl.upper() == "TEXT" and c in have]


def row_label(conn: sqlite3.Connection, table: str, rowid: int) -> str:
    """A row as a person finds it again: ``id 12``, or its key columns for a table without
    an id (``task_id 5, user_id 9``); any value quoted as SQLite writes it."""
    info = conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()
    keys = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5] > 0] or ["rowid"]
    values = conn.execute(
        f'SELECT {", ".join(f"quote({k})" for k in keys)} FROM "{table}" WHERE rowid = ?',
        (rowid,),
    ).fetchone() or ("?",) * len(keys)
    return ", ".join(f"{k} {v}" for k, v in zip(keys, values, strict=True))


def first_bad_text(conn: sqlite3.Connection, column: str | None = None) -> str | None:
    """The first stored text that is not UTF-8, as ``tasks.name holds text that is not UTF-8
    (byte 0xff at offset 0) in row id 12``; the columns named ``column`` first (the one an
    error named).  A scan for explaining a failure, not for every read."""
    conn.create_function("utf8_problem", 1, utf8_problem, deterministic=True)
    places = [(t, c) for t in present_tables(conn) for c in text_columns(conn, t)]
    places.sort(key=lambda place: place[1] != column)
    for table, col in places:
        row = conn.execute(
            f'SELECT rowid, utf8_problem(CAST("{col}" AS BLOB)) FROM "{table}" '
            f'WHERE typeof("{col}") = \'text\' AND utf8_problem(CAST("{col}" AS BLOB)) '
            "IS NOT NULL LIMIT 1"
        ).fetchone()
        if row is not None:
            return f"{table}.{col} {row[1]} in row {row_label(conn, table, row[0])}"
    return None


def first_blob(conn: sqlite3.Connection, tables: Collection[str]) -> str | None:
    """The first binary value (a BLOB, which schema.sql never stores) among ``tables``, as
    ``tasks.name holds binary data (X'00FF', a BLOB) in row id 12, where schema.sql stores
    TEXT``; None if there is none.  One pass per table, typeof only: cheap enough to run
    before an export, which would otherwise write it out as Python's b'...' text."""
    for table in tables:
        declared = dict(declared_columns(table))
        cols = [c for c in columns_of(conn, table) if c in declared]
        if not cols:
            continue
        which = " ".join(f"WHEN typeof(\"{c}\") = 'blob' THEN '{c}'" for c in cols)
        row = conn.execute(
            f'SELECT rowid, CASE {which} END FROM "{table}" WHERE CASE {which} END NOT NULL LIMIT 1'
        ).fetchone()
        if row is not None:
            (value,) = conn.execute(
                f'SELECT hex(substr("{row[1]}", 1, 16)) FROM "{table}" WHERE rowid = ?', (row[0],)
            ).fetchone()
            return (
                f"{table}.{row[1]} holds binary data (X'{value}', a BLOB) in row "
                f"{row_label(conn, table, row[0])}, where schema.sql stores {declared[row[1]]}"
            )
    return None


def locate_bad_text(path: str | Path, message: str = "") -> str | None:
    """`first_bad_text` of the file at ``path`` on a connection of its own (the one that
    failed may be mid-query); None if it finds none or cannot look."""
    named = re.search(r"column '([^']+)'", message)
    try:
        uri = f"{Path(os.path.abspath(path)).as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)) as conn:
            conn.text_factory = lambda b: b.decode("utf-8", "backslashreplace")
            return first_bad_text(conn, named.group(1) if named else None)
    except sqlite3.Error:
        return None


@contextmanager
def reading(path: str | Path) -> Iterator[None]:
    """Turn an sqlite3 error met while reading ``path`` into its one-line InputFileError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise read_error(path, exc) from exc


def table_names_in(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def columns_of(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA main.table_info("{table}")')]


def present_tables(conn: sqlite3.Connection) -> tuple[str, ...]:
    present = table_names_in(conn)
    return tuple(t for t in SCHEMA_TABLES if t in present)


def column_differences(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Per schema table present in the file, how its columns differ from schema.sql: a
    column missing, one schema.sql does not have, or one declared with another type."""
    out: dict[str, list[str]] = {}
    for table in present_tables(conn):
        have = {row[1]: row[2] for row in conn.execute(f'PRAGMA main.table_info("{table}")')}
        want = dict(declared_columns(table))
        problems = [f"{table}.{c}: missing" for c in want if c not in have]
        problems += [f"{table}.{c}: not in schema.sql" for c in have if c not in want]
        problems += [
            f"{table}.{c}: declared {have[c] or 'without a type'}, schema.sql says {t}"
            for c, t in want.items()
            if c in have and have[c].upper() != t.upper()
        ]
        if problems:
            out[table] = problems
    return out


def value_problem(column: str) -> str | None:
    """SQL that is true when ``column`` holds a value that is not of its kind: a timestamp
    (*_at, anchor) that is not a real instant written YYYY-MM-DDTHH:MM:SS.mmmZ, a date
    (*_on, date_value) that is not a real YYYY-MM-DD; None for other columns.  NULL passes."""
    if column.endswith("_at") or column == "anchor":
        return f"strftime('{TIMESTAMP_FORMAT}', \"{column}\", '+0 seconds') IS NOT \"{column}\""
    if column.endswith("_on") or column == "date_value":
        return f'date("{column}", \'+0 days\') IS NOT "{column}"'
    return None


def first_bad_value(conn: sqlite3.Connection) -> str | None:
    """The first timestamp or date that is not one (an integer, a blob, a malformed text), as
    ``table.column holds 5 (row 12), not a timestamp``; None if there is none.  Scans: for
    explaining a failure, not for every read."""
    for table in present_tables(conn):
        for column in columns_of(conn, table):
            bad = value_problem(column)
            if bad is None:
                continue
            row = conn.execute(
                f'SELECT rowid, quote("{column}") FROM "{table}" WHERE {bad} LIMIT 1'
            ).fetchone()
            if row is not None:
                kind = "a date" if "date(" in bad else "a timestamp"
                return f"{table}.{column} holds {row[1][:40]} (row {row[0]}), not {kind}"
    return None


def load_anchor(conn: sqlite3.Connection) -> str | None:
    """The latest run's anchor, the end of the history; None for a hand-made file."""
    if "anchor" not in columns_of(conn, "generation_runs"):  # no record (or a broken one)
        return None
    row = conn.execute(
        "SELECT CASE typeof(anchor) WHEN 'text' THEN CAST(anchor AS BLOB) ELSE anchor END, "
        "typeof(anchor) = 'text' FROM generation_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    # text that is not UTF-8 is read with its bad bytes escaped: validate then names the
    # anchor (format.timestamps) instead of stopping on it
    return row[0].decode("utf-8", "backslashreplace") if row[1] else row[0]


def load_window_start(conn: sqlite3.Connection) -> str | None:
    """The first instant of the latest run's window (00:00 UTC, ``history_months`` before the
    end date), as a timestamp; None for a hand-made file or a record without those settings.

    The file also holds the history of the work in flight when the window opened (issue 9:
    a company already running), dated before it: the figures "per window" start here.
    """
    if "config_json" not in columns_of(conn, "generation_runs"):
        return None
    row = conn.execute(  # as bytes: a record that is not UTF-8 is no record (format.text)
        "SELECT CAST(config_json AS BLOB) FROM generation_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    try:
        config = json.loads(row[0])
        end = dt.date.fromisoformat(config["end_date"])
        months = int(config["history_months"])
    except (TypeError, ValueError, KeyError, IndexError):
        return None
    if not 1 <= months <= 1200 or end.year <= 100:  # not a record this program wrote
        return None
    return add_months(end, -months).isoformat() + "T00:00:00.000Z"
