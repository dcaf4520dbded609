"""The lifecycle engine's lookups: who is active at a moment (precomputed per project) is what
a scan of the members finds, and a task's state at a moment is read from its timeline with
the changes at that moment counted or not.  A moved due date stays after the start date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from statistics import NormalDist

import numpy as np
import pytest

from src.config import resolve_config
from src.generators.handoffs import project_ctx
from src.lifecycle import NEVER, Draws, Member, TaskLife, _move_due_on, state_at
from src.lifecycle.engine import P_QUEUED_STALLED, P_UNOWNED, _owner_plan
from src.lifecycle.model import LOAD_SIGMA, workload
from src.lifecycle.sim import _Sim
from src.pipeline import anchor_ms, build_world
from src.worktime import DAY_MS, absence_on, build_calendar, date_ms, is_workday, personal_calendar


def _ctx_with_turnover():
    config = resolve_config({"scale": "small", "end_date": "2026-06-30"})
    world = build_world(config)
    anchor = anchor_ms(config)
    plan = max(world.plans[:20], key=lambda p: len(p.members))
    ctx, _ = project_ctx(world.org, plan, world.plans, anchor)
    # people who join late, leave early, or both, and one who left before anyone joined
    m = ctx.members
    start = min(x.join for x in m)
    changed = [
        dataclasses.replace(m[0], join=start + 10 * DAY_MS),
        dataclasses.replace(m[1], leave=start + 20 * DAY_MS),
        dataclasses.replace(m[2], join=start + 5 * DAY_MS, leave=start + 20 * DAY_MS),
        dataclasses.replace(m[3], join=start - 9 * DAY_MS, leave=start - 2 * DAY_MS),
    ]
    members = changed + m[4:]
    guest = members[-1].user_id
    return dataclasses.replace(ctx, members=members, guests=frozenset({guest}))


def test_active_members_are_those_a_scan_finds_in_member_order():
    ctx = _ctx_with_turnover()
    assert len(ctx.editors) == len(ctx.members) - 1  # the guest is no editor
    moments = {x for m in ctx.members for x in (m.join, m.leave) if x < NEVER}
    probes = sorted({t + d for t in moments for d in (-1, 0, 1)} | {min(moments) - DAY_MS})
    assert len(probes) > 20
    for t in probes:
        for editors, pool in ((True, ctx.editors), (False, ctx.members)):
            scan = [m for m in pool if m.join <= t < m.leave]
            assert list(ctx.active(t, editors)) == scan, (t, editors)
    # somebody is inactive at some probe and active at another: the spans matter
    sizes = {len(ctx.active(t)) for t in probes}
    assert len(sizes) > 2


def test_state_at_counts_the_changes_at_t_unless_before():
    a, b = object(), object()
    timeline = [(100, "Not started", None), (200, "In progress", a), (200, "Blocked", a)]
    timeline.append((300, "In progress", b))
    assert state_at(timeline, 50) == ("Not started", None)
    assert state_at(timeline, 100) == ("Not started", None)
    assert state_at(timeline, 199) == ("Not started", None)
    assert state_at(timeline, 200) == ("Blocked", a)  # the last change at that moment
    assert state_at(timeline, 200, before=True) == ("Not started", None)
    assert state_at(timeline, 299) == ("Blocked", a)
    assert state_at(timeline, 300) == ("In progress", b)
    assert state_at(timeline, 300, before=True) == ("Blocked", a)
    assert state_at([], 300) == ("Not started", None)


def _away_after_start() -> tuple[Member, TaskLife]:
    """A task starting Monday 2026-03-09 for someone away from the next day to Friday
    2026-03-20 (back Monday 2026-03-23), due Thursday 2026-03-12."""
    zone = build_calendar(42, 0, dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    cal = personal_calendar(zone, [(dt.date(2026, 3, 10), dt.date(2026, 3, 20), "vacation")])
    who = Member(0, 1, "Ann", "Ann Lee", cal, 0, NEVER)
    life = TaskLife("default_task", 1, date_ms(dt.date(2026, 3, 2)), who, assignee=who)
    life.start_on, life.due_on = "2026-03-09", "2026-03-12"
    return who, life


def test_a_due_date_moved_into_time_off_stays_after_the_start_day():
    who, life = _away_after_start()
    # the calendar forces the case: the working day before the absence is the start day
    assert is_workday(who.cal, date_ms(dt.date(2026, 3, 9)))
    assert absence_on(who.cal, date_ms(dt.date(2026, 3, 16))) is not None
    t = date_ms(dt.date(2026, 3, 5)) + 15 * 3_600_000  # moved before work was due to start
    d = Draws(np.random.default_rng(0))
    new = _move_due_on(d, life, who.cal, date_ms(dt.date(2026, 3, 16)), t)
    assert new == date_ms(dt.date.fromisoformat(life.due_on))
    # not onto the start day (the working day before the absence): the day they are back
    assert life.start_on == "2026-03-09"
    assert life.due_on == "2026-03-23"


def test_a_start_day_the_moved_due_day_cannot_follow_is_dropped():
    who, life = _away_after_start()
    t = date_ms(dt.date(2026, 3, 2)) + 15 * 3_600_000
    d = Draws(np.random.default_rng(0))
    # a working day that is no later than the start day stays where it is: the start goes
    new = _move_due_on(d, life, who.cal, date_ms(dt.date(2026, 3, 6)), t)
    assert (new, life.due_on) == (date_ms(dt.date(2026, 3, 6)), "2026-03-06")
    assert life.start_on is None


def _two_projects() -> list:
    """The contexts of a small file's first two projects (each has its own phases)."""
    config = resolve_config({"scale": "small", "end_date": "2026-06-30"})
    world = build_world(config)
    anchor = anchor_ms(config)
    return [project_ctx(world.org, p, world.plans, anchor)[0] for p in world.plans[:2]]


