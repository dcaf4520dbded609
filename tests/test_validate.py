"""validate(): a tiny hand-built organization passes every rule, and each error rule catches the
one corruption made for it (mutation tests).

The valid file (build_valid_db) is also the scorecard's fixture; its numbers are worked out by
hand in test_scorecard.py, so change it with care.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from src.schema import optional_table_names
from src.validate import (
    ERROR,
    SCHEMA_TABLES,
    WARNING,
    NotADatabaseError,
    RuleResult,
    ValidationReport,
    validate,
)

SCHEMA = Path(__file__).resolve().parents[1] / "schema.sql"
ANCHOR = "2026-06-30T18:00:00.000Z"
JOINED = "2026-01-05T15:00:00.000Z"

# ids: workspace 1, users 11-14, teams 21-22, projects 31-32, sections 41-44, fields 51-53,
# options 61-64, tasks 101-104, stories 201-221, status update 301, tag 401.
WORKSPACE = [(1, "Northwind Labs", "northwind.example", "Technology", "2025-12-01T15:00:00.000Z")]
USERS = [
    # id, workspace, name, email, title, tz, country, manager, active, created_at, left_at
    (11, 1, "Ana Ruiz", "ana@northwind.example", "Program Lead", "America/Chicago", "US",
     None, 1, JOINED, None),
    (12, 1, "Ben Okafor", "ben@northwind.example", "Engineer", "America/Chicago", "US",
     11, 1, JOINED, None),
    (13, 1, "Cleo Marsh", "cleo@northwind.example", "Designer", "America/Chicago", "US",
     11, 0, JOINED, "2026-06-01T15:00:00.000Z"),
    (14, 1, "Dev Patel", "dev@northwind.example", "Analyst", "America/Chicago", "US",
     11, 1, JOINED, None),
]  # fmt: skip
TEAMS = [
    (21, 1, "Product", "Builds the product", JOINED),
    (22, 1, "Finance", "Keeps the books", JOINED),
]
TEAM_MEMBERSHIPS = [
    (21, 11, 1, 1, JOINED),
    (21, 12, 0, 1, JOINED),
    (21, 13, 0, 1, JOINED),
    (22, 14, 1, 1, JOINED),
]
PROJECTS = [
    # id, ws, team, owner, name, notes, color, privacy, view, archived, start, due,
    # created, modified, completed, completed_at, completed_by
    (31, 1, 21, 11, "Spring launch", "", "dark-green", "public_to_workspace", "board", 0,
     "2026-02-02", "2026-07-31", "2026-02-02T15:00:00.000Z", "2026-04-08T14:00:00.000Z",
     0, None, None),
    (32, 1, 22, 14, "Budget 2026", "", None, "private_to_team", "list", 0,
     None, None, "2026-02-03T15:00:00.000Z", "2026-02-03T15:00:00.000Z", 0, None, None),
]  # fmt: skip
PROJECT_MEMBERSHIPS = [
    (31, 11, "admin", 0, "2026-02-02T15:00:00.000Z"),
    (31, 12, "editor", 0, "2026-02-02T15:00:00.000Z"),
    (31, 13, "editor", 0, "2026-02-02T15:00:00.000Z"),
    (32, 14, "admin", 0, "2026-02-03T15:00:00.000Z"),
]
SECTIONS = [
    (41, 31, "To do", 0, "todo", "2026-02-02T15:00:00.000Z"),
    (42, 31, "Doing", 1, "in_progress", "2026-02-02T15:00:00.000Z"),
    (43, 31, "Done", 2, "done", "2026-02-02T15:00:00.000Z"),
    (44, 32, "Planning", 0, None, "2026-02-03T15:00:00.000Z"),
]
TASKS = [
    # id, ws, parent, name, notes, subtype, approval, assignee, creator, created, modified,
    # start_on, due_on, due_at, completed, completed_at, completed_by
    (101, 1, None, "Draft launch plan", "", "default_task", None, 12, 11,
     "2026-03-02T15:00:00.000Z", "2026-03-05T16:00:01.000Z", None, "2026-03-06", None,
     1, "2026-03-05T16:00:00.000Z", 12),
    (102, 1, None, "Review vendor contracts", "", "default_task", None, 11, 12,
     "2026-03-10T14:30:00.000Z", "2026-03-12T15:05:00.000Z", "2026-03-10", "2026-06-15", None,
     0, None, None),
    (103, 1, None, "Approve onboarding checklist", "", "approval", "pending", None, 11,
     "2026-04-07T19:00:00.000Z", "2026-04-08T14:00:00.000Z", None, None, None, 0, None, None),
    (104, 1, 102, "Collect signatures", "", "default_task", None, 12, 12,
     "2026-03-11T15:00:00.000Z", "2026-03-12T17:00:00.000Z", None, "2026-07-06", None,
     0, None, None),
]  # fmt: skip
TASK_MEMBERSHIPS = [(101, 31, 43, 0, 1), (102, 31, 42, 0, 1), (103, 31, 41, 0, 1)]
TASK_DEPENDENCIES = [(102, 101)]
TASK_FOLLOWERS = [(101, 11), (101, 12), (102, 11), (102, 12), (103, 11), (103, 13), (104, 12)]


def _story(sid, task, by, at, subtype, **extra):
    """A story row in column order; type follows the subtype as Asana does."""
    kind = "comment" if subtype == "comment_added" else "system"
    cols = ("assignee_id", "project_id", "old_section_id", "new_section_id", "old_due_on",
            "new_due_on", "old_due_at", "new_due_at", "old_name", "new_name", "custom_field_id",
            "old_enum_option_id", "new_enum_option_id")  # fmt: skip
    return (sid, task, by, at, kind, subtype, extra.pop("text", subtype)) + tuple(
        extra.get(c) for c in cols
    )


STORIES = [
    _story(201, 101, 11, "2026-03-02T15:00:00.000Z", "added_to_project",
           project_id=31, new_section_id=41),
    _story(202, 101, 11, "2026-03-02T15:00:01.000Z", "assigned", assignee_id=12),
    _story(203, 101, 11, "2026-03-02T15:00:02.000Z", "due_date_changed",
           new_due_on="2026-03-06"),
    _story(204, 101, 11, "2026-03-02T15:00:03.000Z", "enum_custom_field_changed",
           custom_field_id=51, new_enum_option_id=62),
    _story(205, 101, 12, "2026-03-03T16:00:00.000Z", "comment_added", text="On it."),
    _story(206, 101, 12, "2026-03-04T15:30:00.000Z", "section_changed",
           project_id=31, old_section_id=41, new_section_id=42),
    _story(207, 101, 11, "2026-03-04T20:00:00.000Z", "comment_added", text="Looks good."),
    _story(208, 101, 12, "2026-03-05T16:00:00.000Z", "marked_complete"),
    _story(209, 101, 12, "2026-03-05T16:00:01.000Z", "section_changed",
           project_id=31, old_section_id=42, new_section_id=43),
    _story(210, 102, 12, "2026-03-10T14:30:00.000Z", "added_to_project",
           project_id=31, new_section_id=41),
    _story(211, 102, 12, "2026-03-10T14:30:01.000Z", "assigned", assignee_id=11),
    _story(212, 102, 12, "2026-03-10T14:30:02.000Z", "due_date_changed",
           new_due_on="2026-06-15"),
    _story(213, 102, 12, "2026-03-11T15:30:00.000Z", "name_changed",
           old_name="Review contracts", new_name="Review vendor contracts"),
    _story(214, 102, 11, "2026-03-12T15:00:00.000Z", "section_changed",
           project_id=31, old_section_id=41, new_section_id=42),
    _story(215, 102, 11, "2026-03-12T15:05:00.000Z", "comment_added", text="Sent to legal."),
    _story(216, 103, 11, "2026-04-07T19:00:00.000Z", "added_to_project",
           project_id=31, new_section_id=41),
    _story(217, 103, 13, "2026-04-08T14:00:00.000Z", "comment_added", text="Draft attached."),
    _story(218, 104, 12, "2026-03-11T15:00:01.000Z", "assigned", assignee_id=12),
    _story(219, 104, 12, "2026-03-12T16:00:00.000Z", "marked_complete"),
    _story(220, 104, 12, "2026-03-12T17:00:00.000Z", "marked_incomplete"),
    _story(221, 104, 12, "2026-03-11T15:00:02.000Z", "due_date_changed",
           new_due_on="2026-07-06"),
]  # fmt: skip
CUSTOM_FIELDS = [
    (51, 1, "Priority", "", "enum", None, None, None, JOINED),
    (52, 1, "Budget", "", "number", 2, "currency", "USD", JOINED),
    (53, 1, "Channels", "", "multi_enum", None, None, None, JOINED),
]
ENUM_OPTIONS = [
    (61, 51, "Low", "green", 1, 0),
    (62, 51, "High", "red", 1, 1),
    (63, 53, "Email", "blue", 1, 0),
    (64, 53, "Web", "purple", 1, 1),
]
FIELD_SETTINGS = [(31, 51, 1), (31, 52, 0), (31, 53, 0)]
FIELD_VALUES = [
    (101, 51, None, None, 62, None, "High"),
    (101, 52, None, 1200.0, None, None, "$1,200.00"),
    (101, 53, None, None, None, None, "Email, Web"),
]
VALUE_OPTIONS = [(101, 53, 63), (101, 53, 64)]
TAGS = [(401, 1, "customer", "light-blue", JOINED)]
TASK_TAGS = [(101, 401)]
STATUS_UPDATES = [
    (301, 31, 11, "on_track", "On track", "Plan done.", "2026-03-16T15:00:00.000Z"),
]
RUNS = [
    (1, 1, ANCHOR, "{}", "0.1.0", "{}", "{}", "{}", "0" * 64,
     "2026-07-01T09:00:00.000Z", "2026-07-01T09:00:05.000Z", None),
]  # fmt: skip

ROWS = {
    "workspaces": WORKSPACE,
    "users": USERS,
    "teams": TEAMS,
    "team_memberships": TEAM_MEMBERSHIPS,
    "projects": PROJECTS,
    "project_memberships": PROJECT_MEMBERSHIPS,
    "sections": SECTIONS,
    "tasks": TASKS,
    "task_memberships": TASK_MEMBERSHIPS,
    "task_dependencies": TASK_DEPENDENCIES,
    "task_followers": TASK_FOLLOWERS,
    "custom_fields": CUSTOM_FIELDS,
    "custom_field_enum_options": ENUM_OPTIONS,
    "stories": STORIES,
    "custom_field_settings": FIELD_SETTINGS,
    "custom_field_values": FIELD_VALUES,
    "custom_field_value_options": VALUE_OPTIONS,
    "tags": TAGS,
    "task_tags": TASK_TAGS,
    "status_updates": STATUS_UPDATES,
    "generation_runs": RUNS,
}


def build_valid_db(path: Path) -> Path:
    """Apply schema.sql and insert the consistent rows above, with foreign keys enforced."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(SCHEMA.read_text())
        for table, rows in ROWS.items():
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.commit()
    finally:
        conn.close()
    return path


