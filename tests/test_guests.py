"""Guests from partner teams (src/generators/guests.py): they ask, get answers and review on a
project's tasks from a stream of their own, so inviting one changes nothing else."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import END_DATE

from src.config import Config
from src.generators.tasks import simulate_project
from src.pipeline import anchor_ms, build_world


@pytest.fixture(scope="module")
def world():
    config = Config(seed=42, scale="default", end_date=END_DATE)
    return config, build_world(config)


def _simulate(config, world, plan):
    return simulate_project(
        config.seed, world.org, plan, world.plans, world.tags, world.vocab,
        config.tasks_per_project, anchor_ms(config),
    )  # fmt: skip


def _key(e) -> tuple:
    """An event by value (members are compared by user, not by object)."""
    return (e.t, e.actor.user_id, e.subtype, e.kind, e.project_id, e.new_due_on, e.new_option)


def test_a_guest_only_adds_comments(world) -> None:
    # setup: a project with a partner guest, and the same project without them
    config, w = world
    plan = next(p for p in w.plans if p.partners and p.index < config.projects)
    alone = dataclasses.replace(
        plan, members=[m for m in plan.members if m[0] not in plan.partners], partners=[]
    )
    guests = {w.org.users[u].id for u in plan.partners}
    # run
    with_guest = _simulate(config, w, plan)
    without = _simulate(config, w, alone)
    # assert: the same lives, but for the guests' comments (and the answers to them)
    added = 0
    for a, b in zip(with_guest.tasks, without.tasks, strict=True):
        before = [_key(e) for e in b.life.events]
        extra = [e for e in a.life.events if _key(e) not in before]
        assert [_key(e) for e in a.life.events if e not in extra] == before
        assert all(e.subtype == "comment_added" for e in extra)
        assert all(e.actor.user_id in guests or e.addressee.user_id in guests for e in extra)
        assert all(e.kind in ("question", "review", "answer") for e in extra)
        assert a.life.completed == b.life.completed and a.life.status == b.life.status
        added += len(extra)
    assert added > 0


def test_guests_come_from_partner_teams_and_stay_few(world) -> None:
    config, w = world
    for plan in w.plans:
        staff = [u for u, g in plan.members if not g]
        guests = [u for u, g in plan.members if g]
        # at most one in ten members, none of the project's team, none who leaves
        assert len(guests) <= 0.1 * len(plan.members)
        for u in guests:
            user = w.org.users[u]
            assert user.team != plan.team and u not in staff
            assert u not in w.org.teams[plan.team].members
