"""asana-json: every object follows Asana's official API schema (vendored from the OpenAPI spec)
and says what the SQLite file says; an object that breaks the schema is refused with its field
and rule, and nothing is written."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import q, q1
from typer.testing import CliRunner

from src.export import export
from src.export.asana_json import KIND, PARTS
from src.export.asana_schema import SCHEMAS_PATH, AsanaSchemaError, check, validator
from src.main import app

ROOT = Path(__file__).resolve().parents[1]
SPEC = Path("/work/shared/asana-openapi/asana_oas.yaml")


@pytest.fixture(scope="module")
def exported(small_seed1, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("asana") / "out"
    export(small_seed1.path, "asana-json", out)
    return {p: json.loads((out / f"{p}.json").read_text(encoding="utf-8"))["data"] for p in PARTS}


def test_every_object_validates_and_every_row_is_there(small_seed1, exported) -> None:
    for part, objects in exported.items():
        kind = KIND[part]
        assert len(objects) == q1(small_seed1.path, f"SELECT COUNT(*) FROM {part}"), part
        for obj in objects:
            assert validator(kind).is_valid(obj), (part, obj["gid"])
            assert obj["resource_type"] == kind and isinstance(obj["gid"], str)
        assert len({o["gid"] for o in objects}) == len(objects)


def test_tasks_say_what_the_file_says(small_seed1, exported) -> None:
    path = small_seed1.path
    tasks = {int(t["gid"]): t for t in exported["tasks"]}
    rows = q(path, "SELECT id, assignee_id, parent_id, completed, due_on, name FROM tasks")
    for tid, assignee, parent, completed, due_on, name in rows:
        t = tasks[tid]
        assert (t["assignee"] or {}).get("gid") == (str(assignee) if assignee else None)
        assert (t["parent"] or {}).get("gid") == (str(parent) if parent else None)
        assert t["completed"] is bool(completed) and t["due_on"] == due_on and t["name"] == name
    subtasks = dict(q(path, "SELECT parent_id, COUNT(*) FROM tasks GROUP BY parent_id"))
    assert all(t["num_subtasks"] == subtasks.get(tid, 0) for tid, t in tasks.items())
    for table, key in (("task_followers", "followers"), ("task_tags", "tags")):
        col = "user_id" if key == "followers" else "tag_id"
        pairs = {(t, str(x)) for t, x in q(path, f"SELECT task_id, {col} FROM {table}")}
        assert pairs == {(tid, r["gid"]) for tid, t in tasks.items() for r in t[key]}
    deps = {
        (str(a), str(b)) for a, b in q(path, "SELECT task_id, depends_on_id FROM task_dependencies")
    }
    assert deps == {(t["gid"], d["gid"]) for t in tasks.values() for d in t["dependencies"]}
    assert deps == {(d["gid"], t["gid"]) for t in tasks.values() for d in t["dependents"]}
    homes = q(path, "SELECT task_id, project_id, section_id FROM task_memberships")
    assert {(t, str(p), str(s)) for t, p, s in homes} == {
        (tid, m["project"]["gid"], m["section"]["gid"])
        for tid, t in tasks.items()
        for m in t["memberships"]
    }
    # custom fields: every value row, with Asana's display value and typed value
    values = q(
        path,
        "SELECT v.task_id, v.custom_field_id, f.resource_subtype, v.display_value, "
        "v.enum_option_id, v.number_value FROM custom_field_values v "
        "JOIN custom_fields f ON f.id = v.custom_field_id",
    )
    got = {(tid, f["gid"]): f for tid, t in tasks.items() for f in t["custom_fields"]}
    assert len(got) == len(values)
    for tid, fid, subtype, display, option, number in values:
        field = got[tid, str(fid)]
        assert field["display_value"] == display and field["resource_subtype"] == subtype
        if subtype == "enum":
            assert field["enum_value"]["gid"] == str(option)
        if subtype == "number":
            assert field["number_value"] == number
    multi = q(
        path,
        "SELECT task_id, custom_field_id, COUNT(*) FROM custom_field_value_options GROUP BY 1, 2",
    )
    assert all(len(got[t, str(f)]["multi_enum_values"]) == n for t, f, n in multi)


def test_stories_and_status_updates_keep_their_references(small_seed1, exported) -> None:
    stories = {int(s["gid"]): s for s in exported["stories"]}
    for sid, task, author, subtype, new_section, new_option in q(
        small_seed1.path,
        "SELECT id, task_id, created_by_id, resource_subtype, new_section_id, "
        "new_enum_option_id FROM stories",
    ):
        s = stories[sid]
        assert s["target"]["gid"] == str(task) and s["created_by"]["gid"] == str(author)
        assert s["resource_subtype"] == subtype
        if subtype == "section_changed":
            assert s["new_section"]["gid"] == str(new_section)
        if new_option is not None:
            assert s["new_enum_value"]["gid"] == str(new_option)
    updates = {int(u["gid"]): u for u in exported["status_updates"]}
    for uid, project, status in q(
        small_seed1.path, "SELECT id, project_id, status_type FROM status_updates"
    ):
        assert updates[uid]["parent"]["gid"] == str(project)
        assert updates[uid]["status_type"] == status


def _task(exported) -> dict:
    task = next(t for t in exported["tasks"] if t["assignee"] and t["custom_fields"])
    return copy.deepcopy(task)


def test_a_null_assignee_and_parent_are_accepted(exported) -> None:
    task = _task(exported)
    task["assignee"] = None
    task["parent"] = None
    task["completed_by"] = None
    check("task", task)


@pytest.mark.parametrize(
    "corrupt, field, rule",
    [
        (lambda t: t.update(resource_subtype="bogus"), "resource_subtype", "enum"),
        (lambda t: t.update(completed="yes"), "completed", "type"),
        (lambda t: t.update(num_subtasks=1.5), "num_subtasks", "type"),
        (lambda t: t.update(story_points=3), "(the object)", "additionalProperties"),
        (lambda t: t["assignee"].update(email="x@y.z"), "assignee", "additionalProperties"),
        (lambda t: t["custom_fields"][0].update(type="color"), "custom_fields/0/type", "enum"),
        (lambda t: t.update(followers={"gid": "1"}), "followers", "type"),
    ],
)
def test_a_corrupted_object_is_refused_with_field_and_rule(exported, corrupt, field, rule) -> None:
    task = _task(exported)
    corrupt(task)
    with pytest.raises(AsanaSchemaError) as info:
        check("task", task)
    message = str(info.value)
    assert f"task {task['gid']}" in message
    assert f"field {field}:" in message and f"(rule {rule})" in message


def test_a_file_that_breaks_the_schema_exits_1_and_writes_nothing(small_seed1, tmp_path) -> None:
    # setup: a project colour outside Asana's palette
    source = tmp_path / "bad.sqlite"
    shutil.copy(small_seed1.path, source)
    with sqlite3.connect(source) as conn:
        pid = conn.execute("SELECT MIN(id) FROM projects").fetchone()[0]
        conn.execute("UPDATE projects SET color = 'neon' WHERE id = ?", (pid,))
    # run
    result = CliRunner().invoke(
        app, ["export", str(source), "-f", "asana-json", "-o", str(tmp_path / "out")]
    )
    # assert
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and f"project {pid}" in line and "field color" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.sqlite"]


def test_tables_choose_resource_types(small_seed1, tmp_path) -> None:
    summary = export(small_seed1.path, "asana-json", tmp_path / "out", tables=["tags", "users"])
    assert list(summary.files) == ["users", "tags"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["tables"]["tags"] == {
        "file": "tags.json",
        "rows": summary.row_counts["tags"],
        "resource_type": "tag",
        "schema": "TagResponse",
    }
    result = CliRunner().invoke(
        app,
        [
            "export",
            str(small_seed1.path),
            "-f",
            "asana-json",
            "-o",
            str(tmp_path / "x"),
            "--tables",
            "task_tags",
        ],
    )
    assert result.exit_code == 2 and "accepted: workspaces, users" in result.stderr


@pytest.mark.skipif(not SPEC.is_file(), reason="Asana's spec is not on this machine")
def test_vendored_schemas_are_what_the_script_makes_from_the_spec(tmp_path) -> None:
    # run
    out = tmp_path / "schemas.json"
    script = ROOT / "scripts" / "vendor_asana_schemas.py"
    subprocess.run([sys.executable, str(script), str(SPEC), "--out", str(out)], check=True)
    # assert
    assert out.read_bytes() == SCHEMAS_PATH.read_bytes()
