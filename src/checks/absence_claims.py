"""Rules about personal time off and what comments claim about it.

``time_off`` rows are facts: the person does nothing on those local dates.  Out-of-office
comments are claims, found by their wording (not by which template wrote them), so the rules
work on any file that follows schema.sql:

* ``absence.no_activity`` (error): no story, task creation, completion or status update by a
  person inside their own time off (local dates, in the user's time zone).
* ``absence.time_off_rows`` (error): rows are well formed: start_on <= end_on, a known kind, an
  existing user, and no two absences of one person overlap.
* ``absence.ooo_claims`` (warning): an out-of-office comment is followed by a real absence of
  its author starting within ANNOUNCE_DAYS days, and a day it names ("back Mon, Jul 6") is the
  return from that absence: within RETURN_DAYS days after its last day.
* ``absence.ooo_reason`` (warning): a reason the comment gives ("on vacation", "at a
  conference", "parental leave", "out sick") is the ``kind`` of the absence it announces, and
  a length it states ("a couple of days", "a week", "two weeks") fits that absence's calendar
  days (LENGTHS: a weekend per five working days and a holiday or two of slack).

Local midnights come from the pinned tzdata: per zone, the UTC offset at local midnight is a
step function of the date with a step per DST switch, written into the SQL as a CASE over
the few dates where it changes (built from this file's zones and date range).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from ..worktime import zone_info
from .core import WARNING, Check, add_pattern_functions
from .localtime import shifted

KINDS = ("vacation", "sick", "training", "parental")
ANNOUNCE_DAYS = 10  # calendar days: "within a few working days" plus a weekend or holiday
RETURN_DAYS = 7  # the first working day after the last day away: weekends, holidays between
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A named day in a comment, as "Mon, Jul 6" (the generator's form, and a common one).
_DAY = "[A-Z][a-z][a-z], [A-Z][a-z][a-z] [0-9]*"
# Wording that announces an absence: LIKE patterns (case-blind), then GLOBs (case as given).
# First-person wording only: a comment may quote a task name ("Revise parental leave policy"),
# so bare nouns like "leave" or "vacation" are not enough.
OOO_LIKE = (
    "%out of office%",
    "%away until%",
    "%leave until%",
    "%off until%",
    "%off till%",
    "%on vacation%",
    "%i'm out sick%",  # not bare "out sick": "Close out sick leave policy" is a task name
    "%i am out sick%",
    "%out sick until%",
    "out until%",
    "%i'm out %",
)
OOO_GLOB = (
    "*OOO*",
    f"*[Uu]ntil {_DAY}",
    f"*[Tt]ill {_DAY}",
    f"*[Bb]ack {_DAY}",
    f"*[Bb]ack on {_DAY}",
)


# The reason an out-of-office note gives, and the time_off kind it needs, first match wins:
# training covers courses, conferences, trade shows and offsites; "days off" and "personal
# days" are vacation.  A note may give none ("out of office until ...").
REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("parental", re.compile(r"\b(?:parental|maternity|paternity)\b", re.I)),
    ("sick", re.compile(r"\b(?:sick|unwell|under the weather|medical leave)\b", re.I)),
    (
        "training",
        re.compile(
            r"\b(?:training|conference|trade show|offsite|off-site|workshop|seminar|fam trip)\b",
            re.I,
        ),
    ),
    (
        "vacation",
        re.compile(r"\b(?:vacation|holidays?|PTO|spring break|personal days?|days? off)\b", re.I),
    ),
)
# The length a note states, first match wins, and the calendar days (lowest, highest; None:
# no bound) of the absence it allows: n working days span n to n + 2 per weekend inside
# + a holiday or two, so "a week" is 4-11 days from start_on to end_on, "two weeks" 8-21.
LENGTHS: tuple[tuple[str, re.Pattern[str], int, int | None], ...] = (
    (
        "weeks",
        re.compile(
            r"\b(?:a few|several|some|three|four|five|six|[3-9]) weeks\b"
            r"|\b(?:a|one|two|three|four|a few|several|a couple of) months?\b",
            re.I,
        ),
        14,
        None,
    ),
    (
        "two_weeks",
        re.compile(r"\b(?:two|2|a couple of) weeks\b|\ba week or two\b|\bfortnight\b", re.I),
        8,
        21,
    ),
    ("week", re.compile(r"\b(?:a|one|for the) week\b", re.I), 4, 11),
    ("couple", re.compile(r"\b(?:a couple of|two|2) days\b|\ba day or two\b", re.I), 2, 7),
    ("few", re.compile(r"\b(?:a few|several|three|four|[34]) (?:\w+ )?days\b", re.I), 2, 9),
    (
        "day",
        re.compile(r"\b(?:for (?:a|the|one) day|(?:a|one) day off|a single day)\b", re.I),
        1,
        3,
    ),
)


def ooo_reason(text: str | None) -> str | None:
    """The time_off kind the reason in an out-of-office note needs, or None (no reason)."""
    if not text:
        return None
    return next((kind for kind, p in REASONS if p.search(text)), None)


def ooo_length(text: str | None) -> str | None:
    """The length class an out-of-office note states (a name of LENGTHS), or None."""
    if not text:
        return None
    return next((name for name, p, _, _ in LENGTHS if p.search(text)), None)


def prepare(conn: sqlite3.Connection) -> None:
    """Add the pattern functions ``absence.ooo_reason`` calls (unreadable text: no claim)."""
    add_pattern_functions(conn, {"ooo_reason": ooo_reason, "ooo_length": ooo_length})


# Substrings at least one of which every wording above contains (LIKE, case-blind): a few
# cheap tests on every comment, so only the few comments with one reach the exact patterns.
_HINTS = ("%til%", "%off%", "%ooo%", "%vacation%", "%sick%", "%m out%", "%back %")


def ooo_condition(text: str = "s.text") -> str:
    """SQL: the comment ``text`` announces an absence."""
    hints = " OR ".join(f"{text} LIKE '{h}'" for h in _HINTS)
    likes = [f"{text} LIKE '{p.replace(chr(39), chr(39) * 2)}'" for p in OOO_LIKE]
    globs = [f"{text} GLOB '{p}'" for p in OOO_GLOB]
    return f"(({hints}) AND ({' OR '.join(likes + globs)}))"


# The out-of-office comments, found once for the two rules that read them (a TEMP table,
# their shared setup: the wording tests cost a few LIKEs on every comment), in scan order.
_OOO = "temp._ooo_comments"
OOO_SETUP = f"""CREATE TEMP TABLE IF NOT EXISTS _ooo_comments AS
    SELECT s.id, s.created_by_id, s.created_at, s.text FROM stories s
    WHERE s.resource_subtype = 'comment_added' AND {ooo_condition()}"""


def _names_a_day(text: str = "s.text") -> str:
    return "(" + " OR ".join(f"{text} GLOB '*{m} [0-9]*'" for m in _MONTHS) + ")"


def _day_label(day: str) -> str:
    """SQL: a date as 'Jul 6' (no leading zero)."""
    months = "".join(_MONTHS)
    return (
        f"(substr('{months}', CAST(strftime('%m', {day}) AS INTEGER) * 3 - 2, 3) || ' ' || "
        f"CAST(strftime('%d', {day}) AS INTEGER))"
    )


def _offset_sql(conn: sqlite3.Connection, day: str) -> str:
    """SQL: UTC offset in seconds at local midnight of ``day`` (a date expression) in the
    zone of the user aliased ``u``; 0 for an unknown zone."""
    row = conn.execute(
        "SELECT min(d), max(d) FROM (SELECT start_on AS d FROM time_off UNION ALL "
        "SELECT end_on FROM time_off) WHERE d GLOB '[0-9][0-9][0-9][0-9]-*'"
    ).fetchone()
    if row is None or row[0] is None:
        return "0"
    try:
        first = shifted(dt.date.fromisoformat(row[0][:10]), -1)
        last = shifted(dt.date.fromisoformat(row[1][:10]), 2)
    except ValueError:
        return "0"
    last = min(last, first + dt.timedelta(days=40 * 366))
    cases = []
    for (name,) in conn.execute("SELECT DISTINCT timezone FROM users"):
        try:
            zone = zone_info(name)
        except (KeyError, ValueError, TypeError, OSError):
            continue
        steps: list[tuple[str, int]] = []
        day_i = first
        while day_i <= last:
            off = dt.datetime(day_i.year, day_i.month, day_i.day, tzinfo=zone).utcoffset()
            seconds = int(off.total_seconds()) if off is not None else 0
            if not steps or steps[-1][1] != seconds:
                steps.append((day_i.isoformat(), seconds))
            day_i += dt.timedelta(days=1)
        expr = str(steps[-1][1])
        if len(steps) > 1:
            whens = " ".join(
                f"WHEN {day} < '{steps[i + 1][0]}' THEN {off}"
                for i, (_, off) in enumerate(steps[:-1])
            )
            expr = f"CASE {whens} ELSE {steps[-1][1]} END"
        quoted = name.replace("'", "''")
        cases.append(f"WHEN '{quoted}' THEN {expr}")
    if not cases:
        return "0"
    return f"(CASE u.timezone {' '.join(cases)} ELSE 0 END)"


def _activity_sql(conn: sqlite3.Connection) -> str:
    start = _offset_sql(conn, "o.start_on")
    after = _offset_sql(conn, "date(o.end_on, '+1 day')")
    fmt = "%Y-%m-%dT%H:%M:%fZ"
    away = f"""away AS MATERIALIZED (
        SELECT o.user_id,
               strftime('{fmt}', o.start_on, printf('%+d seconds', -{start})) AS lo,
               strftime('{fmt}', o.end_on, '+1 day', printf('%+d seconds', -{after})) AS hi
        FROM time_off o JOIN users u ON u.id = o.user_id)"""
    # The events drive the join (CROSS JOIN keeps them outer): one pass over each table with
    # a probe of the actor's few absences (an automatic index on away.user_id), not one walk
    # of all a person's events per absence.
    parts = [
        ("story", "stories", "created_by_id", "created_at"),
        ("task", "tasks", "created_by_id", "created_at"),
        ("completion", "tasks", "completed_by_id", "completed_at"),
        ("status_update", "status_updates", "author_id", "created_at"),
    ]
    selects = " UNION ALL ".join(
        f"SELECT '{label}:' || x.id FROM {table} x CROSS JOIN away a "
        f"ON a.user_id = x.{who} AND x.{at} >= a.lo AND x.{at} < a.hi"
        for label, table, who, at in parts
    )
    return f"WITH {away} {selects}"


def _return_matches(c: str = "s") -> str:
    days = [f"date(o.end_on, '+{k} days')" for k in range(1, RETURN_DAYS + 1)]
    return " OR ".join(f"({c}.text || ' ') GLOB '*' || {_day_label(d)} || '[^0-9]*'" for d in days)


def _announced(c: str = "s") -> str:
    """SQL: the time_off row ``o`` is an absence the comment ``c`` may announce: its author's,
    starting within ANNOUNCE_DAYS days of it, and returning on a day the comment names."""
    return (
        f"o.user_id = {c}.created_by_id AND o.start_on >= date({c}.created_at) "
        f"AND o.start_on <= date({c}.created_at, '+{ANNOUNCE_DAYS} days') "
        f"AND (NOT {_names_a_day(f'{c}.text')} OR {_return_matches(c)})"
    )


def _length_fits(length: str, days: str) -> str:
    """SQL: the stated length class ``length`` allows ``days`` calendar days (or states none)."""
    whens = " ".join(
        f"WHEN '{name}' THEN {days} >= {lo}" + (f" AND {days} <= {hi}" if hi else "")
        for name, _, lo, hi in LENGTHS
    )
    return f"(CASE {length} {whens} ELSE 1 END)"


def _reason_sql() -> str:
    """SQL: out-of-office comments whose reason or length no absence they announce bears out
    (those that announce none at all are absence.ooo_claims' findings)."""
    days = "(julianday(o.end_on) - julianday(o.start_on) + 1)"
    # OFFSET 0: the pattern functions run once per comment, not once per joined row
    return f"""SELECT c.id FROM (
                   SELECT s.id, s.created_by_id, s.created_at, s.text,
                          ooo_reason(s.text) AS reason, ooo_length(s.text) AS length
                   FROM {_OOO} s LIMIT -1 OFFSET 0) c
               WHERE (c.reason IS NOT NULL OR c.length IS NOT NULL)
                 AND EXISTS (SELECT 1 FROM time_off o WHERE {_announced("c")})
                 AND NOT EXISTS (
                     SELECT 1 FROM time_off o WHERE {_announced("c")}
                       AND (c.reason IS NULL OR o.kind = c.reason)
                       AND {_length_fits("c.length", days)})"""


def absence_checks(conn: sqlite3.Connection) -> list[Check]:
    """The rules of this module, built for the file on ``conn`` (its zones and dates)."""
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    return [
        Check(
            "absence.no_activity",
            "nobody creates, completes, comments, changes or reports anything on a day of "
            "their own time off (local dates)",
            _activity_sql(conn),
        ),
        Check(
            "absence.time_off_rows",
            "time_off rows are well formed: start_on <= end_on, a known kind, an existing "
            "user, no overlapping absences of one person",
            f"""SELECT o.id FROM time_off o
                WHERE o.start_on > o.end_on OR o.kind NOT IN ({kinds})
                   OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)
                   OR EXISTS (SELECT 1 FROM time_off p WHERE p.user_id = o.user_id
                              AND p.id <> o.id AND p.start_on <= o.end_on
                              AND p.end_on >= o.start_on)""",
        ),
        Check(
            "absence.ooo_claims",
            "an out-of-office comment is followed by a real absence of its author starting "
            f"within {ANNOUNCE_DAYS} days, and a day it names is the return from it (within "
            f"{RETURN_DAYS} days after its last day)",
            f"SELECT s.id FROM {_OOO} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM time_off o WHERE {_announced()})",
            setup=OOO_SETUP,
            severity=WARNING,
        ),
        Check(
            "absence.ooo_reason",
            "a reason an out-of-office comment gives (vacation or holiday; a conference, trade "
            "show, offsite or training; sick; parental leave) is the kind of the absence it "
            "announces, and a length it states ('a couple of days', 'a week', 'two weeks') "
            "fits that absence's calendar days, weekends and holidays included",
            _reason_sql(),
            severity=WARNING,
            setup=OOO_SETUP,
        ),
    ]


checks = absence_checks  # the family's entry (src/checks/__init__.py FAMILIES)
