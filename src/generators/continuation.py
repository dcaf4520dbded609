"""The organization after its history: who joins and leaves, and when new projects start,
from the end date to the horizon (continuous mode, `src/live/`).

Everything here is drawn from keyed streams whatever the clock, so the world is fixed up to
the horizon and a file's clock only decides how much of it shows.  The rates continue the
history's own (hiring, attrition, projects per month), times the activity level for new work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ..config import Config
from ..model import Team, User, Workspace
from ..rng import Stream, rng_for
from ..worktime import DAY_MS, WORKFORCE_ZONES, Calendar, date_ms
from .users import P_JOINS_IN_WINDOW, P_LEAVES_IN_WINDOW, new_user, person

# stream paths under USERS and PROJECTS that no index reaches (indices stay below 10**6)
_LEAVES, _JOINERS, _SCHEDULE = 10**6, 10**6 + 1, 10**6 + 2
# new projects by month of the quarter: more at its start (design: planning cycles)
QUARTER_SHAPE = (1.6, 0.8, 0.6)


def _window_days(config: Config) -> int:
    return max((config.end_date - config.start_date).days, 1)


def continue_users(
    seed: int,
    config: Config,
    workspace: Workspace,
    teams: list[Team],
    users: list[User],
    calendars: dict[int, Calendar],
    horizon: int,
) -> list[User]:
    """``users`` with the departures after the end date, and the people who join then
    (appended, with their teams' member lists extended)."""
    anchor = date_ms(config.end_date)
    days = (horizon - anchor) / DAY_MS
    per_day_leave = P_LEAVES_IN_WINDOW / _window_days(config)
    out = []
    for u in users:
        if u.leave is None and not u.is_manager and not teams[u.team].is_leadership:
            rng = rng_for(seed, Stream.USERS, _LEAVES, u.index)
            when = rng.exponential(1 / per_day_leave)
            if when < days:
                cal = calendars[u.zone]
                leave = cal.advance(anchor + int(when * DAY_MS), 0.7)
                if leave < horizon:
                    u = dataclasses.replace(u, leave=leave)
        out.append(u)
    rng = rng_for(seed, Stream.USERS, _JOINERS)
    rate = P_JOINS_IN_WINDOW * config.users / _window_days(config)
    n = int(rng.poisson(rate * days))
    ordinary = [t for t in teams if not t.is_leadership]
    weights = np.array([float(t.spec["weight"]) for t in ordinary])
    zone_ids = [z for z, _ in WORKFORCE_ZONES[config.workforce]]
    zone_p = np.array([p for _, p in WORKFORCE_ZONES[config.workforce]])
    times = np.sort(rng.random(n)) * days
    taken = {u.email for u in out}
    for j in range(n):
        i = len(out)
        team = ordinary[int(rng.choice(len(ordinary), p=weights / weights.sum()))]
        zone = int(rng.choice(zone_ids, p=zone_p / zone_p.sum()))
        first, last, email = person(seed, i, zone, workspace.domain, taken)
        title = team.spec["titles"][int(rng.random() * len(team.spec["titles"]))]
        day = anchor + int(times[j] * DAY_MS) // DAY_MS * DAY_MS
        join = calendars[zone].advance(day, 0.02)
        manager = team.managers[0] if team.managers else 0
        out.append(
            new_user(i, (first, last, email), title, zone, team.index, False, join, None, manager)
        )
        team.members.append(i)
    return out


def project_schedule(seed: int, config: Config, horizon: int, rate: float = 1.0) -> list[int]:
    """Creation days (UTC midnights, sorted) of the projects that start after the end date:
    the history's projects per day, times ``rate``, more in a quarter's first month."""
    anchor_day = config.end_date
    per_day = config.projects / _window_days(config) * rate
    days: list[int] = []
    month = dt.date(anchor_day.year, anchor_day.month, 1)
    k = 0
    while date_ms(month) < horizon:
        nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        lo, hi = max(month, anchor_day + dt.timedelta(days=1)), nxt
        if lo < hi:
            rng = rng_for(seed, Stream.PROJECTS, _SCHEDULE, k)
            shape = QUARTER_SHAPE[(month.month - 1) % 3]
            n = int(rng.poisson(per_day * shape * (hi - lo).days))
            span = (hi - lo).days
            days += sorted(date_ms(lo) + int(rng.integers(span)) * DAY_MS for _ in range(n))
        month, k = nxt, k + 1
    return [d for d in days if d < horizon]