@pytest.fixture(scope="module")
def valid_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_valid_db(tmp_path_factory.mktemp("valid") / "org.sqlite")


def mutate(valid: Path, tmp_path: Path, sql: str) -> Path:
    """Copy the valid file and apply one corrupting statement, foreign keys off."""
    target = tmp_path / "mutated.sqlite"
    shutil.copyfile(valid, target)
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        cur = conn.execute(sql)
        assert cur.rowcount != 0, f"mutation changed nothing: {sql}"
        conn.commit()
    finally:
        conn.close()
    return target


def result(report: ValidationReport, rule: str) -> RuleResult:
    matches = [r for r in report.rules if r.rule == rule]
    assert len(matches) == 1, f"rule {rule} ran {len(matches)} times"
    return matches[0]


# ---------------------------------------------------------------------------------------------
# The valid file


def test_valid_file_passes_every_rule(valid_db: Path) -> None:
    # run
    report = validate(valid_db)
    # assert
    failed = [(r.rule, r.offending, r.examples) for r in report.rules if not r.passed]
    assert failed == []
    assert report.ok


def test_rule_ids_are_unique_and_well_formed(valid_db: Path) -> None:
    report = validate(valid_db)
    ids = [r.rule for r in report.rules]
    assert len(ids) == len(set(ids))
    for r in report.rules:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", r.rule), r.rule
        assert r.severity in (ERROR, WARNING)
        assert r.description and "\n" not in r.description


