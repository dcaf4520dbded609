"""Continuous mode's settings: from flags, environment and a TOML file, checked, recorded.

Precedence: flags > environment (``LIVE_*``; the CLI passes the real environment with
``.env`` under it) > ``--config`` TOML > defaults.  Two kinds:

- the world's tuning (``level``, ``steadiness``): they decide what happens after the end
  date, so they are fixed for a file at its first advance and recorded in every run row
  (``reproduce`` reads them back);
- the cadence (``mode``, ``interval``, ``speed``, batch range, ``allow_future``): how `live`
  hands the same events out; they never change the content.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ACTIVITY_LEVELS, LIVE_FIELDS, LIVE_PREFIX, Tuning
from ..errors import ConfigError

LEVELS = ACTIVITY_LEVELS  # activity level -> multiple of the history's rate of new work
MODES = ("production", "emulated")
ENV_PREFIX = LIVE_PREFIX
FIELDS = LIVE_FIELDS
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str, label: str = "interval (--interval)") -> float:
    """Seconds in an ISO-8601 duration such as PT10S, PT1M30S, PT1H, P1D (at least 1 s)."""
    m = _DURATION.match(str(text).strip().upper())
    if not m or not any(m.groupdict().values()) or str(text).strip().upper().endswith("T"):
        raise ConfigError(
            [f"{label}: must be an ISO-8601 duration such as PT10S or PT1M, got {text!r}"]
        )
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    seconds = g["d"] * 86400 + g["h"] * 3600 + g["m"] * 60 + g["s"]
    if seconds < 1:
        raise ConfigError([f"{label}: must be at least 1 second (PT1S), got {text!r}"])
    return seconds


@dataclass(frozen=True)
class Settings:
    """Continuous mode's settings (see the module docstring for which decide content)."""

    level: str = "medium"
    steadiness: float | None = None  # 0: at the 9/13/16 h peaks; 1: even; None: as before
    mode: str = "production"
    interval: float = 10.0  # wall seconds between batches
    speed: float = 1.0  # simulated seconds per wall second
    batch_min: int = 5  # emulated mode: events per batch held in this range
    batch_max: int = 20
    allow_future: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.level not in LEVELS:
            problems.append(f"level: must be one of {', '.join(LEVELS)}, got {self.level!r}")
        if self.steadiness is not None and (
            not _number(self.steadiness) or not 0 <= self.steadiness <= 1
        ):
            problems.append(f"steadiness: must be a number from 0 to 1, got {self.steadiness!r}")
        if self.mode not in MODES:
            problems.append(f"mode: must be one of {', '.join(MODES)}, got {self.mode!r}")
        if not _number(self.interval) or self.interval < 1:
            problems.append(f"interval: must be at least 1 second, got {self.interval!r}")
        if not _number(self.speed) or not 0 < self.speed <= 10_000_000:
            problems.append(f"speed: must be a number above 0, got {self.speed!r}")
        if not (
            isinstance(self.batch_min, int)
            and isinstance(self.batch_max, int)
            and 1 <= self.batch_min <= self.batch_max
        ):
            problems.append(
                "batch range: must be whole numbers 1 <= min <= max, got "
                f"{self.batch_min!r}-{self.batch_max!r}"
            )
        if problems:
            raise ConfigError(problems)

    @property
    def rate(self) -> float:
        return LEVELS[self.level]

    @property
    def tuning(self) -> Tuning:
        return Tuning(self.rate, None if self.steadiness is None else float(self.steadiness))

    def world(self) -> dict[str, Any]:
        """The settings that decide content (fixed for a file once it is continued)."""
        return {"level": self.level, "steadiness": self.steadiness}

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> Settings:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def load_toml(path: Path) -> dict[str, Any]:
    """The settings of a TOML file (top level or a ``[live]`` table), or ConfigError."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"config (--config): {path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([f"config (--config): {path}: cannot read it ({e})"]) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"config (--config): {path} is not valid TOML ({e})"]) from None
    return _known(data.get("live", data), f"config (--config): {path}")


def _known(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``data`` if it names only settings (``batch`` included), else ConfigError."""
    unknown = sorted(set(data) - set(FIELDS) - {"batch"})
    if unknown:
        known = ", ".join(FIELDS)
        raise ConfigError([f"{where}: unknown setting {unknown[0]!r}; known: {known}"])
    return dict(data)


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | Mapping[str, Any] | None = None,
    base: Settings | None = None,
) -> Settings:
    """Settings from flags > environment (LIVE_LEVEL, LIVE_INTERVAL, ...) > TOML > ``base``.
    ``config_file`` is a TOML file's path or a mapping of the same keys (a parsed file)."""
    values: dict[str, Any] = dataclasses.asdict(base or Settings())
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if isinstance(config_file, Mapping):
        layers.append(("config", _known(config_file, "config")))
    elif isinstance(config_file, str | Path):
        layers.append(("config", load_toml(Path(config_file))))
    elif config_file is not None:
        raise ConfigError(
            [f"config: must be a TOML file's path or a mapping of settings, got {config_file!r}"]
        )
    env = env or {}
    layers.append(
        ("env", {f: env[ENV_PREFIX + f.upper()] for f in FIELDS if env.get(ENV_PREFIX + f.upper())})
    )
    layers.append(("flag", {k: v for k, v in (flags or {}).items() if v is not None}))
    for source, layer in layers:
        for key, raw in layer.items():
            values.update(_parse(key, raw, source))
    return Settings(**values)


def _parse(key: str, raw: Any, source: str) -> dict[str, Any]:
    label = {"flag": f"--{key.replace('_', '-')}", "env": ENV_PREFIX + key.upper()}.get(
        source, "config file"
    )
    name = f"{key} ({label})"
    if key == "batch":
        text = str(raw).strip()
        m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", text)
        if not m:
            raise ConfigError([f"{name}: must be a range such as 5-20, got {raw!r}"])
        return {"batch_min": int(m.group(1)), "batch_max": int(m.group(2))}
    if key == "interval":
        if _number(raw):
            if raw < 1:
                raise ConfigError([f"{name}: must be at least 1 second, got {raw!r}"])
            return {key: float(raw)}
        return {key: parse_duration(raw, name)}
    if key in ("speed", "steadiness"):
        try:
            return {key: float(raw)}
        except (TypeError, ValueError):
            raise ConfigError([f"{name}: must be a number, got {raw!r}"]) from None
    if key in ("batch_min", "batch_max"):
        try:
            return {key: int(raw)}
        except (TypeError, ValueError):
            raise ConfigError([f"{name}: must be a whole number, got {raw!r}"]) from None
    if key == "allow_future":
        if isinstance(raw, bool):
            return {key: raw}
        return {key: str(raw).strip().lower() in ("1", "true", "yes", "on")}
    if key in ("level", "mode"):
        return {key: str(raw).strip().lower()}
    raise ConfigError([f"{name}: not a setting; the settings are {', '.join(FIELDS)}"])
