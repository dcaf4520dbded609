"""`export`: check everything first, build the export in a temporary folder beside the
target, write `manifest.json`, and rename the folder into place only when it is complete."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..config import creation_problems
from ..errors import InputFileError, OutputExistsError, OutputPathError
from ..fingerprint import fingerprint_connection
from ..inputs import REQUIRED_TABLES, first_blob
from ..output import atomic_target
from ..pipeline import PROGRAM, NullProgress, Progress
from ..schema import column_declarations, table_names
from .registry import ExportContext, ExportOptionError, FileInfo, Format, get_format
from .source import open_source, reading, reading_rows

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: where, in which format, how many rows per file, from what."""

    out_dir: Path
    format: str
    files: dict[str, FileInfo]
    fingerprint: str

    @property
    def row_counts(self) -> dict[str, int]:
        return {k: f.rows for k, f in self.files.items()}


def program_version() -> str:
    try:
        return metadata.version(PROGRAM)
    except metadata.PackageNotFoundError:
        return "unknown"


def resolve_tables(fmt: Format, tables: Iterable[str] | None) -> tuple[str, ...]:
    """The tables (or the format's parts) asked for, in their order; all when none are named."""
    known = fmt.parts or table_names()
    if tables is None:
        return known
    asked = [t.strip() for t in tables if t.strip()]
    unknown = [t for t in asked if t not in known]
    if unknown or not asked:
        what = f"unknown table(s) {', '.join(unknown)}" if unknown else "no table named"
        raise ExportOptionError(
            f"--tables: {what} for --format {fmt.name}; accepted: {', '.join(known)}"
        )
    return tuple(t for t in known if t in asked)


def present_tables(
    conn: sqlite3.Connection, wanted: tuple[str, ...], explicit: bool, source: Path
) -> tuple[str, ...]:
    """Drop tables the file lacks (an optional one such as generation_runs); a table named
    explicitly must be there."""
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in wanted if t not in have]
    if missing and explicit:
        raise ExportOptionError(f"--tables: {source} has no table {', '.join(missing)}")
    return tuple(t for t in wanted if t in have)


def check_out_dir(out_dir: Path, overwrite: bool, source: Path) -> None:
    """Fail before any work unless ``out_dir`` can become the export folder.

    --force replaces only an earlier export (a folder with a manifest.json) or an empty
    folder, never one holding the input, so a slip such as ``--out . --force`` loses nothing.
    """
    problems = creation_problems(out_dir, "--out")  # never raises, unlike Path.exists()
    if problems:
        raise OutputPathError(problems[0])
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputPathError(f"--out: {out_dir} is a file; give a folder path")
    if source.resolve().is_relative_to(out_dir.resolve()):
        raise OutputPathError(f"--out: {out_dir} holds the input file; give another folder")
    if out_dir.exists() and not overwrite:
        raise OutputExistsError(f"{out_dir} already exists")
    if out_dir.exists() and not (out_dir / MANIFEST).is_file() and any(out_dir.iterdir()):
        raise OutputPathError(
            f"--out: {out_dir} is not an export (no {MANIFEST}) and not empty; --force "
            "replaces only an earlier export, so give a new or empty folder"
        )


def check_requirements(fmt: Format) -> None:
    if fmt.requires and importlib.util.find_spec(fmt.requires[0]) is None:
        module, extra = fmt.requires
        raise ExportOptionError(
            f"--format {fmt.name} needs {module}: install it with "
            f'`python -m pip install -e "{extra}"` (or `pip install {module}`)'
        )


@contextlib.contextmanager
def atomic_folder(target: Path, overwrite: bool):
    """Yield an empty folder to build the export in; on success it becomes ``target``.

    `output.atomic_target` does the rest as for every output: a locked hidden build folder
    beside ``target`` (a killed run's is swept by the next), a last step that never replaces
    a folder that appeared meanwhile unless ``overwrite``, a full disk said in one line.
    """
    with atomic_target(target, overwrite=overwrite) as folder:
        folder.mkdir()
        yield folder


def manifest(fmt: Format, files: dict[str, FileInfo], fingerprint: str, source: Path) -> dict:
    tables = {}
    for key, info in files.items():
        entry: dict = {"file": info.name, "rows": info.rows, **info.extra}
        if fmt.parts is None and key in table_names():
            types = fmt.column_types(key) if fmt.column_types else {}
            entry["columns"] = [
                {"name": c, "sqlite_type": t, "nullable": nullable}
                | ({"type": types[c]} if c in types else {})
                for c, t, nullable in column_declarations(key)
            ]
        tables[key] = entry
    return {
        "format": fmt.name,
        "program": PROGRAM,
        "program_version": program_version(),
        "source": {"file": source.name, "fingerprint": fingerprint},
        "tables": tables,
    }


def export(
    path: str | Path,
    fmt: str,
    out_dir: str | Path,
    tables: Iterable[str] | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ExportSummary:
    """Export the organization file ``path`` into the folder ``out_dir`` in format ``fmt``.

    Everything is checked before anything is written (format and its library, table names,
    the target folder, the input file).  The folder is built beside ``out_dir`` and renamed
    into place only when complete, so ``out_dir`` is either absent, the old export, or the new
    one.  Raises ExportOptionError, OutputExistsError, OutputPathError, InputFileError.
    """
    source, target = Path(path), Path(out_dir)
    format_ = get_format(fmt)
    wanted = resolve_tables(format_, tables)
    check_requirements(format_)
    check_out_dir(target, overwrite, source)
    conn = open_source(source)
    try:
        if format_.parts is None:
            wanted = present_tables(conn, wanted, explicit=tables is not None, source=source)
        with reading(source):
            blob = first_blob(conn, wanted if format_.parts is None else REQUIRED_TABLES)
        if blob:
            raise InputFileError(
                f"{source}: {blob}, so the file does not follow schema.sql (an export writes "
                f"text and numbers only): fix or delete that value (`validate {source}` lists "
                "every one)"
            )
        with atomic_folder(target, overwrite) as folder:
            ctx = ExportContext(conn, wanted, folder, progress or NullProgress())
            with reading_rows(source):  # a damaged page or an edited row: one InputFileError line
                try:
                    files = format_.write(ctx)
                except InputFileError as e:  # a format's line names the value, not the file
                    if str(e).startswith(str(source)):
                        raise
                    raise InputFileError(f"{source}: {e}") from e
                fingerprint = fingerprint_connection(conn, ctx.digests)
            text = json.dumps(manifest(format_, files, fingerprint, source), indent=2)
            (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")
    finally:
        conn.close()
    return ExportSummary(target, format_.name, files, fingerprint)
