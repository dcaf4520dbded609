"""Personal time off, measured: how much people are away, and whether out-of-office comments
tell the truth.  The README's figures come from this script.

    python scripts/absence_figures.py FILE [FILE ...]     # figures for existing files
    python scripts/absence_figures.py --all               # generate the 20 default files
                                                          # (10 industries x us/global),
                                                          # validate each, print figures

Per file: share of people with time off in the window; working days off per person-year by
kind; out-of-office comments (found by validate's wording patterns) and the share followed by
a real absence of the author, the share naming its real return date, the share whose author
still acts between the comment and the day it names (the old generator: about half); the
share giving a reason (vacation, a conference, parental leave, ...) and of those the share
whose reason is the absence's kind, the share stating a length ("a couple of days", "two
weeks") and of those the share fitting the absence's calendar days (validate's patterns and
tolerance, src/checks/absence_claims.py); events inside absences; work handed over during
parental leave.  With --all, the validate result of
each file (errors and warnings) too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src.checks.absence_claims import (  # noqa: E402
    LENGTHS,
    RETURN_DAYS,
    ooo_condition,
    ooo_length,
    ooo_reason,
)
from src.config import INDUSTRIES, resolve_config  # noqa: E402
from src.pipeline import generate  # noqa: E402
from src.validate import ERROR, WARNING, validate  # noqa: E402

END_DATE = dt.date(2026, 6, 30)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NAMED = re.compile(r"\b(" + "|".join(_MONTHS) + r") (\d{1,2})\b")


def weekdays(first: dt.date, last: dt.date) -> int:
    return sum((first + dt.timedelta(days=i)).weekday() < 5 for i in range((last - first).days + 1))


def named_day(text: str, written: dt.date) -> dt.date | None:
    """The day a comment names ("Jul 6"), in the year that puts it closest after writing."""
    m = _NAMED.search(text)
    if m is None:
        return None
    month, day = _MONTHS.index(m.group(1)) + 1, int(m.group(2))
    for year in (written.year, written.year + 1):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            return None
        if d >= written - dt.timedelta(days=1):
            return d
    return None


def _fits(length: str, days: int) -> bool:
    """Whether a stated length class allows an absence of ``days`` calendar days."""
    lo, hi = next((lo, hi) for name, _, lo, hi in LENGTHS if name == length)
    return lo <= days and (hi is None or days <= hi)


def figures(path: Path) -> dict[str, float]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        anchor = dt.date.fromisoformat(
            conn.execute("SELECT anchor FROM generation_runs").fetchone()[0][:10]
        )
        config = json.loads(conn.execute("SELECT config_json FROM generation_runs").fetchone()[0])
        months = config["history_months"]
        first = anchor - dt.timedelta(days=round(months * 30.44))
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        has_time_off = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'time_off'"
        ).fetchone()[0]
        rows = (
            conn.execute("SELECT user_id, kind, start_on, end_on FROM time_off").fetchall()
            if has_time_off
            else []  # a file of the old generator: only the OOO figures apply
        )
        days = {"vacation": 0, "sick": 0, "training": 0, "parental": 0}
        away_users = set()
        spans: dict[int, list[tuple[dt.date, dt.date, str]]] = {}
        for user, kind, start, end in rows:
            a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
            spans.setdefault(user, []).append((a, b, kind))
            a, b = max(a, first), min(b, anchor - dt.timedelta(days=1))
            if a <= b:
                days[kind] += weekdays(a, b)
                away_users.add(user)
        person_years = users * (anchor - first).days / 365.25
        ooo = conn.execute(
            f"""SELECT s.created_by_id, s.created_at, s.text FROM stories s
                WHERE s.resource_subtype = 'comment_added' AND {ooo_condition()}"""
        ).fetchall()
        followed = matched = working = 0
        reasons = right_reasons = lengths = right_lengths = 0
        for user, at, text in ooo:
            written = dt.date.fromisoformat(at[:10])
            nxt = [
                (a, b, kind)
                for a, b, kind in spans.get(user, [])
                if written <= a <= written + dt.timedelta(days=10)
            ]
            named = named_day(text, written)
            followed += bool(nxt)
            if nxt and named and 0 < (named - nxt[0][1]).days <= RETURN_DAYS:
                matched += 1
            reason, length = ooo_reason(text), ooo_length(text)
            reasons += reason is not None
            lengths += length is not None
            if nxt and reason is not None:
                right_reasons += reason == nxt[0][2]
            if nxt and length is not None:
                span = (nxt[0][1] - nxt[0][0]).days + 1
                right_lengths += _fits(length, span)
            if named is not None:
                # away from the absence's first day (or, without one, the day after the note)
                # to the day it names; noon UTC bounds keep local evenings and mornings out
                start = nxt[0][0] if nxt else written + dt.timedelta(days=1)
                acts = conn.execute(
                    """SELECT count(*) FROM stories WHERE created_by_id = ?
                       AND created_at >= ? AND created_at < ?""",
                    (user, f"{start}T12:00", f"{named - dt.timedelta(days=1)}T12:00"),
                ).fetchone()[0]
                working += acts > 0
        handed = (
            0
            if not has_time_off
            else conn.execute(
                """SELECT count(*) FROM stories s JOIN time_off o ON o.kind = 'parental'
               AND date(s.created_at) BETWEEN o.start_on AND o.end_on
               WHERE s.resource_subtype = 'assigned' AND s.assignee_id <> o.user_id
                 AND (SELECT p.assignee_id FROM stories p WHERE p.task_id = s.task_id
                        AND p.resource_subtype IN ('assigned', 'unassigned')
                        AND p.created_at < s.created_at
                      ORDER BY p.created_at DESC LIMIT 1) = o.user_id"""
            ).fetchone()[0]
        )
    finally:
        conn.close()
    n = len(ooo) or 1
    out = {
        "people away at some point (%)": 100 * len(away_users) / max(users, 1),
        **{f"{k} days / person-year": v / person_years for k, v in days.items()},
        "OOO comments": len(ooo),
        "OOO followed by a real absence (%)": 100 * followed / n,
        "OOO naming the real return date (%)": 100 * matched / n,
        "OOO author still acting before the named day (%)": 100 * working / n,
        "OOO giving a reason (%)": 100 * reasons / n,
        "... the reason being the absence's kind (%)": 100 * right_reasons / (reasons or 1),
        "OOO stating a length (%)": 100 * lengths / n,
        "... the length fitting the absence (%)": 100 * right_lengths / (lengths or 1),
        "parental leave: tasks handed over": handed,
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="generate and check 20 default files")
    args = parser.parse_args()
    if not args.files and not args.all:
        parser.error("give FILEs or --all")
    table: list[tuple[str, dict[str, float], str]] = []
    for path in args.files:
        table.append((path.name, figures(path), ""))
    if args.all:
        with tempfile.TemporaryDirectory() as folder:
            for industry in INDUSTRIES:
                for workforce in ("us", "global"):
                    config = resolve_config(
                        {"scale": "default", "industry": industry, "workforce": workforce},
                        env={},
                        today=END_DATE,
                    )
                    path = Path(folder) / f"{industry}-{workforce}.sqlite"
                    generate(config, path)
                    report = validate(path)
                    errors = sum(r.severity == ERROR and not r.passed for r in report.rules)
                    warnings = sum(r.severity == WARNING and not r.passed for r in report.rules)
                    check = f"{errors} errors, {warnings} warnings"
                    table.append((f"{industry}/{workforce}", figures(path), check))
    for name, values, check in table:
        print(f"{name}  {check}")
        for key, value in values.items():
            print(f"    {key:<50} {value:8.2f}")
    if len(table) > 1:
        print("mean over files")
        for key in table[0][1]:
            values = [v[key] for _, v, _ in table]
            mean = sum(values) / len(values)
            print(f"    {key:<50} {mean:8.2f}  ({min(values):.2f}-{max(values):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
