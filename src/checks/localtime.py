"""Local time: TEMP tables of UTC offsets per zone and day and public holidays per country
and day, one pass over every human event binned by the actor's local hour and weekday
(EventProfile), and the rules that pass answers.

TEMP tables live in their own database, so this works on a read-only connection.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

from ..worktime import zone_info
from .core import EXAMPLE_LIMIT, WARNING, Check, RuleResult, counted, run_check
from .temporal import TIME_CHECKS

WEEKEND_SHARE_LIMIT = 0.03
_EPOCH = dt.date(1970, 1, 1)
_MAX_LOCAL_TIME_DAYS = 40 * 366  # a corrupt date must not make the offset table huge


@dataclass(frozen=True)
class EventProfile:
    """Human events (stories and task creations) binned by the actor's local weekday and hour.

    ``grid[weekday][hour]`` uses SQLite's weekday numbering (0 = Sunday); ``total`` also counts
    events whose local time could not be placed; ``holidays`` counts events on a public holiday
    of the actor's country.
    """

    total: int
    grid: tuple[tuple[int, ...], ...]
    holidays: int
    outside_employment: tuple[tuple[str, int], ...] = ()  # (kind, events by non-employees)

    @property
    def hours(self) -> tuple[int, ...]:
        return tuple(sum(day[h] for day in self.grid) for h in range(24))

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(sum(day) for day in self.grid)

    @property
    def weekend(self) -> int:
        return sum(self.grid[0]) + sum(self.grid[6])


# ---------------------------------------------------------------------------------------------
# Local time: actors' zones and countries


def prepare_local_time(conn: sqlite3.Connection) -> None:
    """Build TEMP tables _tz_offset(timezone, day, offset_s), _holiday(country_code, day) and
    _valid_tz(timezone) for the file's zones, countries and date range.

    ``day`` in _tz_offset is an event's UTC date as days since 1970-01-01; its offset is the
    zone's offset at that day's local noon, which is exact except for the few night hours
    around a DST switch.  ``day`` in _holiday is the local date, counted the same way: both
    join on integers.
    """
    conn.execute("DROP TABLE IF EXISTS temp._tz_offset")
    conn.execute("DROP TABLE IF EXISTS temp._holiday")
    conn.execute("DROP TABLE IF EXISTS temp._valid_tz")
    conn.execute(
        "CREATE TEMP TABLE _tz_offset (timezone TEXT, day INTEGER, offset_s INTEGER, "
        "PRIMARY KEY (timezone, day)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TEMP TABLE _holiday (country_code TEXT, day INTEGER, "
        "PRIMARY KEY (country_code, day)) WITHOUT ROWID"
    )
    conn.execute("CREATE TEMP TABLE _valid_tz (timezone TEXT PRIMARY KEY) WITHOUT ROWID")
    zones = _valid_zones(conn)
    conn.executemany("INSERT INTO temp._valid_tz VALUES (?)", [(z,) for z in zones])
    first, last = _event_day_range(conn)
    if first is None or last is None:
        return
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    conn.executemany(
        "INSERT INTO temp._tz_offset VALUES (?, ?, ?)",
        [
            (name, (day - _EPOCH).days, _noon_offset(zone, day))
            for name, zone in zones.items()
            for day in days
        ],
    )
    countries = [c for (c,) in conn.execute("SELECT DISTINCT country_code FROM users")]
    years = range(first.year, last.year + 1)
    conn.executemany(
        "INSERT OR IGNORE INTO temp._holiday VALUES (?, ?)",
        [(c, (d - _EPOCH).days) for c in countries for d in _public_holidays(c, years)],
    )


def _valid_zones(conn: sqlite3.Connection) -> dict[str, ZoneInfo]:
    zones = {}
    for (name,) in conn.execute("SELECT DISTINCT timezone FROM users"):
        try:
            zones[name] = zone_info(name)
        except (KeyError, ValueError, TypeError, OSError):  # not found is a KeyError
            continue
    return zones


def _noon_offset(zone: ZoneInfo, day: dt.date) -> int:
    offset = dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _public_holidays(country: str, years: range) -> list[dt.date]:
    """The country's public holidays from the pinned `holidays` package; none if unknown (or
    not text: an edited file's blob or number, which `format.types` reports)."""
    try:
        return list(holidays.country_holidays(country, years=years).keys())
    except (NotImplementedError, KeyError, ValueError, TypeError):
        return []


_DAY_PATTERN = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"


