"""Asana-API JSON: the organization as Asana's REST API returns it, one file per resource type.

Each ``<type>.json`` is ``{"data": [...]}`` with one object per line, in gid order, shaped as
``GET /<type>/{gid}?opt_fields=...`` answers: gids as strings, ``resource_type`` on every
object, compact references ``{"gid", "resource_type", "name"}``, custom fields with their
typed value and ``display_value``.  Every object is validated against Asana's official schema
(`asana_schema.check`) before it is written; one that fails stops the export with which object,
field and rule.  Columns Asana's API has no field for (a user's job title, time zone and
country, `left_at`, a section's `workflow_state`, a custom-field setting's own id) are left out.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from .asana_schema import check, schemas
from .registry import ExportContext, FileInfo, Format

Obj = dict[str, Any]
# Resource types in the order they are written (each file's name is the plural).
PARTS = (
    "workspaces",
    "users",
    "teams",
    "custom_fields",
    "tags",
    "projects",
    "sections",
    "tasks",
    "stories",
    "status_updates",
)
KIND = {part: part[:-1] if part != "stories" else "story" for part in PARTS}
SOURCE_TABLE = {part: part for part in PARTS}


def _group(conn: sqlite3.Connection, sql: str) -> dict[int, list[tuple]]:
    """Rows of ``sql`` grouped by their first column, the rest of each row kept in order."""
    out: dict[int, list[tuple]] = defaultdict(list)
    for key, *rest in conn.execute(sql):
        out[key].append(tuple(rest))
    return out


class Lookups:
    """Names and small joins read once, so each object is built without a query."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        names = {
            "user": "SELECT id, name FROM users",
            "team": "SELECT id, name FROM teams",
            "project": "SELECT id, name FROM projects",
            "section": "SELECT id, name FROM sections",
            "tag": "SELECT id, name FROM tags",
            "custom_field": "SELECT id, name FROM custom_fields",
            "workspace": "SELECT id, name FROM workspaces",
            "task": "SELECT id, name FROM tasks",
        }
        self.names = {kind: dict(conn.execute(sql)) for kind, sql in names.items()}
        self.options = {
            oid: {
                "gid": str(oid),
                "resource_type": "enum_option",
                "name": name,
                "enabled": bool(enabled),
                "color": color,
            }
            for oid, name, color, enabled in conn.execute(
                "SELECT id, name, color, enabled FROM custom_field_enum_options "
                "ORDER BY custom_field_id, position, id"
            )
        }

    def ref(self, kind: str, oid: int | None) -> Obj | None:
        """A compact reference ``{"gid", "resource_type", "name"}``, or None for NULL."""
        if oid is None:
            return None
        return {"gid": str(oid), "resource_type": kind, "name": self.names[kind][oid]}

    def refs(self, kind: str, ids: list[tuple]) -> list[Obj]:
        return [self.ref(kind, i[0]) for i in ids]


def workspaces(lk: Lookups) -> Iterator[Obj]:
    for wid, name, domain in lk.conn.execute(
        "SELECT id, name, email_domain FROM workspaces ORDER BY id"
    ):
        yield {
            "gid": str(wid),
            "resource_type": "workspace",
            "name": name,
            "email_domains": [domain],
            "is_organization": True,
        }


def users(lk: Lookups) -> Iterator[Obj]:
    for uid, ws, email in lk.conn.execute("SELECT id, workspace_id, email FROM users ORDER BY id"):
        user = lk.ref("user", uid)
        yield user | {"email": email, "photo": None, "workspaces": [lk.ref("workspace", ws)]}


def teams(lk: Lookups) -> Iterator[Obj]:
    for tid, ws, description in lk.conn.execute(
        "SELECT id, workspace_id, description FROM teams ORDER BY id"
    ):
        organization = lk.ref("workspace", ws)
        yield lk.ref("team", tid) | {"description": description, "organization": organization}


