"""The one frozen, typed configuration, and its resolution from flags, environment and defaults.

Precedence: explicit values (CLI flags) > environment (the CLI merges `.env` into it) > scale
preset > defaults.  The library never reads the environment itself: callers pass a mapping.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
from collections.abc import Mapping
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
MIN_DATE = dt.date(1990, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)

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


@dataclass(frozen=True)
class Config:
    """Everything that decides the content of a generated file (plus where to write it)."""

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
        problems = validate_config(self)
        if problems:
            raise ConfigError(problems)

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
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        if "end_date" in kwargs:
            kwargs["end_date"] = dt.date.fromisoformat(kwargs["end_date"])
        if "db_path" in kwargs:
            kwargs["db_path"] = Path(kwargs["db_path"])
        return cls(**kwargs)


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


def validate_config(c: Config) -> list[str]:
    """Every problem with a config, as one line each naming the setting and what it accepts."""
    problems: list[str] = []
    if c.scale not in SCALES:
        problems.append(f"scale: must be one of {', '.join(SCALES)}, got {c.scale!r}")
    if not isinstance(c.seed, int) or isinstance(c.seed, bool) or not 0 <= c.seed < 2**63:
        problems.append(f"seed (SEED): must be a whole number from 0 to 2^63-1, got {c.seed!r}")
    for name, low, high in (
        ("users", 5, 1_000_000),
        ("projects", 1, 999_999),
        ("tasks_per_project", 1, 20_000),
        ("history_months", 1, 36),
    ):
        v = getattr(c, name)
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            problems.append(
                f"{name} ({ENV_KEYS[name]}): must be a whole number from {low} to {high:,}, "
                f"got {v!r}"
            )
    if not isinstance(c.end_date, dt.date) or not MIN_DATE <= c.end_date <= MAX_DATE:
        problems.append(
            f"end_date (END_DATE): must be a date from {MIN_DATE} to {MAX_DATE}, got {c.end_date!r}"
        )
    if c.industry not in INDUSTRIES:
        problems.append(
            f"industry (INDUSTRY): must be one of {', '.join(INDUSTRIES)}, got {c.industry!r}"
        )
    if c.workforce not in WORKFORCES:
        problems.append(f"workforce (WORKFORCE): must be us or global, got {c.workforce!r}")
    return problems


def path_problems(path: str | Path) -> list[str]:
    """Why an output path cannot be written, if it cannot (checked where a file is written,
    not when a Config is built, so a Config stays a pure description).

    ``path`` may be the string a user typed: a trailing slash names a folder (``Path`` would
    drop it and write a file of that name).  No check raises: a name too long, a folder that
    cannot be searched or a file in the middle of the path each become one line.
    """
    text = os.fspath(path) if isinstance(path, str | os.PathLike) else None
    if not isinstance(text, str) or not text:
        return [f"db_path (DB_PATH): must be a file path, got {path!r}"]
    if text.endswith(("/", os.sep)):
        return [
            f"db_path (DB_PATH): {text} ends with a slash, so it names a folder; give a file "
            "path, without the trailing slash"
        ]
    path = Path(text)
    too_long = _name_too_long(path)
    if too_long:
        return [f"db_path (DB_PATH): {too_long}"]
    try:
        if stat.S_ISDIR(os.stat(path).st_mode):
            return [
                f"db_path (DB_PATH): {path} is a directory; give a file path such as "
                f"{path}/x.sqlite"
            ]
    except (FileNotFoundError, NotADirectoryError):
        pass  # a new file; its folders are checked below
    except OSError as e:
        return [f"db_path (DB_PATH): cannot use {path}: {e.strerror}"]
    parent = path.parent
    while True:
        try:
            mode = os.stat(parent).st_mode
            break
        except (FileNotFoundError, NotADirectoryError):
            if parent == parent.parent:
                return [f"db_path (DB_PATH): cannot create {path}: no folder of it exists"]
            parent = parent.parent
        except OSError as e:
            return [f"db_path (DB_PATH): cannot reach {parent} to create {path}: {e.strerror}"]
    if not stat.S_ISDIR(mode):
        return [f"db_path (DB_PATH): cannot create {path}: {parent} is not a directory"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"db_path (DB_PATH): cannot write in {parent} (permission denied)"]
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

    ``today`` is the default anchor date (the CLI passes today's UTC date, resolved once); every
    invalid value, from any source, is reported together in one ConfigError.
    """
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    env = env or {}
    problems: list[str] = []
    raw: dict[str, Any] = {}
    for name, key in ENV_KEYS.items():
        if name in explicit:
            raw[name] = explicit[name]
        elif env.get(key, "").strip() != "":
            raw[name] = _parse_env(name, key, env[key].strip(), problems)

    scale = raw.get("scale", "default")
    if isinstance(scale, str):
        scale = scale.strip().lower()
    raw["scale"] = scale
    preset = SCALES.get(scale, SCALES["default"])
    for name, value in zip(("users", "projects", "tasks_per_project"), preset, strict=True):
        raw.setdefault(name, value)
    if "industry" in raw and isinstance(raw["industry"], str):
        raw["industry"] = _canonical(raw["industry"], INDUSTRIES)
    if "workforce" in raw and isinstance(raw["workforce"], str):
        raw["workforce"] = raw["workforce"].strip().lower()
    if "end_date" in raw and isinstance(raw["end_date"], str):
        raw["end_date"] = _parse_date(raw["end_date"], problems)
    given_path = raw.get("db_path")  # as typed: Path() would drop a trailing slash
    if "db_path" in raw:
        raw["db_path"] = Path(raw["db_path"])
    raw.setdefault("end_date", today or dt.datetime.now(dt.UTC).date())
    raw = {k: v for k, v in raw.items() if v is not _INVALID}

    try:
        config = Config(**raw)
        problems.extend(path_problems(config.db_path if given_path is None else given_path))
    except ConfigError as e:
        problems.extend(e.problems)
        if isinstance(raw.get("db_path"), Path):
            problems.extend(path_problems(given_path))
    if problems:
        raise ConfigError(problems)
    return config


_INVALID = object()


def _parse_env(name: str, key: str, text: str, problems: list[str]) -> Any:
    if name in ("seed", "users", "projects", "tasks_per_project", "history_months"):
        try:
            return int(text)
        except ValueError:
            problems.append(f"{name} ({key}): must be a whole number, got {text!r}")
            return _INVALID
    return text


def _parse_date(text: str, problems: list[str]) -> Any:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems.append(
            f"end_date (END_DATE): must be a real date written YYYY-MM-DD, got {text!r}"
        )
        return _INVALID


def _canonical(value: str, choices: tuple[str, ...]) -> str:
    for c in choices:
        if c.lower() == value.strip().lower():
            return c
    return value
