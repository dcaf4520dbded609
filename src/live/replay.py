"""`reproduce` of a continued file whose text the LLM tier wrote: replay its runs.

Template text is a function of the clock alone, but LLM text depends on the file a run saw
(an item's context) and on which rows were new then.  So the copy is built as the file was:
generated at the clock of the first run that wrote LLM text (or of the run before it), then
advanced to each later LLM run's clock in two steps (templates up to the run before it, then
the run itself, its text from the cache), then to the last clock.  Runs in between that wrote
no LLM text are passed in one advance: their rows are templates, and what a file holds keeps
its text, so one step or many give the same file.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from ..config import Config
from ..fingerprint import combine, readable_digests
from ..llm import LLMReport
from ..pipeline import Progress, Summary, generate
from ..runs import cached_llm
from ..worktime import parse_ms
from .advance import advance, file_clock
from .settings import Settings


def _writes_llm(run: dict[str, Any]) -> bool:
    return run["llm"] is not None and run["llm"]["settings"] is not None


def replay(
    runs: list[dict[str, Any]],
    out: str | Path,
    overwrite: bool,
    progress: Progress | None,
    llm_cache: str | Path | None,
) -> Summary:
    """Rebuild the file of ``runs`` (its records, in order) into ``out``; returns the copy's
    summary, its LLM report adding up the runs that wrote LLM text."""
    out = Path(out)
    last = runs[-1]
    record = dict(last["config"]).get("continuous") or {}
    settings = Settings.from_record(record) if record else Settings()
    cfg = dict(runs[0]["config"])
    cfg.pop("continuous", None)
    cfg["db_path"] = str(out)
    config = Config.from_dict(cfg)
    writers = [i for i, r in enumerate(runs) if _writes_llm(r)]
    first = writers[0] if writers else len(runs) - 1
    start = first if first == 0 else first - 1
    llm = cached_llm(runs[0]["llm"]["settings"], llm_cache) if _writes_llm(runs[0]) else None
    summary = generate(
        config,
        out,
        overwrite=overwrite,
        progress=progress,
        clock=parse_ms(runs[start]["anchor"]),
        tuning=settings.tuning,
        llm=llm,
    )
    reports = [summary.llm] if summary.llm is not None else []
    for i in writers:
        if i == 0:
            continue
        _move(out, runs[i - 1], settings, progress)
        done = advance(
            out,
            until=parse_ms(runs[i]["anchor"]),
            settings=settings,
            progress=progress,
            llm=cached_llm(runs[i]["llm"]["settings"], llm_cache),
        )
        if done.llm is not None:
            reports.append(done.llm)
    _move(out, last, settings, progress)
    with closing(sqlite3.connect(out)) as conn:
        digests, _ = readable_digests(out, conn)
    return dataclasses.replace(
        summary,
        anchor=last["anchor"],
        fingerprint=combine(digests),
        table_digests=digests,
        llm=_total(reports),
    )


def _move(out: Path, run: dict[str, Any], settings: Settings, progress: Progress | None) -> None:
    """Advance the copy to ``run``'s clock with template text for new rows (if it is behind)."""
    clock = parse_ms(run["anchor"])
    if file_clock(out).clock < clock:
        advance(out, until=clock, settings=settings, progress=progress)


def _total(reports: list[LLMReport]) -> LLMReport | None:
    """One report for the copy: the first run's, with the later runs' items and hits added."""
    if not reports:
        return None
    total = reports[0]
    for r in reports[1:]:
        total.items += r.items
        total.accepted += r.accepted
        total.cache_hits += r.cache_hits
        total.fallbacks.update(r.fallbacks)
        total.messages += [m for m in r.messages if m not in total.messages]
    return total