def _event_day_range(conn: sqlite3.Connection) -> tuple[dt.date | None, dt.date | None]:
    """First and last UTC day of human events (stories and task creations), widened by a day
    for the local shift.  Read from the events themselves, not bounded by the anchor: an
    edited file may date events anywhere, and each still gets its actor's local time.

    Plain min/max first (a quick scan); only if an end is not a date (a malformed value sorts
    before or after every real one) again over the values that start with one.
    """
    for where in ("", f"WHERE created_at GLOB {_DAY_PATTERN}"):
        row = conn.execute(
            f"""SELECT min(lo), max(hi) FROM (
                  SELECT min(created_at) AS lo, max(created_at) AS hi FROM stories {where}
                  UNION ALL
                  SELECT min(created_at), max(created_at) FROM tasks {where})"""
        ).fetchone()
        try:
            first = shifted(dt.date.fromisoformat(str(row[0])[:10]), -1)
            last = shifted(dt.date.fromisoformat(str(row[1])[:10]), 1)
        except ValueError:
            continue
        if (last - first).days > _MAX_LOCAL_TIME_DAYS:
            first = last - dt.timedelta(days=_MAX_LOCAL_TIME_DAYS)
        return first, last
    return None, None


def shifted(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, held within the years Python's dates span (an edited file
    may date something 9999-12-31, and a pass that reads the day after must not overflow)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _epoch_seconds(column: str) -> str:
    """SQL for the Unix time of a timestamp column (NULL if it does not parse).

    unixepoch() (SQLite 3.38+) is about twice as fast as formatting with strftime('%s').
    """
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({column})"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _events_of(kind: str, table: str) -> str:
    return f"""
    SELECT '{kind}' AS kind, x.id AS id, u.country_code AS country_code,
           x.utc + COALESCE(o.offset_s, 0) AS local_s,
           (x.created_at < u.created_at OR x.created_at >= u.left_at) AS outside
    FROM (SELECT id, created_by_id, created_at, {_epoch_seconds("created_at")} AS utc
          FROM {table} LIMIT -1 OFFSET 0) x
    JOIN users u ON u.id = x.created_by_id
    LEFT JOIN temp._tz_offset o ON o.timezone = u.timezone AND o.day = x.utc / 86400"""


# One row per human event: kind, id, the actor's country, local seconds since the epoch, and
# whether the actor was outside the company then.  OFFSET 0 keeps the planner from copying
# the (parsing) expressions into every place that reads them.
_HUMAN_EVENTS = (
    _events_of("stories", "stories") + " UNION ALL " + _events_of("tasks", "tasks")
) + " LIMIT -1 OFFSET 0"

_WEEKDAY = "((local_s / 86400 + 4) % 7)"  # 1970-01-01 was a Thursday; 0 = Sunday as in %w
_ON_HOLIDAY = (
    "EXISTS (SELECT 1 FROM temp._holiday x "
    "WHERE x.country_code = e.country_code AND x.day = e.local_s / 86400)"
)
# Rules the pass over human events answers (it joins every event to its actor anyway).
EVENT_PASS_RULES = {
    "stories": "time.story_author_employed",
    "tasks": "time.task_after_creator_joined",
}
LOCAL_RULES = ("user.timezone", "consistency.holiday_event", "consistency.weekend_share")


# Zone numbers shift days into a range of their own: SQLite's dates (years 0000-9999) lie
# within 800,000 days before and 3,000,000 after 1970.
_DAY_SHIFT = 1_000_000
_ZONE_STRIDE = 10_000_000


def _prepare_actors(conn: sqlite3.Connection, countries: list[str]) -> None:
    """TEMP tables keyed by integers for the pass over every event (needs
    prepare_local_time): _actor (each user's zone number, country index, joined and left)
    and _zone_day (a zone's offset by zone number and UTC day in one integer key).  Each
    event then costs two integer look-ups, not a user row and a (text, day) key."""
    conn.execute("DROP TABLE IF EXISTS temp._zone")
    conn.execute("DROP TABLE IF EXISTS temp._zone_day")
    conn.execute("DROP TABLE IF EXISTS temp._actor")
    conn.execute("CREATE TEMP TABLE _zone (n INTEGER PRIMARY KEY, timezone TEXT UNIQUE)")
    conn.execute("INSERT INTO temp._zone (timezone) SELECT DISTINCT timezone FROM temp._tz_offset")
    conn.execute("CREATE TEMP TABLE _zone_day (k INTEGER PRIMARY KEY, offset_s INTEGER)")
    conn.execute(
        f"INSERT INTO temp._zone_day SELECT z.n * {_ZONE_STRIDE} + o.day + {_DAY_SHIFT}, "
        "o.offset_s FROM temp._tz_offset o JOIN temp._zone z ON z.timezone = o.timezone"
    )
    conn.execute(
        "CREATE TEMP TABLE _actor (id INTEGER PRIMARY KEY, zone INTEGER, country INTEGER, "
        "joined TEXT, left_at TEXT)"
    )
    country_index = " ".join(f"WHEN ? THEN {i}" for i in range(len(countries)))
    conn.execute(
        f"""INSERT INTO temp._actor
            SELECT u.id, z.n, CASE u.country_code {country_index} ELSE {len(countries)} END,
                   u.created_at, u.left_at
            FROM users u LEFT JOIN temp._zone z ON z.timezone = u.timezone""",
        countries,
    )


