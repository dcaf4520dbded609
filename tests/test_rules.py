"""The generator's rules (schema.sql comments and Asana's API rules), checked with SQL on real
generated files: two seeds for every industry that has a vocabulary file (discovered at
collection time, so new industries are tested as they land) and one global-workforce file.

Each rule query returns the offending rows; a passing file returns none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from conftest import ANCHOR, END_DATE, industries_with_data, q, q1, small_config

from src import generate
from src.lifecycle import SHAPES

# (seed, industry, workforce, stress): a stress raises some generator probabilities so that
# rare paths become common: "churn" (reassignments, blocks, renames, due-date moves,
# escalations, drops) works the story replay rules hard; "attrition" makes most people leave
# during the window, which works the joining/leaving and handover rules hard.
CASES = [(seed, industry, "us", None) for industry in industries_with_data() for seed in (1, 2)]
CASES.append((1, "Technology", "global", None))
CASES.append((3, "Technology", "global", "churn"))
CASES.append((2, "Technology", "us", "attrition"))
STRESS = {
    "churn": {
        "src.lifecycle.engine.P_REASSIGN": 0.8,
        "src.lifecycle.shapes.SHAPES": {
            k: replace(v, p_blocked=0.8, p_dropped=0.2) for k, v in SHAPES.items()
        },
        "src.lifecycle.engine.P_NAME_CHANGE": 1.0,
        "src.lifecycle.engine.P_DUE_CHANGE": 1.0,
        "src.lifecycle.engine.P_ESCALATE": 1.0,
        "src.lifecycle.engine.P_LIST_MOVE": 1.0,
    },
    "attrition": {"src.generators.users.P_LEAVES_IN_WINDOW": 0.9},
}

TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d$")
# columns that hold an event time (due_at and the stories' due columns are deadlines, which
# may lie after the anchor)
EVENT_COLUMNS = ("created_at", "modified_at", "completed_at", "left_at")


def stressed(folder: Path, seed: int, knobs: dict[str, object], **config) -> Path:
    """A small file generated with some module-level probabilities overridden."""
    path = folder / f"stressed-{seed}-{len(list(folder.iterdir()))}.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        for target, value in knobs.items():
            mp.setattr(target, value)  # raising=True: a renamed knob fails loudly
        generate(small_config(seed, **config), path)
    return path


@pytest.fixture(
    scope="module",
    params=CASES,
    ids=[f"{ind}-seed{seed}-{wf}" + (f"-{st}" if st else "") for seed, ind, wf, st in CASES],
)
def db(request: pytest.FixtureRequest, databases, tmp_path_factory) -> Path:
    # setup: one small file per case, generated once per session
    seed, industry, workforce, stress = request.param
    if stress:
        return stressed(
            tmp_path_factory.mktemp("stress"),
            seed,
            STRESS[stress],
            projects=12,
            industry=industry,
            workforce=workforce,
        )
    return databases.small(seed, industry=industry, workforce=workforce).path


def none_of(db: Path, sql: str) -> None:
    """Assert that a query for offending rows finds none (and show a few if it does)."""
    rows = q(db, sql)
    assert rows == [], f"{len(rows)} offending rows, e.g. {rows[:5]}"


def columns(db: Path) -> dict[str, list[tuple[str, str]]]:
    tables = [r[0] for r in q(db, "SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: [(c[1], c[2]) for c in q(db, f'PRAGMA table_info("{t}")')] for t in tables}


@lru_cache(maxsize=4)
def human_events(db: Path) -> list[tuple[str, str, dt.datetime, str]]:
    """(what, created_at, local time, country_code) of stories and task creations."""
    rows = q(
        db,
        """
        SELECT 'story ' || s.id, s.created_at, u.timezone, u.country_code
          FROM stories s JOIN users u ON u.id = s.created_by_id
        UNION ALL
        SELECT 'task ' || t.id, t.created_at, u.timezone, u.country_code
          FROM tasks t JOIN users u ON u.id = t.created_by_id
    """,
    )
    return [(what, ts, local_time(ts, zone), cc) for what, ts, zone, cc in rows]


def local_time(ts: str, zone: str) -> dt.datetime:
    utc = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return utc.astimezone(ZoneInfo(zone))


# --- tasks: Asana's field rules ------------------------------------------------------------


def test_completed_iff_completed_at_and_completed_by(db: Path) -> None:
    # setup / run: tasks and projects whose completion fields disagree
    # assert
    none_of(
        db,
        """
        SELECT 'task', id, completed, completed_at, completed_by_id FROM tasks
         WHERE completed NOT IN (0, 1)
            OR (completed = 1) != (completed_at IS NOT NULL)
            OR (completed = 1) != (completed_by_id IS NOT NULL)
        UNION ALL
        SELECT 'project', id, completed, completed_at, completed_by_id FROM projects
         WHERE completed NOT IN (0, 1)
            OR (completed = 1) != (completed_at IS NOT NULL)
            OR (completed = 1) != (completed_by_id IS NOT NULL)
    """,
    )
    assert q1(db, "SELECT COUNT(*) FROM tasks WHERE completed = 1") > 0
    assert q1(db, "SELECT COUNT(*) FROM tasks WHERE completed = 0") > 0


def test_approval_status_only_on_approvals_and_pending_while_open(db: Path) -> None:
    # setup / run
    rows = q(
        db,
        """
        SELECT id, resource_subtype, completed, approval_status FROM tasks
         WHERE NOT ((resource_subtype != 'approval' AND approval_status IS NULL)
                 OR (resource_subtype = 'approval' AND completed = 0
                     AND approval_status = 'pending')
                 OR (resource_subtype = 'approval' AND completed = 1
                     AND approval_status IN ('approved', 'rejected', 'changes_requested')))
    """,
    )
    # assert
    assert rows == []
    subtypes = {r[0] for r in q(db, "SELECT DISTINCT resource_subtype FROM tasks")}
    assert subtypes <= {"default_task", "milestone", "approval"}


def test_milestones_have_no_start_on(db: Path) -> None:
    none_of(
        db, "SELECT id FROM tasks WHERE resource_subtype = 'milestone' AND start_on IS NOT NULL"
    )


def test_never_both_due_on_and_due_at(db: Path) -> None:
    none_of(
        db, "SELECT id, due_on, due_at FROM tasks WHERE due_on IS NOT NULL AND due_at IS NOT NULL"
    )


def test_start_on_needs_a_due_date_and_comes_before_it(db: Path) -> None:
    # setup / run: start_on without any due date, or not strictly before the due day
    none_of(
        db,
        """
        SELECT id, start_on, due_on, due_at FROM tasks
         WHERE start_on IS NOT NULL
           AND ((due_on IS NULL AND due_at IS NULL)
                OR start_on >= COALESCE(due_on, substr(due_at, 1, 10)))
    """,
    )
    # assert the rule was exercised
    assert q1(db, "SELECT COUNT(*) FROM tasks WHERE start_on IS NOT NULL") > 0


def test_project_start_on_before_due_on(db: Path) -> None:
    none_of(
        db,
        """
        SELECT id, start_on, due_on FROM projects
         WHERE start_on IS NOT NULL AND due_on IS NOT NULL AND start_on >= due_on
    """,
    )


# --- people --------------------------------------------------------------------------------


def test_emails_unique_and_on_the_workspace_domain(db: Path) -> None:
    # setup
    domain = q1(db, "SELECT email_domain FROM workspaces")
    # run
    emails = [r[0] for r in q(db, "SELECT email FROM users")]
    # assert
    assert len(emails) == len(set(emails)) == q1(db, "SELECT COUNT(*) FROM users")
    wrong = [e for e in emails if e.count("@") != 1 or not e.endswith("@" + domain)]
    assert wrong == []


def test_is_active_exactly_when_no_left_at(db: Path) -> None:
    none_of(db, "SELECT id FROM users WHERE is_active != (left_at IS NULL)")


def test_project_members_are_in_the_project_team_unless_guests(db: Path) -> None:
    none_of(
        db,
        """
        SELECT pm.project_id, pm.user_id, pm.is_guest FROM project_memberships pm
          JOIN projects p ON p.id = pm.project_id
         WHERE (pm.is_guest = 0) != EXISTS (
               SELECT 1 FROM team_memberships tm
                WHERE tm.team_id = p.team_id AND tm.user_id = pm.user_id)
    """,
    )


# --- structure -----------------------------------------------------------------------------


def test_top_level_tasks_have_memberships_and_subtasks_none(db: Path) -> None:
    # run
    homeless = q(
        db,
        """
        SELECT id FROM tasks t WHERE parent_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM task_memberships tm WHERE tm.task_id = t.id)""",
    )
    subtask_rows = q(
        db,
        """
        SELECT tm.task_id FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
         WHERE t.parent_id IS NOT NULL""",
    )
    primaries = q(
        db,
        """
        SELECT t.id, SUM(tm.is_primary) FROM tasks t JOIN task_memberships tm ON tm.task_id = t.id
         GROUP BY t.id HAVING SUM(tm.is_primary) != 1""",
    )
    # assert
    assert homeless == []
    assert subtask_rows == []
    assert primaries == []
    assert q1(db, "SELECT COUNT(*) FROM tasks WHERE parent_id IS NOT NULL") > 0


def test_task_membership_section_belongs_to_its_project(db: Path) -> None:
    none_of(
        db,
        """
        SELECT tm.task_id, tm.project_id, tm.section_id FROM task_memberships tm
          JOIN sections s ON s.id = tm.section_id WHERE s.project_id != tm.project_id
    """,
    )


def test_subtasks_created_after_their_parent(db: Path) -> None:
    none_of(
        db,
        """
        SELECT s.id, s.created_at, p.created_at FROM tasks s JOIN tasks p ON p.id = s.parent_id
         WHERE s.created_at <= p.created_at
    """,
    )


def test_people_on_a_task_are_members_of_one_of_its_projects(db: Path) -> None:
    # setup: a task's projects (subtasks reach them through their parent)
    # run
    none_of(
        db,
        """
        WITH tp AS (
            SELECT t.id AS task_id, tm.project_id FROM tasks t
              JOIN task_memberships tm ON tm.task_id = COALESCE(t.parent_id, t.id)),
        people(task_id, user_id, role) AS (
            SELECT id, assignee_id, 'assignee' FROM tasks WHERE assignee_id IS NOT NULL
            UNION ALL SELECT id, completed_by_id, 'completer' FROM tasks
                       WHERE completed_by_id IS NOT NULL
            UNION ALL SELECT id, created_by_id, 'creator' FROM tasks
            UNION ALL SELECT task_id, created_by_id, 'story author' FROM stories
            UNION ALL SELECT task_id, user_id, 'follower' FROM task_followers)
        SELECT DISTINCT p.task_id, p.user_id, p.role FROM people p
         WHERE NOT EXISTS (
               SELECT 1 FROM tp JOIN project_memberships pm
                 ON pm.project_id = tp.project_id AND pm.user_id = p.user_id
                WHERE tp.task_id = p.task_id)
    """,
    )


def test_no_two_top_level_tasks_in_one_project_share_a_name(db: Path) -> None:
    none_of(
        db,
        """
        SELECT tm.project_id, t.name, COUNT(*) FROM task_memberships tm
          JOIN tasks t ON t.id = tm.task_id
         GROUP BY tm.project_id, t.name HAVING COUNT(*) > 1
    """,
    )


def test_board_tasks_sit_in_done_exactly_when_completed(db: Path) -> None:
    # setup: board projects are those whose sections carry a workflow state
    boards = q(db, "SELECT DISTINCT project_id FROM sections WHERE workflow_state IS NOT NULL")
    board_views = q(db, "SELECT id FROM projects WHERE default_view = 'board'")
    # run
    rows = q(
        db,
        """
        SELECT tm.task_id, tm.project_id, t.completed, s.workflow_state FROM task_memberships tm
          JOIN tasks t ON t.id = tm.task_id JOIN sections s ON s.id = tm.section_id
         WHERE tm.project_id IN (SELECT project_id FROM sections WHERE workflow_state IS NOT NULL)
           AND (t.completed = 1) != (s.workflow_state IS 'done')
    """,
    )
    # assert
    assert rows == []
    assert sorted(boards) == sorted(board_views)


def test_custom_field_values_are_typed_by_the_field_subtype(db: Path) -> None:
    # setup / run: exactly the typed column of the subtype is set, multi/people list members
    none_of(
        db,
        """
        SELECT v.task_id, f.name, f.resource_subtype FROM custom_field_values v
          JOIN custom_fields f ON f.id = v.custom_field_id
         WHERE NOT CASE f.resource_subtype
           WHEN 'text' THEN v.text_value IS NOT NULL AND v.number_value IS NULL
                AND v.enum_option_id IS NULL AND v.date_value IS NULL
           WHEN 'number' THEN v.text_value IS NULL AND typeof(v.number_value) IN ('real', 'integer')
                AND v.enum_option_id IS NULL AND v.date_value IS NULL
           WHEN 'enum' THEN v.text_value IS NULL AND v.number_value IS NULL
                AND v.date_value IS NULL
                AND v.enum_option_id IN (SELECT id FROM custom_field_enum_options o
                                          WHERE o.custom_field_id = f.id)
           WHEN 'date' THEN v.text_value IS NULL AND v.number_value IS NULL
                AND v.enum_option_id IS NULL AND v.date_value IS NOT NULL
           WHEN 'multi_enum' THEN v.text_value IS NULL AND v.number_value IS NULL
                AND v.enum_option_id IS NULL AND v.date_value IS NULL
                AND EXISTS (SELECT 1 FROM custom_field_value_options x
                             WHERE x.task_id = v.task_id AND x.custom_field_id = f.id)
           WHEN 'people' THEN v.text_value IS NULL AND v.number_value IS NULL
                AND v.enum_option_id IS NULL AND v.date_value IS NULL
                AND EXISTS (SELECT 1 FROM custom_field_value_people x
                             WHERE x.task_id = v.task_id AND x.custom_field_id = f.id)
           ELSE 0 END
    """,
    )
    # the chosen options of a multi_enum value belong to its field
    none_of(
        db,
        """
        SELECT x.task_id, x.custom_field_id, x.enum_option_id FROM custom_field_value_options x
          JOIN custom_field_enum_options o ON o.id = x.enum_option_id
         WHERE o.custom_field_id != x.custom_field_id
    """,
    )


def test_custom_field_values_only_for_fields_enabled_on_the_task_project(db: Path) -> None:
    # run
    rows = q(
        db,
        """
        SELECT v.task_id, v.custom_field_id FROM custom_field_values v
          JOIN tasks t ON t.id = v.task_id
         WHERE NOT EXISTS (
               SELECT 1 FROM task_memberships tm JOIN custom_field_settings s
                 ON s.project_id = tm.project_id AND s.custom_field_id = v.custom_field_id
                WHERE tm.task_id = COALESCE(t.parent_id, t.id))
    """,
    )
    # assert
    assert rows == []
    assert q1(db, "SELECT COUNT(*) FROM custom_field_values") > 0


# --- time ------------------------------------------------------------------------------------


def test_no_event_at_or_after_the_anchor(db: Path) -> None:
    # setup: the anchor recorded in the file (00:00 UTC on the end date)
    anchor = q1(db, "SELECT anchor FROM generation_runs")
    # run: every event column of every content table
    late = []
    for table, cols in columns(db).items():
        if table == "generation_runs":
            continue
        for col, _ in cols:
            if col in EVENT_COLUMNS:
                n = q1(db, f'SELECT COUNT(*) FROM "{table}" WHERE "{col}" >= ?', (anchor,))
                if n:
                    late.append((table, col, n))
    # assert
    assert late == []


def test_nobody_acts_before_joining_or_after_leaving(db: Path) -> None:
    none_of(
        db,
        """
        WITH acts(user_id, at, what) AS (
            SELECT created_by_id, created_at, 'story ' || id FROM stories
            UNION ALL SELECT created_by_id, created_at, 'created task ' || id FROM tasks
            UNION ALL SELECT completed_by_id, completed_at, 'completed task ' || id FROM tasks
                       WHERE completed = 1
            UNION ALL SELECT author_id, created_at, 'status update ' || id FROM status_updates
            UNION ALL SELECT completed_by_id, completed_at, 'completed project ' || id
                        FROM projects WHERE completed = 1)
        SELECT a.what, a.at, u.id, u.created_at, u.left_at FROM acts a
          JOIN users u ON u.id = a.user_id
         WHERE a.at < u.created_at OR (u.left_at IS NOT NULL AND a.at >= u.left_at)
    """,
    )


def test_modified_at_is_at_least_every_task_event(db: Path) -> None:
    # run: tasks modified before their creation, completion or last story
    none_of(
        db,
        """
        SELECT t.id, t.modified_at, MAX(s.created_at) FROM tasks t
          LEFT JOIN stories s ON s.task_id = t.id
         GROUP BY t.id
        HAVING t.modified_at < t.created_at OR t.modified_at < IFNULL(t.completed_at, '')
            OR t.modified_at < IFNULL(MAX(s.created_at), '')
    """,
    )
    # projects: at least the time of the last event of their own tasks
    none_of(
        db,
        """
        SELECT p.id, p.modified_at, MAX(t.modified_at) FROM projects p
          JOIN task_memberships tm ON tm.project_id = p.id AND tm.is_primary = 1
          JOIN tasks t ON COALESCE(t.parent_id, t.id) = tm.task_id
         GROUP BY p.id HAVING p.modified_at < MAX(t.modified_at)
    """,
    )


def test_open_work_of_people_who_left_is_not_theirs(db: Path, request) -> None:
    # setup
    if request.node.callspec.params["db"][3] == "attrition":
        # the stress worked: handovers (also to people who leave later) are common here
        assert q1(db, "SELECT COUNT(*) FROM users WHERE left_at IS NOT NULL") > 10
    # run / assert
    none_of(
        db,
        """
        SELECT t.id, u.id, u.left_at FROM tasks t JOIN users u ON u.id = t.assignee_id
         WHERE t.completed = 0 AND u.left_at IS NOT NULL
    """,
    )


def test_timestamps_and_dates_are_well_formed(db: Path) -> None:
    # setup: every *_at column (plus the run's anchor) is a timestamp; *_on and date_value dates
    bad = []
    for table, cols in columns(db).items():
        for col, _ in cols:
            if col.endswith("_at") or (table, col) == ("generation_runs", "anchor"):
                pattern = TIMESTAMP_RE
            elif col.endswith("_on") or col == "date_value":
                pattern = DATE_RE
            else:
                continue
            # run
            for (value,) in q(db, f'SELECT "{col}" FROM "{table}" WHERE "{col}" IS NOT NULL'):
                if not isinstance(value, str) or not pattern.match(value):
                    bad.append((table, col, value))
                elif pattern is DATE_RE:
                    dt.date.fromisoformat(value)  # a real calendar date
    # assert
    assert bad == []


def test_no_human_event_on_a_public_holiday_of_the_actor(db: Path) -> None:
    # setup: each actor's country holidays, in their local date
    events = human_events(db)
    years = range(min(e[2].year for e in events), max(e[2].year for e in events) + 1)
    calendars = {
        cc: dict(holidays.country_holidays(cc, years=years)) for cc in {e[3] for e in events}
    }
    # run
    on_holidays = []
    for what, ts, local, cc in events:
        if local.date() in calendars[cc]:
            on_holidays.append((what, ts, str(local), cc, calendars[cc][local.date()]))
    # assert
    assert on_holidays == [], f"{len(on_holidays)} events on holidays, e.g. {on_holidays[:5]}"


def test_weekend_share_of_human_events_at_most_3_percent(db: Path) -> None:
    # setup / run
    events = human_events(db)
    weekend = sum(1 for _, _, local, _ in events if local.weekday() >= 5)
    # assert
    assert len(events) > 500
    assert weekend / len(events) <= 0.03


# --- story replay ----------------------------------------------------------------------------


def _last(subtypes: str, partition: str = "task_id") -> str:
    """A CTE body ranking the stories of some subtypes, newest first, per partition."""
    return f"""
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY {partition}
                                       ORDER BY created_at DESC, id DESC) AS rn
          FROM stories s WHERE resource_subtype IN ({subtypes})"""


def test_replay_last_assignment_gives_assignee(db: Path) -> None:
    none_of(
        db,
        f"""
        WITH r AS ({_last("'assigned', 'unassigned'")})
        SELECT t.id, t.assignee_id, r.resource_subtype, r.assignee_id FROM tasks t
          LEFT JOIN r ON r.task_id = t.id AND r.rn = 1
         WHERE t.assignee_id IS NOT (CASE WHEN r.resource_subtype = 'assigned'
                                          THEN r.assignee_id END)
    """,
    )


def test_replay_last_completion_story_gives_completed(db: Path) -> None:
    # run: completed follows the last marked_complete/marked_incomplete, and completed_at and
    # completed_by_id are that story's time and author
    none_of(
        db,
        f"""
        WITH r AS ({_last("'marked_complete', 'marked_incomplete'")})
        SELECT t.id, t.completed, r.resource_subtype FROM tasks t
          LEFT JOIN r ON r.task_id = t.id AND r.rn = 1
         WHERE t.completed != (IFNULL(r.resource_subtype, '') = 'marked_complete')
            OR (t.completed = 1 AND (t.completed_at != r.created_at
                                     OR t.completed_by_id != r.created_by_id))
    """,
    )


def test_replay_last_section_move_per_project_gives_section(db: Path) -> None:
    none_of(
        db,
        f"""
        WITH r AS ({_last("'added_to_project', 'section_changed'", "task_id, project_id")})
        SELECT tm.task_id, tm.project_id, tm.section_id, r.new_section_id FROM task_memberships tm
          LEFT JOIN r ON r.task_id = tm.task_id AND r.project_id = tm.project_id AND r.rn = 1
         WHERE r.new_section_id IS NOT tm.section_id
    """,
    )


def test_replay_last_due_date_change_gives_due_date(db: Path) -> None:
    none_of(
        db,
        f"""
        WITH r AS ({_last("'due_date_changed'")})
        SELECT t.id, t.due_on, t.due_at, r.new_due_on, r.new_due_at FROM tasks t
          LEFT JOIN r ON r.task_id = t.id AND r.rn = 1
         WHERE t.due_on IS NOT r.new_due_on OR t.due_at IS NOT r.new_due_at
    """,
    )


def test_replay_last_name_change_gives_name(db: Path) -> None:
    # run
    rows = q(
        db,
        f"""
        WITH r AS ({_last("'name_changed'")})
        SELECT t.id, t.name, r.new_name FROM tasks t JOIN r ON r.task_id = t.id AND r.rn = 1
         WHERE r.new_name IS NOT t.name
    """,
    )
    # assert
    assert rows == []


def test_replay_last_enum_change_per_field_gives_value(db: Path) -> None:
    # run
    rows = q(
        db,
        f"""
        WITH r AS ({_last("'enum_custom_field_changed'", "task_id, custom_field_id")})
        SELECT r.task_id, r.custom_field_id, r.new_enum_option_id, v.enum_option_id FROM r
          LEFT JOIN custom_field_values v
            ON v.task_id = r.task_id AND v.custom_field_id = r.custom_field_id
         WHERE r.rn = 1 AND v.enum_option_id IS NOT r.new_enum_option_id
    """,
    )
    # assert
    assert rows == []
    assert q1(
        db, "SELECT COUNT(*) FROM stories WHERE resource_subtype = 'enum_custom_field_changed'"
    )


def test_story_types_and_subtypes_are_asana_names(db: Path) -> None:
    # run
    pairs = set(q(db, "SELECT DISTINCT type, resource_subtype FROM stories"))
    system = {
        "added_to_project",
        "assigned",
        "unassigned",
        "marked_complete",
        "marked_incomplete",
        "section_changed",
        "due_date_changed",
        "name_changed",
        "enum_custom_field_changed",
    }
    # assert
    allowed = {("comment", "comment_added")} | {("system", s) for s in system}
    assert pairs <= allowed
    assert ("comment", "comment_added") in pairs


def test_anchor_matches_the_config_end_date(db: Path) -> None:
    # setup
    config_end = q1(db, "SELECT json_extract(config_json, '$.end_date') FROM generation_runs")
    # assert
    assert config_end == END_DATE.isoformat()
    assert q1(db, "SELECT anchor FROM generation_runs") == f"{config_end}T00:00:00.000Z" == ANCHOR


def test_every_actor_in_the_case_has_a_known_country(db: Path) -> None:
    # holidays must know every country a user keeps (or the holiday rule is vacuous)
    codes = {r[0] for r in q(db, "SELECT DISTINCT country_code FROM users")}
    unknown = sorted(c for c in codes if c not in holidays.list_supported_countries())
    assert unknown == []


def test_holiday_rule_is_exercised(db: Path) -> None:
    # setup: a sanity check of the holiday test itself: the window contains holidays of the
    # actors' countries on weekdays, so a generator ignoring them would be caught
    events = human_events(db)
    per_country: dict[str, set[dt.date]] = defaultdict(set)
    for _, _, local, cc in events:
        per_country[cc].add(local.date())
    first = min(min(days) for days in per_country.values())
    last = max(max(days) for days in per_country.values())
    # run
    weekday_holidays = [
        day
        for cc in per_country
        for day in holidays.country_holidays(cc, years=range(first.year, last.year + 1))
        if first <= day <= last and day.weekday() < 5
    ]
    # assert
    assert weekday_holidays


# --- further schema.sql semantics ----------------------------------------------------------


def test_every_user_has_exactly_one_primary_team(db: Path) -> None:
    none_of(
        db,
        """
        SELECT u.id, COUNT(tm.team_id) FROM users u
          LEFT JOIN team_memberships tm ON tm.user_id = u.id AND tm.is_primary = 1
         GROUP BY u.id HAVING COUNT(tm.team_id) != 1
    """,
    )


def test_dependencies_hold_in_time_without_cycles(db: Path) -> None:
    # run: a completed task whose dependency (in its project or another) was not done before
    # it, and any task reachable from itself
    none_of(
        db,
        """
        SELECT d.task_id, d.depends_on_id FROM task_dependencies d
          JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_id
         WHERE a.completed = 1 AND (b.completed = 0 OR b.completed_at > a.completed_at)
    """,
    )
    none_of(
        db,
        """
        WITH RECURSIVE reach(start, task) AS (
            SELECT task_id, depends_on_id FROM task_dependencies
            UNION SELECT r.start, d.depends_on_id FROM reach r
                    JOIN task_dependencies d ON d.task_id = r.task)
        SELECT start FROM reach WHERE start = task
    """,
    )
    # assert the rule was exercised
    assert q1(db, "SELECT COUNT(*) FROM task_dependencies") > 0


def test_task_history_starts_at_creation(db: Path) -> None:
    # no story before its task; every top-level task opens with added_to_project at creation
    none_of(
        db,
        """
        SELECT s.id FROM stories s JOIN tasks t ON t.id = s.task_id
         WHERE s.created_at < t.created_at
    """,
    )
    none_of(
        db,
        """
        SELECT t.id FROM tasks t WHERE t.parent_id IS NULL AND NOT EXISTS (
               SELECT 1 FROM stories s WHERE s.task_id = t.id
                  AND s.resource_subtype = 'added_to_project' AND s.created_at = t.created_at)
    """,
    )


def test_story_changes_chain_old_to_previous_new(db: Path) -> None:
    # each change's old value is the previous change's new value (due date, section per
    # project, enum value per field)
    for subtypes, partition, old, new in (
        ("'due_date_changed'", "task_id", "old_due_on", "new_due_on"),
        ("'due_date_changed'", "task_id", "old_due_at", "new_due_at"),
        (
            "'added_to_project', 'section_changed'",
            "task_id, project_id",
            "old_section_id",
            "new_section_id",
        ),
        (
            "'enum_custom_field_changed'",
            "task_id, custom_field_id",
            "old_enum_option_id",
            "new_enum_option_id",
        ),
    ):
        none_of(
            db,
            f"""
            WITH o AS (
                SELECT s.id, s.{old} AS old, ROW_NUMBER() OVER w AS rn,
                       LAG(s.{new}) OVER w AS previous
                  FROM stories s WHERE s.resource_subtype IN ({subtypes})
                WINDOW w AS (PARTITION BY {partition} ORDER BY created_at, id))
            SELECT id, '{old}', old, previous FROM o WHERE rn > 1 AND old IS NOT previous
        """,
        )


def test_project_owner_is_an_admin_member_and_writes_the_status_updates(db: Path) -> None:
    none_of(
        db,
        """
        SELECT p.id FROM projects p WHERE NOT EXISTS (
               SELECT 1 FROM project_memberships pm WHERE pm.project_id = p.id
                  AND pm.user_id = p.owner_id AND pm.access_level = 'admin')
    """,
    )
    none_of(
        db,
        """
        SELECT su.id, su.status_type, p.completed FROM status_updates su
          JOIN projects p ON p.id = su.project_id
         WHERE su.created_at < p.created_at
            OR (su.status_type = 'complete' AND (p.completed = 0 OR su.created_at < p.completed_at))
    """,
    )


def test_followers_include_creator_assignee_and_commenters(db: Path) -> None:
    none_of(
        db,
        """
        WITH should(task_id, user_id, why) AS (
            SELECT id, created_by_id, 'creator' FROM tasks
            UNION ALL SELECT id, assignee_id, 'assignee' FROM tasks WHERE assignee_id IS NOT NULL
            UNION ALL SELECT task_id, created_by_id, 'commenter' FROM stories
                       WHERE type = 'comment')
        SELECT DISTINCT s.* FROM should s WHERE NOT EXISTS (
               SELECT 1 FROM task_followers f WHERE f.task_id = s.task_id AND f.user_id = s.user_id)
    """,
    )


def test_display_values_match_the_typed_values(db: Path) -> None:
    # enum: the option's name; people: the people's names joined by ', '
    none_of(
        db,
        """
        SELECT v.task_id, v.display_value, o.name FROM custom_field_values v
          JOIN custom_field_enum_options o ON o.id = v.enum_option_id
         WHERE v.display_value != o.name
    """,
    )
    none_of(
        db,
        """
        SELECT v.task_id, v.display_value FROM custom_field_values v
          JOIN custom_fields f ON f.id = v.custom_field_id AND f.resource_subtype = 'people'
         WHERE v.display_value != (
               SELECT group_concat(u.name, ', ') FROM custom_field_value_people x
                 JOIN users u ON u.id = x.user_id
                WHERE x.task_id = v.task_id AND x.custom_field_id = v.custom_field_id)
    """,
    )


# --- rare paths made common ------------------------------------------------------------------


@pytest.fixture(scope="module")
def multihomed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # setup: every task that can be multi-homed is, in many large projects
    return stressed(
        tmp_path_factory.mktemp("multihome"),
        1,
        {"src.lifecycle.steps.P_MULTI_HOME": 1.0},
        projects=20,
        tasks_per_project=100,
    )


def test_multi_homed_tasks_keep_names_unique_per_project(multihomed: Path) -> None:
    # run
    duplicates = q(
        multihomed,
        """
        SELECT tm.project_id, t.name, COUNT(*) FROM task_memberships tm
          JOIN tasks t ON t.id = tm.task_id
         GROUP BY tm.project_id, t.name HAVING COUNT(*) > 1""",
    )
    # assert: multi-homing happened, and no project lists two tasks of one name
    assert q1(multihomed, "SELECT COUNT(*) FROM task_memberships WHERE is_primary = 0") > 20
    assert duplicates == []


def test_task_positions_are_unique_within_a_section(multihomed: Path) -> None:
    # run
    clashes = q(
        multihomed,
        """
        SELECT section_id, position, COUNT(*) FROM task_memberships
         GROUP BY section_id, position HAVING COUNT(*) > 1""",
    )
    # assert
    assert q1(multihomed, "SELECT COUNT(*) FROM task_memberships WHERE is_primary = 0") > 20
    assert clashes == []
