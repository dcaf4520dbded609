"""`stats`: rows per table and top-line figures of a file, from a few cheap queries."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .inputs import SCHEMA_TABLES, load_anchor, open_readonly, reading

# (name, SQL returning one number); each a single scan or index look-up
_FIGURES = (
    ("people", "SELECT COUNT(*) FROM users"),
    ("people who left", "SELECT COUNT(*) FROM users WHERE left_at IS NOT NULL"),
    ("projects completed", "SELECT COUNT(*) FROM projects WHERE completed = 1"),
    ("projects archived", "SELECT COUNT(*) FROM projects WHERE archived = 1"),
    ("top-level tasks", "SELECT COUNT(*) FROM tasks WHERE parent_id IS NULL"),
    ("subtasks", "SELECT COUNT(*) FROM tasks WHERE parent_id IS NOT NULL"),
    ("completed share", "SELECT AVG(completed) FROM tasks"),
    ("open tasks", "SELECT COUNT(*) FROM tasks WHERE completed = 0"),
    (
        "unassigned open tasks",
        "SELECT COUNT(*) FROM tasks WHERE completed = 0 AND assignee_id IS NULL",
    ),
    ("comments", "SELECT COUNT(*) FROM stories WHERE type = 'comment'"),
    ("system stories", "SELECT COUNT(*) FROM stories WHERE type = 'system'"),
    (
        "comments per top-level task",
        "SELECT 1.0 * (SELECT COUNT(*) FROM stories s JOIN tasks t "
        "ON t.id = s.task_id WHERE s.type = 'comment' AND t.parent_id IS NULL) / "
        "NULLIF((SELECT COUNT(*) FROM tasks WHERE parent_id IS NULL), 0)",
    ),
    (
        "system stories per task",
        "SELECT 1.0 * (SELECT COUNT(*) FROM stories WHERE "
        "type = 'system') / NULLIF((SELECT COUNT(*) FROM tasks), 0)",
    ),
    ("first event", "SELECT MIN(created_at) FROM stories"),
    ("last event", "SELECT MAX(created_at) FROM stories"),
)


@dataclass(frozen=True)
class Stats:
    path: str
    anchor: str | None
    row_counts: dict[str, int]
    figures: dict[str, float | str | None]

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "anchor": self.anchor,
            "row_counts": self.row_counts,
            "figures": self.figures,
        }


def stats(path: str | Path) -> Stats:
    """Counts and figures; raises NotADatabaseError (one line) for a file that is not one of
    ours or cannot be read (locked, corrupt, columns missing)."""
    with closing(open_readonly(path)) as conn, reading(path):
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        counts = {
            t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in SCHEMA_TABLES
            if t in present
        }
        figures = {name: conn.execute(sql).fetchone()[0] for name, sql in _FIGURES}
        return Stats(str(path), load_anchor(conn), counts, figures)
