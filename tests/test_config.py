"""Config resolution: explicit values beat the environment, which beats the scale preset, which
beats the defaults; every bad value is a ConfigError, and all of one config's problems are
reported together."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import DATA_INDUSTRIES, END_DATE

from src import INDUSTRIES, SCALES, Config, ConfigError, resolve_config

TODAY = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the default db_path is relative: check it against an empty folder, not the repository
    monkeypatch.chdir(tmp_path)


def resolve(explicit: dict | None = None, env: dict | None = None) -> Config:
    return resolve_config(explicit or {}, env or {}, TODAY)


def problems_of(explicit: dict | None = None, env: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        resolve(explicit, env)
    return info.value.problems


# --- precedence ----------------------------------------------------------------------------


def test_defaults_when_nothing_is_given() -> None:
    # run
    c = resolve()
    # assert
    assert (c.seed, c.scale, c.industry, c.workforce, c.history_months) == (
        42,
        "default",
        "Technology",
        "us",
        6,
    )
    assert (c.users, c.projects, c.tasks_per_project) == SCALES["default"]
    assert c.end_date == TODAY


def test_preset_beats_defaults() -> None:
    # run
    c = resolve({"scale": "small"})
    # assert
    assert (c.users, c.projects, c.tasks_per_project) == SCALES["small"] == (40, 8, 25)


def test_env_beats_preset() -> None:
    # run
    c = resolve(
        env={
            "SCALE": "small",
            "SEED_COUNT_USERS": "61",
            "SEED": "9",
            "HISTORY_MONTHS": "3",
            "END_DATE": "2025-12-31",
            "INDUSTRY": "Finance",
            "WORKFORCE": "global",
            "DB_PATH": "out/x.sqlite",
        }
    )
    # assert: env values win, the preset fills what the env leaves out
    assert c.users == 61
    assert (c.projects, c.tasks_per_project) == SCALES["small"][1:]
    assert (c.seed, c.history_months, c.end_date, c.industry, c.workforce) == (
        9,
        3,
        dt.date(2025, 12, 31),
        "Finance",
        "global",
    )
    assert c.db_path == Path("out/x.sqlite")


def test_explicit_beats_env() -> None:
    # setup
    env = {"SCALE": "small", "SEED_COUNT_USERS": "61", "SEED": "9", "END_DATE": "2025-12-31"}
    # run
    c = resolve({"users": 77, "seed": 3, "end_date": "2026-01-15", "scale": "default"}, env)
    # assert
    assert (c.users, c.seed, c.end_date, c.scale) == (77, 3, dt.date(2026, 1, 15), "default")
    # the explicit scale's preset fills the counts neither source gave
    assert (c.projects, c.tasks_per_project) == SCALES["default"][1:]


def test_explicit_none_and_blank_env_fall_through() -> None:
    # run: None flags (not given) and empty env values do not count as set
    c = resolve({"seed": None, "users": None}, {"SEED": "  ", "SEED_COUNT_USERS": ""})
    # assert
    assert (c.seed, c.users) == (42, SCALES["default"][0])


# --- bad values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("explicit", "env", "setting"),
    [
        ({}, {"SEED_COUNT_USERS": "-3"}, "users"),
        ({}, {"SEED_COUNT_USERS": "0"}, "users"),
        ({}, {"SEED_COUNT_USERS": "abc"}, "users"),
        ({"users": -3}, {}, "users"),
        ({"users": 0}, {}, "users"),
        ({}, {"SEED_COUNT_PROJECTS": "0"}, "projects"),
        ({"projects": -1}, {}, "projects"),
        ({}, {"SEED_COUNT_PROJECTS": "many"}, "projects"),
        ({}, {"SEED_COUNT_TASKS_PER_PROJECT": "-5"}, "tasks_per_project"),
        ({"tasks_per_project": 0}, {}, "tasks_per_project"),
        ({}, {"SEED_COUNT_TASKS_PER_PROJECT": "2.5"}, "tasks_per_project"),
        ({}, {"HISTORY_MONTHS": "0"}, "history_months"),
        ({}, {"SEED": "-1"}, "seed"),
        ({}, {"SEED": "x"}, "seed"),
        ({}, {"INDUSTRY": "Aerospace"}, "industry"),
        ({"industry": "Aerospace"}, {}, "industry"),
        ({}, {"END_DATE": "2026-13-01"}, "end_date"),
        ({"end_date": "2026-02-30"}, {}, "end_date"),
        ({}, {"END_DATE": "yesterday"}, "end_date"),
        ({}, {"WORKFORCE": "mars"}, "workforce"),
        ({}, {"SCALE": "huge"}, "scale"),
        ({"scale": "huge"}, {}, "scale"),
    ],
)
def test_bad_value_raises_config_error_naming_the_setting(explicit, env, setting) -> None:
    # run
    problems = problems_of(explicit, env)
    # assert: exactly one problem, and it names the setting
    assert len(problems) == 1, problems
    assert problems[0].startswith(setting), problems


def test_out_path_that_is_a_directory(tmp_path: Path) -> None:
    # setup
    folder = tmp_path / "a_folder"
    folder.mkdir()
    # run
    problems = problems_of({"db_path": folder})
    # assert
    assert len(problems) == 1 and problems[0].startswith("db_path")
    assert "directory" in problems[0]


def test_out_path_under_a_regular_file(tmp_path: Path) -> None:
    # setup
    regular = tmp_path / "notes.txt"
    regular.write_text("not a folder")
    # run
    problems = problems_of(env={"DB_PATH": str(regular / "sub" / "x.sqlite")})
    # assert
    assert len(problems) == 1 and problems[0].startswith("db_path")
    assert "not a directory" in problems[0]


def test_all_problems_of_one_config_are_listed_at_once(tmp_path: Path) -> None:
    # setup: nine bad settings from both sources
    explicit = {"users": 0, "industry": "Aerospace", "db_path": tmp_path}
    env = {
        "SEED_COUNT_PROJECTS": "many",
        "SEED_COUNT_TASKS_PER_PROJECT": "-2",
        "END_DATE": "2026-02-30",
        "WORKFORCE": "mars",
        "SCALE": "huge",
        "SEED": "-4",
    }
    # run
    problems = problems_of(explicit, env)
    # assert: one line per bad setting
    named = sorted(p.split(" ")[0].rstrip(":") for p in problems)
    assert named == sorted(
        [
            "users",
            "industry",
            "db_path",
            "projects",
            "tasks_per_project",
            "end_date",
            "workforce",
            "scale",
            "seed",
        ]
    )


def test_config_constructor_validates_too() -> None:
    # run / assert: the library's own Config refuses bad values (and lists them all)
    with pytest.raises(ConfigError) as info:
        Config(users=2, projects=0, industry="technology", end_date=END_DATE)
    assert len(info.value.problems) == 3


# --- normalisation and round-trip ------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["technology", "TECHNOLOGY", "  Technology ", "tEcHnOlOgY"])
def test_industry_is_case_insensitive(spelling: str) -> None:
    # run
    from_flag = resolve({"industry": spelling})
    from_env = resolve(env={"INDUSTRY": spelling})
    # assert
    assert from_flag.industry == from_env.industry == "Technology"


def test_workforce_and_scale_are_case_insensitive() -> None:
    # run
    c = resolve(env={"WORKFORCE": "GLOBAL", "SCALE": "Small"})
    # assert
    assert (c.workforce, c.scale, c.users) == ("global", "small", 40)


def test_to_dict_from_dict_round_trip() -> None:
    # setup
    c = resolve(
        {
            "seed": 7,
            "scale": "small",
            "industry": "finance",
            "workforce": "global",
            "end_date": "2025-03-31",
            "db_path": "out/rt.sqlite",
        }
    )
    # run: through JSON, as generation_runs stores it
    d = json.loads(json.dumps(c.to_dict()))
    back = Config.from_dict(d)
    # assert
    assert back == c
    assert d["end_date"] == "2025-03-31" and d["db_path"] == "out/rt.sqlite"
    assert set(d) == {
        "seed",
        "scale",
        "users",
        "projects",
        "tasks_per_project",
        "history_months",
        "end_date",
        "industry",
        "workforce",
        "db_path",
    }


def test_start_date_is_history_months_before_end_date() -> None:
    # run
    c = resolve({"end_date": "2026-08-31", "history_months": 6})
    # assert: month arithmetic clamps to the month's last day
    assert c.start_date == dt.date(2026, 2, 28)


def test_every_industry_data_file_is_a_supported_industry() -> None:
    # setup: the vocabulary files present now (industries land one by one)
    stems = sorted(p.stem for p in DATA_INDUSTRIES.glob("*.json"))
    # assert: each resolves (case-insensitively) to a supported industry, so test_rules
    # picks it up; a stray file would silently go untested
    assert "technology" in stems
    supported = {name.lower() for name in INDUSTRIES}
    assert [s for s in stems if s not in supported] == []
    for stem in stems:
        assert resolve({"industry": stem}).industry.lower() == stem
