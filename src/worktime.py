"""Working-time calendars: where in the week, the day and the year people do things.

Every human event is placed through its actor's calendar.  A calendar maps wall-clock UTC
milliseconds to a *working-time* coordinate ``w`` (one unit = one average working day) and back.
Weekdays carry different weights (midweek busiest), public holidays of the actor's country carry
none, and inside a day time is spread by the reference hour-of-day profile.  Weekends belong to
no zone: each person works a few of their own (`OwnWeekends`), lightly.  Because the map is
monotone, a task's events stay in order when each is placed with ``advance(calendar,
previous_time, gap)``: the result is always later than the previous event and always inside
the actor's working hours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import ClassVar
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np

from .rng import Stream, rng_for

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# Hour-of-day profile, local time, % of events starting in each hour: reference (A) in
# docs/realism.md (one company's Jira export): 07h 2.9 ... 17h 1.4, 18-23h 2.0.
_HOUR_KNOTS = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 24)
_HOUR_SHARES = (2.9, 9.8, 13.7, 14.6, 14.3, 6.4, 10.2, 10.5, 8.6, 5.5, 1.4, 2.0)
_CDF = tuple(float(x) for x in np.concatenate([[0.0], np.cumsum(_HOUR_SHARES)]) / sum(_HOUR_SHARES))

# Weekday weights Mon..Fri from reference (A): 16.2 / 22.3 / 27.1 / 20.1 / 13.9 % (x5/100 so
# that an average weekday weighs 1).
_WEEKDAY_WEIGHT = (0.810, 1.115, 1.355, 1.005, 0.695)
# Weekend work is personal (design): reference (A) saw 0.4% of tickets created on weekends, the
# target band is <= 3%.  Some people never work one (P_NO_WEEKENDS); the others work a share of
# weekend days drawn log-normally (median WEEKEND_RATE_MEDIAN, a few several times more, capped),
# each such day an hour or two (WEEKEND_WEIGHT of an average weekday).  Mean rate ~0.09 x weight
# 0.25 over 2 of 7 days gives about 0.8% of events.
P_NO_WEEKENDS = 0.3
WEEKEND_RATE_MEDIAN = 0.08
WEEKEND_RATE_SIGMA = 1.0
WEEKEND_RATE_MAX = 0.4
WEEKEND_WEIGHT = 0.25

# (IANA zone, ISO country whose holidays apply, Faker locale).  Order is append-only: a zone's
# index keys its calendar's random stream.
ZONES: tuple[tuple[str, str, str], ...] = (
    ("America/New_York", "US", "en_US"),
    ("America/Chicago", "US", "en_US"),
    ("America/Denver", "US", "en_US"),
    ("America/Los_Angeles", "US", "en_US"),
    ("Europe/London", "GB", "en_GB"),
    ("Europe/Berlin", "DE", "de_DE"),
    ("Asia/Kolkata", "IN", "en_IN"),
    ("Asia/Singapore", "SG", "en_US"),
    ("Australia/Sydney", "AU", "en_AU"),
    ("America/Sao_Paulo", "BR", "pt_BR"),
)
# Where people sit, by workforce.  us: population-weighted US zones; global: a spread of hubs.
WORKFORCE_ZONES: dict[str, tuple[tuple[int, float], ...]] = {
    "us": ((0, 0.47), (1, 0.25), (2, 0.07), (3, 0.21)),
    "global": (
        (0, 0.22),
        (1, 0.06),
        (3, 0.12),
        (4, 0.15),
        (5, 0.12),
        (6, 0.13),
        (7, 0.06),
        (8, 0.07),
        (9, 0.07),
    ),
}


def hour_inverse_cdf(f: float, cdf: tuple[float, ...] = _CDF) -> float:
    """Local hour (fractional) at quantile ``f`` of the hour-of-day profile."""
    i = bisect_right(cdf, f) - 1
    if i >= len(cdf) - 1:
        return float(_HOUR_KNOTS[-1]) - 1e-9
    span = cdf[i + 1] - cdf[i]
    return _HOUR_KNOTS[i] + (f - cdf[i]) / span * (_HOUR_KNOTS[i + 1] - _HOUR_KNOTS[i])


def hour_cdf(hour: float, cdf: tuple[float, ...] = _CDF) -> float:
    if hour <= _HOUR_KNOTS[0]:
        return 0.0
    if hour >= _HOUR_KNOTS[-1]:
        return 1.0
    i = bisect_right(_HOUR_KNOTS, hour) - 1
    return cdf[i] + (hour - _HOUR_KNOTS[i]) / (_HOUR_KNOTS[i + 1] - _HOUR_KNOTS[i]) * (
        cdf[i + 1] - cdf[i]
    )


# Continuous mode's burst-versus-steady slider (design): hour shares over the same knots,
# clustered at the 9:00, 13:00 and 16:00 local peaks (about 90% of events within an hour of
# one) or even over the working hours (about 60%, the share those hours take of the day).
_PEAKED_SHARES = (0.5, 10, 20, 3, 2, 10, 17, 3, 12, 17, 1, 0.5)
_STEADY_SHARES = (0.5, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 0.5)


def hour_profile(steadiness: float) -> tuple[float, ...]:
    """The hour-of-day CDF for a steadiness from 0 (peaks) to 1 (even)."""
    shares = [
        (1 - steadiness) * a + steadiness * b
        for a, b in zip(_PEAKED_SHARES, _STEADY_SHARES, strict=True)
    ]
    total = sum(shares)
    out, acc = [0.0], 0.0
    for x in shares:
        acc += x
        out.append(acc / total)
    return tuple(out)


@dataclass(frozen=True)
class Calendar:
    """Working days of one zone: local-midnight starts (UTC ms) and cumulative weights."""

    zone: int
    starts: tuple[int, ...]
    cum: tuple[float, ...]  # len(starts) + 1 entries
    first_day: dt.date
    cdf: tuple[float, ...] = _CDF  # the hour-of-day profile (continuous mode may set another)
    longs: ClassVar[tuple[tuple[int, int], ...]] = ()  # no personal absences (PersonalCalendar)

    def to_w(self, t: int) -> float:
        j = bisect_right(self.starts, t) - 1
        if j < 0:
            return self.cum[0]
        length = self.cum[j + 1] - self.cum[j]
        return self.cum[j] + length * hour_cdf((t - self.starts[j]) / HOUR_MS, self.cdf)

    def from_w(self, w: float) -> int:
        cum = self.cum
        j = bisect_right(cum, w) - 1
        if j < 0:  # clamp to the calendar (comparisons: cheaper than min/max on a hot path)
            j = 0
        elif j > len(cum) - 2:
            j = len(cum) - 2
        f = (w - cum[j]) / (cum[j + 1] - cum[j])
        if f < 0.0:
            f = 0.0
        elif f > 1.0 - 1e-12:
            f = 1.0 - 1e-12
        return self.starts[j] + int(hour_inverse_cdf(f, self.cdf) * HOUR_MS)

    def advance(self, t: int, gap: float, spread: float | None = None) -> int:
        """The working instant ``gap`` working days after ``t``; always > t for gap > 0.

        With ``spread`` (a uniform draw), a ``t`` outside this person's working hours means
        they pick the thread up at a random moment of their next working day, not all at its
        first minute (which would pile events up on Monday mornings).
        """
        # to_w and is_working_time inlined: one search of the day serves both (hot path)
        starts, cum = self.starts, self.cum
        j = bisect_right(starts, t) - 1
        if j < 0:
            w, working = cum[0], False
        else:
            x = t - starts[j]
            w = cum[j] + (cum[j + 1] - cum[j]) * hour_cdf(x / HOUR_MS, self.cdf)
            working = _HOUR_KNOTS[0] * HOUR_MS <= x < DAY_MS
        if spread is not None and not working:
            k = min(bisect_right(cum, w + 1e-9) - 1, len(starts) - 1)
            w += spread * (cum[k + 1] - cum[k])
        out = self.from_w(w + gap)
        return out if out > t else t + 1

    def is_working_time(self, t: int) -> bool:
        j = bisect_right(self.starts, t) - 1
        return j >= 0 and _HOUR_KNOTS[0] * HOUR_MS <= t - self.starts[j] < DAY_MS

    def absence_starting(self, lo: int, hi: int) -> int | None:
        """A zone calendar has no personal absences (see PersonalCalendar)."""
        return None

    def absence_back(self, back: int) -> tuple[str, int] | None:
        return None

    def with_cdf(self, cdf: tuple[float, ...]) -> Calendar:
        """This calendar in another hour-of-day profile (continuous mode's steadiness)."""
        return dataclasses.replace(self, cdf=cdf)


@dataclass(frozen=True, slots=True)
class OwnWeekends:
    """A zone's calendar plus the weekend days one person works (the zone has none).

    Each worked day ``k`` is an interval [s0, s1) of real time (local midnight to local
    midnight) that carries ``wt`` working time spread by the hour profile.  The zone's
    coordinate is flat over a weekend, so the personal coordinate is the zone's plus the
    weight of the worked days before ``t`` (``extra``); ``zq`` is the zone's at each day.
    """

    base: Calendar
    s0: tuple[int, ...]
    s1: tuple[int, ...]
    q0: tuple[float, ...]  # personal w at each day's start
    zq: tuple[float, ...]  # zone w at each day (flat over the weekend)
    extra: tuple[float, ...]  # worked weight before day k (len + 1 entries)
    wt: float
    longs: ClassVar[tuple[tuple[int, int], ...]] = ()

    @property
    def zone(self) -> int:
        return self.base.zone

    @property
    def starts(self) -> tuple[int, ...]:
        return self.base.starts

    @property
    def cdf(self) -> tuple[float, ...]:
        return self.base.cdf

    def to_w(self, t: int) -> float:
        k = bisect_right(self.s0, t) - 1
        if k < 0:
            return self.base.to_w(t)
        if t < self.s1[k]:
            return self.q0[k] + self.wt * hour_cdf((t - self.s0[k]) / HOUR_MS, self.base.cdf)
        return self.base.to_w(t) + self.extra[k + 1]

    def from_w(self, w: float) -> int:
        k = bisect_right(self.q0, w) - 1
        if k >= 0 and w < self.q0[k] + self.wt:
            f = min((w - self.q0[k]) / self.wt, 1.0 - 1e-12)
            out = self.s0[k] + int(hour_inverse_cdf(f, self.base.cdf) * HOUR_MS)
            return out if out < self.s1[k] else self.s1[k] - 1  # a short (DST) Sunday
        zw = w - self.extra[k + 1]
        if k >= 0 and zw < self.zq[k]:  # rounding: never back before the day just passed
            zw = self.zq[k]
        return self.base.from_w(zw)

    def is_working_time(self, t: int) -> bool:
        k = bisect_right(self.s0, t) - 1
        if k >= 0 and t < self.s1[k]:
            return t - self.s0[k] >= _HOUR_KNOTS[0] * HOUR_MS
        return self.base.is_working_time(t)

    def advance(self, t: int, gap: float, spread: float | None = None) -> int:
        """As Calendar.advance, with this person's weekend days in the way."""
        s0 = self.s0
        k = bisect_right(s0, t) - 1
        if k < 0 or t >= self.s1[k]:
            out = self.base.advance(t, gap, spread)  # the zone's answer, unless it passes a day
            if k + 1 >= len(s0) or out < s0[k + 1]:
                return out
        w = self.to_w(t)
        if spread is not None and not self.is_working_time(t):
            w += spread * self._day_length(w)  # a random moment of their next working day
        out = self.from_w(w + gap)
        return out if out > t else t + 1

    def _day_length(self, w: float) -> float:
        """The weight of the working day that starts at personal ``w``."""
        k = bisect_right(self.q0, w + 1e-9) - 1
        if k >= 0 and w + 1e-9 < self.q0[k] + self.wt:
            return self.wt
        cum = self.base.cum
        j = min(bisect_right(cum, w - self.extra[k + 1] + 1e-9) - 1, len(cum) - 2)
        return cum[j + 1] - cum[j]

    def absence_starting(self, lo: int, hi: int) -> int | None:
        return None

    def absence_back(self, back: int) -> tuple[str, int] | None:
        return None

    def with_cdf(self, cdf: tuple[float, ...]) -> OwnWeekends:
        return dataclasses.replace(self, base=self.base.with_cdf(cdf))


def weekend_days(seed: int, user: int, first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    """The weekend days one person works over [first_day, last_day], from their own stream
    (one draw per weekend day of the range, in date order: no clock in it)."""
    rng = rng_for(seed, Stream.WEEKENDS, user, first_day.toordinal())
    u = rng.random(3)
    if u[0] < P_NO_WEEKENDS:
        return []
    normal = math.sqrt(-2.0 * math.log(1.0 - u[1])) * math.cos(2.0 * math.pi * u[2])
    rate = min(WEEKEND_RATE_MAX, WEEKEND_RATE_MEDIAN * math.exp(WEEKEND_RATE_SIGMA * normal))
    days = _weekend_dates(first_day, last_day)
    worked = (rng.random(len(days)) < rate).tolist()
    return [d for d, w in zip(days, worked, strict=True) if w]


@lru_cache(maxsize=8)
def _weekend_dates(first_day: dt.date, last_day: dt.date) -> tuple[dt.date, ...]:
    """The Saturdays and Sundays of [first_day, last_day], in order (the same for everyone)."""
    days: list[dt.date] = []
    day = first_day + dt.timedelta(days=(5 - first_day.weekday()) % 7)  # the first Saturday
    while day <= last_day:
        days.append(day)
        if day < last_day:
            days.append(day + dt.timedelta(days=1))
        day += dt.timedelta(days=7)
    return tuple(days)


def with_weekends(base: Calendar, days: list[dt.date]) -> Calendar | OwnWeekends:
    """``base`` (a zone's calendar) plus the person's worked weekend ``days`` (sorted), but
    not a public holiday that falls on a weekend (nobody works the Fourth of July)."""
    if days:
        tz_name, country, _ = ZONES[base.zone]
        off = _holiday_dates(country, days[0].year, days[-1].year)
        days = [d for d in days if d not in off]
    if not days:
        return base
    s0, s1, q0, zq, extra = [], [], [], [], [0.0]
    for day in days:
        a = local_midnight(tz_name, day)
        b = local_midnight(tz_name, day + dt.timedelta(days=1))
        z = base.to_w(a)
        s0.append(a)
        s1.append(b)
        zq.append(z)
        q0.append(z + extra[-1])
        extra.append(extra[-1] + WEEKEND_WEIGHT)
    return OwnWeekends(
        base, tuple(s0), tuple(s1), tuple(q0), tuple(zq), tuple(extra), WEEKEND_WEIGHT
    )


# An absence this long (working days) hands the person's open work over instead of letting it
# wait (design: parental leave, weeks; a vacation of two weeks is waited out).
LONG_ABSENCE_WD = 15.0


@dataclass(frozen=True, slots=True)
class PersonalCalendar:
    """One person's working time: their zone's calendar minus their absences.

    The zone calendar is shared, not copied: a person holds only their few absences, each as
    an interval of the zone's working-time coordinate.  The personal coordinate is the zone's
    minus the absence weight before ``t``, so ``advance`` skips an absence as it skips a
    weekend: a step that would fall inside one lands after it.  ``t0``/``t1`` are the absence's
    first absent midnight and the start of the first working weekday after it; ``back`` is
    that day as a UTC-midnight date (what an out-of-office note names).
    """

    base: Calendar | OwnWeekends
    t0: tuple[int, ...]
    t1: tuple[int, ...]
    p0: tuple[float, ...]  # personal w at each absence (where the flat stretch sits)
    w1: tuple[float, ...]  # zone w at each return
    before: tuple[float, ...]  # absence weight before absence k (len + 1 entries)
    back: tuple[int, ...]
    kinds: tuple[str, ...]
    longs: tuple[tuple[int, int], ...]  # (t0, t1) of the absences of LONG_ABSENCE_WD or more

    @property
    def zone(self) -> int:
        return self.base.zone

    @property
    def starts(self) -> tuple[int, ...]:
        return self.base.starts

    def to_w(self, t: int) -> float:
        k = bisect_right(self.t0, t) - 1
        if k < 0:
            return self.base.to_w(t)
        if t < self.t1[k]:
            return self.p0[k]
        return self.base.to_w(t) - self.before[k + 1]

    def from_w(self, w: float) -> int:
        k = bisect_right(self.p0, w)
        bw = w + self.before[k]
        if k and bw < self.w1[k - 1]:  # rounding: never inside the absence just skipped
            bw = self.w1[k - 1]
        return self.base.from_w(bw)

    def advance(self, t: int, gap: float, spread: float | None = None) -> int:
        """As Calendar.advance, in this person's time: from inside an absence they pick the
        thread up after it, and a step that reaches an absence goes on after it."""
        t0 = self.t0
        k = bisect_right(t0, t) - 1
        start = self.t1[k] if k >= 0 and t < self.t1[k] else t
        out = self.base.advance(start, gap, spread)
        if k + 1 < len(t0) and out >= t0[k + 1]:
            # it reached the next absence: skip that one's working time (and any later one's)
            out = self.from_w(self.base.to_w(out) - self.before[k + 1])
        return out if out > t else t + 1

    def is_working_time(self, t: int) -> bool:
        k = bisect_right(self.t0, t) - 1
        return not (k >= 0 and t < self.t1[k]) and self.base.is_working_time(t)

    def long_away(self, t0: int, t1: int) -> int | None:
        """The start of a long absence (LONG_ABSENCE_WD) that begins before ``t1`` and is not
        over at ``t0``, if any: work waiting that long is handed over (callers check
        ``longs`` first: most people have none)."""
        for a, b in self.longs:
            if a < t1 and b > t0:
                return a
        return None

    def absence_starting(self, lo: int, hi: int) -> int | None:
        """The index of an announced absence (not sick leave) that starts in (lo, hi]."""
        t0 = self.t0
        k = bisect_right(t0, lo)
        if k < len(t0) and t0[k] <= hi and self.kinds[k] != "sick":
            return k
        return None

    def with_cdf(self, cdf: tuple[float, ...]) -> PersonalCalendar:
        return dataclasses.replace(self, base=self.base.with_cdf(cdf))

    def absence_back(self, back: int) -> tuple[str, int] | None:
        """The kind and working weekdays of the absence whose return day is ``back`` (what
        an out-of-office note may say of it), or None if no absence returns then."""
        if back not in self.back:
            return None
        k = self.back.index(back)
        starts = self.base.starts
        days = starts[bisect_left(starts, self.t0[k]) : bisect_left(starts, self.t1[k])]
        return self.kinds[k], sum(((s + 12 * HOUR_MS) // DAY_MS + 3) % 7 < 5 for s in days)


def personal_calendar(
    base: Calendar | OwnWeekends, absences: list[tuple[dt.date, dt.date, str]]
) -> Calendar | OwnWeekends | PersonalCalendar:
    """``base`` with the absences (first day, last day, kind; sorted, apart) taken out.

    An absence covers its dates' working days; the person is back on the first working
    weekday after its last day (a lightly worked weekend day between does not count).
    """
    if not absences:
        return base
    starts, to_w = base.starts, base.to_w  # a zone day's start: to_w = its cumulative weight
    t0, t1, p0, w1, before, back, kinds = [], [], [], [], [0.0], [], []
    for first, last, kind in absences:
        # a local midnight lies within 14 hours before and 12 after the UTC one
        j0 = bisect_left(starts, date_ms(first) - 14 * HOUR_MS)
        jr = bisect_left(starts, date_ms(last) + 10 * HOUR_MS)
        while jr < len(starts) and ((starts[jr] + 12 * HOUR_MS) // DAY_MS + 3) % 7 >= 5:
            jr += 1  # 1970-01-01 was a Thursday: Mon = 0
        if j0 >= jr or jr >= len(starts):
            continue  # no working day inside, or past the calendar's end
        w0, wr = to_w(starts[j0]), to_w(starts[jr])
        p0.append(w0 - before[-1])
        before.append(before[-1] + wr - w0)
        t0.append(starts[j0])
        t1.append(starts[jr])
        w1.append(wr)
        back.append((starts[jr] + 12 * HOUR_MS) // DAY_MS * DAY_MS)
        kinds.append(kind)
    if not t0:
        return base
    longs = tuple(
        (t0[k], t1[k]) for k in range(len(t0)) if before[k + 1] - before[k] >= LONG_ABSENCE_WD
    )
    return PersonalCalendar(
        base,
        tuple(t0),
        tuple(t1),
        tuple(p0),
        tuple(w1),
        tuple(before),
        tuple(back),
        tuple(kinds),
        longs,
    )


def is_workday(cal: Calendar | OwnWeekends | PersonalCalendar, day: int) -> bool:
    """Whether the UTC-midnight date ``day`` is a working weekday in ``cal`` (not a weekend, not
    a public holiday of its country, not inside the person's time off).  A calendar's day
    starts at its local midnight, within half a day of the UTC midnight of the same date in
    every zone."""
    if (day // DAY_MS + 3) % 7 >= 5:  # 1970-01-01 was a Thursday: Mon=0
        return False
    starts = cal.starts
    j = bisect_left(starts, day - DAY_MS // 2)
    if not (j < len(starts) and starts[j] < day + DAY_MS // 2):
        return False
    return absence_on(cal, day) is None  # a person's absence: not a day of theirs


def absence_on(cal: Calendar | OwnWeekends | PersonalCalendar, day: int) -> tuple[int, int] | None:
    """The person's absence that the UTC-midnight date ``day`` falls in (from its first day
    to the day before they are back, weekends between included), if any: its first day and
    the day they are back, as UTC-midnight dates."""
    if not isinstance(cal, PersonalCalendar):
        return None
    k = bisect_right(cal.t0, day + DAY_MS // 2) - 1
    if k < 0 or day + DAY_MS // 2 >= cal.t1[k]:
        return None
    return (cal.t0[k] + 12 * HOUR_MS) // DAY_MS * DAY_MS, cal.back[k]  # local midnight: +-14 h


@lru_cache(maxsize=16384)
def local_midnight(tz_name: str, day: dt.date) -> int:
    """The start of ``day`` in the zone, epoch ms (people of a zone share their weekend
    days' midnights: each is worked out once)."""
    tz = zone_info(tz_name)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)


@lru_cache(maxsize=256)
def zone_info(name: str) -> ZoneInfo:
    """A time zone from the pinned tzdata package, not the system's zoneinfo (which Python
    prefers, and which differs between machines): the same rules everywhere."""
    try:
        with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as f:
            return ZoneInfo.from_file(f, key=name)
    except (FileNotFoundError, ModuleNotFoundError, IsADirectoryError, ValueError):
        return ZoneInfo(name)  # a zone tzdata lacks: fall back to whatever Python finds


@lru_cache(maxsize=64)
def _holiday_dates(country: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    return frozenset(holidays_lib.country_holidays(country, years=range(first_year, last_year + 1)))


def build_calendar(seed: int, zone: int, first_day: dt.date, last_day: dt.date) -> Calendar:
    """The calendar of one zone over [first_day, last_day], drawn from its own stream."""
    tz_name, country, _ = ZONES[zone]
    tz = zone_info(tz_name)
    off_days = _holiday_dates(country, first_day.year, last_day.year)
    n_days = (last_day - first_day).days + 1
    rng = rng_for(seed, Stream.CALENDARS, zone, first_day.toordinal())
    jitter = rng.lognormal(0.0, 0.12, n_days)  # busy and quiet days around the weekday mean
    starts: list[int] = []
    cum = [0.0]
    for i in range(n_days):
        day = first_day + dt.timedelta(days=i)
        wd = day.weekday()
        if day in off_days or wd >= 5:
            continue
        weight = _WEEKDAY_WEIGHT[wd] * float(jitter[i])
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
        starts.append(int(midnight.timestamp() * 1000))
        cum.append(cum[-1] + weight)
    return Calendar(zone=zone, starts=tuple(starts), cum=tuple(cum), first_day=first_day)


def date_ms(day: dt.date) -> int:
    """UTC midnight of a date, in epoch milliseconds."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_MS


def ms_date(t: int) -> dt.date:
    """The UTC date of an instant."""
    return dt.date.fromordinal(t // DAY_MS + _EPOCH_ORDINAL)


def day_ms(day: str) -> int:
    """UTC midnight of a YYYY-MM-DD date, in epoch milliseconds."""
    return date_ms(dt.date.fromisoformat(day))


def parse_ms(ts: str) -> int:
    """Epoch milliseconds of a timestamp written by fmt_ms."""
    d = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return int(d.timestamp() * 1000)


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


@lru_cache(maxsize=8192)
def _day_text(day_index: int) -> str:
    return dt.date.fromordinal(day_index + _EPOCH_ORDINAL).isoformat()


def fmt_ms(t: int) -> str:
    """ISO-8601 UTC with milliseconds and Z, e.g. 2026-05-03T14:22:05.123Z."""
    day, rem = divmod(t, DAY_MS)
    h, rem = divmod(rem, HOUR_MS)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{_day_text(day)}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z"


def fmt_many(ts: list[int]) -> list[str]:
    """fmt_ms for many instants at once (numpy formats them in C)."""
    if len(ts) < 4:
        return [fmt_ms(t) for t in ts]
    arr = np.array(ts, dtype="datetime64[ms]")
    return np.datetime_as_string(arr, unit="ms", timezone="UTC").tolist()


def fmt_date(t: int) -> str:
    return _day_text(t // DAY_MS)
