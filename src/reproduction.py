"""`reproduce`: regenerate a file from its run record and compare the copy with the file's own
rows, table by table.

The file is fingerprinted as it is now, not trusted through the fingerprint its record
holds, so an edited row, a dropped table or column, a value of the wrong type or a corrupt
page all show up as a difference; comparing the file's rows with its own record then tells
an edited file (its rows no longer match the record) from a program that makes other content
(the file matches its record, the copy does not).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config, Tuning
from .fingerprint import combine, readable_digests
from .inputs import column_differences, open_readonly, reading
from .live.replay import replay
from .llm import LLMSettings
from .output import check_target
from .pipeline import Progress, Summary, generate
from .runs import cached_llm, read_run, read_runs
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
        missing = self.summary.llm.missing_from_cache if self.summary.llm else 0
        if missing and not self.edited:
            return (
                f"{where}; the LLM cache lacks {missing:,} of its LLM-written texts, which the "
                "copy holds as template text (reproduce never calls the LLM)"
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


def reproduce(
    source: str | Path,
    out: str | Path,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    llm_cache: str | Path | None = LLMSettings.cache_path,
) -> Reproduction:
    """Regenerate ``source`` from its run record into ``out`` and compare the copy with
    ``source``'s rows now, table by table.

    Raises InputFileError when ``source`` cannot be read at all (before anything is written);
    a file that reads but differs is not an error: see ``Reproduction.verdict``.  The text of
    an LLM run comes from the cache at ``llm_cache`` (no call is ever made); the copy's ``llm``
    report counts the items the cache did not hold.
    """
    source = Path(source)
    run = read_run(source)  # the input first: its problem is the one to report
    # as typed: Path() would drop a trailing slash
    check_target(out, overwrite, source=source, setting="out (--out)", example="copy.sqlite")
    with closing(open_readonly(source, required=("generation_runs",))) as conn:
        digests, damage = readable_digests(source, conn)
        with reading(source):
            columns = column_differences(conn)
    runs = read_runs(source)
    if len(runs) > 1 and any(r["llm"] is not None for r in runs):
        # continued with LLM text: replay the runs that wrote it (src/live/replay.py)
        summary = replay(runs, out, overwrite, progress, llm_cache)
    else:
        summary = _regenerate(run, out, overwrite, progress, llm_cache)
    if summary.llm is not None:
        written = sum(
            int(r["llm"].get("report", {}).get("accepted", 0))
            for r in runs
            if r["llm"] is not None and r["llm"]["settings"] is not None
        )
        missing = max(0, written - summary.llm.cache_hits)
        if missing:
            summary.llm.missing_from_cache = missing
            summary.llm.messages.append(
                f"the LLM cache {llm_cache} lacks {missing:,} of the {written:,} LLM-written "
                f"items of {source}; they hold template text (reproduce never calls the LLM)"
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


def _regenerate(
    run: dict[str, Any],
    out: str | Path,
    overwrite: bool,
    progress: Progress | None,
    llm_cache: str | Path | None,
) -> Summary:
    """The file at its clock from its latest record: one generation, its LLM text from the
    cache."""
    cfg = dict(run["config"])
    cfg["db_path"] = str(out)
    tuning = Tuning.from_record(cfg.pop("continuous", None))
    # the latest run's anchor is the file's clock (moved on by `simulate` and `live`)
    clock = _clock(run["anchor"])
    llm = None
    if run["llm"] is not None and run["llm"]["settings"] is not None:
        llm = cached_llm(run["llm"]["settings"], llm_cache)
    return generate(
        Config.from_dict(cfg),
        out,
        overwrite=overwrite,
        progress=progress,
        clock=clock,
        tuning=tuning,
        llm=llm,
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
