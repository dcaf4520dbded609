"""Figures of a living company, read from any file that follows schema.sql: how much of the
work is done (overall, per kind of project, in young projects), how late and how far ahead it
is planned, what is blocked, how much crosses team and project lines, who never acts, how
unevenly open work is spread, how much is due on public holidays or in the assignee's time
off, and whether weekend work is personal or falls on the same days for a whole time zone.

Figures of work (completion, lateness, idle people, monthly volume) measure the window: the
file also holds the history, dated before it, of the work in flight when it opened (issue 9);
the window starts where the run record says (`load_window_start`), or at the first story of a
hand-made file.  A project's kind is read from the file as a user sees it: a project with a
due date is time-boxed work (a launch, a sprint, a campaign, an audit), one without is ongoing work
(operations, an intake queue).  Each figure is one or two aggregate queries; `scorecard`
holds them against their bands.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict

from ..inputs import load_anchor, load_window_start
from ..seasons import monthly
from .localtime import _epoch_seconds, _public_holidays, prepare_local_time

YOUNG_DAYS = 60  # a project created less than this many days before the anchor is young
PLANNED_DAYS = 14  # open work due further out than this is planned ahead
MIN_PROJECT_TASKS = 10  # projects with fewer top-level tasks are left out of the spread
_EPOCH = dt.date(1970, 1, 1).toordinal()
MIN_EXPECTED_PAIRS = 4.0  # fewer same-zone weekend pairs expected: too few to judge co-working

_PROJECT_SHARES = """
    SELECT p.id AS project_id, p.due_on IS NOT NULL AS timeboxed, p.created_at,
           count(*) AS n, sum(t.completed) AS done, p.archived AND NOT p.completed AS cancelled
    FROM tasks t
    JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
    JOIN projects p ON p.id = tm.project_id
    WHERE t.parent_id IS NULL AND t.created_at >= ?
    GROUP BY p.id"""


def window_start(conn: sqlite3.Connection) -> str:
    """Where the window opens: the run record's start, else the first story ('' if none)."""
    start = load_window_start(conn)
    if start is None:
        start = conn.execute("SELECT min(created_at) FROM stories").fetchone()[0]
    return start or ""


def _share(done: float, n: float) -> float | None:
    return done / n if n else None


def completion_figures(conn: sqlite3.Connection) -> dict[str, float | None]:
    """Completed share of the top-level tasks created in the window, overall, by kind, in
    young projects, and the spread between projects (p90 - p10 of per-project shares,
    projects with enough tasks).  Cancelled projects (archived without completion) are left
    out of each: their open work was closed at the cancellation, not done (counted, a
    cancelled project read 100% done and put a default file at 80.02% done)."""
    anchor = load_anchor(conn)
    rows = [r for r in conn.execute(_PROJECT_SHARES, (window_start(conn),)) if not r[5]]
    out: dict[str, float | None] = {}
    out["completed"] = _share(sum(r[4] for r in rows), sum(r[3] for r in rows))
    for label, kind in (("timeboxed", 1), ("ongoing", 0)):
        sel = [r for r in rows if r[1] == kind]
        out[f"completed_{label}"] = _share(sum(r[4] for r in sel), sum(r[3] for r in sel))
    shares = sorted(r[4] / r[3] for r in rows if r[3] >= MIN_PROJECT_TASKS)
    out["spread"] = None
    if len(shares) >= 5:
        out["spread"] = _quantile(shares, 0.9) - _quantile(shares, 0.1)
    out["completed_young"] = None
    try:
        cut = (dt.datetime.fromisoformat(anchor[:19]) - dt.timedelta(days=YOUNG_DAYS)).isoformat()
    except (TypeError, ValueError):  # no anchor, or one that is no time (format.* report it)
        cut = None
    if cut is not None:
        # a creation time that is no text (format.types reports it) is left out
        young = [r for r in rows if isinstance(r[2], str) and r[2] >= cut]
        out["completed_young"] = _share(sum(r[4] for r in young), sum(r[3] for r in young))
    return out


