"""The one interface every export format implements, and the registry that finds them.

As Synthea's exporters are, formats are a registry: each module of this package that defines a
module-level ``FORMAT`` is one format, found by name, so adding a format is adding one file.
A format receives an `ExportContext` (the read-only source connection, the tables asked for, the
folder being built, a progress sink) and writes its files into that folder; `export` does the
rest (checks, atomic rename, manifest) the same way for all of them.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SeedError
from ..fingerprint import primary_key, serialize_rows
from ..pipeline import NullProgress, Progress
from ..schema import column_declarations

CHUNK_ROWS = 50_000


class ExportOptionError(SeedError):
    """A format, table list or option the export cannot take; nothing was written."""

    exit_code = 2


@dataclass(frozen=True)
class ExportContext:
    """What a format writer gets: where to read, what to write, where to put it."""

    conn: sqlite3.Connection
    tables: tuple[str, ...]
    folder: Path
    progress: Progress = field(default_factory=NullProgress)
    digests: dict[str, str] = field(default_factory=dict)

    def rows(self, table: str) -> Iterator[list[tuple]]:
        """The table's rows in primary-key order (so equal content gives equal files), in
        chunks of ``CHUNK_ROWS`` so memory stays flat however big the table is.

        When the file's columns are schema.sql's, in its order, the rows are exactly what the
        content fingerprint hashes, so the table's digest is taken on the way (`digests`) and
        the manifest's fingerprint costs no second read of the file.
        """
        names = [c for c, _, _ in column_declarations(table)]
        info = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        same = [c[1] for c in info] == names
        digest = hashlib.sha256() if same else None
        cols = ", ".join(f'"{c}"' for c in names)
        order = ", ".join(f'"{c}"' for c in primary_key(self.conn, table))
        cur = self.conn.execute(f'SELECT {cols} FROM "{table}" ORDER BY {order}')
        while chunk := cur.fetchmany(CHUNK_ROWS):
            if digest is not None:
                digest.update(serialize_rows(chunk))
            yield chunk
        if digest is not None:
            self.digests[table] = digest.hexdigest()

    def count(self, table: str) -> int:
        return self.conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]


@dataclass(frozen=True)
class FileInfo:
    """One written file: its name inside the export folder and its row (or object) count."""

    name: str
    rows: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    """One export format.

    ``write`` writes the format's files into ``ctx.folder`` and returns what it wrote, keyed by
    table (or resource type).  ``requires`` names an importable module and the pip extra that
    provides it, checked before any work so a missing library fails fast with what to install.
    ``column_types`` optionally says how the format types each column, for the manifest.
    ``parts`` are the names `--tables` chooses from when the format's files are not one per
    table (asana-json writes one per resource type); by default the tables of schema.sql.
    """

    name: str
    write: Callable[[ExportContext], dict[str, FileInfo]]
    description: str
    requires: tuple[str, str] | None = None
    column_types: Callable[[str], dict[str, str]] | None = None
    parts: tuple[str, ...] | None = None


def per_table(suffix: str, write_table: Callable[[str, Iterable[list[tuple]], Path], None]):
    """A ``write`` for formats with one file per table, ``<table>.<suffix>``.

    ``write_table(table, chunks, path)`` gets the table's rows in primary-key order, in
    chunks; counting them and advancing the progress stage (one per table) happen here.
    """

    def write(ctx: ExportContext) -> dict[str, FileInfo]:
        out = {}
        for table in ctx.tables:
            ctx.progress.stage(table, ctx.count(table))
            counted = [0]

            def chunks(table: str = table, counted: list[int] = counted) -> Iterator[list]:
                for chunk in ctx.rows(table):
                    yield chunk
                    counted[0] += len(chunk)
                    ctx.progress.advance(len(chunk))

            name = f"{table}.{suffix}"
            write_table(table, chunks(), ctx.folder / name)
            out[table] = FileInfo(name, counted[0])
        return out

    return write


@lru_cache(maxsize=1)
def formats() -> dict[str, Format]:
    """Every format of this package by name, in name order."""
    found = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__package__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if isinstance(fmt, Format):
            found[fmt.name] = fmt
    return dict(sorted(found.items()))


def get_format(name: str) -> Format:
    known = formats()
    if name not in known:
        raise ExportOptionError(f"--format: unknown format {name!r}; accepted: {', '.join(known)}")
    return known[name]
