"""Replay rules: the system stories are the event log, and replaying them gives each task's
assignee, completion, section, due date, name and enum values.

'+' before a column keeps the planner on idx_stories_task(task_id, created_at), whose order
(with the rowid) is exactly (created_at, id): the last story of a task is then one short index
walk.
"""

from __future__ import annotations

import sqlite3

from .core import Check


def _last_story(where: str, column: str = "id") -> str:
    """SQL for a column of a task's last story matching ``where`` in (created_at, id) order."""
    return (
        f"(SELECT s.{column} FROM stories s WHERE {where} "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT 1)"
    )


_LAST_ASSIGNMENT = _last_story(
    "s.task_id = t.id AND +s.resource_subtype IN ('assigned', 'unassigned')"
)
_LAST_MARK = _last_story(
    "s.task_id = t.id AND +s.resource_subtype IN ('marked_complete', 'marked_incomplete')"
)
_LAST_COMPLETE = _last_story("s.task_id = t.id AND +s.resource_subtype = 'marked_complete'")
_LAST_DUE = _last_story("s.task_id = t.id AND +s.resource_subtype = 'due_date_changed'")
_LAST_NAME = _last_story("s.task_id = n.task_id AND +s.resource_subtype = 'name_changed'")
_LAST_SECTION = _last_story(
    "s.task_id = tm.task_id AND +s.project_id = tm.project_id "
    "AND +s.resource_subtype IN ('added_to_project', 'section_changed') "
    "AND s.new_section_id IS NOT NULL",
    "new_section_id",
)
_LAST_ENUM = _last_story(
    "s.task_id = c.task_id AND +s.custom_field_id = c.custom_field_id "
    "AND +s.resource_subtype = 'enum_custom_field_changed'"
)

_REPLAY_CHECKS = (
    Check(
        "replay.assignee",
        "the last assigned/unassigned story gives the task's assignee (none: unassigned)",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories a ON a.id = {_LAST_ASSIGNMENT}
            WHERE t.assignee_id IS NOT
                  CASE WHEN a.resource_subtype = 'assigned' THEN a.assignee_id END""",
    ),
    Check(
        "replay.completed",
        "the last marked_complete/marked_incomplete story gives completed (none: incomplete)",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories m ON m.id = {_LAST_MARK}
            WHERE t.completed IS NOT (m.resource_subtype IS 'marked_complete')""",
    ),
    Check(
        "replay.completion_story",
        "a completed task's last marked_complete story has its completed_at and completed_by",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories m ON m.id = {_LAST_COMPLETE}
            WHERE t.completed = 1
              AND (m.id IS NULL OR m.created_at IS NOT t.completed_at
                   OR m.created_by_id IS NOT t.completed_by_id)""",
    ),
    Check(
        "replay.section",
        "per task and project, the last section move (added_to_project, section_changed) "
        "gives the membership's section",
        f"""SELECT tm.task_id FROM task_memberships tm
            WHERE tm.section_id IS NOT {_LAST_SECTION}
            UNION ALL
            SELECT s.task_id FROM stories s
            WHERE s.resource_subtype IN ('added_to_project', 'section_changed')
              AND NOT EXISTS (SELECT 1 FROM task_memberships tm
                              WHERE tm.task_id = s.task_id AND tm.project_id = s.project_id)""",
    ),
    Check(
        "replay.due",
        "the last due_date_changed story gives due_on and due_at (none: no due date)",
        f"""SELECT t.id FROM tasks t LEFT JOIN stories d ON d.id = {_LAST_DUE}
            WHERE t.due_on IS NOT d.new_due_on OR t.due_at IS NOT d.new_due_at""",
    ),
    Check(
        "replay.name",
        "the last name_changed story, if any, gives the task's name",
        # driven from the (few) rename stories: one scan instead of a walk per task
        f"""SELECT n.task_id FROM stories n JOIN tasks t ON t.id = n.task_id
            WHERE n.resource_subtype = 'name_changed' AND n.new_name IS NOT t.name
              AND n.id = {_LAST_NAME}""",
    ),
    Check(
        "replay.enum_value",
        "per task and field, the last enum_custom_field_changed story gives the enum value",
        f"""SELECT c.task_id FROM (
                SELECT DISTINCT task_id, custom_field_id FROM stories
                WHERE resource_subtype = 'enum_custom_field_changed') c
            JOIN stories e ON e.id = {_LAST_ENUM}
            LEFT JOIN custom_field_values v
                   ON v.task_id = c.task_id AND v.custom_field_id = c.custom_field_id
            WHERE e.new_enum_option_id IS NOT v.enum_option_id""",
    ),
    Check(
        "replay.story_type",
        "a story's type is 'comment' exactly for comment_added, else 'system'",
        """SELECT id FROM stories WHERE type IS NOT
               CASE WHEN resource_subtype = 'comment_added' THEN 'comment' ELSE 'system' END""",
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    return list(_REPLAY_CHECKS)