def custom_fields(lk: Lookups) -> Iterator[Obj]:
    options = _group(
        lk.conn,
        "SELECT custom_field_id, id FROM custom_field_enum_options "
        "ORDER BY custom_field_id, position, id",
    )
    for fid, name, description, subtype, precision, fmt, currency in lk.conn.execute(
        "SELECT id, name, description, resource_subtype, precision, format, currency_code "
        "FROM custom_fields ORDER BY id"
    ):
        obj = {
            "gid": str(fid),
            "resource_type": "custom_field",
            "name": name,
            "description": description,
            "resource_subtype": subtype,
            "type": subtype,
            "enabled": True,
        }
        if subtype in ("enum", "multi_enum"):
            obj["enum_options"] = [lk.options[o] for (o,) in options.get(fid, [])]
        if subtype == "number":
            obj |= {"precision": precision, "format": fmt, "currency_code": currency}
        yield obj


def tags(lk: Lookups) -> Iterator[Obj]:
    for tid, ws, color, created_at in lk.conn.execute(
        "SELECT id, workspace_id, color, created_at FROM tags ORDER BY id"
    ):
        yield {
            **lk.ref("tag", tid),
            "color": color,
            "created_at": created_at,
            "workspace": lk.ref("workspace", ws),
        }


def projects(lk: Lookups) -> Iterator[Obj]:
    members = _group(
        lk.conn, "SELECT project_id, user_id FROM project_memberships ORDER BY project_id, user_id"
    )
    settings = _group(
        lk.conn,
        "SELECT project_id, custom_field_id, is_important FROM custom_field_settings "
        "ORDER BY project_id, custom_field_id",
    )
    for row in lk.conn.execute(
        "SELECT id, workspace_id, team_id, owner_id, name, notes, color, privacy_setting, "
        "default_view, archived, start_on, due_on, created_at, modified_at, completed, "
        "completed_at, completed_by_id FROM projects ORDER BY id"
    ):
        pid, ws, team, owner, name, notes, color, privacy, view, archived = row[:10]
        start_on, due_on, created_at, modified_at, completed, completed_at, done_by = row[10:]
        project = lk.ref("project", pid)
        yield {
            **project,
            "archived": bool(archived),
            "color": color,
            "created_at": created_at,
            "custom_field_settings": [
                {
                    "resource_type": "custom_field_setting",
                    "custom_field": lk.ref("custom_field", fid),
                    "is_important": bool(important),
                    "project": project,
                }
                for fid, important in settings.get(pid, [])
            ],
            "default_view": view,
            "due_on": due_on,
            "members": lk.refs("user", members.get(pid, [])),
            "modified_at": modified_at,
            "notes": notes,
            "privacy_setting": privacy,
            "start_on": start_on,
            "completed": bool(completed),
            "completed_at": completed_at,
            "completed_by": lk.ref("user", done_by),
            "owner": lk.ref("user", owner),
            "team": lk.ref("team", team),
            "workspace": lk.ref("workspace", ws),
        }


def sections(lk: Lookups) -> Iterator[Obj]:
    for sid, pid, created_at in lk.conn.execute(
        "SELECT id, project_id, created_at FROM sections ORDER BY project_id, position"
    ):
        yield {
            **lk.ref("section", sid),
            "created_at": created_at,
            "project": lk.ref("project", pid),
        }


