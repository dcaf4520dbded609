"""The items the LLM rewrites, read from a generated file by SQL, and written back.

Each item carries its template text as ``draft`` (already consistent with the record: the
carrier of facts) and its context: industry, team, project, task, the state at that moment,
author, addressee, the thread so far, who may be mentioned and which dates.  ``claims`` is the
slot for the claims model (issue 8): what the text asserts, to be filled by the templates.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .checks import Allowed, People, allowed

THREAD = 3  # earlier comments shown with a comment
THREAD_CHARS = 200

# field -> (the table it changes, the UPDATE that writes accepted text back)
UPDATES = {
    "descriptions": ("tasks", "UPDATE tasks SET notes = ? WHERE id = ?"),
    "briefs": ("projects", "UPDATE projects SET notes = ? WHERE id = ?"),
    "status_updates": (
        "status_updates",
        "UPDATE status_updates SET title = ?, text = ? WHERE id = ?",
    ),
    "comments": ("stories", "UPDATE stories SET text = ? WHERE id = ? AND type = 'comment'"),
}


@dataclass
class Item:
    """One text slot to rewrite."""

    id: str  # the row id, as text
    field: str  # descriptions | briefs | status_updates | comments
    project_rank: int  # the project's position (ids grow with it): batches follow it
    draft: str
    draft_title: str | None
    context: dict[str, Any]
    claims: list[dict[str, Any]] = field(default_factory=list)  # filled by the claims model

    @property
    def ok(self) -> Allowed:
        """Who, which dates and numbers a reply may mention: may_mention; the draft's dates
        and numbers; dates; numbers in the context (task, project, state, thread).  Computed
        only for items that are sent (a warm cache never needs it)."""
        texts = [self.draft] + ([self.draft_title] if self.draft_title else [])
        context = [v for v in self.context.values() if isinstance(v, str)]
        context += [t["text"] for t in self.context.get("thread", [])]
        return allowed(self.context["may_mention"], texts, self.context["dates"], context)

    def payload(self) -> dict[str, Any]:
        """The item as the request carries it (and as its cache key sees it)."""
        out: dict[str, Any] = {"id": self.id, "draft": self.draft}
        if self.draft_title is not None:
            out["draft_title"] = self.draft_title
        out.update(self.context)
        if self.claims:
            out["claims"] = self.claims
        return out


def collect(conn: sqlite3.Connection, fields: tuple[str, ...]) -> tuple[list[Item], People]:
    """Every item of ``fields`` in a stable order (field, project, id)."""
    users = dict(conn.execute("SELECT id, name FROM users"))
    people = People(users.values())
    industry = conn.execute("SELECT industry FROM workspaces LIMIT 1").fetchone()[0]
    projects = {
        pid: {"name": name, "team": team, "owner": users[owner], "start": s, "due": d, "rank": i}
        for i, (pid, name, team, owner, s, d) in enumerate(
            conn.execute(
                "SELECT p.id, p.name, t.name, p.owner_id, p.start_on, p.due_on "
                "FROM projects p JOIN teams t ON t.id = p.team_id ORDER BY p.id"
            )
        )
    }
    base = {"industry": industry}
    items: list[Item] = []

    def mentionable(draft: str, *names: str | None) -> list[str]:
        return sorted({n for n in names if n} | people.named(draft))

    if "descriptions" in fields or "comments" in fields:
        tasks = {
            r[0]: r
            for r in conn.execute(
                # a subtask reaches its project through its ancestors (any depth)
                "WITH RECURSIVE home(id, project_id) AS ("
                " SELECT task_id, project_id FROM task_memberships WHERE is_primary"
                " UNION ALL"
                " SELECT t.id, h.project_id FROM tasks t JOIN home h ON t.parent_id = h.id)"
                " SELECT t.id, t.name, t.notes, t.created_by_id, t.assignee_id, t.due_on,"
                " h.project_id, p.name FROM tasks t JOIN home h ON h.id = t.id"
                " LEFT JOIN tasks p ON p.id = t.parent_id ORDER BY t.id"
            )
        }
    if "descriptions" in fields:
        for tid, name, notes, creator, assignee, due, pid, parent in tasks.values():
            if not notes:
                continue  # no description is a fact of the record, not a slot
            p = projects[pid]
            names = mentionable(notes, users[creator], users.get(assignee))
            ctx = {
                **base,
                "team": p["team"],
                "project": p["name"],
                "task": name,
                **({"parent_task": parent} if parent else {}),
                "state": "just created",
                "author": users[creator],
                "assignee": users.get(assignee),
                "may_mention": names,
                "dates": [due] if due else [],
            }
            items.append(Item(str(tid), "descriptions", p["rank"], notes, None, ctx))
    if "briefs" in fields:
        for pid, notes in conn.execute("SELECT id, notes FROM projects ORDER BY id"):
            p = projects[pid]
            if not notes:
                continue
            dates = [d for d in (p["start"], p["due"]) if d]
            names = mentionable(notes, p["owner"])
            ctx = {
                **base,
                "team": p["team"],
                "project": p["name"],
                "author": p["owner"],
                "may_mention": names,
                "dates": dates,
            }
            items.append(Item(str(pid), "briefs", p["rank"], notes, None, ctx))
    if "status_updates" in fields:
        for sid, pid, author, status, title, text, at in conn.execute(
            "SELECT id, project_id, author_id, status_type, title, text, created_at "
            "FROM status_updates ORDER BY id"
        ):
            p = projects[pid]
            names = mentionable(f"{title}\n{text}", users[author])
            dates = [at[:10]] + ([p["due"]] if p["due"] else [])
            ctx = {
                **base,
                "team": p["team"],
                "project": p["name"],
                "status": status,
                "written_on": at[:10],
                "author": users[author],
                "may_mention": names,
                "dates": dates,
            }
            items.append(Item(str(sid), "status_updates", p["rank"], text, title, ctx))
    if "comments" in fields:
        items += _comments(conn, tasks, projects, users, people, base)
    return items, people


def _comments(
    conn: sqlite3.Connection,
    tasks: dict[int, tuple],
    projects: dict[int, dict[str, Any]],
    users: dict[int, str],
    people: People,
    base: dict[str, Any],
) -> list[Item]:
    """Comments with the task's state at their moment, replayed from the system stories."""
    sections = {
        sid: (name, state)
        for sid, name, state in conn.execute("SELECT id, name, workflow_state FROM sections")
    }
    out: list[Item] = []
    state: dict[str, Any] = {}
    thread: list[tuple[str, str]] = []
    current = None
    for (
        sid,
        tid,
        actor,
        type_,
        sub,
        text,
        assignee,
        new_section,
        new_due,
        new_due_at,
    ) in conn.execute(
        "SELECT id, task_id, created_by_id, type, resource_subtype, text, assignee_id, "
        "new_section_id, new_due_on, new_due_at FROM stories ORDER BY task_id, created_at, id"
    ):
        if tid != current:
            current, thread = tid, []
            state = {"assignee": None, "completed": False, "section": None, "due": None}
        if type_ != "comment":
            if sub == "assigned":
                state["assignee"] = assignee
            elif sub == "unassigned":
                state["assignee"] = None
            elif sub == "marked_complete":
                state["completed"] = True
            elif sub == "marked_incomplete":
                state["completed"] = False
            elif sub in ("section_changed", "added_to_project") and new_section in sections:
                state["section"] = sections[new_section]
            elif sub == "due_date_changed":
                state["due"] = new_due or (new_due_at[:10] if new_due_at else None)
            continue
        if tid not in tasks:
            continue  # a task outside every project has no context to write in
        _, name, _, creator, _, _, pid, _ = tasks[tid]
        p = projects[pid]
        author, who = users[actor], users.get(state["assignee"])
        named = people.named(text)
        addressee = next((n for n in sorted(named) if n != author), None)
        if addressee is None and who and who != author:
            addressee = who
        names = sorted(
            {author, users[creator], *(a for a, _ in thread), *named}
            | ({who} if who else set())
            | ({addressee} if addressee else set())
        )
        dates = [state["due"]] if state["due"] else []
        ctx = {
            **base,
            "team": p["team"],
            "project": p["name"],
            "task": name,
            "state": _state_text(state, who),
            "author": author,
            "addressee": addressee,
            "thread": [{"author": a, "text": t[:THREAD_CHARS]} for a, t in thread[-THREAD:]],
            "may_mention": names,
            "dates": dates,
        }
        out.append(Item(str(sid), "comments", p["rank"], text, None, ctx))
        thread.append((author, text))
    out.sort(key=lambda it: (it.project_rank, int(it.id)))
    return out


def _state_text(state: dict[str, Any], assignee: str | None) -> str:
    if state["completed"]:
        return "completed"
    parts = ["open"]
    if state["section"]:
        name, flow = state["section"]
        parts.append(f'in "{name}"' + (f" ({flow.replace('_', ' ')})" if flow else ""))
    parts.append(f"assigned to {assignee}" if assignee else "unassigned")
    if state["due"]:
        parts.append(f"due {state['due']}")
    return ", ".join(parts)


def write_back(
    conn: sqlite3.Connection, accepted: dict[tuple[str, str], tuple[str, str | None]]
) -> set[str]:
    """UPDATE the accepted texts (by field and id, in id order); returns the tables changed."""
    changed: set[str] = set()
    by_field: dict[str, list[tuple]] = defaultdict(list)
    for (fld, iid), (text, title) in sorted(
        accepted.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))
    ):
        by_field[fld].append(
            (title, text, int(iid)) if fld == "status_updates" else (text, int(iid))
        )
    conn.execute("BEGIN")
    try:
        for fld, rows in by_field.items():
            table, sql = UPDATES[fld]
            conn.executemany(sql, rows)
            changed.add(table)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return changed
