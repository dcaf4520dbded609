"""schema.sql is the contract: it applies cleanly, documents every table, declares every foreign
key, and a generated file has exactly its tables and columns and passes SQLite's own checks."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import q

from src.schema import optional_table_names

SCHEMA = Path(__file__).resolve().parents[1] / "schema.sql"
TABLE_RE = re.compile(r"^CREATE TABLE (\w+)", re.MULTILINE)
SCHEMA_TABLES = TABLE_RE.findall(SCHEMA.read_text(encoding="utf-8"))


def schema_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    return conn


def table_columns(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # (name, declared type, not null, default, primary-key position) per column
    return {t: [tuple(c[1:]) for c in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables}


def test_schema_applies_to_an_empty_database() -> None:
    # setup / run
    conn = schema_db()
    # assert: every CREATE TABLE and CREATE INDEX of the file exists
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    indexes = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'"
        )
    }
    text = SCHEMA.read_text(encoding="utf-8")
    assert tables == set(SCHEMA_TABLES)
    assert indexes == set(re.findall(r"^CREATE INDEX (\w+)", text, re.MULTILINE))
    assert len(SCHEMA_TABLES) >= 20
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("table", SCHEMA_TABLES)
def test_every_table_has_a_comment_line_above_it(table: str) -> None:
    # setup
    lines = SCHEMA.read_text(encoding="utf-8").splitlines()
    # run
    at = next(i for i, line in enumerate(lines) if line.startswith(f"CREATE TABLE {table} "))
    above = lines[at - 1].strip() if at > 0 else ""
    # assert
    assert above.startswith("--") and len(above) > 3, f"line above {table}: {above!r}"


def test_every_id_column_declares_a_foreign_key() -> None:
    # setup
    conn = schema_db()
    missing = []
    for table, cols in table_columns(conn).items():
        # run: the columns that appear as the 'from' side of a declared foreign key
        declared = {r[3] for r in conn.execute(f'PRAGMA foreign_key_list("{table}")')}
        for name, *_ in cols:
            if name.endswith("_id") and name not in declared:
                missing.append(f"{table}.{name}")
    # assert
    assert missing == []


def test_foreign_keys_point_at_existing_tables_and_columns() -> None:
    # setup
    conn = schema_db()
    columns = table_columns(conn)
    broken = []
    for table in columns:
        # run
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            target, to = fk[2], fk[4]
            if target not in columns or to not in [c[0] for c in columns[target]]:
                broken.append((table, fk[3], target, to))
    # assert
    assert broken == []


def test_generated_file_has_exactly_the_schema_tables_and_columns(small_seed1) -> None:
    # setup
    expected = table_columns(schema_db())
    conn = sqlite3.connect(f"file:{small_seed1.path}?mode=ro", uri=True)
    # run
    actual = table_columns(conn)
    indexes = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'"
        )
    }
    conn.close()
    # assert: all but the optional tables (made by the command that needs one)
    for table in optional_table_names():
        expected.pop(table)
    assert sorted(actual) == sorted(expected)
    for table, cols in expected.items():
        assert actual[table] == cols, table
    assert indexes == set(re.findall(r"^CREATE INDEX (\w+)", SCHEMA.read_text(), re.MULTILINE))


def test_generated_file_passes_foreign_key_and_integrity_checks(
    small_seed1, default_seed42
) -> None:
    for summary in (small_seed1, default_seed42):
        # run
        dangling = q(summary.path, "PRAGMA foreign_key_check")
        integrity = q(summary.path, "PRAGMA integrity_check")
        # assert
        assert dangling == []
        assert integrity == [("ok",)]


def test_every_content_table_has_rows(small_seed1, default_seed42) -> None:
    # run
    empty = [
        t
        for t in SCHEMA_TABLES
        if t not in optional_table_names()
        and all(
            q(f.path, f'SELECT COUNT(*) FROM "{t}"')[0][0] == 0
            for f in (small_seed1, default_seed42)
        )
    ]
    # assert: the files the checks above read exercise every table between them, so the
    # checks are not vacuous (the small file alone may lack a rare row kind: seed 1's has no
    # multi-enum value, none of its four software and product projects enabling Components)
    assert empty == []


def test_foreign_keys_are_enforced_on_a_copy(small_seed1, tmp_path: Path) -> None:
    # setup: a copy, a real story to clone, and a task id that does not exist
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(small_seed1.path, copy)
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA foreign_keys = ON")
    story = list(conn.execute("SELECT * FROM stories LIMIT 1").fetchone())
    bogus_task = conn.execute("SELECT MAX(id) + 1 FROM tasks").fetchone()[0]
    max_story = conn.execute("SELECT MAX(id) FROM stories").fetchone()[0]
    # run / assert: the bogus task id is refused
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute(
            f"INSERT INTO stories VALUES ({','.join('?' * len(story))})",
            [max_story + 1, bogus_task, *story[2:]],
        )
        conn.commit()
    # and the same row with a real task id is accepted (the refusal was the foreign key)
    conn.execute(
        f"INSERT INTO stories VALUES ({','.join('?' * len(story))})",
        [max_story + 1, story[1], *story[2:]],
    )
    conn.commit()
    conn.close()


def test_time_off_follows_asanas_vacation_dates_with_its_user_key(small_seed1) -> None:
    # setup
    conn = schema_db()
    # run
    columns = [c[0] for c in table_columns(conn)["time_off"]]
    keys = [(r[2], r[3], r[4]) for r in conn.execute("PRAGMA foreign_key_list(time_off)")]
    users_with_time_off = q(small_seed1.path, "SELECT count(DISTINCT user_id) FROM time_off")
    # assert: Asana's start_on/end_on, one row per absence, keyed to its person
    assert columns == ["id", "user_id", "kind", "start_on", "end_on", "created_at"]
    assert keys == [("users", "user_id", "id")]
    assert users_with_time_off[0][0] >= 20
