"""The lifecycle engine's lookups: who is active at a moment (precomputed per project) is what
a scan of the members finds, and a task's state at a moment is read from its timeline with
the changes at that moment counted or not."""

from __future__ import annotations

import dataclasses

from src.config import resolve_config
from src.generators.handoffs import project_ctx
from src.lifecycle import NEVER, state_at
from src.pipeline import anchor_ms, build_world
from src.worktime import DAY_MS


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