def test_to_dict_is_json_ready(valid_db: Path) -> None:
    # run
    d = validate(valid_db).to_dict()
    # assert
    assert json.loads(json.dumps(d)) == d
    assert d["ok"] is True and d["errors"] == 0 and d["path"] == str(valid_db)
    assert {"rule", "description", "severity", "passed", "offending", "examples"} <= set(
        d["rules"][0]
    )


def test_schema_tables_match_schema_sql() -> None:
    # setup
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA.read_text())
    # run
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    # assert: all but the optional ones (push_map, made by `push`)
    assert tables - set(optional_table_names()) == set(SCHEMA_TABLES)


def test_validate_never_writes_the_file(valid_db: Path) -> None:
    # setup
    before = valid_db.read_bytes()
    # run
    validate(valid_db)
    # assert
    assert valid_db.read_bytes() == before


def test_hand_made_file_without_runs_skips_anchor_rules(valid_db: Path, tmp_path: Path) -> None:
    # setup
    path = mutate(valid_db, tmp_path, "DELETE FROM generation_runs")
    # run
    report = validate(path)
    # assert
    assert report.ok
    assert "time.after_anchor" not in {r.rule for r in report.rules}


def test_file_without_generation_runs_table_is_accepted(valid_db: Path, tmp_path: Path) -> None:
    path = mutate(valid_db, tmp_path, "DROP TABLE generation_runs")
    assert validate(path).ok


