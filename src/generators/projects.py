"""Project plans: team, owner, members, layout, dates and enabled fields of each project.

Plans are made in project-index order, and a plan only looks at *earlier* projects (for unique
names and multi-homing).  People waiting for work then join the plans in the order the plans
start (`project_members.include_everyone`), so adding a project changes no project that starts
before it (a later-starting one may gain or lose such members); continuous mode's projects,
after the end date, come last and change none before them.

Its kind and fate (`project_fates`), its people (`project_members`) and its reviewers
(`reviewers`) come from the modules beside it; the plan record is `project_plan.ProjectPlan`.
"""

from __future__ import annotations

import numpy as np

from ..config import PRE_WINDOW_DAYS, Config
from ..ids import Kind, gid
from ..model import FieldDef, Org
from ..rng import Stream, rng_for
from ..text import Vocabulary, fill, team_function
from ..worktime import DAY_MS, date_ms, fmt_date, ms_date
from .project_fates import shape
from .project_members import away_long, include_everyone, partner_guests, partner_teams, stays
from .project_plan import GOLDEN, ProjectPlan, draw, in_share, over, weighted
from .reviewers import designated_reviewers

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
# Share of projects that are time-boxed (have a due date); the rest are ongoing work.
P_TIMEBOXED = 0.85
START_JITTER = 0.02  # of the span
# A time-boxed project is due 40 to 180 days after its start (design).
LENGTH_DAYS = (40, 180)
# The lengths' sequence steps by the silver ratio's fraction (sqrt 2 - 1) while the starts'
# steps by the golden ratio's: together an evenly spread point set of two dimensions, so the
# projects running at any moment are a fair mix of short and long ones (measured on the
# default files: R2's plastic-number pair spreads worse at 25 projects, its first step is
# close to 3/4).
SILVER = 0.41421356237309515
# The teams' sequence over all projects steps by e - 2: far from any small relation with the
# starts' and lengths' steps (with the golden ratio's, a team's projects would start together).
TEAM_STEP = 0.7182818284590452
# A department's first project starts at most this long before the window (so it is running
# when the window opens: the shortest project lasts 54 days).
FIRST_LEAD = 30 * DAY_MS
# Ongoing work starts in the first part of the span only (most of it before the window).
ONGOING_SPAN = 0.4


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
    anchor = date_ms(config.end_date)
    # Projects start from PRE_WINDOW_DAYS before the window (the company was running when it
    # opened: work in flight at every stage, with its history) to a week before the end.
    start = date_ms(config.start_date)
    first = start - PRE_WINDOW_DAYS * DAY_MS
    span = max(anchor - 7 * DAY_MS - first, DAY_MS)
    # where each sequence starts: of starts, of kinds (time-boxed or ongoing), of lengths, of
    # stalls and of ongoing kinds (project_fates.shape)
    phases = rng_for(seed, Stream.PROJECTS, 0, 1).random(6).tolist()
    phase, kind_phase, length_phase, *fates, team_phase = phases
    team_cdf = np.cumsum(team_p)
    started = {True: 0, False: 0}  # earlier projects of each kind: each kind is spread evenly
    served = 0  # departments given a project that runs in the window
    names: set[str] = set()
    plans: list[ProjectPlan] = []
    list_projects: dict[int, list[int]] = {}
    waiting: dict[int, list[int]] = {}  # per team: its people not yet in any project
    reviewers = designated_reviewers(seed, org)
    placed: set[int] = set()
    sponsored: set[int] = set()  # executives given a hand-off in the window so far
    for p in range(config.projects + len(later)):
        rng = rng_for(seed, Stream.PROJECTS, p)
        rng.random()  # was the team's draw: kept so the plan's other draws stay in place
        # teams by size, read off an evenly spread sequence: each team gets its share of the
        # projects, give or take one (independent draws gave a team of 39 people four
        # projects where nine were its share, and a fifth of it sat idle all window)
        u = (team_phase + p * TEAM_STEP) % 1.0
        team = teams[min(int(np.searchsorted(team_cdf, u, side="right")), len(teams) - 1)]
        rng.random()  # was the kind's draw: kept so the plan's other draws stay in place
        timeboxed = not in_share(p, kind_phase, 1.0 - P_TIMEBOXED)
        nth = started[timeboxed]  # this project's place in the sequences of its kind
        started[timeboxed] += 1
        created_day = first + int(_start_position(nth, phase, rng.random(), timeboxed) * span)
        # Every department owns a project that runs in the window (so its people all have
        # work there): the first projects that start late enough go round the teams, and
        # the last ones if too few did.
        late_enough = created_day >= start - FIRST_LEAD or not timeboxed
        if served < len(teams) and (late_enough or config.projects - p <= len(teams) - served):
            team = teams[served]
            served += 1
        spec = team.spec
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
            owner_u = draw(
                rng,
                team.members,
                lambda u, ti=team.index, day=created_day: stays(org, u, ti, day),
                owner_u,
            )
        if away_long(org, owner_u, created_day):
            # nobody starts a project from parental leave: a colleague who is there does
            owner_u = draw(
                rng,
                team.members,
                lambda u, ti=team.index, day=created_day: (
                    stays(org, u, ti, day) and not away_long(org, u, day)
                ),
                owner_u,
            )
        if team.managers and owner_u == team.managers[0]:
            manager_owned[team.index] = manager_owned.get(team.index, 0) + 1
        created = org.calendar(owner_u).advance(created_day, float(rng.random()))
        if created >= anchor and p < config.projects:
            # no one there to start it before the end date: the owner's zone day, as before
            created = org.calendars[org.users[owner_u].zone].advance(created_day, 0.5)

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
        if len(members) >= 9 and rng.random() < 0.15:  # one guest stays <= 10% (kept: the
            # stream's draws after it are unchanged; partner guests come on top, below)
            guest = draw(
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

        view = weighted(rng, VIEWS)
        if view == "board":
            layout = vocab.org["board_layouts"][int(rng.integers(len(vocab.org["board_layouts"])))]
            sections = [(gid(Kind.SECTION, j, p), n, s) for j, (n, s) in enumerate(layout)]
        else:
            layout = vocab.org["list_layouts"][int(rng.integers(len(vocab.org["list_layouts"])))]
            sections = [(gid(Kind.SECTION, j, p), n, None) for j, n in enumerate(layout)]

        start_on = created // DAY_MS * DAY_MS + int(rng.integers(0, 4)) * DAY_MS
        due_ms = None
        if timeboxed:
            due_ms = start_on + _length_days(nth, length_phase, rng.random()) * DAY_MS
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
            privacy=weighted(rng, PRIVACY),
            color=PROJECT_COLORS[int(rng.integers(len(PROJECT_COLORS)))],
            created=created,
            start_on=fmt_date(start_on),
            due_on=fmt_date(due_ms) if due_ms else None,
            due_ms=due_ms,
            fields=enabled,
            others=list(list_projects.get(team.index, ())),
        )
        shape(seed, org, plan, reviewers, nth, fates, (start, anchor), sponsored)
        plans.append(plan)
        if view != "board":  # later projects may multi-home tasks into the last few of these
            recent = list_projects.setdefault(team.index, [])
            recent.append(p)
            del recent[:-5]
    # People waiting for work join projects in the order the projects start (the ones after
    # the end date last, in their order): in the plans' order, a team's first plan that
    # starts in the window's last weeks took the people its earlier projects had no room for,
    # and they sat idle all window (issue 9).  The plans before the end date are all known
    # here, so a later clock (continuous mode) changes none of their members.
    initial = sorted(plans[: config.projects], key=lambda q: (q.created, q.index))
    for plan in initial + plans[config.projects :]:
        include_everyone(seed, org, plan, waiting, placed, anchor, start)
        partner_guests(seed, org, plan, reviewers)
    _cross_post(org, plans)
    return plans