def _quantile(xs: list[float], p: float) -> float:
    pos = p * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def schedule_figures(conn: sqlite3.Connection) -> dict[str, float | None]:
    """Late completion (dated tasks completed in the window after their due day, UTC), planned work
    (open dated tasks due more than PLANNED_DAYS after the anchor) and the Blocked share of
    open top-level work (its Status field reads Blocked), of the work created in the window."""
    anchor = load_anchor(conn)
    start = window_start(conn)
    late = conn.execute(
        """SELECT avg(date(completed_at) > COALESCE(due_on, date(due_at))) FROM tasks
           WHERE completed = 1 AND completed_at >= ?
             AND (due_on IS NOT NULL OR due_at IS NOT NULL)""",
        (start,),
    ).fetchone()[0]
    planned = None
    if anchor is not None:
        planned = conn.execute(
            """SELECT avg(COALESCE(due_on, date(due_at)) > date(?, ?)) FROM tasks
               WHERE completed = 0 AND (due_on IS NOT NULL OR due_at IS NOT NULL)
                 AND created_at >= ?""",
            (anchor, f"+{PLANNED_DAYS} days", start),
        ).fetchone()[0]
    blocked = conn.execute(
        """SELECT avg(EXISTS (SELECT 1 FROM custom_field_values v
                              JOIN custom_fields f ON f.id = v.custom_field_id
                              JOIN custom_field_enum_options o ON o.id = v.enum_option_id
                              WHERE v.task_id = t.id AND f.name = 'Status'
                                AND o.name = 'Blocked'))
           FROM tasks t WHERE t.parent_id IS NULL AND t.completed = 0 AND t.created_at >= ?""",
        (start,),
    ).fetchone()[0]
    return {"late": late, "planned": planned, "blocked": blocked}


def boundary_figures(conn: sqlite3.Connection) -> dict[str, float | None]:
    """Work across boundaries: assigned top-level tasks whose assignee's primary team is not
    the team of the task's project, dependencies between tasks of different projects,
    top-level tasks also in a project of another team than their home project's (hand-off
    work cross-posted to the reviewing team), project members who are guests, and comments
    (on a project's tasks and their subtasks) by people who are no member of the project's
    team (guests from partner teams)."""
    cross_team = conn.execute(
        """SELECT avg(NOT EXISTS (SELECT 1 FROM team_memberships m
                                  WHERE m.user_id = t.assignee_id AND m.team_id = p.team_id
                                    AND m.is_primary = 1))
           FROM tasks t
           JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND t.assignee_id IS NOT NULL"""
    ).fetchone()[0]
    cross_project = conn.execute(
        """SELECT avg(a.project_id != b.project_id) FROM task_dependencies d
           JOIN task_memberships a ON a.task_id = d.task_id AND a.is_primary = 1
           JOIN task_memberships b ON b.task_id = d.depends_on_id AND b.is_primary = 1"""
    ).fetchone()[0]
    cross_home = conn.execute(
        """SELECT avg(EXISTS (SELECT 1 FROM task_memberships a
                              JOIN task_memberships b ON b.task_id = a.task_id
                              JOIN projects pa ON pa.id = a.project_id
                              JOIN projects pb ON pb.id = b.project_id
                              WHERE a.task_id = t.id AND a.is_primary = 1
                                AND b.is_primary = 0 AND pa.team_id != pb.team_id))
           FROM tasks t WHERE t.parent_id IS NULL"""
    ).fetchone()[0]
    guests = conn.execute("SELECT avg(is_guest) FROM project_memberships").fetchone()[0]
    outside = conn.execute(
        """SELECT avg(NOT EXISTS (SELECT 1 FROM team_memberships m
                                  WHERE m.user_id = s.created_by_id AND m.team_id = p.team_id))
           FROM stories s JOIN tasks t ON t.id = s.task_id
           JOIN task_memberships tm ON tm.task_id = COALESCE(t.parent_id, t.id)
                                   AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE s.resource_subtype = 'comment_added'"""
    ).fetchone()[0]
    return {
        "cross_team": cross_team,
        "cross_project": cross_project,
        "cross_home": cross_home,
        "guests": guests,
        "outside_comments": outside,
    }


