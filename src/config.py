"""The one frozen, typed configuration, and its resolution from flags, environment and defaults.

Precedence: explicit values (CLI flags) > environment (the CLI merges `.env` into it) > scale
preset > defaults.  The library never reads the environment itself: callers pass a mapping.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import numbers
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

INDUSTRIES = (
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Travel",
    "Technology",
    "Retail",
    "Education",
    "Government",
    "Energy",
    "Media",
)
WORKFORCES = ("us", "global")

# (users, projects, tasks per project).  large is about 100k tasks, xl about 1M (with subtasks).
SCALES: dict[str, tuple[int, int, int]] = {
    "small": (40, 8, 25),
    "default": (150, 30, 60),
    "large": (2_000, 600, 130),
    "xl": (12_000, 6_000, 130),
}

DEFAULT_DB_PATH = Path("output") / "asana_simulation.sqlite"

# Holidays decide when nobody works, so the whole window a run draws calendars for must lie in
# the years the pinned `holidays` package covers for every country a workforce uses (India's
# Hindu holidays stop at 2001-2035 in holidays 0.109, the other countries reach further; a test
# checks these years against the installed package).  The calendars run from CALENDAR_LEAD
# before the start of the history to CALENDAR_TAIL after the anchor (see pipeline._build).
HOLIDAY_YEARS = (2001, 2035)
# The window opens on a company already running (issue 9): projects that were under way when
# it opened started up to PRE_WINDOW_DAYS before it, with their history.  Longer than the
# longest time-boxed project (150 days and two weeks' wrap-up), so the work in flight is in
# its steady state when the window opens.
PRE_WINDOW_DAYS = 200
CALENDAR_LEAD = dt.timedelta(days=60 + PRE_WINDOW_DAYS)
CALENDAR_TAIL = dt.timedelta(days=400)
MAX_HISTORY_MONTHS = 36
# Continuous mode: every life is drawn to this many days after the end date, and the clock
# (the anchor of a file advanced by `simulate` or `live`) may move up to it.
HORIZON_DAYS = 365
# Continuous mode's activity level: new work after the end date (new tasks, so their comments
# and changes, and new projects) at this multiple of the history's own rate.
ACTIVITY_LEVELS = {"low": 0.5, "medium": 1.0, "high": 1.8}
# continuous mode's settings (src/live/settings.py) and their environment keys, LIVE_LEVEL ...
LIVE_FIELDS = (
    "level",
    "steadiness",
    "mode",
    "interval",
    "speed",
    "batch_min",
    "batch_max",
    "allow_future",
)
LIVE_PREFIX = "LIVE_"
LIVE_ENV_KEYS = tuple(LIVE_PREFIX + f.upper() for f in LIVE_FIELDS)


@dataclass(frozen=True)
class Tuning:
    """Continuous mode's world settings: new work after the end date comes at ``rate`` times
    the history's rate, and follows the hour-of-day profile of ``steadiness`` (0: peaks at
    9, 13 and 16 h; 1: even; None: the history's own profile)."""

    rate: float = 1.0
    steadiness: float | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Tuning:
        """The tuning a run record's continuous settings ask for (none: the defaults)."""
        record = record or {}
        steadiness = record.get("steadiness")
        return cls(
            ACTIVITY_LEVELS.get(record.get("level", "medium"), 1.0),
            None if steadiness is None else float(steadiness),
        )


NO_TUNING = Tuning()


