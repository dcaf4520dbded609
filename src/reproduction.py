"""`reproduce`: regenerate a file from its run record and compare the copy with the file's own
rows, table by table.

The file is fingerprinted as it is now, not trusted through the fingerprint its record
holds, so an edited row, a dropped table or column, a value of the wrong type or a corrupt
page all show up as a difference; comparing the file's rows with its own record then tells
an edited file (its rows no longer match the record) from a program that makes other content
(the file matches its record, the copy does not).
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config, Tuning
from .errors import ConfigError, InputFileError
from .fingerprint import combine, readable_digests
from .inputs import column_differences, open_readonly, reading
from .output import check_target
from .pipeline import Progress, Summary, generate
from .worktime import parse_ms


@dataclass(frozen=True)
class Reproduction:
    """The regenerated copy against the file it was made from."""

    summary: Summary  # the copy
    recorded: str  # the fingerprint in the file's generation_runs record
    source: str | None  # the fingerprint of the file's rows now; None if a table is corrupt
    source_digests: dict[str, str]  # each readable table's digest
    differing: tuple[str, ...]  # tables whose rows or columns differ from the copy
    problems: tuple[str, ...]  # one phrase per differing table, e.g. "tasks (rows differ)"
    corrupt: bool  # a table of the file could not be read

    @property
    def edited(self) -> bool:
        """The file's rows or columns no longer match its own record: changed after
        generation."""
        return self.source != self.recorded or any("schema.sql" in p for p in self.problems)

    @property
    def identical(self) -> bool:
        return not self.differing and not self.edited

    @property
    def verdict(self) -> str:
        """One sentence on the outcome, as the CLI prints it after the file's name."""
        if self.identical:
            return f"identical content: fingerprint {self.recorded}"
        if not self.differing:
            return (
                "its rows are identical to the regenerated copy, but its generation_runs "
                f"record holds another fingerprint ({self.recorded}): the record was edited"
            )
        where = (
            f"differs from its regenerated copy in {len(self.differing)} table(s): "
            f"{', '.join(self.problems)}"
        )
        if self.corrupt:
            return f"{where}; the file is corrupt (its pages cannot be read)"
        if self.edited:
            return (
                f"{where}; its rows no longer match the fingerprint in its generation_runs "
                "record, so it was edited after generation"
            )
        return (
            f"{where}; the file matches its own record, so this program now makes other "
            "content than the one that made it (different program or library versions?)"
        )


def read_run(path: str | Path) -> dict[str, Any]:
    """The latest generation_runs record of a file, with its config parsed."""
    p = Path(path)
    with closing(open_readonly(p, required=("generation_runs",))) as conn, reading(p):
        row = conn.execute(
            "SELECT seed, anchor, config_json, fingerprint, program_version "
            "FROM generation_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    if row is None:
        raise InputFileError(f"{p}: its generation_runs table is empty; nothing to reproduce")
    try:
        config = json.loads(row[2])
        Config.from_dict(config)  # parses and validates every recorded value
    except (ValueError, TypeError, AttributeError, ConfigError) as e:
        raise InputFileError(f"{p}: its generation_runs config is not usable ({e})") from e
    return {
        "seed": row[0],
        "anchor": row[1],
        "config": config,
        "fingerprint": row[3],
        "program_version": row[4],
    }


def reproduce(
    source: str | Path,
    out: str | Path,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Reproduction:
    """Regenerate ``source`` from its run record into ``out`` and compare the copy with
    ``source``'s rows now, table by table.

    Raises InputFileError when ``source`` cannot be read at all (before anything is written);
    a file that reads but differs is not an error: see ``Reproduction.verdict``.
    """
    source = Path(source)
    run = read_run(source)  # the input first: its problem is the one to report
    check_target(Path(out), overwrite, source=source, setting="out (--out)", example="copy.sqlite")
    with closing(open_readonly(source, required=("generation_runs",))) as conn:
        digests, damage = readable_digests(source, conn)
        with reading(source):
            columns = column_differences(conn)
    cfg = dict(run["config"])
    cfg["db_path"] = str(out)
    tuning = Tuning.from_record(cfg.pop("continuous", None))
    # the latest run's anchor is the file's clock (moved on by `simulate` and `live`)
    clock = _clock(run["anchor"])
    summary = generate(
        Config.from_dict(cfg),
        out,
        overwrite=overwrite,
        progress=progress,
        clock=clock,
        tuning=tuning,
    )
    problems = _differences(source, digests, damage, columns, summary.table_digests)
    return Reproduction(
        summary=summary,
        recorded=run["fingerprint"],
        source=None if damage else combine(digests),
        source_digests=digests,
        differing=tuple(problems),
        problems=tuple(f"{t} ({'; '.join(why)})" for t, why in problems.items()),
        corrupt=bool(damage),
    )


def _clock(anchor: Any) -> int | None:
    """The recorded clock as epoch ms; None (the end date's midnight) if not a timestamp."""
    try:
        return parse_ms(anchor)
    except (TypeError, ValueError):
        return None


def _differences(
    source: Path,
    digests: dict[str, str],
    damage: dict[str, str],
    columns: dict[str, list[str]],
    copy: dict[str, str],
) -> dict[str, list[str]]:
    """Per differing table (in name order), why: rows, columns, missing, extra, corrupt."""
    why: dict[str, list[str]] = {}
    for table in sorted({*digests, *damage, *copy}):
        reasons = []
        if table in damage:
            reasons.append(f"corrupt: {damage[table]}")
        elif table not in copy:
            reasons.append(f"not made by the generator, extra in {source.name}")
        elif table not in digests:
            reasons.append(f"missing from {source.name}")
        elif digests[table] != copy[table]:
            reasons.append("rows differ")
        if table in columns:
            reasons.append("columns differ from schema.sql: " + ", ".join(columns[table]))
        if reasons:
            why[table] = reasons
    return why
