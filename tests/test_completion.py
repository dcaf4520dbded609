"""Project completion (src/generators/completion.py): a completed project holds no open work,
because the owner closes what remains at a wrap-up, and the closures keep every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import q, small_config

from src import generate
from src.generators.completion import wrap_up
from src.validate import validate

OPEN_WORK_OF_COMPLETED = """
    SELECT p.id, t.id FROM projects p
    JOIN task_memberships tm ON tm.project_id = p.id AND tm.is_primary = 1
    JOIN tasks t ON t.id = tm.task_id OR t.parent_id = tm.task_id
    WHERE p.completed = 1 AND (t.completed = 0 OR t.completed_at > p.completed_at)"""


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file where projects are wrapped up with much work still open (two fifths of it)."""
    path = tmp_path_factory.mktemp("wrap") / "wrapped.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("src.generators.completion.MIN_CLOSED_SHARE", 0.6)
        generate(small_config(4, projects=14), path)
    return path


def test_completed_projects_hold_no_open_work(default_seed42, wrapped: Path) -> None:
    for path in (default_seed42.path, wrapped):
        assert q(path, "SELECT count(*) FROM projects WHERE completed = 1")[0][0] > 0
        assert q(path, OPEN_WORK_OF_COMPLETED) == []


def test_the_owner_closes_the_rest_just_before_completion(wrapped: Path) -> None:
    # run: tasks of completed projects that the owner closed within the hour before the
    # project's completion, and whether each was the task's last story
    rows = q(
        wrapped,
        """SELECT t.id, t.completed_by_id = p.owner_id,
                  (SELECT max(s.created_at) FROM stories s WHERE s.task_id = t.id)
                      = t.completed_at
           FROM projects p
           JOIN task_memberships tm ON tm.project_id = p.id AND tm.is_primary = 1
           JOIN tasks t ON t.id = tm.task_id OR t.parent_id = tm.task_id
           WHERE p.completed = 1 AND t.completed_by_id = p.owner_id
             AND julianday(p.completed_at) - julianday(t.completed_at) < 1.0 / 24""",
    )
    # assert: there are such closures, and nothing happened on those tasks after them
    assert len(rows) >= 3
    assert all(last for _, _, last in rows)


def test_wrap_up_keeps_every_rule(wrapped: Path) -> None:
    report = validate(wrapped)
    failed = [(r.rule, r.examples) for r in report.rules if not r.passed]
    assert failed == []


def test_wrap_up_returns_new_lives_and_leaves_the_given_ones(tmp_path: Path) -> None:
    # setup: record, around every wrap-up of a generation, the given lives' state before and
    # after, and what the completion returns
    seen = []

    def state(lives) -> list[tuple]:
        return [(len(x.events), x.completed, x.status, len(x.timeline)) for x, _ in lives]

    def spy(ctx, d, due_ms, lives, anchor, not_before=0):
        before = state(lives)
        out = wrap_up(ctx, d, due_ms, lives, anchor, not_before)
        seen.append((out, lives, before, state(lives)))
        return out

    # run
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("src.generators.tasks.wrap_up", spy)
        generate(small_config(4, projects=14), tmp_path / "spied.sqlite")
    done = [(out, lives, before, after) for out, lives, before, after in seen if out]
    # assert: wrap-ups happened; none changed what it was given; each returned the lives
    # aligned with the given ones, the open ones closed on new objects
    assert done
    assert all(before == after for _, _, before, after in done)
    assert all(len(out.lives) == len(lives) for out, lives, _, _ in done)
    closed = [
        (x, y)
        for out, lives, _, _ in done
        for (x, _), y in zip(lives, out.lives, strict=True)
        if x.completed is None
    ]
    assert closed
    assert all(y is not x and y.completed is not None for x, y in closed)