def _field_values(lk: Lookups) -> dict[int, list[Obj]]:
    """Each task's custom fields as Asana returns them in ``task.custom_fields``."""
    chosen: dict[tuple[int, int], list[int]] = defaultdict(list)
    for tid, fid, option in lk.conn.execute(
        "SELECT v.task_id, v.custom_field_id, v.enum_option_id FROM custom_field_value_options v "
        "JOIN custom_field_enum_options o ON o.id = v.enum_option_id ORDER BY 1, 2, o.position"
    ):
        chosen[tid, fid].append(option)
    picked: dict[tuple[int, int], list[int]] = defaultdict(list)
    for tid, fid, user in lk.conn.execute(
        "SELECT task_id, custom_field_id, user_id FROM custom_field_value_people ORDER BY 1, 2, 3"
    ):
        picked[tid, fid].append(user)
    out: dict[int, list[Obj]] = defaultdict(list)
    for tid, fid, subtype, text, number, option, date, display in lk.conn.execute(
        "SELECT v.task_id, v.custom_field_id, f.resource_subtype, v.text_value, v.number_value, "
        "v.enum_option_id, v.date_value, v.display_value FROM custom_field_values v "
        "JOIN custom_fields f ON f.id = v.custom_field_id ORDER BY v.task_id, v.custom_field_id"
    ):
        value: Obj = {
            **lk.ref("custom_field", fid),
            "type": subtype,
            "resource_subtype": subtype,
            "enabled": True,
            "display_value": display,
        }
        if subtype == "text":
            value["text_value"] = text
        elif subtype == "number":
            value["number_value"] = number
        elif subtype == "enum":
            value["enum_value"] = lk.options.get(option)
        elif subtype == "multi_enum":
            value["multi_enum_values"] = [lk.options[o] for o in chosen.get((tid, fid), [])]
        elif subtype == "date":
            value["date_value"] = {"date": date} if date is not None else None
        elif subtype == "people":
            value["people_value"] = [lk.ref("user", u) for u in picked.get((tid, fid), [])]
        out[tid].append(value)
    return out


def tasks(lk: Lookups) -> Iterator[Obj]:
    conn = lk.conn
    memberships = _group(
        conn,
        "SELECT task_id, project_id, section_id FROM task_memberships "
        "ORDER BY task_id, is_primary DESC, project_id",
    )
    depends = _group(conn, "SELECT task_id, depends_on_id FROM task_dependencies ORDER BY 1, 2")
    dependents = _group(conn, "SELECT depends_on_id, task_id FROM task_dependencies ORDER BY 1, 2")
    followers = _group(conn, "SELECT task_id, user_id FROM task_followers ORDER BY 1, 2")
    tagged = _group(conn, "SELECT task_id, tag_id FROM task_tags ORDER BY 1, 2")
    subtasks = dict(
        conn.execute("SELECT parent_id, COUNT(*) FROM tasks WHERE parent_id IS NOT NULL GROUP BY 1")
    )
    values = _field_values(lk)
    for row in conn.execute(
        "SELECT id, workspace_id, parent_id, notes, resource_subtype, approval_status, "
        "assignee_id, created_by_id, created_at, modified_at, start_on, due_on, due_at, "
        "completed, completed_at, completed_by_id FROM tasks ORDER BY id"
    ):
        tid, ws, parent, notes, subtype, approval, assignee, creator = row[:8]
        created_at, modified_at, start_on, due_on, due_at, completed, done_at, done_by = row[8:]
        task = {
            **lk.ref("task", tid),
            "resource_subtype": subtype,
            "created_by": _bare("user", creator),
        }
        if approval is not None:
            task["approval_status"] = approval
        mships = memberships.get(tid, [])
        task |= {
            "assignee": lk.ref("user", assignee),
            "completed": bool(completed),
            "completed_at": done_at,
            "completed_by": lk.ref("user", done_by),
            "created_at": created_at,
            "custom_fields": values.get(tid, []),
            # Asana lists dependencies as bare resources, without names
            "dependencies": [_bare("task", d) for (d,) in depends.get(tid, [])],
            "dependents": [_bare("task", d) for (d,) in dependents.get(tid, [])],
            "due_at": due_at,
            "due_on": due_on,
            "followers": lk.refs("user", followers.get(tid, [])),
            "memberships": [
                {"project": lk.ref("project", p), "section": lk.ref("section", s)}
                for p, s in mships
            ],
            "modified_at": modified_at,
            "notes": notes,
            "num_subtasks": subtasks.get(tid, 0),
            "parent": lk.ref("task", parent),
            "projects": [lk.ref("project", p) for p, _ in mships],
            "start_on": start_on,
            "tags": lk.refs("tag", tagged.get(tid, [])),
            "workspace": lk.ref("workspace", ws),
        }
        yield task


def _bare(kind: str, oid: int) -> Obj:
    return {"gid": str(oid), "resource_type": kind}


