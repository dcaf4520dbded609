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
from src.config import CALENDAR_LEAD, HOLIDAY_YEARS, MAX_DATE, MIN_DATE, add_months

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


# --- library calls raise the typed error with the CLI's messages ------------------------------


def test_a_datetime_end_date_is_rejected_like_any_bad_date() -> None:
    # run: a datetime is a date subclass, but it carries a time the anchor cannot have
    with pytest.raises(ConfigError) as info:
        Config(end_date=dt.datetime(2026, 6, 30, 12, 0))
    # assert: the end_date message, showing the value as written, not its repr
    (problem,) = info.value.problems
    assert problem.startswith("end_date (END_DATE): must be a date")
    assert "2026-06-30 12:00:00" in problem and "datetime.datetime(" not in problem


@pytest.mark.parametrize("value", [20260630, 2026.5, None, ["2026-06-30"], "30/06/2026"])
def test_from_dict_with_a_non_iso_date_raises_config_error(value) -> None:
    # run
    with pytest.raises(ConfigError) as info:
        Config.from_dict({"end_date": value})
    # assert
    (problem,) = info.value.problems
    assert problem.startswith("end_date (END_DATE): must be")


def test_a_plain_string_db_path_becomes_a_path() -> None:
    # run
    c = Config(db_path="out/x.sqlite", end_date=TODAY)
    # assert: normalised, so to_dict and generate see a Path
    assert c.db_path == Path("out/x.sqlite") and isinstance(c.db_path, Path)
    assert c.to_dict()["db_path"] == "out/x.sqlite"


@pytest.mark.parametrize("value", [3, None, b"x.sqlite", ""])
def test_a_db_path_that_is_not_a_path_is_rejected(value) -> None:
    # run
    with pytest.raises(ConfigError) as info:
        Config(db_path=value, end_date=TODAY)
    # assert
    (problem,) = info.value.problems
    assert problem.startswith("db_path (DB_PATH): must be a file path")


@pytest.mark.parametrize("value", [[1], {"a": 1}, 3])
def test_unhashable_or_odd_choices_are_config_errors(value) -> None:
    # run: a list for a choice must not end in "unhashable type"
    with pytest.raises(ConfigError) as info:
        Config(scale=value, industry=value, workforce=value, end_date=TODAY)
    # assert
    assert sorted(p.split(" ")[0] for p in info.value.problems) == [
        "industry",
        "scale",
        "workforce",
    ]


@pytest.mark.parametrize(
    ("key", "nearest"),
    [("user", "users"), ("seeds", "seed"), ("enddate", "end_date"), ("dbpath", "db_path")],
)
def test_a_misspelled_key_to_resolve_config_names_the_nearest(key: str, nearest: str) -> None:
    # run
    problems = problems_of({key: 5})
    # assert: the key, and the setting it probably meant
    (problem,) = problems
    assert repr(key) in problem and f"did you mean {nearest}?" in problem


def test_an_unknown_key_far_from_every_setting_lists_the_known_ones() -> None:
    # run
    (problem,) = problems_of({"colour": "blue"})
    # assert
    assert "'colour'" in problem and "seed" in problem and "did you mean" not in problem


def test_numpy_integers_are_accepted_as_seeds_and_counts() -> None:
    np = pytest.importorskip("numpy")
    # run
    c = Config(seed=np.int64(7), users=np.int32(50), history_months=np.uint8(3), end_date=TODAY)
    r = resolve({"seed": np.int64(8), "projects": np.int16(4)})
    # assert: stored as plain ints, so the record is JSON and equal to the int config
    assert (c.seed, c.users, c.history_months) == (7, 50, 3)
    assert all(type(v) is int for v in (c.seed, c.users, c.history_months, r.seed, r.projects))
    assert json.loads(json.dumps(c.to_dict()))["seed"] == 7
    assert c == Config(seed=7, users=50, history_months=3, end_date=TODAY)


@pytest.mark.parametrize("value", [True, 7.0, "7", "numpy.bool_"])
def test_bools_floats_and_strings_are_not_seeds(value) -> None:
    if value == "numpy.bool_":
        value = pytest.importorskip("numpy").bool_(True)
    # run
    with pytest.raises(ConfigError) as info:
        Config(seed=value, end_date=TODAY)
    # assert
    (problem,) = info.value.problems
    assert problem.startswith("seed (SEED): must be a whole number")


# --- dates: the years the holiday data covers ---------------------------------------------------


@pytest.mark.parametrize("text", ["3000-01-01", "2035-06-30", "1995-01-01", "0001-01-01"])
def test_end_date_outside_the_holiday_years_is_rejected_with_the_range(text: str) -> None:
    # run
    (problem,) = problems_of({"end_date": text})
    # assert: the value as written, the accepted range, and why
    assert problem.startswith("end_date (--end-date): must be a date from ")
    assert f"got {text}" in problem and "datetime.date(" not in problem
    assert f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}" in problem
    assert "holiday" in problem


def test_the_end_date_range_keeps_the_whole_history_inside_the_holiday_years() -> None:
    # setup: the widest window a run touches (see pipeline._build: calendars from CALENDAR_LEAD
    # before the start of the longest history, which holds the projects that predate it, to
    # 400 days after the anchor)
    first_year, last_year = HOLIDAY_YEARS
    longest = Config(end_date=MIN_DATE, history_months=36)
    latest = Config(end_date=MAX_DATE)
    # assert: both ends fit, and the range is as wide as the data allows
    assert (longest.start_date - CALENDAR_LEAD).year >= first_year
    assert (latest.end_date + dt.timedelta(days=400)).year <= last_year
    assert (MAX_DATE + dt.timedelta(days=401)).year > last_year
    assert (add_months(MIN_DATE, -36) - CALENDAR_LEAD - dt.timedelta(days=1)).year < first_year


def test_holiday_years_are_the_years_the_installed_holidays_package_covers() -> None:
    holidays = pytest.importorskip("holidays")
    import warnings

    from src.worktime import WORKFORCE_ZONES, ZONES

    # setup: every country any workforce uses
    countries = sorted({ZONES[z][1] for zones in WORKFORCE_ZONES.values() for z, _ in zones})
    first_year, last_year = HOLIDAY_YEARS

    def complete(year: int) -> bool:
        """Every country has holidays that year and the package does not warn about it."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            counts = [len(holidays.country_holidays(c, years=year)) for c in countries]
        return not caught and all(counts)

    # assert: covered at both ends, and not one year beyond either
    assert complete(first_year) and complete(last_year)
    assert not complete(first_year - 1) and not complete(last_year + 1)


def test_dates_in_messages_are_iso_text() -> None:
    # run
    with pytest.raises(ConfigError) as info:
        Config(end_date=dt.date(3000, 1, 1))
    # assert
    assert "got 3000-01-01" in str(info.value) and "datetime.date" not in str(info.value)


def test_non_text_environment_values_are_read_as_their_text() -> None:
    # run: a library caller's mapping may hold numbers
    c = resolve(env={"SEED": 9, "SEED_COUNT_USERS": 60, "INDUSTRY": None})
    # assert
    assert (c.seed, c.users, c.industry) == (9, 60, "Technology")


@pytest.mark.parametrize(("explicit", "env"), [(["seed", 3], None), (None, "SEED=3")])
def test_explicit_and_env_must_be_mappings(explicit, env) -> None:
    # run
    with pytest.raises(ConfigError) as info:
        resolve_config(explicit, env, TODAY)
    # assert
    (problem,) = info.value.problems
    assert "must be a mapping" in problem
