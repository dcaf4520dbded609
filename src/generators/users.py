"""Rows for `users`: people with names, emails, titles, time zones, join and leave dates."""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import lru_cache

import numpy as np
from faker import Faker

from ..config import PRE_WINDOW_DAYS, Config
from ..ids import Kind, gid
from ..model import Team, User, Workspace
from ..rng import Stream, int_seed
from ..worktime import DAY_MS, WORKFORCE_ZONES, ZONES, Calendar, date_ms, fmt_ms, ms_date

# Share of people who join during the window and who leave it (design: a mid-sized company
# with ~12%/yr attrition and steady hiring).
P_JOINS_IN_WINDOW = 0.10
P_LEAVES_IN_WINDOW = 0.06


@lru_cache(maxsize=16)
def _faker(locale: str) -> Faker:
    return Faker(locale)


def _ascii(text: str) -> str:
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in flat.lower() if ch.isalnum())


def person(seed: int, index: int, zone: int, domain: str, taken: set[str]) -> tuple[str, str, str]:
    """User ``index``'s first name, last name and e-mail: names from the zone's locale keyed
    by the index, the address made unique against ``taken`` (which gains it).  One function
    for the history's people and those who join later, so both look alike."""
    fake = _faker(ZONES[zone][2])
    fake.seed_instance(int_seed(seed, Stream.USER_NAMES, index))
    first, last = fake.first_name(), fake.last_name()
    base = f"{_ascii(first)}.{_ascii(last)}"
    email, k = f"{base}@{domain}", 2
    while email in taken:
        email, k = f"{base}{k}@{domain}", k + 1
    taken.add(email)
    return first, last, email


def new_user(
    index: int,
    names: tuple[str, str, str],
    title: str,
    zone: int,
    team: int,
    is_manager: bool,
    join: int,
    leave: int | None,
    manager: int | None,
) -> User:
    """The `User` for ``index`` with ``names`` (first, last, e-mail) from `person`."""
    first, last, email = names
    return User(
        index,
        gid(Kind.USER, index),
        f"{first} {last}",
        first,
        email,
        title,
        zone,
        team,
        is_manager,
        join,
        leave,
        manager,
    )


def generate_users(
    rng: np.random.Generator,
    config: Config,
    workspace: Workspace,
    teams: list[Team],
    calendars: dict[int, Calendar],
) -> list[User]:
    """People assigned to teams by the teams' weights; one manager per team; a CEO on top."""
    n = config.users
    ordinary = [t for t in teams if not t.is_leadership]
    weights = np.array([float(t.spec["weight"]) for t in ordinary])
    # index 0: CEO; 1..T: team managers; a few executives; the rest by team weight
    n_exec = min(3, max(0, (n - 1 - len(ordinary)) // 12))
    rest = n - 1 - len(ordinary) - n_exec
    team_of = [0] + [t.index for t in ordinary] + [0] * n_exec
    if rest > 0:
        counts = rng.multinomial(rest, weights / weights.sum())
        ordering = np.repeat([t.index for t in ordinary], counts)
        rng.shuffle(ordering)
        team_of += ordering.tolist()
    team_of = team_of[:n]

    zone_ids = [z for z, _ in WORKFORCE_ZONES[config.workforce]]
    zone_p = np.array([p for _, p in WORKFORCE_ZONES[config.workforce]])
    zones = rng.choice(zone_ids, size=n, p=zone_p / zone_p.sum())
    window_start = date_ms(config.start_date)
    anchor = date_ms(config.end_date)
    join_u = rng.random(n)
    tenure_years = rng.lognormal(0.6, 0.7, n)
    leave_u = rng.random(n)
    leave_pos = rng.random(n)
    title_u = rng.random(n)

    taken: set[str] = set()
    users: list[User] = []
    lead = teams[0].spec
    for i in range(n):
        team = teams[team_of[i]]
        zone = int(zones[i])
        first, last, email = person(config.seed, i, zone, workspace.domain, taken)

        is_manager = i <= len(ordinary)
        if i == 0:
            title = lead.get("ceo_title", "Chief Executive Officer")
        elif is_manager:
            title = team.spec["manager_titles"][int(title_u[i] * len(team.spec["manager_titles"]))]
        elif team.is_leadership:
            title = lead["titles"][(i - len(ordinary) - 1) % len(lead["titles"])]
        else:
            title = team.spec["titles"][int(title_u[i] * len(team.spec["titles"]))]

        cal = calendars[zone]
        if is_manager or join_u[i] >= P_JOINS_IN_WINDOW:
            # established: there before the earliest project the window opens on
            days = int(PRE_WINDOW_DAYS + 30 + tenure_years[i] * 365)
            day = max(
                config.start_date - dt.timedelta(days=days),
                ms_date(workspace.created) + dt.timedelta(days=1),
            )
            join = date_ms(day) + 14 * 3_600_000 + int(join_u[i] * 3_600_000)
        else:
            day_ms = window_start + int(
                join_u[i] / P_JOINS_IN_WINDOW * (anchor - window_start - 21 * DAY_MS)
            )
            join = cal.advance(day_ms // DAY_MS * DAY_MS, 0.02)
        leave = None
        if not is_manager and not team.is_leadership and leave_u[i] < P_LEAVES_IN_WINDOW:
            lo = max(join + 45 * DAY_MS, window_start + 14 * DAY_MS)
            hi = anchor - 10 * DAY_MS
            if lo < hi:
                leave = cal.advance(lo + int(leave_pos[i] * (hi - lo)), 0.7)
                if leave >= hi:
                    leave = None
        manager = None if i == 0 else 0 if (is_manager or team.is_leadership) else team.index
        users.append(
            new_user(
                i, (first, last, email), title, zone, team.index, is_manager, join, leave, manager
            )
        )
        team.members.append(i)
        if is_manager:
            team.managers.append(i)
    # managers sit in Leadership too; the CEO manages it
    teams[0].managers = [0]
    for t in ordinary:
        teams[0].members.extend(m for m in t.managers if m not in teams[0].members)
    # manager field holds a user index for now: map team index -> the team's manager
    return [_with_manager(u, teams) for u in users]


def _with_manager(u: User, teams: list[Team]) -> User:
    if u.manager is None or u.index == 0:
        return u
    if u.is_manager or teams[u.team].is_leadership:
        mgr = 0
    else:
        mgr = teams[u.team].managers[0] if teams[u.team].managers else 0
    return User(
        u.index,
        u.id,
        u.name,
        u.first_name,
        u.email,
        u.job_title,
        u.zone,
        u.team,
        u.is_manager,
        u.join,
        u.leave,
        mgr,
    )


def user_rows(users: list[User], workspace: Workspace, clock: int | None = None) -> list[tuple]:
    """Rows of the people there by ``clock`` (default: all), a departure shown once past."""
    clock = 2**62 if clock is None else clock
    return [
        (
            u.id,
            workspace.id,
            u.name,
            u.email,
            u.job_title,
            ZONES[u.zone][0],
            ZONES[u.zone][1],
            None if u.manager is None else users[u.manager].id,
            int(u.leave is None or u.leave >= clock),
            fmt_ms(u.join),
            None if u.leave is None or u.leave >= clock else fmt_ms(u.leave),
        )
        for u in users
        if u.join < clock
    ]