def people_figures(conn: sqlite3.Connection) -> dict[str, float | None]:
    """Idle share (established employees, there before the window and still there at its
    end, who wrote no story in it) and workload skew (p90 and max of open top-level tasks per
    assignee, as multiples of the median)."""
    first = window_start(conn)
    idle = None
    if first:
        idle = conn.execute(
            """SELECT avg(NOT EXISTS (SELECT 1 FROM stories s WHERE s.created_by_id = u.id
                                      AND s.created_at >= :first))
               FROM users u WHERE u.created_at <= :first AND u.left_at IS NULL""",
            {"first": first},
        ).fetchone()[0]
    counts = sorted(
        n
        for (n,) in conn.execute(
            """SELECT count(*) FROM tasks WHERE completed = 0 AND parent_id IS NULL
               AND assignee_id IS NOT NULL GROUP BY assignee_id"""
        )
    )
    skew = top = None
    if len(counts) >= 5:
        median = _quantile(counts, 0.5)
        skew = _quantile(counts, 0.9) / median
        top = counts[-1] / median
    return {"idle": idle, "skew_p90": skew, "skew_max": top}


def holiday_load(conn: sqlite3.Connection) -> float | None:
    """Due days per weekday public holiday, as a share of due days per ordinary weekday, in
    the country of each task's assignee (its creator when unassigned): 1.0 means holidays
    carry a normal day's load."""
    # a due day that is no real YYYY-MM-DD (format.dates reports it) is left out
    rows = conn.execute(
        """SELECT u.country_code, t.due_on, count(*) FROM tasks t
           JOIN users u ON u.id = COALESCE(t.assignee_id, t.created_by_id)
           WHERE t.due_on IS NOT NULL AND date(t.due_on, '+0 days') IS t.due_on
           GROUP BY u.country_code, t.due_on"""
    ).fetchall()
    by_country: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for country, day, n in rows:
        try:
            by_country[country][dt.date.fromisoformat(day)] = n
        except ValueError:  # year 0000: SQLite's date() reads it, Python's cannot
            continue
    if not by_country:
        return None
    on_holiday = holiday_days = ordinary = ordinary_days = 0
    for country, dues in by_country.items():
        first, last = min(dues), max(dues)
        off = set(_public_holidays(country, range(first.year, last.year + 1)))
        for ordinal in range(first.toordinal(), last.toordinal() + 1):  # up to 9999-12-31
            day = dt.date.fromordinal(ordinal)
            if day.weekday() < 5:
                if day in off:
                    on_holiday += dues.get(day, 0)
                    holiday_days += 1
                else:
                    ordinary += dues.get(day, 0)
                    ordinary_days += 1
    if not holiday_days or not ordinary:
        return None
    return (on_holiday / holiday_days) / (ordinary / ordinary_days)


def monthly_flatness(conn: sqlite3.Connection) -> float | None:
    """Top-level tasks (new work; subtasks break it down) created in the quietest full
    calendar month of the window as a share of the busiest, per day and seasonality aside:
    each month's count is divided by its days (a 28-day February is not a quiet month; it
    read 10% under a March of the same pace) and by its industry's multiplier
    (src/data/seasons.json), so a documented season does not read as a ramp.  The window's
    first month (unless it opens on the 1st) and the anchor's month are partial and left
    out; months before the window (the history of the work in flight) are not counted."""
    anchor = load_anchor(conn)
    start = window_start(conn)
    row = conn.execute("SELECT industry FROM workspaces ORDER BY id LIMIT 1").fetchone()
    season = monthly(row[0]) if row else (1.0,) * 12
    rows = conn.execute(  # a created_at that is no text (format.types reports it) is left out
        """SELECT substr(created_at, 1, 7) AS m, count(*) FROM tasks
           WHERE parent_id IS NULL AND created_at >= ? AND typeof(created_at) = 'text'
           GROUP BY m ORDER BY m""",
        (start,),
    ).fetchall()
    if isinstance(anchor, str):  # not a blob or a number (format.types reports those)
        rows = [r for r in rows if r[0] < anchor[:7]]
    if rows and start[8:10] != "01":  # the window opens mid-month
        rows = [r for r in rows if r[0] > start[:7]]
    full = [
        n / season[int(m[5:7]) - 1] / _days_in_month(m)
        for m, n in rows
        if m[:4].isdigit() and m[5:7].isdigit() and 1 <= int(m[5:7]) <= 12
    ]
    if len(full) < 2 or not max(full):
        return None
    return min(full) / max(full)