def _binned_events(table: str) -> str:
    """SQL: the events of ``table`` as (kind, the actor's country index, local seconds,
    outside employment), as _events_of reads them."""
    return f"""
    SELECT '{table}' AS kind, a.country AS country, x.utc + COALESCE(o.offset_s, 0) AS local_s,
           (x.created_at < a.joined OR x.created_at >= a.left_at) AS outside
    FROM (SELECT created_by_id, created_at, {_epoch_seconds("created_at")} AS utc
          FROM {table} LIMIT -1 OFFSET 0) x
    JOIN temp._actor a ON a.id = x.created_by_id
    LEFT JOIN temp._zone_day o
           ON o.k = a.zone * {_ZONE_STRIDE} + x.utc / 86400 + {_DAY_SHIFT}"""


def human_event_profile(conn: sqlite3.Connection) -> EventProfile:
    """Bin every human event by local hour, weekday and holiday in one pass (needs
    prepare_local_time).

    One GROUP BY on a single integer that packs the local hour number and the actor's
    country (an integer key sorts about twice as fast as text columns): a few thousand
    groups, from which the hour, weekday and holiday counts follow in Python.
    """
    holiday_days = set(conn.execute("SELECT country_code, day FROM temp._holiday"))
    countries = [c for (c,) in conn.execute("SELECT DISTINCT country_code FROM users")]
    width = len(countries) + 1  # one more for a country not in the list (NULL)
    _prepare_actors(conn, countries)
    events = f"{_binned_events('stories')} UNION ALL {_binned_events('tasks')} LIMIT -1 OFFSET 0"
    grid = [[0] * 24 for _ in range(7)]
    total = holiday_count = 0
    outside = dict.fromkeys(EVENT_PASS_RULES, 0)
    rows = conn.execute(
        f"SELECT (local_s / 3600) * {width} + country AS k, count(*), "
        "sum(outside AND kind = 'stories'), sum(outside AND kind = 'tasks') "
        f"FROM ({events}) e GROUP BY k"
    )
    for k, n, stories_outside, tasks_outside in rows:
        total += n
        outside["stories"] += stories_outside or 0
        outside["tasks"] += tasks_outside or 0
        if k is None or k < 0:
            continue  # a time that cannot be placed (unparsable, before 1970): not binned
        local_hour, country_i = divmod(k, width)
        day, hour = divmod(local_hour, 24)
        grid[(day + 4) % 7][hour] += n
        if country_i < len(countries) and (countries[country_i], day) in holiday_days:
            holiday_count += n
    return EventProfile(
        total=total,
        grid=tuple(tuple(row) for row in grid),
        holidays=holiday_count,
        outside_employment=tuple(outside.items()),
    )


def event_job(conn: sqlite3.Connection) -> tuple[EventProfile, tuple[RuleResult, ...]]:
    """The local-time rules and the employment rules, from one pass over human events."""
    prepare_local_time(conn)
    results = [
        run_check(
            conn,
            Check(
                "user.timezone",
                "every user's timezone is a known IANA zone",
                "SELECT id FROM users WHERE timezone NOT IN (SELECT timezone FROM temp._valid_tz)",
            ),
        )
    ]
    profile = human_event_profile(conn)
    checks = {c.rule: c for c in TIME_CHECKS}
    for kind, count in profile.outside_employment:
        results.append(counted(conn, checks[EVENT_PASS_RULES[kind]], count))
    results.append(
        _event_result(
            conn,
            "consistency.holiday_event",
            "no human event falls on a public holiday of the actor's country (local date)",
            profile.holidays,
            _ON_HOLIDAY,
        )
    )
    share = profile.weekend / profile.total if profile.total else 0.0
    results.append(
        _event_result(
            conn,
            "consistency.weekend_share",
            f"at most {WEEKEND_SHARE_LIMIT:.0%} of human events fall on a local weekend "
            f"(observed {share:.1%})",
            profile.weekend if share > WEEKEND_SHARE_LIMIT else 0,
            f"local_s >= 0 AND {_WEEKDAY} IN (0, 6)",
        )
    )
    return profile, tuple(results)


def _event_result(
    conn: sqlite3.Connection, rule: str, description: str, offending: int, where: str
) -> RuleResult:
    examples: tuple[int | str, ...] = ()
    if offending:
        rows = conn.execute(
            f"SELECT kind || ':' || id FROM ({_HUMAN_EVENTS}) e WHERE {where} LIMIT {EXAMPLE_LIMIT}"
        )
        examples = tuple(r[0] for r in rows)
    return RuleResult(rule, description, WARNING, offending, examples)
