"""Replay rules: the system stories are the event log, and replaying them gives each task's
assignee, completion, section, due date, name and enum values.

The rules walk a TEMP copy of the stories they read (the story log, their shared setup),
indexed in (task_id, kind, created_at, id) order: a task's last story of a kind is then one
short index walk.
"""

from __future__ import annotations

import sqlite3

from .core import Check, sharing

# Each task's system stories that the replay rules walk, by kind (the subtypes one rule reads
# together), in (created_at, id) order: built once (one scan of stories) for the rules that
# share it, so a rule's walk to a task's last story of a kind is one seek in a small index
# instead of a walk over all the task's stories, each read from the big table (at xl,
# 3-4 s of CPU a rule).  Columns keep the stories' types (CREATE TABLE AS), so the order
# and the comparisons are those of the stories themselves.
STORY_LOG = "temp._story_log"
STORY_LOG_SETUP = """CREATE TEMP TABLE IF NOT EXISTS _story_log AS
    SELECT task_id, kind, created_at, id, resource_subtype, project_id, new_section_id,
           custom_field_id FROM (
        SELECT task_id, CASE resource_subtype
                   WHEN 'assigned' THEN 1 WHEN 'unassigned' THEN 1
                   WHEN 'marked_complete' THEN 2 WHEN 'marked_incomplete' THEN 2
                   WHEN 'due_date_changed' THEN 3
                   WHEN 'added_to_project' THEN 4 WHEN 'section_changed' THEN 4
                   WHEN 'enum_custom_field_changed' THEN 5 END AS kind,
               created_at, id, resource_subtype, project_id, new_section_id, custom_field_id
        FROM stories)
    WHERE kind IS NOT NULL;
CREATE INDEX IF NOT EXISTS temp._story_log_walk ON _story_log (
    task_id, kind, created_at, id, resource_subtype, project_id, new_section_id,
    custom_field_id)"""
KINDS = {
    "assignment": 1,  # assigned, unassigned
    "mark": 2,  # marked_complete, marked_incomplete
    "due": 3,  # due_date_changed
    "section": 4,  # added_to_project, section_changed
    "enum": 5,  # enum_custom_field_changed
}


def last_of(kind: str, task: str, where: str = "", column: str = "id") -> str:
    """SQL for a column of task ``task``'s last story of ``kind`` (and ``where``) in
    (created_at, id) order, from the story log."""
    extra = f" AND {where}" if where else ""
    return (
        f"(SELECT s.{column} FROM {STORY_LOG} s WHERE s.task_id = {task} "
        f"AND s.kind = {KINDS[kind]}{extra} ORDER BY s.created_at DESC, s.id DESC LIMIT 1)"
    )


_LAST_ASSIGNMENT = last_of("assignment", "t.id")
_LAST_MARK = last_of("mark", "t.id")
_LAST_COMPLETE = last_of("mark", "t.id", "s.resource_subtype = 'marked_complete'")
_LAST_DUE = last_of("due", "t.id")
# driven from the (few) rename stories: one scan instead of a walk per task
_LAST_NAME = (
    "(SELECT s.id FROM stories s WHERE s.task_id = n.task_id "
    "AND +s.resource_subtype = 'name_changed' ORDER BY s.created_at DESC, s.id DESC LIMIT 1)"
)
_LAST_SECTION = last_of(
    "section",
    "tm.task_id",
    "s.project_id = tm.project_id AND s.new_section_id IS NOT NULL",
    "new_section_id",
)
_LAST_ENUM = last_of("enum", "c.task_id", "s.custom_field_id = c.custom_field_id")

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
                SELECT DISTINCT task_id, custom_field_id
                FROM {STORY_LOG} INDEXED BY _story_log_walk WHERE kind = {KINDS["enum"]}) c
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
    return sharing(list(_REPLAY_CHECKS), STORY_LOG, STORY_LOG_SETUP)