# ---------------------------------------------------------------------------------------------
# Not a database


def test_missing_path_is_not_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(NotADatabaseError, match="nope.sqlite.*no such file"):
        validate(missing)


def test_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(NotADatabaseError, match="directory"):
        validate(tmp_path)


def test_text_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are notes, not a database\n" * 200)
    with pytest.raises(NotADatabaseError, match="notes.sqlite.*not an SQLite database"):
        validate(path)


def test_empty_sqlite_file_names_missing_tables(tmp_path: Path) -> None:
    # setup: a zero-byte file (SQLite would open it as an empty database)
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    # run / assert
    with pytest.raises(NotADatabaseError, match=r"empty.sqlite: empty \(0 bytes\)"):
        validate(path)


def test_sqlite_file_of_another_app_names_missing_tables(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(NotADatabaseError, match="missing table") as info:
        validate(path)
    assert "stories" in str(info.value) and "tasks," not in str(info.value)


def test_not_a_database_error_is_an_input_file_error() -> None:
    from src.errors import InputFileError

    assert issubclass(NotADatabaseError, InputFileError)


# ---------------------------------------------------------------------------------------------
# Mutations: one corrupting statement per rule

MUTATIONS = [
    ("fk.foreign_key_check", "UPDATE task_tags SET tag_id = 999"),
    ("format.timestamps", "UPDATE stories SET created_at = '2026-03-03 16:00:00' WHERE id = 205"),
    ("format.timestamps", "UPDATE tags SET created_at = '2026-02-30T10:00:00.000Z'"),
    ("format.timestamps", "UPDATE generation_runs SET anchor = '2026-06-30T18:00:00Z'"),
    ("format.dates", "UPDATE projects SET start_on = '2026-02-30' WHERE id = 31"),
    ("format.dates", "UPDATE custom_field_values SET date_value = '2026-1-5' WHERE task_id = 101"),
    ("format.enums", "UPDATE projects SET default_view = 'gantt' WHERE id = 31"),
    ("format.booleans", "UPDATE project_memberships SET is_guest = 2 WHERE user_id = 12"),
    ("format.types", "UPDATE sections SET position = 'first' WHERE id = 41"),
    ("format.types", "UPDATE tasks SET name = x'ff00fe' WHERE id = 101"),
    ("format.types", "UPDATE custom_fields SET precision = 1.5 WHERE id = 52"),
    ("format.text", "UPDATE tasks SET name = CAST(x'fffe41' AS TEXT) WHERE id = 101"),
    ("format.text", "UPDATE stories SET text = CAST(x'41c328' AS TEXT) WHERE id = 205"),
    ("format.text", "UPDATE users SET name = 'Ann' || char(0) || 'Lee' WHERE id = 12"),
    ("structure.columns", "ALTER TABLE tasks DROP COLUMN notes"),
    ("structure.columns", "ALTER TABLE tags ADD COLUMN colour TEXT"),
    ("time.after_anchor", "UPDATE status_updates SET created_at = '2026-07-01T00:00:00.000Z'"),
    ("time.after_anchor", "UPDATE generation_runs SET anchor = '2026-04-01T00:00:00.000Z'"),
    ("time.task_after_creator_joined",
     "UPDATE tasks SET created_at = '2026-01-02T15:00:00.000Z' WHERE id = 101"),
    ("time.subtask_after_parent",
     "UPDATE tasks SET created_at = '2026-03-09T15:00:00.000Z' WHERE id = 104"),
    ("time.story_after_task",
     "UPDATE tasks SET created_at = '2026-04-08T13:00:00.000Z' WHERE id = 103"),
    ("time.story_author_employed",
     "UPDATE users SET left_at = '2026-04-01T00:00:00.000Z' WHERE id = 13"),
    ("time.status_update_author_employed",
     "UPDATE status_updates SET author_id = 13, created_at = '2026-06-10T15:00:00.000Z'"),
    ("time.task_completed_after_created",
     "UPDATE tasks SET completed_at = '2026-03-01T00:00:00.000Z' WHERE id = 101"),
    ("time.project_completed_after_created",
     "UPDATE projects SET completed = 1, completed_at = '2026-01-01T00:00:00.000Z', "
     "completed_by_id = 11 WHERE id = 31"),
    ("time.task_modified",
     "UPDATE tasks SET modified_at = '2026-03-05T16:00:00.000Z' WHERE id = 101"),
    ("time.project_modified",
     "UPDATE projects SET modified_at = '2026-04-01T00:00:00.000Z' WHERE id = 31"),
    ("time.task_after_project",
     "UPDATE projects SET created_at = '2026-03-03T00:00:00.000Z' WHERE id = 31"),
    ("time.status_update_after_project",
     "UPDATE status_updates SET created_at = '2026-02-01T15:00:00.000Z'"),
    ("who.assignee_member", "UPDATE tasks SET assignee_id = 14 WHERE id = 102"),
    ("who.completer_member", "UPDATE tasks SET completed_by_id = 14 WHERE id = 101"),
    ("who.story_author_member", "UPDATE stories SET created_by_id = 14 WHERE id = 205"),
    ("who.follower_member", "INSERT INTO task_followers VALUES (101, 14)"),
    ("who.project_member_in_team",
     "INSERT INTO project_memberships VALUES (31, 14, 'viewer', 0, '2026-02-02T15:00:00.000Z')"),
    ("who.open_task_assignee_left", "UPDATE tasks SET assignee_id = 13 WHERE id = 102"),
    ("structure.task_has_membership", "DELETE FROM task_memberships WHERE task_id = 103"),
    ("structure.subtask_no_membership", "INSERT INTO task_memberships VALUES (104, 31, 42, 1, 0)"),
    ("structure.one_primary_project",
     "UPDATE task_memberships SET is_primary = 0 WHERE task_id = 103"),
    ("structure.section_in_project",
     "UPDATE task_memberships SET section_id = 44 WHERE task_id = 103"),
    ("structure.self_dependency", "INSERT INTO task_dependencies VALUES (101, 101)"),
    ("structure.dependency_cycle", "INSERT INTO task_dependencies VALUES (101, 102)"),
    ("structure.dependency_order",
     "UPDATE task_dependencies SET task_id = 101, depends_on_id = 102"),
    ("structure.one_primary_team", "UPDATE team_memberships SET is_primary = 0 WHERE user_id = 12"),
    ("task.completed_fields", "UPDATE tasks SET completed_by_id = NULL WHERE id = 101"),
    ("task.approval_status", "UPDATE tasks SET approval_status = 'approved' WHERE id = 103"),
    ("task.approval_status", "UPDATE tasks SET approval_status = 'pending' WHERE id = 101"),
    ("task.milestone_start_on", "UPDATE tasks SET resource_subtype = 'milestone' WHERE id = 102"),
    ("task.due_on_and_due_at",
     "UPDATE tasks SET due_at = '2026-06-15T17:00:00.000Z' WHERE id = 102"),
    ("task.start_on", "UPDATE tasks SET start_on = '2026-07-01' WHERE id = 102"),
    ("task.start_on", "UPDATE tasks SET start_on = '2026-03-01' WHERE id = 103"),
    ("project.dates", "UPDATE projects SET start_on = '2026-08-01' WHERE id = 31"),
    ("project.completed_fields", "UPDATE projects SET completed = 1 WHERE id = 31"),
    ("user.active_left", "UPDATE users SET is_active = 1 WHERE id = 13"),
    ("user.email_domain", "UPDATE users SET email = 'ana@gmail.com' WHERE id = 11"),
    ("user.timezone", "UPDATE users SET timezone = 'Mars/Olympus_Mons' WHERE id = 12"),
    ("replay.assignee", "UPDATE tasks SET assignee_id = 12 WHERE id = 102"),
    ("replay.assignee", "UPDATE tasks SET assignee_id = 11 WHERE id = 103"),
    ("replay.completed",
     "UPDATE tasks SET completed = 1, completed_at = '2026-03-12T16:00:00.000Z', "
     "completed_by_id = 12 WHERE id = 104"),
    ("replay.completion_story",
     "UPDATE tasks SET completed_at = '2026-03-05T16:00:00.500Z' WHERE id = 101"),
    ("replay.section", "UPDATE task_memberships SET section_id = 41 WHERE task_id = 102"),
    ("replay.section", "UPDATE stories SET task_id = 104 WHERE id = 209"),
    ("replay.due", "UPDATE tasks SET due_on = '2026-06-16' WHERE id = 102"),
    ("replay.due", "UPDATE tasks SET due_on = '2026-06-16' WHERE id = 103"),
    ("replay.name", "UPDATE tasks SET name = 'Review contracts' WHERE id = 102"),
    ("replay.enum_value",
     "UPDATE custom_field_values SET enum_option_id = 61, display_value = 'Low' "
     "WHERE task_id = 101 AND custom_field_id = 51"),
    ("replay.story_type", "UPDATE stories SET type = 'system' WHERE id = 205"),
    ("cf.value_field_enabled", "DELETE FROM custom_field_settings WHERE custom_field_id = 52"),
    ("cf.value_typed_column",
     "UPDATE custom_field_values SET text_value = 'x' WHERE custom_field_id = 52"),
    ("cf.value_typed_column",
     "UPDATE custom_field_values SET enum_option_id = 63 WHERE custom_field_id = 53"),
    ("cf.enum_option_field",
     "UPDATE custom_field_values SET enum_option_id = 63 WHERE custom_field_id = 51"),
    ("cf.multi_enum_options",
     "UPDATE custom_field_value_options SET enum_option_id = 61 WHERE enum_option_id = 64"),
    ("cf.people_values", "INSERT INTO custom_field_value_people VALUES (101, 51, 11)"),
    ("cf.currency_code", "UPDATE custom_fields SET currency_code = NULL WHERE id = 52"),
    ("absence.no_activity",  # Ben comments on Mar 3 (10:00 in Chicago)
     "INSERT INTO time_off VALUES (501, 12, 'sick', '2026-03-03', '2026-03-03', "
     "'2026-03-03T13:00:00.000Z')"),
    ("absence.time_off_rows",
     "INSERT INTO time_off VALUES (501, 14, 'vacation', '2026-05-08', '2026-05-04', "
     "'2026-04-01T15:00:00.000Z')"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "sql"), MUTATIONS, ids=[f"{r}:{s}" for r, s in MUTATIONS])
def test_mutation_fails_its_rule(valid_db: Path, tmp_path: Path, rule: str, sql: str) -> None:
    # setup
    path = mutate(valid_db, tmp_path, sql)
    # run
    report = validate(path)
    # assert
    r = result(report, rule)
    assert r.severity == ERROR
    assert r.offending >= 1 and not r.passed
    assert 1 <= len(r.examples) <= 5
    assert not report.ok


def test_every_error_rule_has_a_mutation(valid_db: Path) -> None:
    errors = {r.rule for r in validate(valid_db).rules if r.severity == ERROR}
    covered = {rule for rule, _ in MUTATIONS} | {"fk.integrity_check"}
    assert errors - covered == set()


def test_examples_name_the_offending_rows(valid_db: Path, tmp_path: Path) -> None:
    path = mutate(valid_db, tmp_path, "UPDATE tasks SET assignee_id = 12 WHERE id = 102")
    assert result(validate(path), "replay.assignee").examples == (102,)


def test_format_examples_name_table_column_and_row(valid_db: Path, tmp_path: Path) -> None:
    path = mutate(valid_db, tmp_path, "UPDATE tasks SET due_on = '2026-06-31' WHERE id = 102")
    assert result(validate(path), "format.dates").examples == ("tasks.due_on:102",)


def test_dependency_cycle_through_three_tasks(valid_db: Path, tmp_path: Path) -> None:
    # setup: 102 -> 101 exists; add 101 -> 103 and 103 -> 102
    path = mutate(valid_db, tmp_path, "INSERT INTO task_dependencies VALUES (101, 103), (103, 102)")
    # run
    r = result(validate(path), "structure.dependency_cycle")
    # assert
    assert r.offending >= 1 and set(r.examples) <= {101, 102, 103}


def test_dependency_chain_without_cycle_passes(valid_db: Path, tmp_path: Path) -> None:
    path = mutate(valid_db, tmp_path, "INSERT INTO task_dependencies VALUES (103, 102)")
    assert result(validate(path), "structure.dependency_cycle").passed


def test_corrupt_index_fails_integrity_check(valid_db: Path, tmp_path: Path) -> None:
    # setup: rewrite an index's definition so its stored entries no longer match the table
    target = tmp_path / "corrupt.sqlite"
    shutil.copyfile(valid_db, target)
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'tasks(parent_id)', 'tasks(assignee_id)') "
        "WHERE name = 'idx_tasks_parent'"
    )
    conn.commit()
    conn.close()
    # run
    report = validate(target)
    # assert
    r = result(report, "fk.integrity_check")
    assert r.offending >= 1 and not report.ok


