"""Same seed and config, same bytes of content; a different seed, different content; adding a
project leaves the rest of the organization untouched; reproduce() rebuilds a file exactly."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from conftest import q, small_config

from src import fingerprint_file, generate, reproduce
from src.schema import table_names

CONTENT_TABLES = [t for t in table_names() if t != "generation_runs"]


def rows_by_table(path: Path) -> dict[str, list[tuple]]:
    """Every content table's rows, ordered by all their columns."""
    out = {}
    for t in CONTENT_TABLES:
        n = len(q(path, f'PRAGMA table_info("{t}")'))
        order = ", ".join(str(i) for i in range(1, n + 1))
        out[t] = q(path, f'SELECT * FROM "{t}" ORDER BY {order}')
    return out


def test_same_config_twice_gives_identical_content(small_seed1, tmp_path: Path) -> None:
    # setup: the session's file and a second run of the same config
    again = generate(small_config(1), tmp_path / "again.sqlite")
    # run
    first, second = rows_by_table(small_seed1.path), rows_by_table(again.path)
    # assert
    assert again.fingerprint == small_seed1.fingerprint
    assert fingerprint_file(str(again.path)) == fingerprint_file(str(small_seed1.path))
    for table in CONTENT_TABLES:
        assert second[table] == first[table], table
    assert again.row_counts == small_seed1.row_counts


def test_different_seeds_give_different_content(small_seed1, small_seed2) -> None:
    # run
    a, b = rows_by_table(small_seed1.path), rows_by_table(small_seed2.path)
    # assert
    assert small_seed1.fingerprint != small_seed2.fingerprint
    assert a["users"] != b["users"]
    assert a["tasks"] != b["tasks"]


def test_industry_and_workforce_change_the_content(small_seed1, small_global) -> None:
    # assert: the same seed in another workforce is another organization
    assert small_global.fingerprint != small_seed1.fingerprint
    zones = {r[0] for r in q(small_global.path, "SELECT DISTINCT timezone FROM users")}
    assert any(not z.startswith("America/") for z in zones)
    us_zones = {r[0] for r in q(small_seed1.path, "SELECT DISTINCT timezone FROM users")}
    assert all(z.startswith("America/") for z in us_zones)


@pytest.fixture(
    scope="module",
    # 30 -> 31 projects; and 60 -> 61 small projects, where each team has many projects and
    # per-team choices (who owns a project) must depend only on the earlier projects
    params=[{"projects": 30}, {"projects": 60, "tasks_per_project": 3}],
    ids=["30-to-31", "60-to-61"],
)
def five_and_six(tmp_path_factory: pytest.TempPathFactory, request) -> tuple[Path, Path]:
    # setup: the same seed with n and with n + 1 projects
    folder = tmp_path_factory.mktemp("stability")
    n = request.param["projects"]
    more = {**request.param, "projects": n + 1}
    five = generate(small_config(11, **request.param), folder / "five.sqlite").path
    six = generate(small_config(11, **more), folder / "six.sqlite").path
    return five, six


@pytest.mark.parametrize(
    "table",
    [
        "workspaces",
        "users",
        "teams",
        "team_memberships",
        "custom_fields",
        "custom_field_enum_options",
        "tags",
    ],
)
def test_adding_a_project_keeps_the_organization(five_and_six, table: str) -> None:
    five, six = five_and_six
    # run
    sql = f'SELECT * FROM "{table}" ORDER BY 1, 2'
    # assert
    assert q(five, sql) == q(six, sql)
    assert q(five, sql)


# rows owned by projects 1-5: ? is the JSON array of the five-project file's project ids
OWN_TASKS = """
    SELECT t.id FROM tasks t JOIN task_memberships tm
      ON tm.task_id = COALESCE(t.parent_id, t.id) AND tm.is_primary = 1
     WHERE tm.project_id IN (SELECT value FROM json_each(?))"""
PROJECT_ROWS = {
    "projects": "SELECT * FROM projects WHERE id IN (SELECT value FROM json_each(?))",
    "project_memberships": "SELECT * FROM project_memberships "
    "WHERE project_id IN (SELECT value FROM json_each(?))",
    "sections": "SELECT * FROM sections WHERE project_id IN (SELECT value FROM json_each(?))",
    "custom_field_settings": "SELECT * FROM custom_field_settings "
    "WHERE project_id IN (SELECT value FROM json_each(?))",
    "status_updates": "SELECT * FROM status_updates "
    "WHERE project_id IN (SELECT value FROM json_each(?))",
    "tasks": f"SELECT * FROM tasks WHERE id IN ({OWN_TASKS})",
    "stories": f"SELECT * FROM stories WHERE task_id IN ({OWN_TASKS})",
    "custom_field_values": f"SELECT * FROM custom_field_values WHERE task_id IN ({OWN_TASKS})",
    "task_followers": f"SELECT * FROM task_followers WHERE task_id IN ({OWN_TASKS})",
    "task_dependencies": f"SELECT * FROM task_dependencies WHERE task_id IN ({OWN_TASKS})",
    "task_tags": f"SELECT * FROM task_tags WHERE task_id IN ({OWN_TASKS})",
    "task_memberships": "SELECT * FROM task_memberships WHERE is_primary = 1 "
    "AND project_id IN (SELECT value FROM json_each(?))",
}


@pytest.mark.parametrize("table", sorted(PROJECT_ROWS))
def test_adding_a_project_keeps_the_projects_that_start_before_it(five_and_six, table) -> None:
    # setup: the projects of the smaller file that start before the added one (people
    # waiting for work join projects in the order they start, so a project that starts
    # after the added one may gain or lose members, issue 9)
    five, six = five_and_six
    starts = q(six, "SELECT created_at FROM projects ORDER BY id DESC LIMIT 1")[0]
    earlier = q(five, "SELECT id FROM projects WHERE created_at < ?", starts)
    ids = "[" + ",".join(str(r[0]) for r in earlier) + "]"
    sql = PROJECT_ROWS[table] + " ORDER BY 1, 2"
    # run
    before, after = q(five, sql, (ids,)), q(six, sql, (ids,))
    # assert
    assert len(q(six, "SELECT id FROM projects")) == len(q(five, "SELECT id FROM projects")) + 1
    assert after == before
    if table in ("projects", "sections", "tasks", "stories", "custom_field_values"):
        assert before, f"no {table} rows in the earlier projects: the comparison is vacuous"


def test_reproduce_regenerates_an_equal_fingerprint(small_seed2, tmp_path: Path) -> None:
    # setup
    out = tmp_path / "copy.sqlite"
    # run
    outcome = reproduce(small_seed2.path, out)
    summary, expected = outcome.summary, outcome.recorded
    # assert
    assert outcome.identical
    assert expected == small_seed2.fingerprint
    assert summary.fingerprint == expected
    assert fingerprint_file(str(out)) == expected
    assert summary.config.db_path == out


@pytest.mark.skipif(
    "workers" not in inspect.signature(generate).parameters,
    reason="generate() has no workers option",
)
def test_worker_count_does_not_change_the_content(tmp_path: Path) -> None:
    # setup: enough projects for more than one chunk of parallel work
    config = small_config(5, projects=40, tasks_per_project=6)
    # run
    serial = generate(config, tmp_path / "one.sqlite", workers=1)
    parallel = generate(config, tmp_path / "two.sqlite", workers=2)
    # assert
    assert parallel.fingerprint == serial.fingerprint
    assert fingerprint_file(str(parallel.path)) == serial.fingerprint
    assert rows_by_table(parallel.path) == rows_by_table(serial.path)
