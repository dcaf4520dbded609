"""Rows for `time_off`: each person's own absences (vacation, sick days, training, parental
leave), drawn per person from the stream (TIME_OFF, user index) for the history and from
(TIME_OFF, user index, 2) for the quarters after it, up to the horizon (continuous mode).

The absences are facts first: each person's working calendar skips them (no activity inside),
and an out-of-office comment is written only shortly before a real one, naming its real return
date.  Numbers cite their source; "design" marks a choice of ours.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import Config
from ..ids import Kind, gid
from ..model import User
from ..rng import Stream, buffered, rng_for
from ..worktime import DAY_MS, HOUR_MS, ZONES, Calendar, date_ms, fmt_ms, ms_date

# Vacation days taken per year, by the country whose holidays a person keeps.  US: BLS
# National Compensation Survey (March 2023), private industry: 11 paid vacation days after one
# year of service, 15 after ten, and many leave some unused -> 12.  Elsewhere the statutory
# minimum or the usual contract (design): GB 5.6 weeks incl. 8 bank holidays -> 20 beyond
# them; DE Bundesurlaubsgesetz 20, contracts 28-30 -> 28; AU Fair Work Act 4 weeks -> 20;
# BR CLT 30 calendar days -> 22; IN ~15 earned leave; SG Employment Act 7-14 -> 14.
VACATION_DAYS = {"US": 12.0, "GB": 20.0, "DE": 28.0, "AU": 20.0, "BR": 22.0, "IN": 15.0, "SG": 14.0}
# Vacation blocks of 1-10 working days: many long weekends, a week or two once or twice a
# year (design); mean 4.1 days.
VACATION_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
VACATION_LENGTH_P = (0.24, 0.16, 0.12, 0.09, 0.20, 0.03, 0.03, 0.03, 0.02, 0.08)
PERSONAL_SIGMA = 0.35  # some take all their days, some fewer (design)
# Sick leave: UK ONS (2022) 5.7 days per worker a year, US BLS CPS absence rate ~3% -> about
# 4.5 days in 2.8 episodes of 1-3 days (design split).
SICK_EPISODES = 2.8
SICK_LENGTH_P = (0.55, 0.30, 0.15)
# Training and conferences: about one 1-3 day course a year (design).
TRAINING_EPISODES = 1.0
TRAINING_LENGTH_P = (0.5, 0.3, 0.2)
# Parental leave: ~3.7M US births a year over ~160M workers is ~2.3% of workers a year
# (both parents); not all take leave -> 2% (design); 6-16 weeks (FMLA gives 12).
P_PARENTAL = 0.02
PARENTAL_WD = (30, 80)
# Planned absences are entered ahead (median days before the start; design).
LEAD_DAYS = {"vacation": 21.0, "training": 14.0, "parental": 60.0}
LOOKAHEAD_DAYS = 28  # planned absences up to four weeks after the end date are already booked
# After the history the absences go on in blocks of BLOCK_DAYS from the end date, drawn one
# after the other from the stream (TIME_OFF, user index, 2) up to the horizon: a block never
# depends on the clock or on how far later blocks reach (design: a quarter).
BLOCK_DAYS = 91


@dataclass(frozen=True)
class Absence:
    user: int  # user index
    kind: str  # vacation | sick | training | parental
    first: dt.date
    last: dt.date
    created: int  # epoch ms, when it was entered (booked; the morning itself for sick leave)
    number: int = 0  # its place among the person's absences (by date): its row id


@dataclass(frozen=True)
class _Span:
    """Where one draw's absences may start (date ordinals, inclusive) and how many years of
    each kind's rate it holds."""

    planned: tuple[int, int]
    sick: tuple[int, int]
    years: float
    sick_years: float


