"""Shared fixtures: each generated database is built once per session into a temporary folder.

The files are small on purpose (the whole suite must stay well under five minutes on two
cores): "small" counts (40 users, 8 projects, 25 tasks per project) for the rule checks and
one default-scale file for the realism bands.  Every config passes an explicit end date, so no
test depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from src import INDUSTRIES, Config, Summary, generate

END_DATE = dt.date(2026, 6, 30)
ANCHOR = "2026-06-30T00:00:00.000Z"
SMALL_COUNTS = {"users": 40, "projects": 8, "tasks_per_project": 25}
DATA_INDUSTRIES = Path(__file__).resolve().parents[1] / "src" / "data" / "industries"


def small_config(seed: int = 1, **overrides: Any) -> Config:
    """A config with the small preset's counts (Config alone does not apply presets)."""
    values: dict[str, Any] = {"seed": seed, "scale": "small", "end_date": END_DATE, **SMALL_COUNTS}
    values.update(overrides)
    return Config(**values)


def q(path: str | Path, sql: str, params: tuple | dict = ()) -> list[tuple]:
    """All rows of one query against a generated file, opened read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def q1(path: str | Path, sql: str, params: tuple | dict = ()) -> Any:
    """The single value of a one-row, one-column query."""
    rows = q(path, sql, params)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def broken(valid: Path, tmp_path: Path, *statements: str) -> Path:
    """A copy of the file with the statements applied (foreign keys off); each must change a row."""
    target = tmp_path / "broken.sqlite"
    shutil.copyfile(valid, target)
    conn = sqlite3.connect(target)
    try:
        for sql in statements:
            assert conn.execute(sql).rowcount != 0, f"changed nothing: {sql}"
        conn.commit()
    finally:
        conn.close()
    return target


def industries_with_data() -> list[str]:
    """Supported industries whose vocabulary file exists (new ones are picked up as they land)."""
    stems = {p.stem.lower() for p in DATA_INDUSTRIES.glob("*.json")}
    return [name for name in INDUSTRIES if name.lower() in stems]


def declared_claims(section: str) -> set[str]:
    """The claim kinds the templates under ``section`` ("status_updates", "descriptions") of
    every data file declare (``{"text": ..., "claims": [...]}``)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.update(value.get("claims", ()))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in [DATA_INDUSTRIES.parent / "common.json", *DATA_INDUSTRIES.glob("*.json")]:
        walk(json.loads(path.read_text(encoding="utf-8")).get(section, {}))
    return found


class Databases:
    """Generates each distinct config once per session and hands back its Summary."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.cache: dict[tuple, Summary] = {}

    def get(self, config: Config) -> Summary:
        key = tuple(sorted((k, str(v)) for k, v in config.to_dict().items() if k != "db_path"))
        if key not in self.cache:
            name = f"db{len(self.cache)}_{config.industry}_{config.seed}_{config.scale}.sqlite"
            self.cache[key] = generate(config, self.folder / name)
        return self.cache[key]

    def small(self, seed: int = 1, **overrides: Any) -> Summary:
        return self.get(small_config(seed, **overrides))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    yield Databases(tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def small_seed1(databases: Databases) -> Summary:
    return databases.small(1)


@pytest.fixture(scope="session")
def small_seed2(databases: Databases) -> Summary:
    return databases.small(2)


@pytest.fixture(scope="session")
def small_global(databases: Databases) -> Summary:
    return databases.small(1, workforce="global")


@pytest.fixture(scope="session")
def default_seed42(databases: Databases) -> Summary:
    return databases.get(Config(seed=42, scale="default", end_date=END_DATE))