def _cross_post(org: Org, plans: list[ProjectPlan]) -> None:
    """Hand-off work is also posted to a list project of the reviewing team (issue 9: tasks
    multi-homed across teams' projects): the one running at the hand-off (started by then and
    not over), else the latest started before it, else the first the team starts after it.
    Where the reviewing team runs no such project (the leadership runs none; some teams run
    only boards, or start their list projects later in plan order), it goes to a partner
    team's the same way (the shared work the project's partners follow).  Only projects
    planned before this one are candidates: they exist at any clock (a later clock keeps the
    choice), adding a project changes no earlier one's, and they are written before it (the
    membership's foreign key)."""
    lists: dict[int, list[ProjectPlan]] = {}
    for q in plans:
        if not q.board:  # a board's columns are states: a cross-post would contradict them
            lists.setdefault(q.team, []).append(q)
    for plan in plans:
        if plan.handoff is None:
            continue
        at, reviewer, _ = plan.handoff
        pick = None
        for teams in ([org.users[reviewer].team], partner_teams(org, plan.team)):
            own = [q for team in teams for q in lists.get(team, []) if q.index < plan.index]
            before = [q for q in own if q.created <= at]
            running = [q for q in before if over(q) is None or over(q) > at]
            after = [q for q in own if q.created > at]
            pick = max(running or before, key=lambda q: (q.created, q.index), default=None)
            pick = pick or min(after, key=lambda q: (q.created, q.index), default=None)
            if pick is not None:
                break
        plan.review = None if pick is None else pick.index


def _start_position(k: int, phase: float, u: float, timeboxed: bool) -> float:
    """Where in the span the ``k``-th project of its kind starts, in [0, 1): the golden-ratio
    sequence, so that any number of projects is spread evenly (new work arrives at a steady
    rate, issue 9: no full month of the window below 60% of the busiest), with a little
    jitter.  Ongoing work (operations, intake queues) is mostly older: it runs when the
    window opens."""
    pos = (phase + k * GOLDEN + START_JITTER * (u - 0.5)) % 1.0
    return pos if timeboxed else pos * ONGOING_SPAN


def _length_days(k: int, phase: float, u: float) -> int:
    """Days from the ``k``-th time-boxed project's start to its due date, in LENGTH_DAYS:
    an evenly spread sequence paired with the starts' (independent lengths let one month
    run with few projects and the next with many: issue 9's monthly flatness swung from
    0.5 to 0.9 between seeds), with a little jitter."""
    lo, hi = LENGTH_DAYS
    pos = (phase + k * SILVER + START_JITTER * (u - 0.5)) % 1.0
    return lo + int(pos * (hi - lo))
