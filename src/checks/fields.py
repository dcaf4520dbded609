"""Asana's field rules (completion fields, approvals, milestones, due and start dates, users'
activity and email domain) and custom-field typing."""

from __future__ import annotations

import sqlite3

from .core import Check

_FIELD_CHECKS = (
    Check(
        "task.completed_fields",
        "completed = 1 exactly when completed_at and completed_by_id are set",
        """SELECT id FROM tasks WHERE NOT (
               (completed = 1 AND completed_at IS NOT NULL AND completed_by_id IS NOT NULL)
            OR (completed = 0 AND completed_at IS NULL AND completed_by_id IS NULL))""",
    ),
    Check(
        "task.approval_status",
        "approval_status is set only for approvals, and is 'pending' exactly while incomplete",
        """SELECT id FROM tasks WHERE
               (resource_subtype != 'approval' AND approval_status IS NOT NULL)
            OR (resource_subtype = 'approval'
                AND (approval_status IS NULL
                     OR (approval_status = 'pending') != (completed = 0)))""",
    ),
    Check(
        "task.milestone_start_on",
        "milestones have no start_on",
        "SELECT id FROM tasks WHERE resource_subtype = 'milestone' AND start_on IS NOT NULL",
    ),
    Check(
        "task.due_on_and_due_at",
        "due_on and due_at are never both set",
        "SELECT id FROM tasks WHERE due_on IS NOT NULL AND due_at IS NOT NULL",
    ),
    Check(
        "task.start_on",
        "start_on needs a due date and comes before the due day (UTC day of due_at)",
        """SELECT id FROM tasks WHERE start_on IS NOT NULL
           AND (COALESCE(due_on, date(due_at)) IS NULL
                OR start_on >= COALESCE(due_on, date(due_at)))""",
    ),
    Check(
        "project.dates",
        "a project's start_on is before its due_on",
        "SELECT id FROM projects WHERE start_on >= due_on",
    ),
    Check(
        "project.completed_fields",
        "a project is completed exactly when completed_at is set",
        "SELECT id FROM projects WHERE (completed = 1) != (completed_at IS NOT NULL)",
    ),
    Check(
        "user.active_left",
        "is_active = 0 exactly when left_at is set",
        "SELECT id FROM users WHERE (is_active = 0) != (left_at IS NOT NULL)",
    ),
    Check(
        "user.email_domain",
        "every user's email ends with @ the workspace's email_domain",
        """SELECT u.id FROM users u JOIN workspaces w ON w.id = u.workspace_id
           WHERE substr(u.email, -length(w.email_domain) - 1) != '@' || w.email_domain""",
    ),
)

# (text_value, number_value, enum_option_id, date_value), by the field's subtype.
_TYPED_FLAGS = """(v.text_value IS NOT NULL) || (v.number_value IS NOT NULL)
                  || (v.enum_option_id IS NOT NULL) || (v.date_value IS NOT NULL)"""

_CUSTOM_FIELD_CHECKS = (
    Check(
        "cf.value_field_enabled",
        "a custom field value's field is enabled on one of the task's projects",
        """SELECT v.task_id || '/' || v.custom_field_id FROM custom_field_values v
           JOIN tasks t ON t.id = v.task_id
           WHERE NOT EXISTS (
               SELECT 1 FROM task_memberships tm JOIN custom_field_settings cs
               ON cs.project_id = tm.project_id AND cs.custom_field_id = v.custom_field_id
               WHERE tm.task_id = COALESCE(t.parent_id, t.id))""",
    ),
    Check(
        "cf.value_typed_column",
        "a value row sets exactly the typed column of its field's subtype "
        "(multi_enum and people: none, they use child rows)",
        f"""SELECT v.task_id || '/' || v.custom_field_id FROM custom_field_values v
            JOIN custom_fields f ON f.id = v.custom_field_id
            WHERE {_TYPED_FLAGS} IS NOT CASE f.resource_subtype
                WHEN 'text' THEN '1000' WHEN 'number' THEN '0100' WHEN 'enum' THEN '0010'
                WHEN 'date' THEN '0001' WHEN 'multi_enum' THEN '0000' WHEN 'people' THEN '0000'
            END""",
    ),
    Check(
        "cf.enum_option_field",
        "a value's enum option belongs to the value's field",
        """SELECT v.task_id || '/' || v.custom_field_id FROM custom_field_values v
           JOIN custom_field_enum_options o ON o.id = v.enum_option_id
           WHERE o.custom_field_id != v.custom_field_id""",
    ),
    Check(
        "cf.multi_enum_options",
        "chosen options exist only for multi_enum fields, and are options of that field",
        """SELECT x.task_id || '/' || x.custom_field_id FROM custom_field_value_options x
           JOIN custom_fields f ON f.id = x.custom_field_id
           JOIN custom_field_enum_options o ON o.id = x.enum_option_id
           WHERE f.resource_subtype != 'multi_enum' OR o.custom_field_id != x.custom_field_id""",
    ),
    Check(
        "cf.people_values",
        "chosen people exist only for people fields",
        """SELECT x.task_id || '/' || x.custom_field_id FROM custom_field_value_people x
           JOIN custom_fields f ON f.id = x.custom_field_id
           WHERE f.resource_subtype != 'people'""",
    ),
    Check(
        "cf.currency_code",
        "number fields formatted as currency have a currency_code",
        """SELECT id FROM custom_fields WHERE resource_subtype = 'number'
           AND format = 'currency' AND currency_code IS NULL""",
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    return [*_FIELD_CHECKS, *_CUSTOM_FIELD_CHECKS]
