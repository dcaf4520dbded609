"""Rows for `time_off`: each person's own absences (vacation, sick days, training, parental
leave), drawn per person from the stream (TIME_OFF, user index).

The absences are facts first: each person's working calendar skips them (no activity inside),
and an out-of-office comment is written only shortly before a real one, naming its real return
date.  Numbers cite their source; "design" marks a choice of ours.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
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
LOOKAHEAD_DAYS = 28  # planned absences up to four weeks after the anchor are already booked


@dataclass(frozen=True)
class Absence:
    user: int  # user index
    kind: str  # vacation | sick | training | parental
    first: dt.date
    last: dt.date
    created: int  # epoch ms, when it was entered


def generate_time_off(
    seed: int, config: Config, users: list[User], calendars: dict[int, Calendar]
) -> list[Absence]:
    """Everyone's absences in the window (planned ones up to LOOKAHEAD_DAYS beyond it), in
    user order, each person's by date; apart by at least one working day."""
    history_years = (config.end_date - config.start_date).days / 365.25
    years = history_years + LOOKAHEAD_DAYS / 365.25
    first = config.start_date.toordinal()
    last_sick = config.end_date.toordinal() - 1  # sick days: nobody knows them ahead
    last_planned = config.end_date.toordinal() + LOOKAHEAD_DAYS
    zones = {}
    for z, cal in calendars.items():
        days = _weekdays(cal)
        zones[z] = (
            days,
            cal,
            VACATION_DAYS.get(ZONES[z][1], 15.0) / _MEAN_VACATION * years,
            bisect_right(days, last_sick),
            bisect_right(days, last_planned),
        )
    rates = (P_PARENTAL * years, TRAINING_EPISODES * years, SICK_EPISODES * history_years)
    anchor = date_ms(config.end_date)
    out: list[Absence] = []
    for u in users:
        out.extend(
            _person(rng_for(seed, Stream.TIME_OFF, u.index), u, zones[u.zone], rates, first, anchor)
        )
    return out


def _weekdays(cal: Calendar) -> list[int]:
    """The zone's working weekdays as date ordinals (no holidays; a zone works no weekend)."""
    days = (ms_date(s + 12 * HOUR_MS) for s in cal.starts)
    return [d.toordinal() for d in days if d.weekday() < 5]


def _person(
    rng: np.random.Generator,
    u: User,
    zone: tuple[list[int], Calendar, float, int, int],
    rates: tuple[float, float, float],
    first: int,
    anchor: int,
) -> list[Absence]:
    days, cal, vacation_rate, end_sick, end_planned = zone
    p_parental, training_rate, sick_rate = rates
    # one block of uniforms serves every draw (a numpy call per draw costs more than the
    # arithmetic at 12,000 people); values are consumed in a fixed order
    draw = buffered(rng.random, 64)
    factor = math.exp(PERSONAL_SIGMA * _normal(draw(), draw()))
    wanted: list[tuple[str, int]] = []
    if draw() < p_parental:
        n = PARENTAL_WD[0] + int(draw() * (PARENTAL_WD[1] - PARENTAL_WD[0] + 1))
        wanted.append(("parental", n))
    for _ in range(_poisson(vacation_rate * factor, draw())):
        wanted.append(("vacation", VACATION_LENGTHS[_pick(_VACATION_CDF, draw())]))
    for _ in range(_poisson(training_rate, draw())):
        wanted.append(("training", 1 + _pick(_TRAINING_CDF, draw())))
    for _ in range(_poisson(sick_rate, draw())):
        wanted.append(("sick", 1 + _pick(_SICK_CDF, draw())))

    # Where they may fall: in the window, two weeks after joining, three days before leaving.
    lo = bisect_left(days, max(first, u.join // DAY_MS + _EPOCH + 14))
    stop = end_planned
    if u.leave is not None:
        stop = min(stop, bisect_right(days, u.leave // DAY_MS + _EPOCH - 3))
    taken: list[tuple[int, int, str]] = []  # (first, last) indexes into days, kind
    for kind, n in wanted:
        hi = min(stop, end_sick if kind == "sick" else end_planned) - n  # last start index
        pos = draw()
        if hi < lo:
            continue
        i = lo + int(pos * (hi - lo + 1))
        j = i + n - 1
        # apart from the others by a working day, so each has a working return day
        if any(i <= b + 1 and j >= a - 1 for a, b, _ in taken):
            continue
        taken.append((i, j, kind))
    taken.sort()
    out = []
    for i, j, kind in taken:
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
        if created >= anchor:
            continue  # booked after the history ends: not in the record
        first_day, last_day = dt.date.fromordinal(days[i]), dt.date.fromordinal(days[j])
        out.append(Absence(u.index, kind, first_day, last_day, created))
    return out


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


def time_off_rows(absences: list[Absence], users: list[User]) -> list[tuple]:
    rows = []
    k, prev = 0, -1
    for a in absences:
        k = k + 1 if a.user == prev else 0
        prev = a.user
        rows.append(
            (
                gid(Kind.TIME_OFF, k, a.user),
                users[a.user].id,
                a.kind,
                a.first.isoformat(),
                a.last.isoformat(),
                fmt_ms(a.created),
            )
        )
    return rows