def test_efforts_and_blocked_stalls_spread_evenly_in_every_project():
    # setup: two projects' contexts (each has its own phase)
    for ctx in _two_projects():
        # run: the first 40 efforts' quantiles and the first 110 stalled tasks' Blocked picks
        zs = sorted(ctx.work_z() for _ in range(40))
        blocked = [ctx.sequence("blocked") < 0.15 for _ in range(110)]
        # assert: the efforts cover the distribution evenly (each fifth of it holds eight,
        # give or take one: 40 independent draws leave some fifths with four or twelve); and
        # 15% of the stalls are left Blocked, give or take one or two (a base-11 sequence is
        # even over its cycles of 11; 110 draws are off by 3.7 in one standard deviation)
        ps = [NormalDist().cdf(z) for z in zs]
        fifths = np.histogram(ps, bins=5, range=(0, 1))[0]
        assert all(7 <= n <= 9 for n in fifths), fifths
        for n, slack in ((20, 1), (40, 2), (110, 1.5)):
            assert abs(sum(blocked[:n]) - 0.15 * n) <= slack, (n, blocked)


def test_each_project_leaves_its_share_of_stalled_work_unassigned():
    # setup: two projects' contexts (each has its own phase of the "stalled" sequence)
    for ctx in _two_projects():
        # run: 100 stalled tasks asked of someone at creation, then 100 that go on
        stalled = [_owner_plan(ctx, "stalled", "now", ctx.sequence("stalled")) for _ in range(100)]
        done = [_owner_plan(ctx, "done", "now", None) for _ in range(100)]
        # assert: the unowned backlog and the queue each hold their share of every prefix of
        # the stalled work, give or take one or two (100 independent draws are off by 3 to 5
        # in one standard deviation); stalled work is never queued AND unowned; work that
        # goes on is queued at the project's rate and is never unowned
        unowned = [p == ("never", False) for p in stalled]
        queued = [p == ("later", True) for p in stalled]
        p_queued = (1 - P_UNOWNED) * P_QUEUED_STALLED
        for n in (10, 30, 100):
            assert abs(sum(unowned[:n]) - P_UNOWNED * n) <= 1.5, (n, stalled)
            assert abs(sum(queued[:n]) - p_queued * n) <= 1.5, (n, stalled)
        assert all(p in (("never", False), ("later", True), ("now", False)) for p in stalled)
        assert abs(sum(p == ("later", True) for p in done) - ctx.shape.p_queued * 100) <= 1.5
        assert all(p[0] != "never" for p in done)
        # a task planned for later is never queued: it waits for its assignee, not the queue
        assert _owner_plan(ctx, "stalled", "later", ctx.sequence("stalled")) in (
            ("never", False),
            ("later", False),
        )


def test_work_goes_first_to_editors_who_have_none_then_by_load():
    # setup: a project whose members all stay, and a task's simulation state in it
    ctx = _two_projects()[0]
    editors = {m.user_id for m in ctx.editors}
    t = max(m.join for m in ctx.editors) + DAY_MS
    assert all(m.active(t) for m in ctx.editors) and len(editors) >= 4
    d = Draws(np.random.default_rng(3))
    sim = _Sim(ctx, d, TaskLife("default_task", 1, t, ctx.owner), True)
    # run: hand out as many pieces as there are editors, then 4,000 more
    first = []
    for _ in editors:
        who = sim.worker(t)
        sim.assign(t, ctx.owner, who)
        first.append(who.user_id)
    later = [sim.worker(t).user_id for _ in range(4000)]
    # assert: each editor got one piece before anyone got a second; after that, each gets
    # work in proportion to their load (within 25% at 4,000 draws)
    assert sorted(first) == sorted(editors)
    total = sum(m.load for m in ctx.editors)
    for m in ctx.editors:
        share = later.count(m.user_id) / len(later)
        assert abs(share - m.load / total) <= 0.25 * m.load / total, (m.name, share)


def test_loads_spread_lognormally_over_the_company():
    # run: the loads of 2,000 people under one seed's phase
    loads = sorted(workload(0.37, i) for i in range(2000))
    # assert: median 1, the 90th percentile e^(1.28 sigma) of it, every one positive; a
    # person's load is theirs alone (the same whoever joins after them)
    median, p90 = loads[1000], loads[1800]
    assert 0.97 <= median <= 1.03
    assert p90 / median == pytest.approx(math.exp(1.2816 * LOAD_SIGMA), rel=0.05)
    assert loads[0] > 0
    assert workload(0.37, 17) != workload(0.38, 17)