def generate_time_off(
    seed: int, config: Config, users: list[User], calendars: dict[int, Calendar], horizon: int
) -> list[Absence]:
    """Everyone's absences up to the ``horizon`` (epoch ms), in user order, each person's by
    date, apart by at least one working day.

    The history (planned ones up to LOOKAHEAD_DAYS beyond it) is one draw; after it, each
    BLOCK_DAYS block is another, in turn from the person's later stream (one block of
    uniforms serves many draws: a numpy call per draw costs more than the arithmetic at
    12,000 people).  Every absence is drawn whatever the
    clock: the clock only decides which rows are booked yet (`time_off_rows`).
    """
    end = config.end_date.toordinal()
    last = end + (horizon - date_ms(config.end_date)) // DAY_MS - 1
    history = _Span(
        (config.start_date.toordinal(), end + LOOKAHEAD_DAYS),
        (config.start_date.toordinal(), end - 1),  # sick days: nobody knows them ahead
        (config.end_date - config.start_date).days / 365.25 + LOOKAHEAD_DAYS / 365.25,
        (config.end_date - config.start_date).days / 365.25,
    )
    spans = [history]
    for lo in range(end, last + 1, BLOCK_DAYS):
        hi = min(lo + BLOCK_DAYS - 1, last)
        planned = (max(lo, end + LOOKAHEAD_DAYS + 1), hi)
        spans.append(
            _Span(
                planned,
                (lo, hi),
                max(planned[1] - planned[0] + 1, 0) / 365.25,
                (hi - lo + 1) / 365.25,
            )
        )
    zones = {
        z: (_weekdays(cal), cal, VACATION_DAYS.get(ZONES[z][1], 15.0) / _MEAN_VACATION)
        for z, cal in calendars.items()
    }
    out: list[Absence] = []
    for u in users:
        days, cal, vacation_rate = zones[u.zone]
        taken: list[tuple[int, int, str, int]] = []  # (first, last) day indexes, kind, booked
        factor = _person(
            buffered(rng_for(seed, Stream.TIME_OFF, u.index).random, 64),
            *(u, days, cal, vacation_rate, spans[0], None, taken),
        )
        later = buffered(rng_for(seed, Stream.TIME_OFF, u.index, 2).random, 64)
        for span in spans[1:]:
            _person(later, u, days, cal, vacation_rate, span, factor, taken)
        taken.sort()
        out.extend(
            Absence(
                u.index,
                kind,
                dt.date.fromordinal(days[i]),
                dt.date.fromordinal(days[j]),
                created,
                n,
            )
            for n, (i, j, kind, created) in enumerate(taken)
        )
    return out


def _weekdays(cal: Calendar) -> list[int]:
    """The zone's working weekdays as date ordinals (no holidays; a zone works no weekend)."""
    days = (ms_date(s + 12 * HOUR_MS) for s in cal.starts)
    return [d.toordinal() for d in days if d.weekday() < 5]


