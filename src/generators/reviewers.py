"""Who signs a team's work off: the reviewing functions found by team name, and the person
each of them (and the leadership) designates for a team, a secondary member of it."""

from __future__ import annotations

from ..model import Org
from ..rng import Stream, rng_for
from .project_plan import draw

# Hand-offs between functions (issue 9): a time-boxed project asks a reviewer of another
# team for sign-off, as an approval task assigned to them; later projects may depend on it.
# The reviewing functions are found by team name in each industry's data; their label names
# the task (design: Legal, Finance, Security and Compliance are the usual gates).
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
EXECUTIVE_LABEL = "Executive approval"


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
    leadership) assigns to sign its work off: a secondary member of the team.  The
    leadership's is one of its own people, the departments taking them in turn
    (`_executives`); each other gate's is drawn per (team, gate) from its own stream.  They
    depend on the organization only, not on the projects (adding a project changes no
    membership)."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    executives = _executives(seed, org)
    ordinary = [t for t in org.teams if not t.is_leadership]
    for nth, team in enumerate(ordinary):
        chosen = []
        for gate, label in reviewer_teams(org, team.index):
            if label == EXECUTIVE_LABEL and executives:
                u = executives[nth % len(executives)]  # the departments take them in turn
            else:  # from the (team, gate) stream, which nothing else draws from
                u = draw(
                    rng_for(seed, Stream.PROJECT_SHAPES, 2_000_000 + team.index, gate),
                    org.teams[gate].members,
                    lambda u, g=gate: org.users[u].team == g and org.users[u].leave is None,
                    None,
                )
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
    users = org.users
    own = [u for u in lead.members if users[u].team == lead.index and users[u].leave is None]
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
