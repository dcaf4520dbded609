"""Working-time calendars: advance() always moves forward and lands inside working hours, never on
a public holiday of the zone's country; timestamps format exactly; the hour-of-day profile's
CDF and inverse CDF undo each other.  A personal calendar (the zone's minus one person's
absences) never lands on a day of an absence and skips exactly the absence's working time.
Weekends are personal: a zone works none, a person only their own few days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest

from src.worktime import (
    DAY_MS,
    HOUR_MS,
    ZONES,
    Calendar,
    OwnWeekends,
    PersonalCalendar,
    build_calendar,
    date_ms,
    fmt_ms,
    hour_cdf,
    hour_inverse_cdf,
    personal_calendar,
    weekend_days,
    with_weekends,
)

FIRST, LAST = dt.date(2025, 10, 1), dt.date(2027, 3, 31)
ZONE_IDS = list(range(len(ZONES)))


@pytest.fixture(scope="module", params=ZONE_IDS, ids=[z[0] for z in ZONES])
def calendar(request: pytest.FixtureRequest) -> Calendar:
    return build_calendar(7, request.param, FIRST, LAST)


def local(t: int, zone: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t / 1000, ZoneInfo(ZONES[zone][0]))


def samples(seed: int, n: int) -> tuple[list[int], list[float], list[float]]:
    """Random instants (any time of day or week) inside the calendar, gaps and spreads."""
    rng = np.random.default_rng(seed)
    lo, hi = date_ms(FIRST) + 10 * DAY_MS, date_ms(LAST) - 60 * DAY_MS
    ts = rng.integers(lo, hi, n).tolist()
    gaps = np.exp(rng.uniform(np.log(1e-5), np.log(8.0), n)).tolist()
    spreads = rng.random(n).tolist()
    return ts, gaps, spreads


@pytest.mark.parametrize("with_spread", [False, True], ids=["plain", "spread"])
def test_advance_is_later_and_in_working_time(calendar: Calendar, with_spread: bool) -> None:
    # setup
    ts, gaps, spreads = samples(calendar.zone, 3000)
    country = ZONES[calendar.zone][1]
    off = holidays.country_holidays(country, years=range(FIRST.year, LAST.year + 1))
    bad = []
    for t, gap, u in zip(ts, gaps, spreads, strict=True):
        # run
        out = calendar.advance(t, gap, u if with_spread else None)
        # assert (collected): later, in working hours, not on a holiday
        day = local(out, calendar.zone).date()
        if not (out > t and calendar.is_working_time(out) and day not in off):
            bad.append((fmt_ms(t), gap, fmt_ms(out), str(day), off.get(day)))
    assert bad == [], f"{len(bad)} bad results, e.g. {bad[:3]}"


def test_chained_advances_strictly_increase(calendar: Calendar) -> None:
    # setup
    _, gaps, spreads = samples(100 + calendar.zone, 2000)
    t = date_ms(FIRST) + 12 * DAY_MS + 3 * HOUR_MS
    seen = [t]
    # run
    for gap, u in zip(gaps, spreads, strict=True):
        t = calendar.advance(t, min(gap, 0.2), u)
        seen.append(t)
    # assert
    assert all(b > a for a, b in zip(seen, seen[1:], strict=False))
    assert all(calendar.is_working_time(x) for x in seen[1:])


def test_advance_is_monotone_in_start_and_gap(calendar: Calendar) -> None:
    # setup
    ts, gaps, _ = samples(200 + calendar.zone, 1500)
    ts.sort()
    gaps.sort()
    t0 = ts[len(ts) // 2]
    # run
    by_start = [calendar.advance(t, 0.5) for t in ts]
    by_gap = [calendar.advance(t0, g) for g in gaps]
    # assert: a later start or a longer gap never lands earlier
    assert all(b >= a for a, b in zip(by_start, by_start[1:], strict=False))
    assert all(b >= a for a, b in zip(by_gap, by_gap[1:], strict=False))


def test_one_working_day_is_about_one_calendar_weekday(calendar: Calendar) -> None:
    # setup: a Wednesday noon, local
    zone = ZoneInfo(ZONES[calendar.zone][0])
    start = int(dt.datetime(2026, 3, 11, 12, tzinfo=zone).timestamp() * 1000)
    # run
    after_five = calendar.advance(start, 5.0)
    # assert: five working days are between 4 and 14 calendar days (weekends, holidays)
    assert 4 * DAY_MS <= after_five - start <= 14 * DAY_MS


def test_calendars_skip_their_holidays() -> None:
    for zone in ZONE_IDS:
        # setup: the weekday holidays of the zone's country inside the calendar
        cal = build_calendar(7, zone, FIRST, LAST)
        off = holidays.country_holidays(ZONES[zone][1], years=range(FIRST.year, LAST.year + 1))
        weekday_holidays = {d for d in off if FIRST <= d <= LAST and d.weekday() < 5}
        # run
        days = {local(s, zone).date() for s in cal.starts}
        # assert: none of them is a working day, ordinary weekdays are
        assert weekday_holidays, ZONES[zone]
        assert days & weekday_holidays == set(), ZONES[zone]
        ordinary = {FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)}
        ordinary = {d for d in ordinary if d.weekday() < 5} - weekday_holidays
        assert ordinary <= days, ZONES[zone]


def test_calendar_is_reproducible_per_seed() -> None:
    # run
    a, b, c = (build_calendar(s, 0, FIRST, LAST) for s in (3, 3, 4))
    # assert
    assert a == b
    assert a.cum != c.cum


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (
            date_ms(dt.date(2026, 5, 3)) + 14 * HOUR_MS + 22 * 60_000 + 5_123,
            "2026-05-03T14:22:05.123Z",
        ),
        (date_ms(dt.date(2024, 2, 29)) + DAY_MS - 1, "2024-02-29T23:59:59.999Z"),
    ],
)
def test_fmt_ms_known_values(t: int, text: str) -> None:
    assert fmt_ms(t) == text


def test_fmt_ms_matches_datetime_formatting() -> None:
    # setup
    rng = np.random.default_rng(1)
    for t in rng.integers(0, 4_102_444_800_000, 2000).tolist():
        # run
        d = dt.datetime.fromtimestamp(t / 1000, dt.UTC)
        expected = d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t % 1000:03d}Z"
        # assert
        assert fmt_ms(t) == expected


def test_hour_cdf_and_inverse_undo_each_other() -> None:
    # run / assert: quantile -> hour -> quantile
    for f in np.linspace(0.0, 0.999999, 1001):
        assert hour_cdf(hour_inverse_cdf(float(f))) == pytest.approx(float(f), abs=1e-9)
    # hour -> quantile -> hour, inside the working day (07:00-24:00)
    for h in np.linspace(7.0, 23.999, 1001):
        assert hour_inverse_cdf(hour_cdf(float(h))) == pytest.approx(float(h), abs=1e-6)


def test_hour_profile_is_a_distribution() -> None:
    # assert: 0 before 07:00, 1 at midnight, non-decreasing in between, most of it 08-18
    assert hour_cdf(0.0) == hour_cdf(6.5) == 0.0
    assert hour_cdf(24.0) == 1.0
    values = [hour_cdf(h) for h in np.linspace(0, 24, 500)]
    assert all(b >= a for a, b in zip(values, values[1:], strict=False))
    assert hour_cdf(18.0) - hour_cdf(8.0) >= 0.8
    assert 7.0 <= hour_inverse_cdf(0.0) < hour_inverse_cdf(0.5) < hour_inverse_cdf(0.999) < 24.0


# Absences of one person, inclusive local dates: a long weekend, two weeks over a holiday, a
# day, and a parental leave of weeks.
ABSENCES = [
    (dt.date(2026, 1, 2), dt.date(2026, 1, 5), "vacation"),
    (dt.date(2026, 3, 30), dt.date(2026, 4, 10), "vacation"),
    (dt.date(2026, 5, 13), dt.date(2026, 5, 13), "sick"),
    (dt.date(2026, 6, 1), dt.date(2026, 8, 14), "parental"),
]


@pytest.fixture(scope="module", params=ZONE_IDS, ids=[z[0] for z in ZONES])
def personal(request: pytest.FixtureRequest) -> PersonalCalendar:
    cal = personal_calendar(build_calendar(7, request.param, FIRST, LAST), ABSENCES)
    assert isinstance(cal, PersonalCalendar)
    return cal


def away(cal: PersonalCalendar, t: int) -> bool:
    day = local(t, cal.zone).date()
    return any(first <= day <= last for first, last, _ in ABSENCES)


def test_a_person_without_absences_uses_the_zone_calendar_itself() -> None:
    zone = build_calendar(7, 0, FIRST, LAST)
    assert personal_calendar(zone, []) is zone


@pytest.mark.parametrize("with_spread", [False, True], ids=["plain", "spread"])
def test_personal_advance_never_lands_in_an_absence(
    personal: PersonalCalendar, with_spread: bool
) -> None:
    # setup: starts anywhere, inside absences too
    ts, gaps, spreads = samples(personal.zone, 3000)
    bad = []
    for t, gap, u in zip(ts, gaps, spreads, strict=True):
        # run
        out = personal.advance(t, gap, u if with_spread else None)
        # assert (collected): later, in working hours, on no day of an absence
        if not (out > t and personal.is_working_time(out) and not away(personal, out)):
            bad.append((fmt_ms(t), gap, fmt_ms(out)))
    assert bad == [], f"{len(bad)} bad results, e.g. {bad[:3]}"


def test_personal_advance_is_monotone_and_skips_the_absence_weight(
    personal: PersonalCalendar,
) -> None:
    # setup
    ts, gaps, _ = samples(300 + personal.zone, 1500)
    ts.sort()
    gaps.sort()
    zone = personal.base
    # run
    by_start = [personal.advance(t, 0.5) for t in ts]
    by_gap = [personal.advance(ts[len(ts) // 2], g) for g in gaps]
    # assert: monotone; and a step across the two-week vacation takes the zone's time plus
    # the vacation's working days
    assert all(b >= a for a, b in zip(by_start, by_start[1:], strict=False))
    assert all(b >= a for a, b in zip(by_gap, by_gap[1:], strict=False))
    tz = ZoneInfo(ZONES[personal.zone][0])
    before = int(dt.datetime(2026, 3, 26, 12, tzinfo=tz).timestamp() * 1000)
    skipped = zone.to_w(personal.advance(before, 3.0)) - zone.to_w(before)
    assert 3.0 + 6 <= skipped <= 3.0 + 12  # 8-10 working weekdays, a holiday or two fewer


def test_personal_to_w_and_from_w_undo_each_other(personal: PersonalCalendar) -> None:
    # setup: working instants outside the absences
    ts = [t for t in samples(400 + personal.zone, 2000)[0] if personal.is_working_time(t)]
    # run / assert: from_w(to_w(t)) is t again, to the millisecond the inverse rounds to
    for t in ts:
        assert abs(personal.from_w(personal.to_w(t)) - t) <= 2


def test_long_absences_are_found_and_short_ones_waited_out(personal: PersonalCalendar) -> None:
    # setup
    tz = ZoneInfo(ZONES[personal.zone][0])
    may = int(dt.datetime(2026, 5, 4, 12, tzinfo=tz).timestamp() * 1000)
    march = int(dt.datetime(2026, 3, 20, 12, tzinfo=tz).timestamp() * 1000)
    # run / assert: the parental leave is long, the two-week vacation is not
    assert personal.long_away(may, may + 60 * DAY_MS) == personal.t0[3]
    assert personal.long_away(march, march + 30 * DAY_MS) is None
    # the return day is the first working weekday after the last day away
    back = dt.date.fromordinal(personal.back[1] // DAY_MS + dt.date(1970, 1, 1).toordinal())
    assert back > ABSENCES[1][1] and back.weekday() < 5
    assert (back - ABSENCES[1][1]).days <= 4


# Weekend days one person works: Saturdays and Sundays, one inside the two-week vacation, the
# Sundays the US and Europe switch to summer time, and the Fourth of July (a US holiday).
WORKED = [
    dt.date(2026, 1, 17),
    dt.date(2026, 3, 8),
    dt.date(2026, 3, 29),
    dt.date(2026, 4, 4),
    dt.date(2026, 4, 25),
    dt.date(2026, 4, 26),
    dt.date(2026, 7, 4),
    dt.date(2026, 9, 12),
]


@pytest.fixture(scope="module", params=ZONE_IDS, ids=[z[0] for z in ZONES])
def weekender(request: pytest.FixtureRequest) -> PersonalCalendar:
    own = with_weekends(build_calendar(7, request.param, FIRST, LAST), WORKED)
    assert isinstance(own, OwnWeekends)
    cal = personal_calendar(own, ABSENCES)
    assert isinstance(cal, PersonalCalendar)
    return cal


def test_zones_work_no_weekends() -> None:
    # run / assert: a zone's calendar has weekdays only (weekend work is each person's own)
    for zone in ZONE_IDS:
        cal = build_calendar(7, zone, FIRST, LAST)
        assert all(local(s + 12 * HOUR_MS, zone).weekday() < 5 for s in cal.starts)


@pytest.mark.parametrize("with_spread", [False, True], ids=["plain", "spread"])
def test_a_person_works_only_their_own_weekend_days(
    weekender: PersonalCalendar, with_spread: bool
) -> None:
    # setup: starts anywhere
    ts, gaps, spreads = samples(500 + weekender.zone, 4000)
    zone = weekender.zone
    country = ZONES[zone][1]
    off = holidays.country_holidays(country, years=range(2025, 2028))
    allowed = {d for d in WORKED if d not in off}
    bad, weekend_hits = [], set()
    for t, gap, u in zip(ts, gaps, spreads, strict=True):
        # run
        out = weekender.advance(t, gap, u if with_spread else None)
        day = local(out, zone).date()
        # assert (collected): later, working time, no absence, a weekend only if theirs
        if day.weekday() >= 5:
            weekend_hits.add(day)
        ok = out > t and weekender.is_working_time(out) and not away(weekender, out)
        if not ok or (day.weekday() >= 5 and day not in allowed):
            bad.append((fmt_ms(t), gap, fmt_ms(out)))
    assert bad == [], f"{len(bad)} bad results, e.g. {bad[:3]}"
    # their worked weekend days are used (the one inside the vacation and a holiday are not)
    assert len(weekend_hits) >= 3
    assert dt.date(2026, 4, 4) not in weekend_hits
    assert not (weekend_hits & set(off))


def test_weekend_layer_is_monotone_and_invertible(weekender: PersonalCalendar) -> None:
    # setup
    ts, gaps, _ = samples(600 + weekender.zone, 2000)
    ts.sort()
    own = weekender.base
    # run
    by_start = [weekender.advance(t, 0.3) for t in ts]
    # assert: monotone; to_w and from_w undo each other on the weekend layer
    assert all(b >= a for a, b in zip(by_start, by_start[1:], strict=False))
    for t in ts:
        if own.is_working_time(t):
            assert abs(own.from_w(own.to_w(t)) - t) <= 2


def test_weekend_days_are_personal_skewed_and_clock_free() -> None:
    # setup
    first, last = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    # run
    people = [weekend_days(7, u, first, last) for u in range(400)]
    longer = [weekend_days(7, u, first, last + dt.timedelta(days=200)) for u in range(400)]
    # assert: a later end keeps every earlier day; all weekend days; same seed, same days
    assert all(b[: len(a)] == a for a, b in zip(people, longer, strict=True))
    assert all(d.weekday() >= 5 for days in people for d in days)
    assert people[5] == weekend_days(7, 5, first, last)
    # some never, most a few, a few many; and two people rarely share their days
    counts = sorted(len(days) for days in people)
    assert 0.2 <= counts.count(0) / len(counts) <= 0.4
    median = counts[len(counts) // 2]
    assert 1 <= median <= 12 and counts[-1] >= 3 * median
    busy = [set(days) for days in people if len(days) >= 3]
    shared = [len(a & b) / min(len(a), len(b)) for a, b in zip(busy, busy[1:], strict=False)]
    assert sum(shared) / len(shared) < 0.3