def _days_in_month(month: str) -> int:
    """Days of the calendar month 'YYYY-MM'."""
    year, m = int(month[:4]), int(month[5:7])
    nxt = dt.date(year + m // 12, m % 12 + 1, 1)
    return (nxt - dt.date(year, m, 1)).days


def time_off_load(conn: sqlite3.Connection) -> float | None:
    """Dated tasks (open or complete, with an assignee) whose due day or start day falls
    inside a time-off entry of their assignee (first to last day away, inclusive).

    The assignee read is the current one: a later reassignment to someone away then counts
    too (the generator moves a date off the time off of whoever holds the task when the date
    is set)."""
    return conn.execute(
        """SELECT avg(EXISTS (SELECT 1 FROM time_off o WHERE o.user_id = t.assignee_id
                              AND (COALESCE(t.due_on, date(t.due_at))
                                     BETWEEN o.start_on AND o.end_on
                                   OR t.start_on BETWEEN o.start_on AND o.end_on)))
           FROM tasks t
           WHERE t.assignee_id IS NOT NULL AND (t.due_on IS NOT NULL OR t.due_at IS NOT NULL)"""
    ).fetchone()[0]


def weekend_coworking(conn: sqlite3.Connection) -> float | None:
    """Pairs of people of one time zone who act on the same local weekend day, over the pairs
    expected if each person chose their weekend days independently: about 1 when weekend work
    is personal, several times that when a whole zone works the same weekends.

    Expected pairs of a zone: sum over its pairs (i, j) of n_i n_j / D, n the weekend days a
    person acts on, D the weekend days of the window.  None with fewer than
    MIN_EXPECTED_PAIRS expected pairs in all (too few to judge).  Human events are stories
    and task creations, placed in their actor's zone (TEMP tables of `prepare_local_time`,
    built here unless the connection has them); only those near a UTC weekend (local time
    is UTC -12 h to +14 h) are joined to their actor."""
    if not conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = '_tz_offset'").fetchone():
        prepare_local_time(conn)
    days: dict[tuple[str, int], int] = defaultdict(int)  # (zone, local day) -> actors
    per: dict[tuple[str, int], int] = defaultdict(int)  # (zone, actor) -> weekend days
    for tz, actor, day in conn.execute(
        f"""SELECT DISTINCT u.timezone, e.created_by_id, (e.utc + COALESCE(o.offset_s, 0)) / 86400
            FROM (SELECT created_by_id, utc FROM (
                      SELECT created_by_id, {_epoch_seconds("created_at")} AS utc FROM stories
                      UNION ALL
                      SELECT created_by_id, {_epoch_seconds("created_at")} FROM tasks
                      LIMIT -1 OFFSET 0)
                  WHERE ((utc + 50400) / 86400 + 4) % 7 IN (0, 6)
                     OR ((utc - 43200) / 86400 + 4) % 7 IN (0, 6)
                  LIMIT -1 OFFSET 0) e
            JOIN users u ON u.id = e.created_by_id
            LEFT JOIN temp._tz_offset o ON o.timezone = u.timezone AND o.day = e.utc / 86400
            WHERE ((e.utc + COALESCE(o.offset_s, 0)) / 86400 + 4) % 7 IN (0, 6)"""
    ):
        if day is None:
            continue
        days[tz, day] += 1
        per[tz, actor] += 1
    span = conn.execute("SELECT min(created_at), max(created_at) FROM stories").fetchone()
    try:
        first, last = (dt.date.fromisoformat(str(x)[:10]).toordinal() - _EPOCH for x in span)
    except ValueError:
        return None  # no stories, or a malformed time: no window to judge against
    if not per:
        return None
    weekend_days = sum(1 for d in range(first, last + 1) if (d + 4) % 7 in (0, 6))
    by_zone: dict[str, list[int]] = defaultdict(list)
    for (tz, _), n in per.items():
        by_zone[tz].append(n)
    expected = sum(
        (sum(ns) ** 2 - sum(n * n for n in ns)) / 2 / max(weekend_days, 1)
        for ns in by_zone.values()
    )
    if expected < MIN_EXPECTED_PAIRS:
        return None
    observed = sum(a * (a - 1) / 2 for a in days.values())
    return observed / expected


def all_figures(conn: sqlite3.Connection) -> dict[str, float | None]:
    """Every company figure by key, as `scripts/company_figures.py` prints them and the tests
    read them (the scorecard takes each part on its own, as a job of its own)."""
    out: dict[str, float | None] = {}
    for part in (completion_figures, schedule_figures, boundary_figures, people_figures):
        out |= part(conn)
    out["holiday"] = holiday_load(conn)
    out["time_off"] = time_off_load(conn)
    out["coworking"] = weekend_coworking(conn)
    out["flat"] = monthly_flatness(conn)
    return out