# setting name -> environment key, for messages and for resolve_config
ENV_KEYS = {
    "db_path": "DB_PATH",
    "seed": "SEED",
    "users": "SEED_COUNT_USERS",
    "projects": "SEED_COUNT_PROJECTS",
    "tasks_per_project": "SEED_COUNT_TASKS_PER_PROJECT",
    "history_months": "HISTORY_MONTHS",
    "end_date": "END_DATE",
    "industry": "INDUSTRY",
    "workforce": "WORKFORCE",
    "scale": "SCALE",
}
# setting name -> command-line flag: messages name the source a value came from
FLAGS = {
    "db_path": "--out",
    "seed": "--seed",
    "users": "--users",
    "projects": "--projects",
    "tasks_per_project": "--tasks-per-project",
    "history_months": "--months",
    "end_date": "--end-date",
    "industry": "--industry",
    "workforce": "--workforce",
    "scale": "--scale",
}
# whole-number settings and their accepted ranges
WHOLE_NUMBERS: dict[str, tuple[int, int]] = {
    "seed": (0, 2**63 - 1),
    "users": (5, 1_000_000),
    "projects": (1, 999_999),
    "tasks_per_project": (1, 20_000),
    "history_months": (1, MAX_HISTORY_MONTHS),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic that clamps to the month's last day (Aug 31 - 6 = Feb 28)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for d in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# the anchors whose whole calendar window (even for the longest history) has holiday data
MIN_DATE = add_months(dt.date(HOLIDAY_YEARS[0], 1, 1) + CALENDAR_LEAD, MAX_HISTORY_MONTHS)
MAX_DATE = dt.date(HOLIDAY_YEARS[1], 12, 31) - CALENDAR_TAIL


@dataclass(frozen=True)
class Config:
    """Everything that decides the content of a generated file (plus where to write it).

    Numpy integers become ints and a string ``db_path`` a Path; anything else that is not what a
    field accepts raises ConfigError listing every problem, with the CLI's messages.
    """

    seed: int = 42
    scale: str = "default"
    users: int = SCALES["default"][0]
    projects: int = SCALES["default"][1]
    tasks_per_project: int = SCALES["default"][2]
    history_months: int = 6
    end_date: dt.date = dt.date(2026, 6, 30)
    industry: str = "Technology"
    workforce: str = "us"
    db_path: Path = DEFAULT_DB_PATH

    def __post_init__(self) -> None:
        values = _normalised({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        problems = _problems(values, ENV_KEYS)
        if problems:
            raise ConfigError(problems)
        for name, value in values.items():
            object.__setattr__(self, name, value)  # frozen: set once, before anyone sees it

    @property
    def start_date(self) -> dt.date:
        """First day of the history window: ``history_months`` before the anchor date."""
        return add_months(self.end_date, -self.history_months)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, canonical: recorded in generation_runs and used by ``reproduce``."""
        d = dataclasses.asdict(self)
        d["end_date"] = self.end_date.isoformat()
        d["db_path"] = str(self.db_path)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Config:
        """The config ``to_dict`` wrote (keys it does not know, from other versions, are left
        out); a value that is not valid raises ConfigError."""
        if not isinstance(d, Mapping):
            raise ConfigError([f"config: must be a mapping of settings, got {_show(d)}"])
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        if isinstance(kwargs.get("end_date"), str):
            problems: list[str] = []
            kwargs["end_date"] = _parse_date(kwargs["end_date"], _label("end_date"), problems)
            if problems:
                raise ConfigError(problems)
        return cls(**kwargs)


def validate_config(c: Config) -> list[str]:
    """Every problem with a config, as one line each naming the setting and what it accepts."""
    return _problems({f.name: getattr(c, f.name) for f in dataclasses.fields(c)}, ENV_KEYS)


def _label(name: str, sources: Mapping[str, str] = ENV_KEYS) -> str:
    """How a message names a setting: its name and where the value came from."""
    return f"{name} ({sources.get(name, ENV_KEYS[name])})"


def _show(value: Any) -> str:
    """A value as a user wrote it: dates as ISO text, paths and text quoted, numbers plain."""
    if isinstance(value, dt.date):
        return str(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, Path):
        return repr(str(value))
    return repr(value)


def _is_whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    """Numpy (or other Integral) whole numbers as int, a non-empty text path as a Path."""
    out = dict(values)
    for name in WHOLE_NUMBERS:
        if _is_whole(out.get(name)):
            out[name] = int(out[name])
    path = out.get("db_path")
    if isinstance(path, os.PathLike) and not isinstance(path, Path):
        path = os.fspath(path)
    if isinstance(path, str) and path:
        out["db_path"] = Path(path)
    return out


def _problems(values: Mapping[str, Any], sources: Mapping[str, str]) -> list[str]:
    """Every problem with a full set of setting values; ``sources`` names where each came from."""
    problems: list[str] = []

    def choice(name: str, choices: tuple[str, ...] | dict[str, Any]) -> None:
        v = values[name]
        if not isinstance(v, str) or v not in choices:
            problems.append(
                f"{_label(name, sources)}: must be one of {', '.join(choices)}, got {_show(v)}"
            )

    choice("scale", SCALES)
    for name, (low, high) in WHOLE_NUMBERS.items():
        v = values[name]
        if not _is_whole(v) or not low <= v <= high:
            top = "2^63-1" if name == "seed" else f"{high:,}"
            problems.append(
                f"{_label(name, sources)}: must be a whole number from {low} to {top}, "
                f"got {_show(v)}"
            )
    end = values["end_date"]
    if type(end) is not dt.date or not MIN_DATE <= end <= MAX_DATE:  # a datetime is no date
        problems.append(
            f"{_label('end_date', sources)}: must be a date from {MIN_DATE} to {MAX_DATE} (the "
            f"holiday data covers {HOLIDAY_YEARS[0]}-{HOLIDAY_YEARS[1]}, which must hold the "
            f"history and {CALENDAR_TAIL.days} days after it), got {_show(end)}"
        )
    choice("industry", INDUSTRIES)
    choice("workforce", WORKFORCES)
    if not isinstance(values["db_path"], Path):
        problems.append(
            f"{_label('db_path', sources)}: must be a file path, got {_show(values['db_path'])}"
        )
    return problems


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice nearest to a misspelled word, if one is near enough (for "did you mean")."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


# keys a .env may hold that no setting reads (see .env.example)
OTHER_ENV_KEYS = ("GROQ_API_KEY",)


def env_key_meant(key: str) -> str | None:
    """The environment key that an unknown one probably meant (SEED_COUNT_USER, seed and
    USERS all mean a key of ours), or None: for one of ours, and for a key unlike every one of
    ours, since a .env often holds other tools' keys too (DATABASE_URL, NODE_ENV)."""
    known = [*ENV_KEYS.values(), *OTHER_ENV_KEYS, *LIVE_ENV_KEYS]
    if key in known:
        return None
    if key.upper() == LIVE_PREFIX + "BATCH":  # --batch's MIN-MAX is two keys in the environment
        return f"{LIVE_PREFIX}BATCH_MIN and {LIVE_PREFIX}BATCH_MAX"
    # a setting's name (users) stands for its key too; case is compared, not ignored
    aliases = {k: k for k in known} | {name.upper(): k for name, k in ENV_KEYS.items()}
    near = closest(key.upper(), aliases, cutoff=0.8)
    return aliases[near] if near else None


def path_problems(
    path: str | Path, setting: str = "db_path (DB_PATH)", example: str = "x.sqlite"
) -> list[str]:
    """Why an output path cannot be written, if it cannot (checked where a file is written,
    not when a Config is built, so a Config stays a pure description).

    ``setting`` names the option the path came from (``db_path (--out)``, ``out_path (--out)``)
    and ``example`` is a file name fitting that output, for the "give a file path" hint.
    ``path`` may be the string a user typed: a trailing slash names a folder (``Path`` would
    drop it and write a file of that name).  No check raises: a name too long, a folder that
    cannot be searched or a file in the middle of the path each become one line.
    """
    text = os.fspath(path) if isinstance(path, str | os.PathLike) else None
    if not isinstance(text, str) or not text:
        return [f"{setting}: must be a file path, got {path!r}"]
    if text.endswith(("/", os.sep)):
        return [
            f"{setting}: {text} ends with a slash, so it names a folder; give a file "
            "path, without the trailing slash"
        ]
    path = Path(text)
    too_long = _name_too_long(path)
    if too_long:
        return [f"{setting}: {too_long}"]
    try:
        if stat.S_ISDIR(os.stat(path).st_mode):
            return [f"{setting}: {path} is a directory; give a file path such as {path}/{example}"]
    except (FileNotFoundError, NotADirectoryError):
        pass  # a new file; its folders are checked below
    except OSError as e:
        return [f"{setting}: cannot use {path}: {e.strerror}"]
    return creation_problems(path, setting)


def creation_problems(path: Path, setting: str) -> list[str]:
    """Why ``path`` (a file or a folder) cannot be created, if it cannot: a name too long, a
    folder on the way that is a file or cannot be searched, a folder that cannot be written.
    Never raises: each is one line naming ``setting``."""
    too_long = _name_too_long(path)
    if too_long:
        return [f"{setting}: {too_long}"]
    parent = path.parent
    while True:
        try:
            mode = os.stat(parent).st_mode
            break
        except (FileNotFoundError, NotADirectoryError):
            if parent == parent.parent:
                return [f"{setting}: cannot create {path}: no folder of it exists"]
            parent = parent.parent
        except OSError as e:
            return [f"{setting}: cannot reach {parent} to create {path}: {e.strerror}"]
    if not stat.S_ISDIR(mode):
        return [f"{setting}: cannot create {path}: {parent} is not a directory"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"{setting}: cannot write in {parent} (permission denied)"]
    return []


NAME_MAX = 255  # bytes in one file or folder name on Linux, macOS and Windows file systems


def _name_too_long(path: Path) -> str | None:
    """Which part of ``path`` is longer than a file system allows, said plainly, or None."""
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            shown = part if len(part) <= 40 else part[:20] + "…" + part[-12:]
            return (
                f"the name {shown!r} is {size} bytes; a file or folder name is limited to "
                f"{NAME_MAX} bytes"
            )
    return None


def resolve_config(
    explicit: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> Config:
    """Build the config from explicit values (flags), then environment strings, then defaults.

    Explicit values may be text, as typed on a command line, or values of the field's type.
    ``today`` is the default anchor date (the CLI passes today's UTC date, resolved once).  Every
    invalid value and every unknown key, from any source, is reported together in one
    ConfigError, each naming the flag or environment key it came from.
    """
    for argument, mapping in (("explicit", explicit), ("env", env)):
        if mapping is not None and not isinstance(mapping, Mapping):
            raise ConfigError([f"{argument}: must be a mapping of settings, got {_show(mapping)}"])
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    env = env or {}
    problems = [_unknown_setting(k) for k in sorted(set(explicit) - set(ENV_KEYS), key=str)]
    sources: dict[str, str] = {}
    raw: dict[str, Any] = {}
    for name, key in ENV_KEYS.items():
        text = "" if env.get(key) is None else str(env[key]).strip()
        if name in explicit:
            sources[name] = FLAGS[name]
            raw[name] = explicit[name]
        elif text:
            sources[name] = key
            raw[name] = text
    for name, value in list(raw.items()):
        if isinstance(value, str):
            raw[name] = _parse_text(name, value, _label(name, sources), problems)
    raw = {k: v for k, v in raw.items() if v is not _INVALID}  # reported; defaults stand in

    preset = SCALES.get(raw.get("scale", "default"), SCALES["default"])
    for name, value in zip(("users", "projects", "tasks_per_project"), preset, strict=True):
        raw.setdefault(name, value)
    raw.setdefault("end_date", today or dt.datetime.now(dt.UTC).date())
    for field in dataclasses.fields(Config):
        raw.setdefault(field.name, field.default)
    given_path = raw["db_path"]  # as typed: Path() would drop a trailing slash
    values = _normalised(raw)
    problems.extend(_problems(values, sources))
    if isinstance(values["db_path"], Path):
        problems.extend(path_problems(given_path, _label("db_path", sources)))
    if problems:
        raise ConfigError(problems)
    return Config(**values)


_INVALID = object()


def _unknown_setting(key: Any) -> str:
    near = closest(str(key), ENV_KEYS)
    hint = f"did you mean {near}?" if near else f"the settings are {', '.join(ENV_KEYS)}"
    return f"{_show(key)}: not a setting; {hint}"


def _parse_text(name: str, text: str, label: str, problems: list[str]) -> Any:
    """A setting's value from text (a flag or an environment variable); _INVALID if it is not
    one, with the problem added."""
    if name in WHOLE_NUMBERS:
        try:
            return int(text.strip())
        except ValueError:
            problems.append(f"{label}: must be a whole number, got {text!r}")
            return _INVALID
    if name == "end_date":
        return _parse_date(text, label, problems)
    if name == "industry":
        return _canonical(text, INDUSTRIES)
    if name in ("scale", "workforce"):
        return text.strip().lower()
    return text


def _parse_date(text: str, label: str, problems: list[str]) -> Any:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"{label}: must be a real date written YYYY-MM-DD, got {text!r}")
        return _INVALID


def _canonical(value: str, choices: tuple[str, ...]) -> str:
    for c in choices:
        if c.lower() == value.strip().lower():
            return c
    return value