def _dates(due_on: str | None, due_at: str | None) -> Obj:
    """A story's old or new dates; the spec's ``due_on`` is not nullable, so it is left out
    when there was no due day."""
    dates: Obj = {"start_on": None, "due_at": due_at}
    if due_on is not None:
        dates["due_on"] = due_on
    return dates


def stories(lk: Lookups) -> Iterator[Obj]:
    for row in lk.conn.execute(
        "SELECT id, task_id, created_by_id, created_at, type, resource_subtype, text, "
        "assignee_id, project_id, old_section_id, new_section_id, old_due_on, new_due_on, "
        "old_due_at, new_due_at, old_name, new_name, custom_field_id, old_enum_option_id, "
        "new_enum_option_id FROM stories ORDER BY id"
    ):
        sid, task, author, created_at, kind, subtype, text, assignee, project = row[:9]
        old_sec, new_sec, old_on, new_on, old_at, new_at, old_name, new_name = row[9:17]
        field, old_opt, new_opt = row[17:]
        story: Obj = {
            "gid": str(sid),
            "resource_type": "story",
            "created_at": created_at,
            "created_by": lk.ref("user", author),
            "type": kind,
            "resource_subtype": subtype,
            "text": text,
            "target": lk.ref("task", task),
        }
        if assignee is not None:
            story["assignee"] = lk.ref("user", assignee)
        if project is not None:
            story["project"] = lk.ref("project", project)
        if old_sec is not None:
            story["old_section"] = lk.ref("section", old_sec)
        if new_sec is not None and subtype == "section_changed":
            story["new_section"] = lk.ref("section", new_sec)
        if subtype == "due_date_changed":
            story["old_dates"] = _dates(old_on, old_at)
            story["new_dates"] = _dates(new_on, new_at)
        if subtype == "name_changed":
            story["old_name"] = old_name or ""
            story["new_name"] = new_name
        if field is not None:
            story["custom_field"] = lk.ref("custom_field", field)
            if old_opt is not None:
                story["old_enum_value"] = lk.options[old_opt]
            if new_opt is not None:
                story["new_enum_value"] = lk.options[new_opt]
        yield story


def status_updates(lk: Lookups) -> Iterator[Obj]:
    for uid, project, author, status, title, text, created_at in lk.conn.execute(
        "SELECT id, project_id, author_id, status_type, title, text, created_at "
        "FROM status_updates ORDER BY id"
    ):
        yield {
            "gid": str(uid),
            "resource_type": "status_update",
            "title": title,
            "resource_subtype": "project_status_update",
            "text": text,
            "status_type": status,
            "author": lk.ref("user", author),
            "created_at": created_at,
            "created_by": lk.ref("user", author),
            "modified_at": created_at,
            "parent": lk.ref("project", project),
        }


BUILDERS: dict[str, Callable[[Lookups], Iterator[Obj]]] = {
    "workspaces": workspaces,
    "users": users,
    "teams": teams,
    "custom_fields": custom_fields,
    "tags": tags,
    "projects": projects,
    "sections": sections,
    "tasks": tasks,
    "stories": stories,
    "status_updates": status_updates,
}


def write(ctx: ExportContext) -> dict[str, FileInfo]:
    lk = Lookups(ctx.conn)
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out = {}
    for part in ctx.tables:
        kind = KIND[part]
        ctx.progress.stage(part, ctx.count(SOURCE_TABLE[part]))
        name = f"{part}.json"
        n = 0
        with (ctx.folder / name).open("w", encoding="utf-8", newline="\n") as f:
            f.write('{"data":[')
            for obj in BUILDERS[part](lk):
                check(kind, obj)
                f.write(("\n" if n == 0 else ",\n") + encode(obj))
                n += 1
                ctx.progress.advance()
            f.write("\n]}\n")
        schema = schemas()["responses"][kind].rsplit("/", 1)[1]
        out[part] = FileInfo(name, n, {"resource_type": kind, "schema": schema})
    return out


FORMAT = Format(
    name="asana-json",
    write=write,
    description="Asana REST API objects, one JSON file per resource type, schema-validated",
    parts=PARTS,
)
