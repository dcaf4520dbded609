"""Who may do what: assignees, completers, commenters and followers are members of the task's
project; project members belong to its team (guests aside, who only comment); nobody who left
keeps open work."""

from __future__ import annotations

import sqlite3

from .core import WARNING, Check

GUEST_SHARE_LIMIT = 0.10


def _member_of_task_project(task: str, user: str) -> str:
    """SQL: ``user`` is a member of at least one project of the task row aliased ``task``."""
    return (
        "EXISTS (SELECT 1 FROM task_memberships tm JOIN project_memberships pm "
        "ON pm.project_id = tm.project_id "
        f"WHERE tm.task_id = COALESCE({task}.parent_id, {task}.id) AND pm.user_id = {user})"
    )


_WHO_CHECKS = (
    Check(
        "who.assignee_member",
        "a task's assignee is a member of one of the task's projects",
        "SELECT t.id FROM tasks t WHERE t.assignee_id IS NOT NULL AND NOT "
        + _member_of_task_project("t", "t.assignee_id"),
    ),
    Check(
        "who.completer_member",
        "whoever completed a task is a member of one of the task's projects",
        "SELECT t.id FROM tasks t WHERE t.completed_by_id IS NOT NULL AND NOT "
        + _member_of_task_project("t", "t.completed_by_id"),
    ),
    Check(
        "who.story_author_member",
        "a story's author is a member of one of its task's projects",
        "SELECT s.id FROM stories s JOIN tasks t ON t.id = s.task_id WHERE NOT "
        + _member_of_task_project("t", "s.created_by_id"),
    ),
    Check(
        "who.follower_member",
        "a task's follower is a member of one of the task's projects",
        "SELECT f.task_id || '/' || f.user_id FROM task_followers f "
        "JOIN tasks t ON t.id = f.task_id WHERE NOT " + _member_of_task_project("t", "f.user_id"),
    ),
    Check(
        "who.project_member_in_team",
        "a project member who is not a guest belongs to the project's team",
        """SELECT pm.project_id || '/' || pm.user_id FROM project_memberships pm
           JOIN projects p ON p.id = pm.project_id
           WHERE pm.is_guest = 0 AND NOT EXISTS (
               SELECT 1 FROM team_memberships x WHERE x.team_id = p.team_id
                                                  AND x.user_id = pm.user_id)""",
    ),
    Check(
        "who.open_task_assignee_left",
        "no open task is assigned to someone who has left (their open work is reassigned)",
        """SELECT t.id FROM tasks t JOIN users u ON u.id = t.assignee_id
           WHERE t.completed = 0 AND u.left_at IS NOT NULL""",
    ),
    Check(
        "who.guest_only_comments",
        "a project's guest (commenter access) only comments on its tasks: no system story of "
        "theirs, nobody assigns them, unless they are a full member of another of the task's "
        "projects",
        """SELECT s.id FROM stories s JOIN tasks t ON t.id = s.task_id
           JOIN task_memberships tm ON tm.task_id = COALESCE(t.parent_id, t.id)
                                   AND tm.is_primary = 1
           JOIN project_memberships g ON g.project_id = tm.project_id AND g.is_guest = 1
                                     AND g.user_id IN (s.created_by_id, s.assignee_id)
           WHERE s.type = 'system' AND NOT EXISTS (
               SELECT 1 FROM task_memberships o JOIN project_memberships m
               ON m.project_id = o.project_id
               WHERE o.task_id = COALESCE(t.parent_id, t.id) AND m.user_id = g.user_id
                 AND m.is_guest = 0)""",
        severity=WARNING,
    ),
    Check(
        "who.guest_share",
        f"guests are at most {GUEST_SHARE_LIMIT:.0%} of a project's members",
        f"""SELECT project_id FROM project_memberships GROUP BY project_id
            HAVING sum(is_guest) > {GUEST_SHARE_LIMIT} * count(*)""",
        severity=WARNING,
    ),
)


def checks(conn: sqlite3.Connection) -> list[Check]:
    return list(_WHO_CHECKS)
