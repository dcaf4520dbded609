"""Cancelled projects (src/generators/cancellation.py): a few time-boxed projects are cancelled
part-way; their open work is closed as dropped or moved to another project of the team, the
project is archived and its last status update says it was cancelled, all checked with SQL on
generated files (with more cancellations than the default, so every path shows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import END_DATE, broken, q, q1

import src.generators.project_fates as project_fates
from src.checks.status_claims import cancel_claim
from src.config import Config
from src.generators.task_rows import project_rows
from src.generators.tasks import simulate_project
from src.pipeline import anchor_ms, build_world, generate, horizon_ms
from src.validate import validate
from src.worktime import DAY_MS

RAISED = 0.5  # cancellations in the test files: enough for every path


def _config(seed: int = 42) -> Config:
    return Config(seed=seed, scale="default", end_date=END_DATE)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cancel") / "cancelled.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(project_fates, "P_PROJECT_CANCELLED", RAISED)
        # seed 3: four of its cancelled projects move work to a list project of their team
        # (in seed 42's plans, since projects are spread by sequences, none does)
        generate(_config(3), path)
    return path


CANCELLED = "SELECT project_id FROM status_updates WHERE status_type = 'dropped'"


def test_a_few_time_boxed_projects_are_cancelled() -> None:
    # run: the default share, over the plans of a few files (to the horizon)
    cancelled = timeboxed = 0
    for seed in (1, 2, 3, 4):
        for plan in build_world(_config(seed)).plans:
            if plan.due_ms is not None:
                timeboxed += 1
                cancelled += plan.cancel is not None
                # assert: a point of the project's planned life, never a stalled one's
                if plan.cancel is not None:
                    assert plan.halt is None and plan.created < plan.cancel < plan.due_ms
    assert 0.02 <= cancelled / timeboxed <= 0.08


def test_a_cancelled_project_is_archived_with_its_work_closed_or_moved(db: Path) -> None:
    # run
    projects_ = q(
        db,
        f"""SELECT p.id, p.archived, p.completed,
                   (SELECT max(created_at) FROM status_updates x WHERE x.project_id = p.id),
                   (SELECT created_at FROM status_updates x WHERE x.project_id = p.id
                      AND x.status_type = 'dropped')
            FROM projects p WHERE p.id IN ({CANCELLED})""",
    )
    still_open = q1(
        db,
        f"""SELECT count(*) FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
            WHERE tm.project_id IN ({CANCELLED}) AND tm.is_primary = 1 AND t.completed = 0
              AND NOT EXISTS (SELECT 1 FROM task_memberships o
                              WHERE o.task_id = t.id AND o.project_id != tm.project_id)""",
    )
    open_subtasks = q1(
        db,
        f"""SELECT count(*) FROM task_memberships tm JOIN tasks s ON s.parent_id = tm.task_id
            WHERE tm.project_id IN ({CANCELLED}) AND tm.is_primary = 1 AND s.completed = 0""",
    )
    closing = q1(
        db,
        f"""SELECT count(*) FROM stories s
            JOIN task_memberships tm ON tm.task_id = s.task_id AND tm.is_primary = 1
            WHERE tm.project_id IN ({CANCELLED}) AND s.resource_subtype = 'comment_added'
              AND s.text LIKE '%cancel%'""",
    )
    # assert
    assert len(projects_) >= 5
    for _, archived, completed, last_update, dropped_update in projects_:
        assert (archived, completed) == (1, 0)
        assert dropped_update == last_update  # the cancellation is the last word
    assert still_open == 0 and open_subtasks == 0
    assert closing > 0


def test_moved_work_goes_to_the_team_s_list_project_before_the_update(db: Path) -> None:
    # run
    rows = q(
        db,
        f"""SELECT a.team_id = b.team_id, b.default_view != 'board',
                   t.completed_at IS NULL OR t.completed_at > x.created_at,
                   s.created_at < x.created_at
            FROM stories s JOIN tasks t ON t.id = s.task_id
            JOIN task_memberships tm ON tm.task_id = s.task_id AND tm.is_primary = 1
            JOIN projects a ON a.id = tm.project_id JOIN projects b ON b.id = s.project_id
            JOIN status_updates x ON x.project_id = a.id AND x.status_type = 'dropped'
            WHERE s.resource_subtype = 'added_to_project' AND a.id IN ({CANCELLED})
              AND s.project_id != a.id AND s.created_by_id = a.owner_id
              AND julianday(s.created_at) > julianday(x.created_at) - 0.25""",
    )
    texts = [t for (t,) in q(db, "SELECT text FROM status_updates WHERE status_type='dropped'")]
    # assert: the close-out's moves (the owner's, in the hours before the update; a member may
    # have cross-posted a task just before the cancellation) left the work open (it goes on
    # in the target project after the update)
    assert rows and set(rows) == {(1, 1, 1, 1)}
    assert any(cancel_claim(t, None) == 2 for t in texts)  # "... moved to <project>"


MOVED = f"""
    SELECT s.task_id, s.created_at AS moved_at, s.project_id AS target FROM stories s
    JOIN task_memberships tm ON tm.task_id = s.task_id AND tm.is_primary = 1
    JOIN projects a ON a.id = tm.project_id
    JOIN status_updates x ON x.project_id = a.id AND x.status_type = 'dropped'
    WHERE s.resource_subtype = 'added_to_project' AND a.id IN ({CANCELLED})
      AND s.project_id != a.id AND s.created_by_id = a.owner_id
      AND julianday(s.created_at) > julianday(x.created_at) - 0.25"""


def test_moved_work_goes_on_in_the_target_project(db: Path) -> None:
    # run: each moved task's stories after its move, its completion, and who acted then
    rows = q(
        db,
        f"""SELECT m.task_id, t.completed, t.completed_at > m.moved_at,
                   (SELECT count(*) FROM stories s WHERE s.task_id = m.task_id
                      AND s.created_at > m.moved_at),
                   (SELECT count(*) FROM stories s WHERE s.task_id = m.task_id
                      AND s.created_at > m.moved_at AND s.resource_subtype = 'comment_added'),
                   (SELECT count(*) FROM stories s WHERE s.task_id = m.task_id
                      AND s.created_at > m.moved_at AND EXISTS (
                          SELECT 1 FROM project_memberships pm
                          WHERE pm.project_id = m.target AND pm.user_id = s.created_by_id))
            FROM ({MOVED}) m JOIN tasks t ON t.id = m.task_id""",
    )
    # assert: moved work is not frozen: most of it progresses, gets done and discussed after
    # the move, by the target project's people (the rest waits, as the target's stalled work
    # does: a third of an intake queue's); what is done was done after the move
    assert len(rows) >= 10
    assert sum(later > 0 for _, _, _, later, _, _ in rows) >= 0.4 * len(rows)
    assert sum(done for _, done, *_ in rows) >= 0.4 * len(rows)
    assert all(after for _, done, after, *_ in rows if done)
    assert sum(c for *_, c, _ in rows) > 0
    assert sum(by for *_, by in rows) > 0


def test_the_file_passes_every_rule(db: Path) -> None:
    report = validate(db)
    assert [r.rule for r in report.rules if not r.passed] == []


def test_reopening_a_task_of_a_cancelled_project_fires_the_rule(db: Path, tmp_path: Path) -> None:
    # setup: a task the close-out dropped is open again
    task = q1(
        db,
        f"""SELECT min(t.id) FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
            WHERE tm.project_id IN ({CANCELLED}) AND tm.is_primary = 1
              AND t.parent_id IS NULL AND t.completed = 1""",
    )
    path = broken(
        db,
        tmp_path,
        "UPDATE tasks SET completed = 0, completed_at = NULL, completed_by_id = NULL "
        f"WHERE id = {task}",
    )
    # run
    report = validate(path)
    found = next(r for r in report.rules if r.rule == "status.cancelled")
    # assert
    assert found.offending == 1 and found.severity == "warning"


def test_nothing_of_a_cancellation_shows_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # setup
    monkeypatch.setattr(project_fates, "P_PROJECT_CANCELLED", RAISED)
    config = _config(7)
    world = build_world(config)
    anchor, horizon = anchor_ms(config), horizon_ms(config)
    plan = next(p for p in world.plans if p.cancel is not None and p.cancel < anchor - 9 * DAY_MS)

    def sim(clock: int):
        return simulate_project(
            config.seed, world.org, plan, world.plans, world.tags, world.vocab,
            config.tasks_per_project, anchor, clock=clock, horizon=horizon,
        )  # fmt: skip

    late = sim(anchor)
    assert late.cancellation is not None
    # run: the file at the cancellation, from the world at the anchor and from its own
    before = project_rows(late, plan.cancel).tables
    own = project_rows(sim(plan.cancel), plan.cancel).tables
    after = project_rows(late, late.cancellation.archived_at + DAY_MS).tables
    # assert
    # (followers are read off the whole life, as for a wrap-up: not compared, test_live.py)
    assert {k: v for k, v in before.items() if k != "task_followers"} == {
        k: v for k, v in own.items() if k != "task_followers"
    }
    assert before["projects"][0][9] == 0 and after["projects"][0][9] == 1
    assert all(r[3] != "dropped" for r in before["status_updates"])
    assert after["status_updates"][-1][3] == "dropped"
    assert not any("cancel" in (s[6] or "") for s in before["stories"] if s[4] == "comment")


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("Launch plan is cancelled. Thanks everyone.", 1),
        ("We're cancelling the project: the open work now lives in Backlog.", 2),
        ("Work moved to Q3 plan. Nothing else changes.", 0),
        ("Cancellation flow is on track.", 0),
    ],
)
def test_cancel_claim_pattern(text: str, claim: int) -> None:
    assert cancel_claim(text, "Cancellation flow") == claim


def test_a_project_named_for_a_cancellation_claims_nothing() -> None:
    name = "Booking is cancelled notices"
    assert cancel_claim(f"{name} is on track.", name) == 0


def test_a_later_clock_keeps_every_cancellation_it_showed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # setup: continuous mode with many cancellations, at two clocks after the end date
    monkeypatch.setattr(project_fates, "P_PROJECT_CANCELLED", RAISED)
    config = Config(seed=5, scale="small", users=40, projects=8, tasks_per_project=25,
                    end_date=END_DATE)  # fmt: skip
    t1, t2 = anchor_ms(config) + 20 * DAY_MS, anchor_ms(config) + 120 * DAY_MS
    generate(config, tmp_path / "a.sqlite", clock=t1)
    generate(config, tmp_path / "b.sqlite", clock=t2)
    # run: what the earlier file shows, missing from the later one
    lost = {}
    for table, cols in (("stories", "*"), ("status_updates", "*"), ("tasks", "id, name")):
        a = set(q(tmp_path / "a.sqlite", f"SELECT {cols} FROM {table}"))
        b = set(q(tmp_path / "b.sqlite", f"SELECT {cols} FROM {table}"))
        lost[table] = len(a - b)
    dropped = q1(tmp_path / "b.sqlite", CANCELLED.replace("project_id", "count(*)"))
    # assert
    assert lost == {"stories": 0, "status_updates": 0, "tasks": 0}
    assert dropped > 0
