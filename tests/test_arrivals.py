"""When a project's work arrives, and the context new work after the end date is simulated
in: with a steadiness set, the members' calendars follow its hour profile, and the record of
who has had work is the project's one record (new work does not go round the editors again)."""

from __future__ import annotations

import numpy as np

from src.config import Tuning, resolve_config
from src.generators.arrivals import retuned
from src.generators.handoffs import project_ctx
from src.lifecycle import Draws, TaskLife
from src.lifecycle.sim import _Sim
from src.pipeline import anchor_ms, build_world
from src.worktime import DAY_MS


def test_new_work_after_the_end_date_keeps_the_project_s_record_of_who_had_work() -> None:
    # setup: a small file's first project, its editors all handed work before the end date
    config = resolve_config({"scale": "small", "end_date": "2026-06-30"})
    world = build_world(config)
    ctx, _ = project_ctx(world.org, world.plans[0], world.plans, anchor_ms(config))
    t = max(m.join for m in ctx.editors) + DAY_MS
    sim = _Sim(
        ctx, Draws(np.random.default_rng(5)), TaskLife("default_task", 1, t, ctx.owner), True
    )
    for _ in ctx.editors:
        sim.assign(t, ctx.owner, sim.worker(t))
    # run: the context of new work with a steadiness, and one more piece handed out in it
    steady = retuned(ctx, Tuning(steadiness=0.5))
    later = _Sim(
        steady, Draws(np.random.default_rng(6)), TaskLife("default_task", 2, t, steady.owner), True
    )
    later.assign(t, steady.owner, later.worker(t))
    # assert: the members' calendars follow the profile (new objects), the record is shared
    # and full, so the piece went by load, not to "the one who had none"
    assert all(a.cal is not b.cal for a, b in zip(ctx.members, steady.members, strict=True))
    assert steady.given is ctx.given
    assert ctx.given == {m.user_id for m in ctx.editors}
