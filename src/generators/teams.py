"""Rows for `teams` and `team_memberships`: functions of the company and who is in them."""

from __future__ import annotations

import numpy as np

from ..ids import Kind, gid
from ..model import Team, User, Workspace
from ..text import Vocabulary
from ..worktime import DAY_MS, fmt_ms


def generate_teams(
    rng: np.random.Generator, workspace: Workspace, vocab: Vocabulary, n_users: int
) -> list[Team]:
    """The industry's functional teams, plus a small Leadership team (index 0).

    A very small company keeps only its largest functions: every team needs a manager and a
    few people (about four people per team).
    """
    lead = vocab.org["leadership"]
    specs = [{**lead, "weight": 0}]
    keep = max(1, min(len(vocab.teams), (n_users - 1) // 4))
    by_weight = sorted(range(len(vocab.teams)), key=lambda i: -vocab.teams[i]["weight"])[:keep]
    specs += [vocab.teams[i] for i in sorted(by_weight)]
    teams = []
    for i, spec in enumerate(specs):
        created = workspace.created + int(rng.integers(0, 400)) * DAY_MS
        teams.append(
            Team(
                i,
                gid(Kind.TEAM, i),
                spec["name"],
                spec["description"],
                created,
                spec,
                is_leadership=(i == 0),
            )
        )
    return teams


def team_rows(teams: list[Team], workspace: Workspace) -> list[tuple]:
    return [(t.id, workspace.id, t.name, t.description, fmt_ms(t.created)) for t in teams]


def team_membership_rows(
    rng: np.random.Generator, teams: list[Team], users: list[User]
) -> list[tuple]:
    """Primary memberships, managers in Leadership, and ~8% of people in a second team."""
    rows = []
    for team in teams:
        for ui in team.members:
            u = users[ui]
            is_admin = int(ui in team.managers)
            primary = int(u.team == team.index)
            rows.append((team.id, u.id, is_admin, primary, fmt_ms(max(team.created, u.join))))
    ordinary = [t for t in teams if not t.is_leadership]
    for u in users:
        if u.is_manager or rng.random() >= 0.08 or len(ordinary) < 2:
            continue
        other = ordinary[int(rng.integers(len(ordinary)))]
        if other.index == u.team:
            continue
        other.members.append(u.index)
        rows.append((other.id, u.id, 0, 0, fmt_ms(max(other.created, u.join))))
    return rows
