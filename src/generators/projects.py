"""Project plans: team, owner, members, layout, dates and enabled fields of each project.

Plans are made in project-index order, and a plan only looks at *earlier* projects (for unique
names and multi-homing), so adding project 21 never changes projects 1-20.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import filterfalse

import numpy as np

from ..config import PRE_WINDOW_DAYS, Config
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

# Kinds of project (issue 9), drawn from the project's own stream (PROJECT_SHAPES, index) so
# the plan's other draws are untouched.  A project without a due date is ongoing work: run
# as operations (recurring, dated) or as an intake queue of requests (design: most teams
# keep one of each).  A project with one is time-boxed; which of the four it is names its
# shape in the docs and the report, the engine treats them alike.
ONGOING_KINDS = (("operations", 0.5), ("intake", 0.5))  # half each, alternating (_shape)
TIMEBOXED_KINDS = (("launch", 0.3), ("sprint", 0.25), ("campaign", 0.25), ("audit", 0.2))
# Share of time-boxed projects that stall part-way (work stops; status updates then read
# "on hold" from the quiet), design: a few in ten of real initiatives lose their sponsor.
P_PROJECT_STALLS = 0.12
# Share of the other time-boxed projects that are cancelled part-way (design, 3-6% of
# time-boxed work): the owner closes the open tasks as dropped or moves them to another
# project of the team, archives the project and posts a "dropped" status update.  Which
# ones is read off a golden-ratio sequence over the project index (a phase per seed), so
# that about one in 1 / P of the projects is, in every stretch of them: independent draws
# leave most default files (30 projects) with none or with three.
P_PROJECT_CANCELLED = 0.06
GOLDEN = 0.6180339887498949
# Hand-offs between functions (issue 9): a time-boxed project asks a reviewer of another
# team for sign-off, as an approval task assigned to them; later projects may depend on it.
# The reviewing functions are found by team name in each industry's data; their label names
# the task (design: Legal, Finance, Security and Compliance are the usual gates).
P_HANDOFF = 0.6
REVIEWERS = (
    ("Legal", "Legal review"),
    ("Compliance", "Compliance review"),
    ("Risk", "Risk review"),
    ("Security", "Security sign-off"),
    ("Quality", "Quality sign-off"),
    ("Safety", "Safety sign-off"),
    ("EHS", "Safety sign-off"),
    ("Finance", "Finance approval"),
    ("Budget", "Budget approval"),
)
# Share of hand-offs that go to an executive (the important projects): the executive approves
# the sign-off, posts some of the status updates and takes part like any member (design).
P_EXECUTIVE = 0.3
SIGN_OFF_ROOM = 14 * DAY_MS  # an executive's first sign-off in the window leaves time to act
EXECUTIVE_LABEL = "Executive approval"
# Share of projects that are time-boxed (have a due date); the rest are ongoing work.
P_TIMEBOXED = 0.85
GOLDEN = 0.6180339887498949  # the golden ratio's fraction: an evenly spread sequence
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
# People of the team who are in no project yet join each new project, up to this many (design).
NEW_MEMBERS = 6
# A project whose work is over (two weeks past its due date, stalled or cancelled) within this
# long of the window's start places nobody waiting for work: they would sit out the rest of
# the window (issue 9; a cancellation before the window left a team's people idle in it).
PLACE_OVERLAP = 30 * DAY_MS
# Guests from partner teams (issue 9): a project of at least GUEST_MIN_MEMBERS members invites
# someone of a partner function with commenter access, who asks, answers and reviews on its
# tasks; one more from twice that size (design: guests 2-8% of members, at most one in ten
# of a project's, the who.guest_share rule).  Partners by team function (design: whom each
# function works with most); a team of the same function is a partner too.
P_PARTNER_GUEST = 0.7
GUEST_MIN_MEMBERS = 9
PARTNERS = {
    "software": ("product", "it", "customer"),
    "product": ("software", "marketing", "customer"),
    "marketing": ("sales", "product", "editorial", "customer"),
    "sales": ("marketing", "customer", "finance"),
    "customer": ("operations", "product", "sales", "software"),
    "operations": ("customer", "finance", "engineering", "it"),
    "engineering": ("operations", "compliance", "it"),
    "it": ("operations", "software", "finance"),
    "finance": ("operations", "sales", "hr"),
    "hr": ("finance", "operations"),
    "compliance": ("operations", "clinical", "engineering"),
    "clinical": ("compliance", "customer", "it"),
    "editorial": ("marketing", "software"),
}


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
    review: int | None = None  # the reviewing team's list project hand-off work is posted to
    kind: str = "launch"  # one of ONGOING_KINDS or TIMEBOXED_KINDS
    halt: int | None = None  # work stops here (a stalled project), epoch ms
    cancel: int | None = None  # the project is cancelled here (work stops, open work closed)
    partners: list[int] = field(default_factory=list)  # guests from partner teams (user index)
    # a sign-off asked of another function: (hint time, reviewer user index, label)
    handoff: tuple[int, int, str] | None = None

    @property
    def ongoing(self) -> bool:
        return self.due_ms is None

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
    anchor = date_ms(config.end_date)
    # Projects start from PRE_WINDOW_DAYS before the window (the company was running when it
    # opened: work in flight at every stage, with its history) to a week before the end.
    start = date_ms(config.start_date)
    first = start - PRE_WINDOW_DAYS * DAY_MS
    span = max(anchor - 7 * DAY_MS - first, DAY_MS)
    # where each sequence starts: of starts, of kinds (time-boxed or ongoing), of lengths, of
    # stalls and of ongoing kinds (_shape)
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
        timeboxed = not _in_share(p, kind_phase, 1.0 - P_TIMEBOXED)
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
            owner_u = _draw(
                rng,
                team.members,
                lambda u, ti=team.index, day=created_day: _stays(org, u, ti, day),
                owner_u,
            )
        if _away_long(org, owner_u, created_day):
            # nobody starts a project from parental leave: a colleague who is there does
            owner_u = _draw(
                rng,
                team.members,
                lambda u, ti=team.index, day=created_day: (
                    _stays(org, u, ti, day) and not _away_long(org, u, day)
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
            privacy=_weighted(rng, PRIVACY),
            color=PROJECT_COLORS[int(rng.integers(len(PROJECT_COLORS)))],
            created=created,
            start_on=fmt_date(start_on),
            due_on=fmt_date(due_ms) if due_ms else None,
            due_ms=due_ms,
            fields=enabled,
            others=list(list_projects.get(team.index, ())),
        )
        _shape(seed, org, plan, reviewers, nth, fates, (start, anchor), sponsored)
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
        _include_everyone(seed, org, plan, waiting, placed, anchor, start)
        _partner_guests(seed, org, plan, reviewers)
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
            running = [q for q in before if _over(q) is None or _over(q) > at]
            after = [q for q in own if q.created > at]
            pick = max(running or before, key=lambda q: (q.created, q.index), default=None)
            pick = pick or min(after, key=lambda q: (q.created, q.index), default=None)
            if pick is not None:
                break
        plan.review = None if pick is None else pick.index


def _over(plan: ProjectPlan) -> int | None:
    """When the project's work is over (its stall, cancellation or two weeks past its due
    date); None for ongoing work."""
    if plan.halt is not None or plan.cancel is not None:
        return plan.halt if plan.halt is not None else plan.cancel
    return plan.due_ms + 14 * DAY_MS if plan.due_ms else None


def _start_position(k: int, phase: float, u: float, timeboxed: bool) -> float:
    """Where in the span the ``k``-th project of its kind starts, in [0, 1): the golden-ratio
    sequence, so that any number of projects is spread evenly (new work arrives at a steady
    rate, issue 9: no full month of the window below 60% of the busiest), with a little
    jitter.  Ongoing work (operations, intake queues) is mostly older: it runs when the
    window opens."""
    pos = (phase + k * GOLDEN + START_JITTER * (u - 0.5)) % 1.0
    return pos if timeboxed else pos * ONGOING_SPAN


def _in_share(i: int, phase: float, share: float) -> bool:
    """Whether the ``i``-th of a run of projects is among the ``share`` that have a trait:
    one in every 1 / share, evenly (a phase per seed), so any n in a row hold n * share of
    them, give or take one (independent draws left a default file of 30 projects with half
    or twice its share, and its figures swung with them)."""
    return (phase + i * share) % 1.0 < share


def _length_days(k: int, phase: float, u: float) -> int:
    """Days from the ``k``-th time-boxed project's start to its due date, in LENGTH_DAYS:
    an evenly spread sequence paired with the starts' (independent lengths let one month
    run with few projects and the next with many: issue 9's monthly flatness swung from
    0.5 to 0.9 between seeds), with a little jitter."""
    lo, hi = LENGTH_DAYS
    pos = (phase + k * SILVER + START_JITTER * (u - 0.5)) % 1.0
    return lo + int(pos * (hi - lo))


def _shape(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    reviewers: dict,
    nth: int,
    phases: list[float],
    window: tuple[int, int],
    sponsored: set[int],
) -> None:
    """The project's kind, whether it stalls (or is cancelled) and its hand-off, from its own
    streams (never the anchor: the stall, the cancellation and the hand-off are points of the
    project's planned life, so a later clock keeps them).  Which ongoing project is an intake
    queue and which time-boxed one stalls is read off evenly spread sequences over ``nth``
    (its place among the projects of its kind; ``phases`` per seed), so every file has its
    share of each: a default file has four or five ongoing projects and some 25 time-boxed
    ones, and independent draws left some with no intake queue or with six stalls (the
    per-file completion, Blocked and days-to-completion figures swung with them).
    ``window`` is the configured window (start and end date, not the clock) and
    ``sponsored`` the executives given a hand-off in it by the earlier plans."""
    rng = rng_for(seed, Stream.PROJECT_SHAPES, plan.index)
    if plan.due_ms is None:
        rng.random()  # was the kind's draw (nothing follows it)
        plan.kind = ONGOING_KINDS[int(_in_share(nth, phases[1], 0.5))][0]
        return
    plan.kind = _weighted(rng, TIMEBOXED_KINDS)
    life = plan.due_ms - plan.created
    rng.random()  # was the stall's draw: kept so the draws below stay in place
    if _in_share(nth, phases[0], P_PROJECT_STALLS):
        plan.halt = plan.created + int((0.25 + 0.45 * rng.random()) * life)
    elif (plan.index * GOLDEN + seed * 0.7548776662466927) % 1.0 < P_PROJECT_CANCELLED:
        # the point from its own stream: the draws below (and every other plan) are unchanged
        fate = rng_for(seed, Stream.PROJECT_SHAPES, plan.index, 7)
        plan.cancel = plan.created + int((0.3 + 0.45 * fate.random()) * life)
    if rng.random() < P_HANDOFF:
        at = plan.created + int((0.3 + 0.5 * rng.random()) * life)
        gates = reviewers.get(plan.team, [])
        executive = [g for g in gates if g[2] == EXECUTIVE_LABEL]
        others = [g for g in gates if g[2] != EXECUTIVE_LABEL]
        # an executive who has signed nothing off in the window yet takes the first hand-off
        # of a team they sponsor that falls in it (issue 9: executives approve; drawn alone,
        # some of them had none and never acted in the window)
        over = _over(plan)
        unsigned = (
            executive
            and executive[0][1] not in sponsored
            and window[0] <= at < window[1] - SIGN_OFF_ROOM
            and (over is None or at < over)
        )
        r = rng.random()
        pool = executive if executive and (unsigned or r < P_EXECUTIVE or not others) else others
        if pool:
            _, reviewer, label = pool[int(rng.integers(len(pool)))]
            joined = org.users[reviewer].join < plan.created
            if joined and all(u != reviewer for u, _ in plan.members):
                guests = [m for m in plan.members if m[1]]
                plan.members = [m for m in plan.members if not m[1]] + [(reviewer, False)] + guests
                plan.handoff = (at, reviewer, label)
                if label == EXECUTIVE_LABEL and window[0] <= at < window[1] - SIGN_OFF_ROOM:
                    sponsored.add(reviewer)


def reviewer_teams(org: Org, own: int) -> list[tuple[int, str]]:
    """The teams other than ``own`` that sign work off, with the label of their sign-off
    (the leadership signs off important work)."""
    out = []
    for team in org.teams:
        if team.index == own:
            continue
        if team.is_leadership:
            out.append((team.index, EXECUTIVE_LABEL))
            continue
        for word, label in REVIEWERS:
            if word in team.name:
                out.append((team.index, label))
                break
    return out


def designated_reviewers(seed: int, org: Org) -> dict[int, list[tuple[int, int, str]]]:
    """Per team, (gate team, user index, label) of the person each reviewing function (and the
    leadership) assigns to sign its work off: a secondary member of the team.  Drawn per
    (team, gate) from its own stream, so they depend on the organization only, not on the
    projects (adding a project changes no membership)."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    executives = _executives(seed, org)
    ordinary = [t for t in org.teams if not t.is_leadership]
    for nth, team in enumerate(ordinary):
        chosen = []
        for gate, label in reviewer_teams(org, team.index):
            rng = rng_for(seed, Stream.PROJECT_SHAPES, 2_000_000 + team.index, gate)
            members = org.teams[gate].members
            u = _draw(
                rng,
                members,
                lambda u, g=gate: org.users[u].team == g and org.users[u].leave is None,
                None,
            )
            if label == EXECUTIVE_LABEL and executives:
                u = executives[nth % len(executives)]
            if u is not None:
                chosen.append((gate, u, label))
        out[team.index] = chosen
    return out


def _executives(seed: int, org: Org) -> list[int]:
    """The leadership's own people who stay (not the team managers, whose team is their
    department), in an order drawn once: the departments take them in turn as their
    executive sponsor, so each one sponsors some (drawn per department, two of eleven
    executives sponsored nobody and never acted in the window: issue 9)."""
    lead = next((t for t in org.teams if t.is_leadership), None)
    if lead is None:
        return []
    own = [
        u for u in lead.members if org.users[u].team == lead.index and org.users[u].leave is None
    ]
    order = rng_for(seed, Stream.PROJECT_SHAPES, 3_000_000).permutation(len(own))
    return [own[i] for i in order]


def reviewer_memberships(seed: int, org: Org) -> list[tuple[int, int, int]]:
    """(team index, user index, since) of the designated reviewers who are not in the team
    yet: they join it as secondary members (a project member belongs to its team)."""
    rows = []
    for team, chosen in designated_reviewers(seed, org).items():
        members = set(org.teams[team].members)
        for _, u, _ in chosen:
            if u not in members:
                members.add(u)
                rows.append((team, u, max(org.teams[team].created, org.users[u].join)))
    return rows


def _include_everyone(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    waiting: dict[int, list[int]],
    placed: set[int],
    anchor: int,
    start: int,
) -> None:
    """Add up to NEW_MEMBERS people of the team who are in no project yet to this one, so
    that nobody sits out the window (issue 9: a fifth of employees never acted).  Only the
    earlier plans decide who is waiting, so project k never depends on the projects after it;
    each team's queue is shuffled once from its own stream.  A project that starts after the
    end date (continuous mode) takes only people already there: at a clock that shows it,
    everyone in it is in the file.  A project whose work ended before the window opened
    (its history only), or is over in the window's first weeks (PLACE_OVERLAP), places
    nobody: its people still wait for work in the window."""
    end = _over(plan)
    if end is not None and end < start + PLACE_OVERLAP:
        return
    placed.update(u for u, _ in plan.members)
    team = org.teams[plan.team]
    queue = waiting.get(team.index)
    if queue is None:
        own = [u for u in team.members if org.users[u].team == team.index]
        order = rng_for(seed, Stream.PROJECT_SHAPES, 1_000_000 + team.index).permutation(len(own))
        queue = waiting[team.index] = [own[i] for i in order]
    added: list[int] = []
    keep: list[int] = []
    # people who join in the project's first two weeks, but by the end date: a later joiner
    # is not in the file at the end date (continuous mode shows them only from their join)
    by = min(plan.created + 14 * DAY_MS, anchor) if plan.created < anchor else plan.created
    users, stays_past = org.users, plan.created + 14 * DAY_MS  # a hot loop at xl
    for i, u in enumerate(queue):
        if u in placed:
            continue
        user = users[u]
        fits = user.join < by and (user.leave is None or user.leave > stays_past)
        if fits and len(added) < NEW_MEMBERS:
            added.append(u)
            if len(added) == NEW_MEMBERS:  # the rest stays in the queue (in C: big teams)
                keep += filterfalse(placed.__contains__, queue[i + 1 :])
                break
        else:
            keep.append(u)
    queue[:] = keep
    if added:
        placed.update(added)
        guests = [m for m in plan.members if m[1]]
        plan.members = [m for m in plan.members if not m[1]] + [(u, False) for u in added] + guests


def partner_teams(org: Org, team: int) -> list[int]:
    """The teams (not the leadership, not ``team``) whose function partners with the team's."""
    function = team_function(org.teams[team].spec)
    wanted = (function, *PARTNERS.get(function, ()))
    return [
        t.index
        for t in org.teams
        if t.index != team and not t.is_leadership and team_function(t.spec) in wanted
    ]


def _partner_guests(seed: int, org: Org, plan: ProjectPlan, reviewers: dict) -> None:
    """Invite guests from partner teams (commenters, never assigned) to a project big enough
    that they stay at most one in ten of its members, from the project's own stream.  A
    guest is someone there when the project starts who stays, and is not of the team (nor
    one of its designated reviewers, who are secondary members of it)."""
    rng = rng_for(seed, Stream.PROJECT_SHAPES, plan.index, 8)
    partners = partner_teams(org, plan.team)
    staff = sum(1 for _, guest in plan.members if not guest)
    wanted = int(staff >= GUEST_MIN_MEMBERS) + int(staff >= 2 * GUEST_MIN_MEMBERS)
    inside: set[int] = set()
    for _ in range(wanted):
        if not partners or rng.random() >= P_PARTNER_GUEST:
            continue
        if not inside:  # made only when a guest is drawn (most projects draw none)
            inside.update(u for u, _ in plan.members)
            inside.update(u for _, u, _ in reviewers.get(plan.team, ()))
            inside.update(org.teams[plan.team].members)
        team = org.teams[partners[int(rng.integers(len(partners)))]]
        guest = _draw(
            rng,
            team.members,
            lambda u: (
                u not in inside and org.users[u].leave is None and org.users[u].join < plan.created
            ),
            None,
            tries=12,
        )
        if guest is not None and sum(g for _, g in plan.members) + 1 <= 0.1 * (
            len(plan.members) + 1
        ):
            plan.members.append((guest, True))
            plan.partners.append(guest)
            inside.add(guest)


def _stays(org: Org, u: int, team: int, day: int) -> bool:
    user = org.users[u]
    return user.leave is None and user.join < day and user.team == team


def _away_long(org: Org, u: int, day: int) -> bool:
    """On (or about to start) a long absence around ``day``: parental leave."""
    cal = org.calendar(u)
    return bool(cal.longs) and cal.long_away(day, day + 30 * DAY_MS) is not None


def _draw(rng: np.random.Generator, pool, ok, fallback, tries: int = 40):
    """A random element of ``pool`` that satisfies ``ok`` (rejection sampling), else fallback."""
    for _ in range(tries):
        u = pool[int(rng.integers(len(pool)))]
        if ok(u):
            return u
    return fallback
