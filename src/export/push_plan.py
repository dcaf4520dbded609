"""The replay plan: every request `push` sends, in stages, built from the file alone (so
`--dry-run` needs no token and counts exactly what a replay sends).

A step's body is built when it runs, because it needs the gids Asana gave earlier steps (a
task needs its project's).  Steps of one lane run in order (a project's sections, a task's
comments); lanes of a stage run in parallel.  Each step has a key (kind, local id) under which
push_map records it, so a rerun skips it.

Asana cannot backdate or act as someone else: every object is created now, by the token's
user.  The original author and time go into the text (a task's notes, a comment's first line,
a status update's last line); people are found in the workspace by email, and only those found
become assignees, followers, project members (added as followers at creation) and people
values.  System stories are not replayed: Asana writes its own as the replay changes things.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from .asana_client import quote

Resolve = Callable[[str, int], "str | None"]
Built = tuple[str, "dict[str, Any] | None", "str | None"]  # path, data, request schema


@dataclass(frozen=True)
class Step:
    kind: str
    local: int
    lane: Hashable
    method: str
    build: Callable[[Resolve], Built]
    creates: bool = True  # the answer's gid is what push_map records
    missing_ok: bool = False  # a 404 means "none" (a person without an account)
    extra: Callable[[dict], list[tuple[str, int, str]]] | None = None  # more mappings


@dataclass
class Stage:
    name: str
    steps: list[Step] = field(default_factory=list)


def when(ts: str | None) -> str:
    """``2026-05-03T14:22:05.123Z`` as ``2026-05-03 14:22 UTC``."""
    return f"{ts[:10]} {ts[11:16]} UTC" if ts else ""


class Source:
    """The rows the plan needs, read once from the file."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.user_names = dict(conn.execute("SELECT id, name FROM users"))

    def rows(self, sql: str) -> list[sqlite3.Row]:
        self.conn.row_factory = sqlite3.Row
        try:
            return self.conn.execute(sql).fetchall()
        finally:
            self.conn.row_factory = None

    def grouped(self, sql: str) -> dict[int, list]:
        out: dict[int, list] = defaultdict(list)
        for key, *rest in self.conn.execute(sql):
            out[key].append(rest[0] if len(rest) == 1 else tuple(rest))
        return out


def _users(src: Source) -> Stage:
    stage = Stage("people")
    for uid, email in src.conn.execute("SELECT id, email FROM users ORDER BY id"):
        path = f"/users/{quote(email)}?opt_fields=email"
        stage.steps.append(
            Step("user", uid, ("user", uid), "GET", lambda r, p=path: (p, None, None),
                 missing_ok=True)
        )  # fmt: skip
    return stage


def _simple(name: str, kind: str, rows: list, path: str, schema: str, data: Callable) -> Stage:
    """A stage of independent creations whose bodies need no other gid."""
    stage = Stage(name)
    for row in rows:
        body = data(row)
        stage.steps.append(
            Step(kind, row["id"], (kind, row["id"]), "POST",
                 lambda r, d=body: (path, d, schema))
        )  # fmt: skip
    return stage


def _teams(src: Source, ws: str) -> Stage:
    rows = src.rows("SELECT id, name, description FROM teams ORDER BY id")
    return _simple(
        "teams", "team", rows, "/teams", "TeamRequest",
        lambda t: {"name": t["name"], "description": t["description"], "organization": ws},
    )  # fmt: skip


