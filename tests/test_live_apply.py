"""`write_rows`: a live batch writes only the rows and the columns that differ from the file's
(each page it touches is a page in the WAL), and a task's child rows are written whole."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from src.config import Config
from src.live.apply import write_rows
from src.pipeline import generate


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("apply") / "base.sqlite"
    generate(Config(seed=5, scale="small", users=30, projects=4, tasks_per_project=15), path)
    return path


@pytest.fixture
def conn(base, tmp_path):
    path = tmp_path / "f.sqlite"
    shutil.copyfile(base, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    # which columns each statement set: an "UPDATE OF c" trigger fires when c is set at all
    conn.execute("CREATE TEMP TABLE touched (col TEXT, id INTEGER)")
    for col in ("assignee_id", "due_on", "modified_at"):
        conn.execute(
            f"CREATE TEMP TRIGGER t_{col} AFTER UPDATE OF {col} ON main.tasks "
            f"BEGIN INSERT INTO touched VALUES ('{col}', new.id); END"
        )
    yield conn
    conn.close()


def _rows(conn, sql: str, *args) -> list[tuple]:
    return conn.execute(sql, args).fetchall()


def _task_with_followers(conn) -> int:
    (task,) = conn.execute(
        "SELECT task_id FROM task_followers GROUP BY task_id HAVING count(*) >= 2 LIMIT 1"
    ).fetchone()
    return task


def test_rows_the_file_already_holds_are_not_written(conn):
    tasks = _rows(conn, "SELECT * FROM tasks ORDER BY id LIMIT 50")
    ids = [r[0] for r in tasks]
    followers = _rows(
        conn, f"SELECT * FROM task_followers WHERE task_id IN ({','.join('?' * 50)})", *ids
    )
    before = conn.total_changes
    write_rows(conn, "tasks", tasks)
    write_rows(conn, "task_followers", followers, ids)
    assert conn.total_changes == before
    assert _rows(conn, "SELECT * FROM touched") == []


def test_a_changed_row_is_updated_in_its_changed_columns_only(conn):
    row = _rows(conn, "SELECT * FROM tasks WHERE assignee_id IS NOT NULL LIMIT 1")[0]
    names = [c[1] for c in conn.execute("PRAGMA table_info(tasks)")]
    changed = list(row)
    changed[names.index("modified_at")] = "2099-01-01T00:00:00.000Z"
    write_rows(conn, "tasks", [tuple(changed)])
    assert _rows(conn, "SELECT * FROM tasks WHERE id = ?", row[0]) == [tuple(changed)]
    # the indexed columns (assignee, due date) were not set, so their indexes were not touched
    assert _rows(conn, "SELECT col, id FROM touched") == [("modified_at", row[0])]


def test_a_tasks_child_rows_are_written_whole(conn):
    task = _task_with_followers(conn)
    other = _rows(conn, "SELECT * FROM task_followers WHERE task_id != ?", task)
    held = _rows(conn, "SELECT * FROM task_followers WHERE task_id = ? ORDER BY user_id", task)
    (newcomer,) = conn.execute(
        "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM task_followers "
        "WHERE task_id = ?) LIMIT 1",
        (task,),
    ).fetchone()
    kept = held[1:]  # the first one stops following, a newcomer starts
    before = conn.total_changes
    write_rows(conn, "task_followers", [*kept, (task, newcomer)], [task])
    assert conn.total_changes - before == 2  # one deleted, one inserted, the rest untouched
    now = _rows(conn, "SELECT * FROM task_followers WHERE task_id = ? ORDER BY user_id", task)
    assert now == sorted([*kept, (task, newcomer)])
    assert _rows(conn, "SELECT * FROM task_followers WHERE task_id != ?", task) == other
    # a task in scope without rows loses them all
    write_rows(conn, "task_followers", [], [task])
    assert _rows(conn, "SELECT * FROM task_followers WHERE task_id = ?", task) == []


def test_new_rows_are_inserted_and_the_last_of_a_key_wins(conn):
    story = _rows(conn, "SELECT * FROM stories ORDER BY id DESC LIMIT 1")[0]
    (top,) = conn.execute("SELECT max(id) FROM stories").fetchone()
    first = (top + 1, *story[1:6], "first text", *story[7:])
    last = (top + 1, *story[1:6], "last text", *story[7:])
    write_rows(conn, "stories", [first, last])
    assert _rows(conn, "SELECT text FROM stories WHERE id = ?", top + 1) == [("last text",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
