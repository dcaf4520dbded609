"""Temporal rules: the order of events (a subtask after its parent, a story after its task,
completion after creation), nobody acting outside their employment, nothing at or after the
anchor."""

from __future__ import annotations

import sqlite3

from ..inputs import columns_of, load_anchor, present_tables
from .core import Check, per_table_check

# Timestamps that are not events (a due time may lie after the anchor; run wall clocks do).
_NOT_EVENT_COLUMNS = frozenset({"due_at", "old_due_at", "new_due_at"})


def after_anchor_check(conn: sqlite3.Connection) -> Check:
    """Nothing is dated at or after the end of the history (run wall clocks and due times may
    be): the anchor is the first instant that is no longer history."""
    conditions = [
        (table, col, f"{col} >= (SELECT anchor FROM temp._anchor)")
        for table in present_tables(conn)
        if table != "generation_runs"
        for col in columns_of(conn, table)
        if col.endswith("_at") and col not in _NOT_EVENT_COLUMNS
    ]
    return per_table_check(
        conn,
        "time.after_anchor",
        "no event is dated at or after generation_runs.anchor (the end of the history)",
        conditions,
    )


TIME_CHECKS = (
    Check(
        "time.task_after_creator_joined",
        "a task is created while its creator is in the company (joined, not yet left)",
        """SELECT t.id FROM tasks t JOIN users u ON u.id = t.created_by_id
           WHERE t.created_at < u.created_at OR t.created_at >= u.left_at""",
    ),
    Check(
        "time.subtask_after_parent",
        "a subtask is created no earlier than its parent task",
        """SELECT t.id FROM tasks t JOIN tasks p ON p.id = t.parent_id
           WHERE t.created_at < p.created_at""",
    ),
    Check(
        "time.story_after_task",
        "a story is created no earlier than its task",
        """SELECT s.id FROM stories s JOIN tasks t ON t.id = s.task_id
           WHERE s.created_at < t.created_at""",
    ),
    Check(
        "time.story_author_employed",
        "a story's author is in the company at its time (joined, not yet left)",
        """SELECT s.id FROM stories s JOIN users u ON u.id = s.created_by_id
           WHERE s.created_at < u.created_at OR s.created_at >= u.left_at""",
    ),
    Check(
        "time.status_update_author_employed",
        "a status update's author is in the company at its time (joined, not yet left)",
        """SELECT x.id FROM status_updates x JOIN users u ON u.id = x.author_id
           WHERE x.created_at < u.created_at OR x.created_at >= u.left_at""",
    ),
    Check(
        "time.task_completed_after_created",
        "a task's completed_at is not before its created_at",
        "SELECT id FROM tasks WHERE completed_at < created_at",
    ),
    Check(
        "time.project_completed_after_created",
        "a project's completed_at is not before its created_at",
        "SELECT id FROM projects WHERE completed_at < created_at",
    ),
    Check(
        "time.task_modified",
        "a task's modified_at is not before its creation, completion or last story",
        """SELECT t.id FROM tasks t
           WHERE t.modified_at < t.created_at OR t.modified_at < t.completed_at
              OR t.modified_at < (SELECT max(s.created_at) FROM stories s
                                  WHERE s.task_id = t.id)""",
    ),
    Check(
        "time.project_modified",
        "a project's modified_at is not before its creation or the last story of the tasks "
        "created in it (primary memberships)",
        # Only primary memberships: a task multi-homed later is another project's work, and
        # the generator does not bump the second project for it.
        """SELECT p.id FROM projects p
           WHERE p.modified_at < p.created_at
              OR p.modified_at < (SELECT max(s.created_at) FROM task_memberships tm
                                  JOIN stories s ON s.task_id = tm.task_id
                                  WHERE tm.project_id = p.id AND tm.is_primary = 1)""",
    ),
    Check(
        "time.task_after_project",
        "a task is created no earlier than its primary project",
        """SELECT tm.task_id FROM task_memberships tm
           JOIN tasks t ON t.id = tm.task_id JOIN projects p ON p.id = tm.project_id
           WHERE tm.is_primary = 1 AND t.created_at < p.created_at""",
    ),
    Check(
        "time.status_update_after_project",
        "a status update is created no earlier than its project",
        """SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
           WHERE x.created_at < p.created_at""",
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    """The fixed rules, and with a run record the anchor rule."""
    anchored = [after_anchor_check(conn)] if load_anchor(conn) is not None else []
    return [*anchored, *TIME_CHECKS]