def _custom_fields(src: Source, ws: str) -> Stage:
    stage = Stage("custom fields")
    options = src.grouped(
        "SELECT custom_field_id, id, name, color, enabled FROM custom_field_enum_options "
        "ORDER BY custom_field_id, position, id"
    )
    for f in src.rows("SELECT * FROM custom_fields ORDER BY id"):
        subtype = f["resource_subtype"]
        data: dict[str, Any] = {
            "workspace": ws,
            "name": f["name"],
            "description": f["description"],
            "resource_subtype": subtype,
        }
        opts = options.get(f["id"], [])
        if subtype in ("enum", "multi_enum"):
            data["enum_options"] = [
                {"name": name, "color": color, "enabled": bool(enabled)}
                for _, name, color, enabled in opts
            ]
        if subtype == "number":
            data["precision"] = f["precision"]
            data["format"] = f["format"] or "none"
            if f["currency_code"]:
                data["currency_code"] = f["currency_code"]

        def extra(answer: dict, opts: list = opts) -> list[tuple[str, int, str]]:
            got = answer.get("enum_options") or []
            return [("enum_option", o[0], g["gid"]) for o, g in zip(opts, got, strict=False)]

        stage.steps.append(
            Step("custom_field", f["id"], ("custom_field", f["id"]), "POST",
                 lambda r, d=data: ("/custom_fields", d, "CustomFieldCreateRequest"),
                 extra=extra)
        )  # fmt: skip
    return stage


def _tags(src: Source, ws: str) -> Stage:
    rows = src.rows("SELECT id, name, color FROM tags ORDER BY id")
    return _simple(
        "tags", "tag", rows, "/tags", "TagCreateRequest",
        lambda t: {"name": t["name"], "color": t["color"], "workspace": ws},
    )  # fmt: skip


def _people(resolve: Resolve, ids: list[int]) -> list[str]:
    return [g for g in (resolve("user", u) for u in ids) if g]


def _projects(src: Source, ws: str) -> tuple[Stage, Stage]:
    projects, settings = Stage("projects"), Stage("project fields")
    members = src.grouped(
        "SELECT project_id, user_id FROM project_memberships ORDER BY project_id, user_id"
    )
    fields = src.grouped(
        "SELECT project_id, custom_field_id, is_important FROM custom_field_settings "
        "ORDER BY project_id, custom_field_id"
    )
    for p in src.rows("SELECT * FROM projects ORDER BY id"):
        pid = p["id"]
        done = (
            f"; completed by {src.user_names[p['completed_by_id']]} on {when(p['completed_at'])}"
            if p["completed_by_id"]
            else ""
        )
        notes = (
            f"{p['notes']}\n\n— asana-seed: created on {when(p['created_at'])}, owner "
            f"{src.user_names[p['owner_id']]}{done}"
        ).lstrip()

        def build(r: Resolve, p: sqlite3.Row = p, notes: str = notes) -> Built:
            data: dict[str, Any] = {
                "name": p["name"],
                "notes": notes,
                "default_view": p["default_view"],
                "privacy_setting": p["privacy_setting"],
                "archived": bool(p["archived"]),
                "team": r("team", p["team_id"]),
                "workspace": ws,
            }
            if p["color"]:
                data["color"] = p["color"]
            for key in ("start_on", "due_on"):
                if p[key]:
                    data[key] = p[key]
            if owner := r("user", p["owner_id"]):
                data["owner"] = owner
            if people := _people(r, members.get(p["id"], [])):
                data["followers"] = ",".join(people)  # followers become members in Asana
            return "/projects", data, "ProjectRequest"

        projects.steps.append(Step("project", pid, ("project", pid), "POST", build))
        for fid, important in fields.get(pid, []):

            def add_field(r: Resolve, pid: int = pid, fid: int = fid, imp: int = important):
                data = {"custom_field": r("custom_field", fid), "is_important": bool(imp)}
                path = f"/projects/{r('project', pid)}/addCustomFieldSetting"
                return path, data, "AddCustomFieldSettingRequest"

            settings.steps.append(
                Step(f"project.field.{fid}", pid, ("project", pid), "POST", add_field,
                     creates=False)
            )  # fmt: skip
    return projects, settings


def _sections(src: Source) -> Stage:
    stage = Stage("sections")
    for s in src.rows("SELECT id, project_id, name FROM sections ORDER BY project_id, position"):

        def build(r: Resolve, s: sqlite3.Row = s) -> Built:
            path = f"/projects/{r('project', s['project_id'])}/sections"
            return path, {"name": s["name"]}, "SectionRequest"

        stage.steps.append(Step("section", s["id"], ("project", s["project_id"]), "POST", build))
    return stage


