"""A file's run records (``generation_runs``): what made it and how its clock moved.

`read_run` reads the latest record (config, clock, LLM settings), which `reproduce` and
continuous mode start from; `read_runs` reads them all, in order, for `reproduce` to replay
the runs that wrote LLM text (src/live/text.py).
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import closing
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ConfigError, InputFileError
from .inputs import open_readonly, reading
from .llm import FIELDS, LLMSettings
from .llm.settings import PROVIDERS


def read_run(path: str | Path) -> dict[str, Any]:
    """The latest generation_runs record of a file, with its config parsed."""
    p = Path(path)
    with closing(open_readonly(p, required=("generation_runs",))) as conn, reading(p):
        row = conn.execute(
            "SELECT seed, anchor, config_json, fingerprint, program_version "
            "FROM generation_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        llm_row = None
        columns = {c[1] for c in conn.execute("PRAGMA table_info(generation_runs)")}
        if "llm_json" in columns:  # files made before the LLM tier have no such column
            llm_row = conn.execute(
                "SELECT llm_json FROM generation_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
    if row is None:
        raise InputFileError(f"{p}: its generation_runs table is empty; nothing to reproduce")
    try:
        config = json.loads(row[2])
        Config.from_dict(config)  # parses and validates every recorded value
    except (ValueError, TypeError, AttributeError, ConfigError) as e:
        raise InputFileError(f"{p}: its generation_runs config is not usable ({e})") from e
    return {
        "llm": _recorded_llm(p, llm_row[0] if llm_row else None),
        "seed": row[0],
        "anchor": row[1],
        "config": config,
        "fingerprint": row[3],
        "program_version": row[4],
    }


def _recorded_llm(p: Path, text: str | None) -> dict[str, Any] | None:
    """The LLM tier's record of a run (settings and figures), or None when it was off.  An
    advance that kept a file's LLM text and gave its new rows templates has no settings."""
    if not text:
        return None
    try:
        llm = json.loads(text)
        if llm.get("new_text") == "templates":
            return {**llm, "settings": None}
        recorded = llm["settings"]
        if recorded["provider"] not in PROVIDERS[1:] or not set(recorded["fields"]) <= set(FIELDS):
            raise ValueError("unknown provider or fields")
        llm["settings"] = LLMSettings(**{**recorded, "fields": tuple(recorded["fields"])})
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise InputFileError(f"{p}: its generation_runs llm record is not usable ({e})") from e
    return llm


def read_runs(path: str | Path) -> list[dict[str, Any]]:
    """Every run record of a file in order: clock (``anchor``), config and LLM record."""
    p = Path(path)
    with closing(open_readonly(p, required=("generation_runs",))) as conn, reading(p):
        columns = {c[1] for c in conn.execute("PRAGMA table_info(generation_runs)")}
        llm = "llm_json" if "llm_json" in columns else "NULL"
        rows = conn.execute(
            f"SELECT anchor, config_json, {llm} FROM generation_runs ORDER BY id"
        ).fetchall()
    out = []
    for anchor, config, text in rows:
        try:
            config = json.loads(config)
        except (ValueError, TypeError) as e:
            raise InputFileError(f"{p}: a generation_runs config is not usable ({e})") from e
        out.append({"anchor": anchor, "config": config, "llm": _recorded_llm(p, text)})
    return out


def cached_llm(settings: LLMSettings, llm_cache: str | Path | None) -> LLMSettings:
    """A run's recorded LLM settings, answering from the cache at ``llm_cache`` only
    (`reproduce` never calls the LLM)."""
    return dataclasses.replace(
        settings, cache_path=None if llm_cache is None else Path(llm_cache), cache_only=True
    )