# ---------------------------------------------------------------------------------------------
# Warnings: reported, but the file stays ok

WARNING_MUTATIONS = [
    ("who.guest_share", "UPDATE project_memberships SET is_guest = 1 WHERE user_id = 13"),
    # 12 assigned, moved and completed tasks of project 31
    ("who.guest_only_comments",
     "UPDATE project_memberships SET is_guest = 1, access_level = 'commenter' WHERE user_id = 12"),
    ("consistency.duplicate_task_name",
     "UPDATE tasks SET name = 'Draft launch plan' WHERE id = 103"),
    ("consistency.board_section_state",
     "UPDATE task_memberships SET section_id = 42 WHERE task_id = 101"),
    ("consistency.holiday_event",
     "UPDATE stories SET created_at = '2026-05-25T15:00:00.000Z' WHERE id = 217"),
    ("consistency.weekend_share",
     "UPDATE stories SET created_at = '2026-03-07T16:00:00.000Z' WHERE id = 205"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "sql"), WARNING_MUTATIONS, ids=[r for r, _ in WARNING_MUTATIONS])
def test_warning_mutation_fails_its_rule(
    valid_db: Path, tmp_path: Path, rule: str, sql: str
) -> None:
    path = mutate(valid_db, tmp_path, sql)
    r = result(validate(path), rule)
    assert r.severity == WARNING
    assert r.offending >= 1 and len(r.examples) >= 1