def _person(
    draw: Callable[[], float],
    u: User,
    days: list[int],
    cal: Calendar,
    vacation_rate: float,
    span: _Span,
    factor: float | None,
    taken: list[tuple[int, int, str, int]],
) -> float:
    """One draw of a person's absences in ``span``, added to ``taken`` (apart from those
    already there).  Returns the person's vacation factor: drawn in their first span, kept
    after (some take all their days, some fewer, every year)."""
    drawn = math.exp(PERSONAL_SIGMA * _normal(draw(), draw()))
    factor = drawn if factor is None else factor
    wanted: list[tuple[str, int]] = []
    if draw() < P_PARENTAL * span.years:
        n = PARENTAL_WD[0] + int(draw() * (PARENTAL_WD[1] - PARENTAL_WD[0] + 1))
        wanted.append(("parental", n))
    for _ in range(_poisson(vacation_rate * span.years * factor, draw())):
        wanted.append(("vacation", VACATION_LENGTHS[_pick(_VACATION_CDF, draw())]))
    for _ in range(_poisson(TRAINING_EPISODES * span.years, draw())):
        wanted.append(("training", 1 + _pick(_TRAINING_CDF, draw())))
    for _ in range(_poisson(SICK_EPISODES * span.sick_years, draw())):
        wanted.append(("sick", 1 + _pick(_SICK_CDF, draw())))

    # Where they may fall: in the span, two weeks after joining, three days before leaving.
    joined = u.join // DAY_MS + _EPOCH + 14
    stop = len(days)
    if u.leave is not None:
        stop = bisect_right(days, u.leave // DAY_MS + _EPOCH - 3)
    mine: list[tuple[int, int, str]] = []
    for kind, n in wanted:
        first, last = span.sick if kind == "sick" else span.planned
        lo = bisect_left(days, max(first, joined))
        hi = min(stop, bisect_right(days, last)) - n  # last start index
        pos = draw()
        if hi < lo:
            continue
        i = lo + int(pos * (hi - lo + 1))
        j = i + n - 1
        # apart from the others by a working day, so each has a working return day
        if any(i <= b + 1 and j >= a - 1 for a, b, *_ in (*taken, *mine)):
            continue
        mine.append((i, j, kind))
    mine.sort()
    for i, j, kind in mine:
        lead_x, hour_u = math.exp(draw() - 0.5), draw()  # lead: log-uniform, x0.6-1.6
        start_ms = (days[i] - _EPOCH) * DAY_MS
        if kind == "sick":
            # called in that morning: ~07:00-09:00 local (the zone calendar's local midnight)
            created = cal.starts[_start_index(cal, start_ms)] + int((7 + 2 * hour_u) * HOUR_MS)
        else:
            ahead = max(2.0, LEAD_DAYS[kind] * lead_x)
            created = cal.advance(max(u.join, start_ms - int(ahead * DAY_MS)), 0.05, hour_u)
            if created >= start_ms - DAY_MS:
                created = max(u.join + 1, start_ms - 2 * DAY_MS)
        taken.append((i, j, kind, created))
    return factor


def _normal(u1: float, u2: float) -> float:
    """A standard normal from two uniforms (Box-Muller)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


_EPOCH = dt.date(1970, 1, 1).toordinal()
_MEAN_VACATION = sum(n * p for n, p in zip(VACATION_LENGTHS, VACATION_LENGTH_P, strict=True))


def _cdf(p: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(float(x) for x in np.cumsum(p))


_VACATION_CDF = _cdf(VACATION_LENGTH_P)
_TRAINING_CDF = _cdf(TRAINING_LENGTH_P)
_SICK_CDF = _cdf(SICK_LENGTH_P)


def _pick(cdf: tuple[float, ...], u: float) -> int:
    return min(bisect_left(cdf, u), len(cdf) - 1)


def _poisson(lam: float, u: float) -> int:
    """Inversion from one uniform: lam is a handful here."""
    k, p = 0, math.exp(-lam)
    s = p
    while u > s and k < 60:
        k += 1
        p *= lam / k
        s += p
    return k


def _start_index(cal: Calendar, utc_midnight: int) -> int:
    """The zone calendar's index of a day, by its UTC-midnight date (local midnights lie
    within half a day of it)."""
    return min(bisect_left(cal.starts, utc_midnight - 14 * HOUR_MS), len(cal.starts) - 1)


def absences_by_user(absences: list[Absence]) -> dict[int, list[tuple[dt.date, dt.date, str]]]:
    """What each person's calendar needs: (first day, last day, kind), by date."""
    out: dict[int, list[tuple[dt.date, dt.date, str]]] = {}
    for a in absences:
        out.setdefault(a.user, []).append((a.first, a.last, a.kind))
    return out


def time_off_rows(absences: list[Absence], users: list[User], clock: int) -> list[tuple]:
    """The rows booked before ``clock``: an absence is in the record once it is entered
    (planned ones weeks ahead, sick leave that morning).  Its id is its place among all the
    person's absences, so a row keeps its id at every clock."""
    return [_row(a, users) for a in absences if a.created < clock]


def _row(a: Absence, users: list[User]) -> tuple:
    return (
        gid(Kind.TIME_OFF, a.number, a.user),
        users[a.user].id,
        a.kind,
        a.first.isoformat(),
        a.last.isoformat(),
        fmt_ms(a.created),
    )


@dataclass(frozen=True)
class Bookings:
    """Absences by the moment they are booked, for writing a span of time (`live`)."""

    created: list[int]
    absences: list[Absence]

    @classmethod
    def of(cls, absences: list[Absence]) -> Bookings:
        ordered = sorted(absences, key=lambda a: (a.created, a.user, a.number))
        return cls([a.created for a in ordered], ordered)

    def rows(self, users: list[User], lo: int, hi: int) -> list[tuple]:
        """The rows booked in [lo, hi)."""
        i, j = bisect_left(self.created, lo), bisect_left(self.created, hi)
        return [_row(a, users) for a in self.absences[i:j]]
