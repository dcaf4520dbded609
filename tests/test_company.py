"""A living company (issue 9) on the default-scale file: work at every stage, late and planned,
blocked, across team and project lines, everyone taking part unevenly, no deadlines on public
holidays or in the assignee's time off, weekend work that is each person's own.  Each
behaviour is read with SQL; the `company` figures are checked against SQL of their own where
they summarise."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from conftest import END_DATE, q, q1

from src import Config
from src.checks import company
from src.checks.scorecard import scorecard
from src.generators.project_members import partner_teams
from src.inputs import load_window_start
from src.pipeline import build_world
from src.seasons import monthly


@pytest.fixture(scope="module")
def db(default_seed42) -> Path:
    return default_seed42.path


def figures(path: Path) -> dict:
    with closing(sqlite3.connect(path)) as conn:
        return company.all_figures(conn)


@pytest.fixture(scope="module")
def fig(db: Path) -> dict:
    return figures(db)


# The default file's window: six months to the end date (the file also holds the history of
# the work in flight when it opened).
WINDOW = "2025-12-30T00:00:00.000Z"
TOP_BY_PROJECT = f"""
    SELECT p.id, p.due_on IS NOT NULL, p.created_at, avg(t.completed), count(*)
    FROM tasks t JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
    JOIN projects p ON p.id = tm.project_id
    WHERE t.parent_id IS NULL AND t.created_at >= '{WINDOW}'
      AND NOT (p.archived AND NOT p.completed) GROUP BY p.id"""


def test_the_window_is_read_from_the_run_record(db: Path) -> None:
    with closing(sqlite3.connect(db)) as conn:
        assert load_window_start(conn) == WINDOW
        assert company.window_start(conn) == WINDOW


def test_completion_is_partial_and_differs_between_projects(db: Path, fig: dict) -> None:
    # run: the work created in the window
    rows = q(db, TOP_BY_PROJECT)
    shares = [r[3] for r in rows if r[4] >= 10]
    overall = q1(
        db,
        """SELECT avg(t.completed) FROM tasks t
           JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND t.created_at >= ?
             AND NOT (p.archived AND NOT p.completed)""",
        (WINDOW,),
    )
    # assert: a backlog remains (cancelled projects' closed work is not done), and projects
    # are clearly different
    assert 0.55 <= overall <= 0.80
    assert fig["completed"] == pytest.approx(overall)
    assert np.percentile(shares, 90) - np.percentile(shares, 10) >= 0.30


def test_ongoing_work_keeps_a_larger_backlog_than_time_boxed_work(fig: dict) -> None:
    assert fig["completed_ongoing"] < fig["completed_timeboxed"] - 0.05


def test_young_projects_are_far_from_done(db: Path, fig: dict) -> None:
    # run: projects created in the last 60 days before the anchor
    done, n = q(
        db,
        """SELECT sum(t.completed), count(*) FROM tasks t
           JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND p.created_at >= '2026-05-01'
             AND NOT (p.archived AND NOT p.completed)""",
    )[0]
    # assert
    assert n >= 50
    assert done / n <= 0.60
    assert fig["completed_young"] <= 0.60


def test_some_work_finishes_late_and_some_is_planned_ahead(db: Path, fig: dict) -> None:
    late = q1(
        db,
        """SELECT avg(date(completed_at) > due_on) FROM tasks
           WHERE completed = 1 AND due_on IS NOT NULL""",
    )
    planned = q1(
        db,
        """SELECT avg(COALESCE(due_on, date(due_at)) > '2026-07-14') FROM tasks
           WHERE completed = 0 AND (due_on IS NOT NULL OR due_at IS NOT NULL)""",
    )
    assert 0.15 <= late <= 0.35
    assert planned >= 0.15
    assert 0.15 <= fig["late"] <= 0.35


def test_a_share_of_open_work_is_blocked(fig: dict) -> None:
    assert 0.05 <= fig["blocked"] <= 0.15


def test_some_stalled_projects_go_quiet_and_read_on_hold(db: Path) -> None:
    # a time-boxed project whose work stopped: no task event in its last 30 days before the
    # anchor although work is open, and its status updates say so
    quiet = q(
        db,
        """SELECT p.id FROM projects p WHERE p.completed = 0 AND p.due_on IS NOT NULL
             AND p.created_at < '2026-04-01'
             AND EXISTS (SELECT 1 FROM status_updates x WHERE x.project_id = p.id
                         AND x.status_type = 'on_hold')""",
    )
    assert quiet


def test_assignments_cross_team_lines(db: Path, fig: dict) -> None:
    share = q1(
        db,
        """SELECT avg(NOT EXISTS (SELECT 1 FROM team_memberships m WHERE m.user_id = t.assignee_id
                                  AND m.team_id = p.team_id AND m.is_primary = 1))
           FROM tasks t JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND t.assignee_id IS NOT NULL""",
    )
    assert 0.03 <= share <= 0.20
    assert fig["cross_team"] == pytest.approx(share)


def test_hand_offs_go_to_a_reviewing_function(db: Path) -> None:
    # run: sign-off tasks, named "<label> for <project>", and their assignee's home team
    rows = q(
        db,
        """SELECT t.name, p.name, hm.name, t.resource_subtype,
                  EXISTS (SELECT 1 FROM project_memberships pm WHERE pm.project_id = p.id
                          AND pm.user_id = t.assignee_id AND pm.is_guest = 0),
                  EXISTS (SELECT 1 FROM team_memberships m WHERE m.team_id = p.team_id
                          AND m.user_id = t.assignee_id)
           FROM tasks t JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           JOIN team_memberships h ON h.user_id = t.assignee_id AND h.is_primary = 1
           JOIN teams hm ON hm.id = h.team_id
           WHERE t.name = substr(t.name, 1, instr(t.name, ' for ') - 1) || ' for ' || p.name
             AND t.assignee_id IS NOT NULL""",
    )
    # assert: approvals by Legal, Finance, Security, Compliance... or an executive, who are
    # members of the project and of its team
    assert len(rows) >= 5
    gates = ("Legal", "Finance", "Security", "Compliance", "Risk", "Quality", "Leadership")
    for name, _, home, subtype, member, in_team in rows:
        assert subtype == "approval"
        assert any(g in home for g in gates) or "Safety" in home or "EHS" in home, (name, home)
        assert member and in_team
    assert any(home == "Leadership" for _, _, home, *_ in rows)


@pytest.mark.parametrize("workforce", ["us", "global"])
def test_some_tasks_are_multi_homed_in_another_team_s_project(databases, workforce: str) -> None:
    # setup: Healthcare's reviewing teams (Finance, Compliance) start their list projects
    # after most of the projects that hand work off to them in plan order, and the
    # leadership runs none: hand-off work goes to a partner team's list project then
    config = Config(
        seed=42, scale="default", end_date=END_DATE, industry="Healthcare", workforce=workforce
    )
    path = databases.get(config).path
    # run: tasks with a membership in a project of a team other than their home project's
    crossing = q1(
        path,
        """SELECT count(DISTINCT a.task_id) FROM task_memberships a
           JOIN task_memberships b ON b.task_id = a.task_id AND b.is_primary = 0
           JOIN projects pa ON pa.id = a.project_id JOIN projects pb ON pb.id = b.project_id
           WHERE a.is_primary = 1 AND pa.team_id != pb.team_id""",
    )
    top = q1(path, "SELECT count(*) FROM tasks WHERE parent_id IS NULL")
    card = {m.name: m for m in scorecard(path)}
    found = card["top-level tasks multi-homed in another team's project"]
    # assert: some, and the scorecard measures them
    assert crossing > 0
    assert found.value == pytest.approx(crossing / top)
    assert found.in_band is True and found.source == "generator design"


@pytest.mark.parametrize(("industry", "seed"), [("Healthcare", 42), ("Retail", 1)])
def test_hand_off_work_is_posted_to_an_earlier_list_project_of_the_reviewers_or_partners(
    industry: str, seed: int
) -> None:
    # setup: files whose reviewing teams run no list project planned before most hand-offs
    world = build_world(Config(seed=seed, end_date=END_DATE, industry=industry))
    org, plans = world.org, world.plans
    # run
    posted = [p for p in plans if p.review is not None]
    # assert: most hand-offs have one; each an earlier list project of another team, the
    # reviewing team's when it has one
    assert len(posted) >= 0.7 * sum(p.handoff is not None for p in plans)
    for p in posted:
        target, reviewing = plans[p.review], org.users[p.handoff[1]].team
        assert target.index < p.index and not target.board and target.team != p.team
        earlier = [q for q in plans[: p.index] if q.team == reviewing and not q.board]
        assert target.team == reviewing if earlier else target.team in partner_teams(org, p.team)


def test_guests_from_partner_teams_comment_and_never_edit(db: Path, fig: dict) -> None:
    # run
    guests, members = q(db, "SELECT sum(is_guest), count(*) FROM project_memberships")[0]
    levels = q(db, "SELECT DISTINCT access_level FROM project_memberships WHERE is_guest = 1")
    outside = q(
        db,
        """SELECT count(*), sum(pm.is_guest) FROM stories s JOIN tasks t ON t.id = s.task_id
           JOIN task_memberships tm ON tm.task_id = COALESCE(t.parent_id, t.id)
                                   AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           JOIN project_memberships pm ON pm.project_id = p.id AND pm.user_id = s.created_by_id
           WHERE s.resource_subtype = 'comment_added' AND NOT EXISTS (
               SELECT 1 FROM team_memberships m
               WHERE m.user_id = s.created_by_id AND m.team_id = p.team_id)""",
    )[0]
    comments = q1(db, "SELECT count(*) FROM stories WHERE resource_subtype = 'comment_added'")
    edits = q1(
        db,
        """SELECT count(*) FROM stories s
           JOIN task_memberships tm ON tm.task_id = s.task_id AND tm.is_primary = 1
           JOIN project_memberships pm ON pm.project_id = tm.project_id
                                      AND pm.user_id = s.created_by_id AND pm.is_guest = 1
           WHERE s.type = 'system'""",
    )
    assigned = q1(
        db,
        """SELECT count(*) FROM tasks t
           JOIN task_memberships tm ON tm.task_id = COALESCE(t.parent_id, t.id)
                                   AND tm.is_primary = 1
           JOIN project_memberships pm ON pm.project_id = tm.project_id
                                      AND pm.user_id = t.assignee_id AND pm.is_guest = 1""",
    )
    # assert: guests of other teams are a few percent of members, comment, and only comment
    assert 0.02 <= guests / members <= 0.08
    assert fig["guests"] == pytest.approx(guests / members)
    assert levels == [("commenter",)]
    assert outside[1] == outside[0] and outside[0] / comments >= 0.01
    assert fig["outside_comments"] == pytest.approx(outside[0] / comments)
    assert edits == 0 and assigned == 0


def test_guests_come_from_partner_functions() -> None:
    # setup: a technology company's teams
    org = build_world(Config(seed=42, scale="default", end_date=dt.date(2026, 6, 30))).org
    names = {t.index: t.name for t in org.teams}
    by_name = {t.name: t.index for t in org.teams}
    # run
    product = {names[i] for i in partner_teams(org, by_name["Product"])}
    people = {names[i] for i in partner_teams(org, by_name["People"])}
    # assert: product work is shown to engineering, design and marketing; leadership is none
    assert {"Engineering", "Design", "Marketing"} <= product
    assert "Finance & Legal" in people and "Engineering" not in people
    assert all(not org.teams[i].is_leadership for i in partner_teams(org, by_name["Sales"]))


def test_dependencies_cross_projects_in_time_order(db: Path, fig: dict) -> None:
    # run
    cross, total = q(
        db,
        """SELECT sum(a.project_id != b.project_id), count(*) FROM task_dependencies d
           JOIN task_memberships a ON a.task_id = d.task_id AND a.is_primary = 1
           JOIN task_memberships b ON b.task_id = d.depends_on_id AND b.is_primary = 1""",
    )[0]
    wrong = q1(
        db,
        """SELECT count(*) FROM task_dependencies d JOIN tasks a ON a.id = d.task_id
           JOIN tasks b ON b.id = d.depends_on_id
           WHERE a.completed = 1 AND (b.completed = 0 OR b.completed_at > a.completed_at)""",
    )
    # assert
    assert cross / total >= 0.03
    assert wrong == 0
    assert fig["cross_project"] == pytest.approx(cross / total)


def test_established_employees_all_take_part(db: Path, fig: dict) -> None:
    idle = q1(
        db,
        """SELECT avg(NOT EXISTS (SELECT 1 FROM stories s WHERE s.created_by_id = u.id))
           FROM users u WHERE u.created_at < '2026-01-01' AND u.left_at IS NULL""",
    )
    assert idle <= 0.08
    assert fig["idle"] <= 0.08


def test_executives_act_and_every_department_owns_projects(db: Path) -> None:
    leaders = """SELECT m.user_id FROM team_memberships m JOIN teams t ON t.id = m.team_id
                 WHERE m.is_primary = 1 AND t.name = 'Leadership'"""
    authors = q1(db, f"SELECT count(*) FROM status_updates WHERE author_id IN ({leaders})")
    approvals = q1(
        db,
        f"""SELECT count(*) FROM tasks WHERE resource_subtype = 'approval' AND completed = 1
            AND completed_by_id IN ({leaders})""",
    )
    comments = q1(
        db,
        f"""SELECT count(*) FROM stories WHERE resource_subtype = 'comment_added'
            AND created_by_id IN ({leaders})""",
    )
    without = q1(
        db,
        """SELECT count(*) FROM teams t WHERE t.name != 'Leadership'
           AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.team_id = t.id)""",
    )
    # every executive who stays acts in the window (each sponsors departments in turn and
    # signs off a first hand-off in it)
    idle_executives = q1(
        db,
        f"""SELECT count(*) FROM users u WHERE u.id IN ({leaders}) AND u.left_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM stories s WHERE s.created_by_id = u.id
                            AND s.created_at >= '{WINDOW}')""",
    )
    assert authors > 0 and approvals > 0 and comments > 0
    assert without == 0
    assert idle_executives == 0


def test_open_work_is_spread_unevenly(db: Path, fig: dict) -> None:
    counts = [
        n
        for (n,) in q(
            db,
            """SELECT count(*) FROM tasks WHERE completed = 0 AND parent_id IS NULL
               AND assignee_id IS NOT NULL GROUP BY assignee_id""",
        )
    ]
    median = np.median(counts)
    assert np.percentile(counts, 90) >= 1.5 * median
    assert max(counts) >= 3 * median
    assert fig["skew_p90"] >= 1.5


def test_public_holidays_carry_few_due_dates(db: Path, fig: dict) -> None:
    # run: due dates per US weekday holiday vs per ordinary weekday (the default file is us)
    dues = dict(q(db, "SELECT due_on, count(*) FROM tasks WHERE due_on IS NOT NULL GROUP BY 1"))
    days = [dt.date.fromisoformat(d) for d in dues]
    off = holidays.country_holidays("US", years=range(2025, 2028))
    holiday_days = ordinary_days = on_holiday = ordinary = 0
    day = min(days)
    while day <= max(days):
        if day.weekday() < 5:
            n = dues.get(day.isoformat(), 0)
            if day in off:
                holiday_days, on_holiday = holiday_days + 1, on_holiday + n
            else:
                ordinary_days, ordinary = ordinary_days + 1, ordinary + n
        day += dt.timedelta(days=1)
    # assert
    assert holiday_days >= 5
    assert (on_holiday / holiday_days) / (ordinary / ordinary_days) <= 0.40
    assert fig["holiday"] <= 0.40


def test_the_window_opens_on_a_company_already_running(db: Path) -> None:
    # run: projects created before the window, with their history dated before it
    before = q(
        db,
        """SELECT p.id, p.due_on,
                  (SELECT count(*) FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
                   WHERE tm.project_id = p.id AND t.created_at < :w),
                  (SELECT count(*) FROM task_memberships tm JOIN stories s ON s.task_id = tm.task_id
                   WHERE tm.project_id = p.id AND s.created_at < :w)
           FROM projects p WHERE p.created_at < :w""",
        {"w": WINDOW},
    )
    in_flight = [r for r in before if r[1] is None or r[1] >= WINDOW[:10]]
    # members of a project joined the company before their membership starts
    early_members = q1(
        db,
        """SELECT count(*) FROM project_memberships m JOIN users u ON u.id = m.user_id
           WHERE m.created_at < u.created_at""",
    )
    # assert: a third or more of the projects predate the window, most with tasks and stories
    # before it; some of them are still running when it opens (ongoing work, plans in flight)
    n = q1(db, "SELECT count(*) FROM projects")
    assert len(before) >= n / 3
    assert sum(1 for r in before if r[2] > 0 and r[3] > 0) >= len(before) - 1
    assert len(in_flight) >= 3
    assert early_members == 0


def test_task_creation_is_about_flat_across_the_window(db: Path) -> None:
    # run: new top-level work per day of each full month of the window (the first is partial,
    # the anchor's is cut), each month divided by the industry's season
    rows = q(
        db,
        """SELECT substr(created_at, 1, 7), count(*) FROM tasks
           WHERE parent_id IS NULL AND created_at >= '2026-01' AND created_at < '2026-06'
           GROUP BY 1""",
    )
    season = monthly(q1(db, "SELECT industry FROM workspaces"))
    days = {"01": 31, "02": 28, "03": 31, "04": 30, "05": 31}  # of 2026
    per_month = [n / season[int(m[5:7]) - 1] / days[m[5:7]] for m, n in rows]
    before = q1(db, "SELECT count(*) FROM tasks WHERE created_at < ?", (WINDOW,))
    with closing(sqlite3.connect(db)) as conn:
        flat = company.monthly_flatness(conn)
    # assert: five full months, the quietest at least 60% of the busiest, and the months
    # before the window (there are tasks in them) are not counted
    assert len(per_month) == 5
    assert min(per_month) / max(per_month) >= 0.60
    assert before > 0
    assert flat == pytest.approx(min(per_month) / max(per_month))


HUMAN_EVENTS = """
    SELECT u.timezone, e.created_by_id, e.created_at FROM (
        SELECT created_by_id, created_at FROM stories
        UNION ALL SELECT created_by_id, created_at FROM tasks) e
    JOIN users u ON u.id = e.created_by_id"""


def test_weekend_work_is_personal_not_zone_wide(db: Path, fig: dict) -> None:
    # run: the local weekend days each person acts on, by time zone
    people_on: dict[tuple[str, dt.date], set[int]] = {}
    days_of: dict[int, set[dt.date]] = {}
    for tz, actor, at in q(db, HUMAN_EVENTS):
        day = dt.datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).date()
        if day.weekday() >= 5:
            people_on.setdefault((tz, day), set()).add(actor)
            days_of.setdefault(actor, set()).add(day)
    zone_size = dict(q(db, "SELECT timezone, count(*) FROM users GROUP BY timezone"))
    # assert: a few people work weekends, each on days of their own: no weekend day has more
    # than a few of a zone's people, and the days people work mostly differ (zone-wide
    # weekends gave 6-8 people a day, twice as many pairs as actor-days, 30 days for 103)
    assert len(days_of) >= 10
    assert all(len(p) <= max(4, 0.1 * zone_size[tz]) for (tz, _), p in people_on.items())
    pairs = sum(len(p) * (len(p) - 1) // 2 for p in people_on.values())
    actor_days = sum(len(d) for d in days_of.values())
    assert pairs < actor_days / 2
    assert len(people_on) >= 0.6 * actor_days  # distinct (zone, day)s, nearly one per actor-day
    assert fig["coworking"] is not None and fig["coworking"] <= 2.5


def test_due_and_start_days_avoid_the_assignee_s_time_off(db: Path, fig: dict) -> None:
    # run: dated assigned tasks whose due or start day lies in their assignee's time off
    dated, due_away, start_away = q(
        db,
        """SELECT count(*),
                  sum(EXISTS (SELECT 1 FROM time_off o WHERE o.user_id = t.assignee_id
                              AND COALESCE(t.due_on, date(t.due_at))
                                  BETWEEN o.start_on AND o.end_on)),
                  sum(EXISTS (SELECT 1 FROM time_off o WHERE o.user_id = t.assignee_id
                              AND t.start_on BETWEEN o.start_on AND o.end_on))
           FROM tasks t
           WHERE t.assignee_id IS NOT NULL AND (t.due_on IS NOT NULL OR t.due_at IS NOT NULL)""",
    )[0]
    # the days people are away: enough that dates would hit them often if nobody looked
    away_days = q1(db, "SELECT sum(julianday(end_on) - julianday(start_on) + 1) FROM time_off")
    # assert
    assert dated >= 500 and away_days >= 500
    assert (due_away + start_away) / dated <= 0.01
    assert fig["time_off"] <= 0.01
    assert fig["time_off"] >= due_away / dated