def test_warnings_alone_keep_the_file_ok(valid_db: Path, tmp_path: Path) -> None:
    # setup: a duplicate name breaks only a warning rule
    path = mutate(valid_db, tmp_path, "UPDATE tasks SET name = 'Draft launch plan' WHERE id = 103")
    # run
    report = validate(path)
    # assert
    assert report.ok
    assert [r.rule for r in report.rules if not r.passed] == ["consistency.duplicate_task_name"]


def test_weekend_examples_name_the_event(valid_db: Path, tmp_path: Path) -> None:
    sql = "UPDATE stories SET created_at = '2026-03-07T16:00:00.000Z' WHERE id = 205"
    r = result(validate(mutate(valid_db, tmp_path, sql)), "consistency.weekend_share")
    assert r.examples == ("stories:205",) and r.offending == 1


def test_local_date_decides_the_holiday(valid_db: Path, tmp_path: Path) -> None:
    # setup: 2026-05-26T03:00Z is still Memorial Day (May 25) evening in Chicago
    sql = "UPDATE stories SET created_at = '2026-05-26T03:00:00.000Z' WHERE id = 217"
    # run
    r = result(validate(mutate(valid_db, tmp_path, sql)), "consistency.holiday_event")
    # assert
    assert r.examples == ("stories:217",)