def _field_value(r: Resolve, subtype: str, row: tuple, chosen: list[int]) -> Any:
    text, number, option, date = row
    if subtype == "text":
        return text
    if subtype == "number":
        return number
    if subtype == "enum":
        return r("enum_option", option) if option is not None else None
    if subtype == "date":
        return date
    if subtype == "multi_enum":
        return [g for g in (r("enum_option", o) for o in chosen) if g]
    return _people(r, chosen)  # people


def _task_notes(src: Source, t: sqlite3.Row) -> str:
    names = src.user_names
    parts = [f"created by {names[t['created_by_id']]} on {when(t['created_at'])}"]
    if t["assignee_id"]:
        parts.append(f"assigned to {names[t['assignee_id']]}")
    if t["completed_by_id"]:
        parts.append(f"completed by {names[t['completed_by_id']]} on {when(t['completed_at'])}")
    return f"{t['notes']}\n\n— asana-seed: {'; '.join(parts)}".lstrip()


def _tasks(src: Source, ws: str) -> tuple[Stage, Stage, Stage, Stage]:
    tasks, placed, subtasks, links = (
        Stage("tasks"), Stage("task sections"), Stage("subtasks"), Stage("task links")
    )  # fmt: skip
    homes = src.grouped(
        "SELECT task_id, project_id, section_id, position FROM task_memberships "
        "ORDER BY task_id, is_primary DESC, project_id"
    )
    first_homes = []  # (section, position, step): Asana puts an added task at the top
    followers = src.grouped("SELECT task_id, user_id FROM task_followers ORDER BY 1, 2")
    tags = src.grouped("SELECT task_id, tag_id FROM task_tags ORDER BY 1, 2")
    deps = src.grouped("SELECT task_id, depends_on_id FROM task_dependencies ORDER BY 1, 2")
    values = src.grouped(
        "SELECT v.task_id, v.custom_field_id, f.resource_subtype, v.text_value, v.number_value, "
        "v.enum_option_id, v.date_value FROM custom_field_values v "
        "JOIN custom_fields f ON f.id = v.custom_field_id ORDER BY 1, 2"
    )
    chosen = defaultdict(list)
    for tid, fid, x in src.conn.execute(
        "SELECT o.task_id, o.custom_field_id, o.enum_option_id FROM custom_field_value_options o "
        "JOIN custom_field_enum_options e ON e.id = o.enum_option_id ORDER BY 1, 2, e.position"
    ):
        chosen[tid, fid].append(x)
    for tid, fid, x in src.conn.execute(
        "SELECT task_id, custom_field_id, user_id FROM custom_field_value_people ORDER BY 1, 2, 3"
    ):
        chosen[tid, fid].append(x)
    rows = src.rows("SELECT * FROM tasks ORDER BY parent_id IS NOT NULL, created_at, id")
    for t in rows:
        tid, home = t["id"], homes.get(t["id"], [])
        notes = _task_notes(src, t)

        def build(r: Resolve, t: sqlite3.Row = t, notes: str = notes, home: list = home):
            data: dict[str, Any] = {
                "name": t["name"],
                "notes": notes,
                "resource_subtype": t["resource_subtype"],
                "completed": bool(t["completed"]),
            }
            if t["approval_status"]:
                data["approval_status"] = t["approval_status"]
            for key in ("due_on", "due_at", "start_on"):
                if t[key]:
                    data[key] = t[key]
            if assignee := r("user", t["assignee_id"]) if t["assignee_id"] else None:
                data["assignee"] = assignee
            if people := _people(r, followers.get(t["id"], [])):
                data["followers"] = people
            if t["id"] in tags:
                data["tags"] = [r("tag", g) for g in tags[t["id"]]]
            if t["parent_id"] is not None:
                return f"/tasks/{r('task', t['parent_id'])}/subtasks", data, "TaskCreateRequest"
            data["workspace"] = ws
            data["projects"] = [r("project", home[0][0])] if home else []
            fields = {
                r("custom_field", fid): _field_value(r, sub, rest, chosen.get((t["id"], fid), []))
                for fid, sub, *rest in values.get(t["id"], [])
            }
            if fields:
                data["custom_fields"] = fields
            return "/tasks", data, "TaskCreateRequest"

        if t["parent_id"] is None:
            lane = ("project", home[0][0]) if home else ("task", tid)
            tasks.steps.append(Step("task", tid, lane, "POST", build))
        else:
            subtasks.steps.append(Step("task", tid, ("task", t["parent_id"]), "POST", build))
        for i, (pid, sid, position) in enumerate(home):

            def place(r: Resolve, tid: int = tid, pid: int = pid, sid: int = sid, i: int = i):
                if i == 0:
                    data = {"task": r("task", tid)}
                    return (
                        f"/sections/{r('section', sid)}/addTask",
                        data,
                        "SectionTaskInsertRequest",
                    )
                data = {"project": r("project", pid), "section": r("section", sid)}
                return f"/tasks/{r('task', tid)}/addProject", data, "TaskAddProjectRequest"

            step = Step(f"task.home.{pid}", tid, ("section", sid), "POST", place, creates=False)
            if i == 0:
                first_homes.append((sid, -position, step))
            else:
                links.steps.append(step)
        if tid in deps:

            def depend(r: Resolve, tid: int = tid) -> Built:
                data = {"dependencies": [r("task", d) for d in deps[tid]]}
                return f"/tasks/{r('task', tid)}/addDependencies", data, "ModifyDependenciesRequest"

            links.steps.append(
                Step("task.dependencies", tid, ("task", tid), "POST", depend, creates=False)
            )
    # of a section, the last task first, so each lands on top of the ones below it
    placed.steps = [step for *_, step in sorted(first_homes, key=lambda x: x[:2])]
    return tasks, placed, subtasks, links


