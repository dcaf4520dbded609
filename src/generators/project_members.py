"""Who is in a project besides its owner's pick: the team's people not yet in any project
(so nobody sits out the window) and guests from partner teams (commenters)."""

from __future__ import annotations

from itertools import filterfalse

from ..model import Org
from ..rng import Stream, rng_for
from ..text import team_function
from ..worktime import DAY_MS
from .project_plan import ProjectPlan, draw, over

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


def include_everyone(
    seed: int,
    org: Org,
    plan: ProjectPlan,
    waiting: dict[int, list[int]],
    placed: set[int],
    anchor: int,
    start: int,
) -> None:
    """Add up to NEW_MEMBERS people of the team who are in no project yet to this one, so
    that nobody sits out the window (issue 9: a fifth of employees never acted).  Called in
    the order the plans start (`projects.plan_projects`): only plans that start earlier decide
    who is waiting, so a plan never depends on the ones that start after it; each team's
    queue is shuffled once from its own stream.  A project that starts after the
    end date (continuous mode) takes only people already there: at a clock that shows it,
    everyone in it is in the file.  A project whose work ended before the window opened
    (its history only), or is over in the window's first weeks (PLACE_OVERLAP), places
    nobody: its people still wait for work in the window."""
    end = over(plan)
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


def partner_guests(seed: int, org: Org, plan: ProjectPlan, reviewers: dict) -> None:
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
        guest = draw(
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


def stays(org: Org, u: int, team: int, day: int) -> bool:
    user = org.users[u]
    return user.leave is None and user.join < day and user.team == team


def away_long(org: Org, u: int, day: int) -> bool:
    """On (or about to start) a long absence around ``day``: parental leave."""
    cal = org.calendar(u)
    return bool(cal.longs) and cal.long_away(day, day + 30 * DAY_MS) is not None