def test_event_outside_the_tasks_dates_still_gets_local_time(
    valid_db: Path, tmp_path: Path
) -> None:
    # setup: a story moved to Christmas Day 2025, before any task of the file exists
    sql = "UPDATE stories SET created_at = '2025-12-25T16:00:00.000Z' WHERE id = 217"
    # run
    report = validate(mutate(valid_db, tmp_path, sql))
    # assert: its day is placed in its author's zone and country, whatever the other dates
    assert result(report, "consistency.holiday_event").examples == ("stories:217",)
    assert result(report, "time.story_after_task").examples == (217,)


def test_a_run_record_without_its_anchor_is_a_structure_failure(
    valid_db: Path, tmp_path: Path
) -> None:
    # setup: generation_runs without the anchor column
    sql = "ALTER TABLE generation_runs RENAME COLUMN anchor TO anchor_x"
    path = mutate(valid_db, tmp_path, sql)
    # run
    report = validate(path)
    # assert: the other rules still run; the missing column fails validation
    columns = result(report, "structure.columns")
    assert set(columns.examples) == {
        "generation_runs.anchor: missing",
        "generation_runs.anchor_x: not in schema.sql",
    }
    assert not report.ok and result(report, "replay.assignee").passed


# ---------------------------------------------------------------------------------------------
# The generator's own output (only once src/pipeline.py exists)


def test_generated_small_file_validates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("src.pipeline")
    from src import Config, generate

    # setup
    path = tmp_path / "small.sqlite"
    # run
    generate(Config(seed=1, scale="small"), path)
    report = validate(path)
    # assert
    failed = [(r.rule, r.offending, r.examples) for r in report.rules if not r.passed]
    assert report.ok, [f for f in failed if result(report, f[0]).severity == ERROR]
    assert capsys.readouterr() == ("", "")