def _comments(src: Source) -> Stage:
    stage = Stage("comments")
    for s in src.rows(
        "SELECT id, task_id, created_by_id, created_at, text FROM stories "
        "WHERE type = 'comment' ORDER BY task_id, created_at, id"
    ):
        text = f"{src.user_names[s['created_by_id']]} · {when(s['created_at'])}\n\n{s['text']}"

        def build(r: Resolve, tid: int = s["task_id"], text: str = text) -> Built:
            return f"/tasks/{r('task', tid)}/stories", {"text": text}, "StoryRequest"

        stage.steps.append(Step("story", s["id"], ("task", s["task_id"]), "POST", build))
    return stage


def _status_updates(src: Source) -> Stage:
    stage = Stage("status updates")
    for u in src.rows("SELECT * FROM status_updates ORDER BY project_id, created_at, id"):
        signed = f"{u['text']}\n\n— {src.user_names[u['author_id']]}, {when(u['created_at'])}"

        def build(r: Resolve, u: sqlite3.Row = u, text: str = signed) -> Built:
            data = {
                "parent": r("project", u["project_id"]),
                "status_type": u["status_type"],
                "title": u["title"],
                "text": text,
            }
            return "/status_updates", data, "StatusUpdateRequest"

        stage.steps.append(
            Step("status_update", u["id"], ("project", u["project_id"]), "POST", build)
        )
    return stage


def build_plan(conn: sqlite3.Connection, workspace: str) -> list[Stage]:
    """Every request of a replay into ``workspace``, in dependency order."""
    src = Source(conn)
    projects, settings = _projects(src, workspace)
    tasks, placed, subtasks, links = _tasks(src, workspace)
    return [
        _users(src),
        _teams(src, workspace),
        _custom_fields(src, workspace),
        _tags(src, workspace),
        projects,
        settings,
        _sections(src),
        tasks,
        placed,
        subtasks,
        links,
        _comments(src),
        _status_updates(src),
    ]
