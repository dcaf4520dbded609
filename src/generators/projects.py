"""Project plans: team, owner, members, layout, dates and enabled fields of each project.

Plans are made in project-index order, and a plan only looks at *earlier* projects (for unique
names and multi-homing), so adding project 21 never changes projects 1-20.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from ..ids import Kind, gid
from ..model import FieldDef, Org
from ..rng import Stream, rng_for
from ..text import Vocabulary, fill, team_function
from ..worktime import DAY_MS, date_ms, fmt_date, ms_date

PROJECT_COLORS = (
    "dark-pink",
    "dark-green",
    "dark-blue",
    "dark-red",
    "dark-teal",
    "dark-brown",
    "dark-orange",
    "dark-purple",
    "dark-warm-gray",
    "light-pink",
    "light-green",
    "light-blue",
    "light-red",
    "light-teal",
    "light-brown",
    "light-orange",
    "light-purple",
    "light-warm-gray",
)
# default_view mix (design): boards and lists dominate in Asana teams' projects.
VIEWS = (("board", 0.42), ("list", 0.46), ("timeline", 0.08), ("calendar", 0.04))
PRIVACY = (("public_to_workspace", 0.6), ("private_to_team", 0.3), ("private", 0.1))
# Probability that a project enables each core field, by field name (design).
CORE_FIELD_P = {
    "Priority": 0.9,
    "Status": 1.0,
    "Estimate (hours)": 0.5,
    "Target date": 0.3,
    "Reviewer": 0.3,
}
# An industry field is switched on only for teams of the functions it declares (Severity for
# software teams, Patient safety risk for clinical and compliance work), for most of them.
INDUSTRY_FIELD_P = 0.7


@dataclass
class ProjectPlan:
    index: int
    id: int
    team: int
    owner: int  # user index
    members: list[tuple[int, bool]]  # (user index, is_guest)
    name: str
    theme: str
    view: str
    sections: list[tuple[int, str, str | None]]  # (id, name, workflow state)
    privacy: str
    color: str
    created: int
    start_on: str | None
    due_on: str | None
    due_ms: int | None
    fields: list[tuple[FieldDef, bool]]  # enabled fields, is_important
    others: list[int] = field(default_factory=list)  # earlier list projects of the same team

    @property
    def board(self) -> bool:
        return self.view == "board"


def _weighted(rng: np.random.Generator, pairs: tuple[tuple[str, float], ...]) -> str:
    u, acc = rng.random(), 0.0
    for name, p in pairs:
        acc += p
        if u < acc:
            return name
    return pairs[-1][0]


def plan_projects(
    seed: int,
    config: Config,
    org: Org,
    vocab: Vocabulary,
    fields: list[FieldDef],
    later: list[int] = (),  # type: ignore[assignment]
) -> list[ProjectPlan]:
    """Plans for every project, each from its own stream (PROJECTS, index); ``later`` holds
    the creation days of the projects that start after the end date (continuous mode)."""
    teams = [t for t in org.teams if not t.is_leadership]
    team_sizes = np.array([sum(1 for u in org.users if u.team == t.index) for t in teams], float)
    team_p = team_sizes / team_sizes.sum()
    manager_owned: dict[int, int] = {}  # projects each team's manager owns so far
    start = date_ms(config.start_date)
    anchor = date_ms(config.end_date)
    names: set[str] = set()
    plans: list[ProjectPlan] = []
    list_projects: dict[int, list[int]] = {}
    for p in range(config.projects + len(later)):
        rng = rng_for(seed, Stream.PROJECTS, p)
        team = teams[int(rng.choice(len(teams), p=team_p))]
        spec = team.spec
        # Projects start through the window, more of them early (ongoing initiatives).
        span = max(anchor - 21 * DAY_MS - start, DAY_MS)
        created_day = start + int(rng.beta(0.8, 1.3) * span)
        if p >= config.projects:
            created_day = later[p - config.projects]
        # members are people there when the project starts (after the end date: joiners too)
        joined_by = max(anchor, created_day)
        # Owner: the manager, or a long-standing member of the team who stays.  Candidates are
        # drawn at random and checked, so planning stays cheap for teams of thousands.
        # A manager owns a handful of projects, not hundreds: after six, members own them
        # (design; keeps workload per person plausible at scale).  Counting only earlier
        # plans keeps project k independent of how many projects follow it.
        owner_u = team.managers[0] if team.managers else team.members[0]
        if manager_owned.get(team.index, 0) >= 6 or rng.random() >= 0.6 or not team.managers:
            owner_u = _draw(
                rng,
                team.members,
                lambda u, ti=team.index, day=created_day: _stays(org, u, ti, day),
                owner_u,
            )
        if team.managers and owner_u == team.managers[0]:
            manager_owned[team.index] = manager_owned.get(team.index, 0) + 1
        owner = org.users[owner_u]
        created = org.calendars[owner.zone].advance(created_day, float(rng.random()))

        k = min(len(team.members) - 1, 2 + int(rng.poisson(5)))
        chosen: set[int] = set()
        for _ in range(4 * k):
            if len(chosen) >= k:
                break
            u = team.members[int(rng.integers(len(team.members)))]
            leave = org.users[u].leave
            if (
                u != owner_u
                and org.users[u].join < joined_by
                and (leave is None or leave > created + 7 * DAY_MS)
            ):
                chosen.add(u)
        members = [(owner_u, False)] + [(u, False) for u in sorted(chosen)]
        if len(members) >= 9 and rng.random() < 0.15:  # one guest stays <= 10%
            guest = _draw(
                rng,
                range(len(org.users)),
                lambda u, ti=team.index, ch=chosen, by=joined_by: (
                    org.users[u].team != ti
                    and org.users[u].leave is None
                    and org.users[u].join < by
                    and u not in ch
                ),
                None,
            )
            if guest is not None:
                members.append((guest, True))

        theme = spec["themes"][int(rng.integers(len(spec["themes"])))]
        when = ms_date(created)
        name = ""
        for _ in range(8):
            name = fill(
                spec["project_patterns"][int(rng.integers(len(spec["project_patterns"])))],
                theme=theme,
                quarter=f"Q{(when.month - 1) // 3 + 1}",
                year=when.year,
            )
            if name not in names:
                break
            theme = spec["themes"][int(rng.integers(len(spec["themes"])))]
        if name in names:
            name = f"{name} ({p + 1})"
        names.add(name)

        view = _weighted(rng, VIEWS)
        if view == "board":
            layout = vocab.org["board_layouts"][int(rng.integers(len(vocab.org["board_layouts"])))]
            sections = [(gid(Kind.SECTION, j, p), n, s) for j, (n, s) in enumerate(layout)]
        else:
            layout = vocab.org["list_layouts"][int(rng.integers(len(vocab.org["list_layouts"])))]
            sections = [(gid(Kind.SECTION, j, p), n, None) for j, n in enumerate(layout)]

        start_on = created // DAY_MS * DAY_MS + int(rng.integers(0, 4)) * DAY_MS
        due_ms = None
        if rng.random() < 0.8:
            due_ms = start_on + int(rng.integers(30, 150)) * DAY_MS
        enabled = []
        function = team_function(spec)
        for f in fields:
            p_on = CORE_FIELD_P.get(f.name, 0.5) if f.core else INDUSTRY_FIELD_P
            if not f.core and function not in f.spec.get("functions", (function,)):
                p_on = 0.0
            if rng.random() < p_on:
                enabled.append((f, f.name in ("Priority", "Status")))
        plan = ProjectPlan(
            index=p,
            id=gid(Kind.PROJECT, p),
            team=team.index,
            owner=owner_u,
            members=members,
            name=name,
            theme=theme,
            view=view,
            sections=sections,
            privacy=_weighted(rng, PRIVACY),
            color=PROJECT_COLORS[int(rng.integers(len(PROJECT_COLORS)))],
            created=created,
            start_on=fmt_date(start_on),
            due_on=fmt_date(due_ms) if due_ms else None,
            due_ms=due_ms,
            fields=enabled,
            others=list(list_projects.get(team.index, ())),
        )
        plans.append(plan)
        if view != "board":  # later projects may multi-home tasks into the last few of these
            recent = list_projects.setdefault(team.index, [])
            recent.append(p)
            del recent[:-5]
    return plans


def _stays(org: Org, u: int, team: int, day: int) -> bool:
    user = org.users[u]
    return user.leave is None and user.join < day and user.team == team


def _draw(rng: np.random.Generator, pool, ok, fallback, tries: int = 40):
    """A random element of ``pool`` that satisfies ``ok`` (rejection sampling), else fallback."""
    for _ in range(tries):
        u = pool[int(rng.integers(len(pool)))]
        if ok(u):
            return u
    return fallback
