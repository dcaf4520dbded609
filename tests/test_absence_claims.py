"""Personal time off and out-of-office claims (src/checks/absence_claims.py, and the generator's
src/generators/time_off.py): a generated file keeps every rule; each rule fires when its claim
is broken with SQL (an event moved into an absence, a return date changed, the absence row
deleted, rows that overlap or run backwards); the templates' wording is what the rules find."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import DATA_INDUSTRIES, q, q1

from src.checks.absence_claims import ooo_condition
from src.validate import ERROR, WARNING, validate

RULES = ("absence.no_activity", "absence.time_off_rows", "absence.ooo_claims")
COMMON = Path(__file__).resolve().parents[1] / "src" / "data" / "common.json"
# An out-of-office comment of a generated file and the absence it announces: the first one
# that starts on or after the comment's day.
OOO_SQL = f"""
    SELECT s.id, s.created_by_id, s.text,
           (SELECT o.id FROM time_off o WHERE o.user_id = s.created_by_id
              AND o.start_on >= date(s.created_at) ORDER BY o.start_on LIMIT 1)
    FROM stories s WHERE s.resource_subtype = 'comment_added' AND {ooo_condition()}
    ORDER BY s.id LIMIT 1"""


def results(path: Path) -> dict[str, tuple[str, int, tuple]]:
    report = validate(path)
    return {r.rule: (r.severity, r.offending, r.examples) for r in report.rules}


def mutate(source: str | Path, tmp_path: Path, *sql: str) -> Path:
    """A copy of ``source`` with the statements applied (foreign keys off, as an editor may)."""
    target = tmp_path / "mutated.sqlite"
    shutil.copyfile(source, target)
    conn = sqlite3.connect(target)
    try:
        for statement in sql:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    return target


@pytest.fixture(scope="module")
def default_file(default_seed42) -> Path:
    return Path(default_seed42.path)


def test_generated_file_keeps_every_absence_rule(default_file: Path) -> None:
    # run
    found = results(default_file)
    # assert: the rules ran and nothing offends; the file has absences and OOO notes to check
    assert {r: found[r][1] for r in RULES} == dict.fromkeys(RULES, 0)
    assert q1(default_file, "SELECT count(*) FROM time_off") > 100
    assert q1(default_file, f"SELECT count(*) FROM stories s WHERE {ooo_condition()}") >= 10


def test_time_off_follows_the_design_frequencies(default_file: Path) -> None:
    # run: working days would need calendars; calendar days bound them from above
    rows = dict(
        q(
            default_file,
            """SELECT kind, max(julianday(end_on) - julianday(start_on) + 1) FROM time_off
               GROUP BY kind""",
        )
    )
    per_person = q1(
        default_file,
        """SELECT 1.0 * count(*) / (SELECT count(*) FROM users) FROM time_off
           WHERE kind = 'vacation'""",
    )
    # assert: vacation blocks of 1-10 working days (<= 2 weeks and a holiday), sick 1-3
    # working days, parental leave of weeks; a few vacation blocks each in half a year
    assert set(rows) >= {"vacation", "sick", "training"}
    assert rows["vacation"] <= 16 and rows["sick"] <= 7 and rows["training"] <= 7
    assert 1.0 <= per_person <= 3.0
    if "parental" in rows:
        assert rows["parental"] >= 40


@pytest.mark.parametrize(
    ("utc_time", "fires"),
    [("18:00:00.000", True), ("03:15:00.000", False)],
    ids=["daytime-of-the-first-day", "evening-before-local-midnight"],
)
def test_moving_an_event_into_an_absence_fires(
    default_file: Path, tmp_path: Path, utc_time: str, fires: bool
) -> None:
    # setup: a comment by someone in New York with time off, moved to the absence's first
    # UTC day: 18:00 UTC is daytime there; 03:15 UTC is still the evening before (22:15 or
    # 23:15 local), so only the local date says whether they were away
    sid, start = q(
        default_file,
        """SELECT s.id, o.start_on FROM stories s
           JOIN time_off o ON o.user_id = s.created_by_id JOIN users u ON u.id = o.user_id
           WHERE u.timezone = 'America/New_York' AND s.resource_subtype = 'comment_added'
             AND o.start_on < '2026-06-20'
           ORDER BY s.id LIMIT 1""",
    )[0]
    path = mutate(
        default_file,
        tmp_path,
        f"UPDATE stories SET created_at = '{start}T{utc_time}Z' WHERE id = {sid}",
    )
    # run
    severity, offending, examples = results(path)["absence.no_activity"]
    # assert
    expected = (ERROR, 1, (f"story:{sid}",)) if fires else (ERROR, 0, ())
    assert (severity, offending, examples) == expected


def test_a_completion_and_a_status_update_inside_an_absence_fire(
    default_file: Path, tmp_path: Path
) -> None:
    # setup: a completed task and a status update handed to someone away that day
    user, start = q(default_file, "SELECT user_id, start_on FROM time_off ORDER BY id LIMIT 1")[0]
    task = q1(default_file, "SELECT min(id) FROM tasks WHERE completed = 1")
    update = q1(default_file, "SELECT min(id) FROM status_updates")
    at = f"{start}T18:00:00.000Z"
    path = mutate(
        default_file,
        tmp_path,
        f"UPDATE tasks SET completed_by_id = {user}, completed_at = '{at}' WHERE id = {task}",
        f"UPDATE status_updates SET author_id = {user}, created_at = '{at}' WHERE id = {update}",
    )
    # run
    _, offending, examples = results(path)["absence.no_activity"]
    # assert
    assert offending == 2
    assert set(examples) == {f"completion:{task}", f"status_update:{update}"}


def test_deleting_the_announced_absence_fires(default_file: Path, tmp_path: Path) -> None:
    # setup
    sid, _, _, absence = q(default_file, OOO_SQL)[0]
    path = mutate(default_file, tmp_path, f"DELETE FROM time_off WHERE id = {absence}")
    # run
    found = results(path)
    # assert: the claim has nothing behind it any more
    assert found["absence.ooo_claims"] == (WARNING, 1, (sid,))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stories SET text = 'Out of office until Mon, Dec 7.' WHERE id = {sid}",
        "UPDATE time_off SET end_on = date(end_on, '+14 days') WHERE id = {absence}",
    ],
    ids=["note-names-another-day", "absence-ends-later"],
)
def test_changing_the_return_date_fires(default_file: Path, tmp_path: Path, sql: str) -> None:
    # setup: the note names a day months away from the return, or the absence ends two
    # weeks after the day the note names
    sid, _, text, absence = q(default_file, OOO_SQL)[0]
    path = mutate(default_file, tmp_path, sql.format(sid=sid, absence=absence))
    # run
    found = results(path)
    # assert: the absence still follows, but the date is wrong
    assert re.search(r"[A-Z][a-z]{2} \d+", text)  # the original named a day
    assert found["absence.ooo_claims"] == (WARNING, 1, (sid,))


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO time_off SELECT id + 1000, user_id, kind, start_on, end_on, created_at "
        "FROM time_off ORDER BY id LIMIT 1",  # the same absence twice: overlap
        "UPDATE time_off SET end_on = date(start_on, '-1 day') WHERE id = (SELECT min(id) "
        "FROM time_off)",
        "UPDATE time_off SET kind = 'sabbatical' WHERE id = (SELECT min(id) FROM time_off)",
        "UPDATE time_off SET user_id = 42 WHERE id = (SELECT min(id) FROM time_off)",
    ],
    ids=["overlap", "backwards", "kind", "no-user"],
)
def test_malformed_time_off_rows_fire(default_file: Path, tmp_path: Path, sql: str) -> None:
    # setup
    path = mutate(default_file, tmp_path, sql)
    # run
    severity, offending, _ = results(path)["absence.time_off_rows"]
    # assert
    assert severity == ERROR and offending >= 1


def _strings(value: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [x for v in value for x in _strings(v, path)]
    return []


def _templates() -> list[tuple[str, str, str]]:
    """(file, what, text) for every text of the data files; ``what`` is "ooo" for the
    out-of-office comments and the data path otherwise (task names, other comments, ...)."""
    out = []
    for path in [COMMON, COMMON.with_name("org.json"), *sorted(DATA_INDUSTRIES.glob("*.json"))]:
        data = json.loads(path.read_text(encoding="utf-8"))
        for where, text in _strings(data):
            what = "ooo" if where[:2] == ("comments", "ooo") else "/".join(where)
            out.append((path.name, what, text))
    return out


def test_ooo_wording_is_found_and_only_there() -> None:
    # setup: every text of the data files, rendered as the generator renders it: comments
    # may quote task names ("Revise parental leave policy"), so none of those may match
    conn = sqlite3.connect(":memory:")
    found_wrong = []
    for name, what, template in _templates():
        text = (
            template.replace("{date}", "Mon, Jul 6")
            .replace("{name}", "Ana")
            .replace("{task}", "Draft plan")
            .replace("{project}", "Launch")
        )
        # run
        hit = conn.execute(f"SELECT {ooo_condition(':t')}", {"t": text}).fetchone()[0]
        # assert (collected): OOO wording exactly in the ooo templates
        if bool(hit) != (what == "ooo"):
            found_wrong.append((name, what, template))
    assert found_wrong == []


def test_every_ooo_template_names_the_return_date() -> None:
    # run
    ooo = [(name, t) for name, what, t in _templates() if what == "ooo"]
    # assert: every file has OOO notes, and each carries the date slot (the return date)
    assert {name for name, _ in ooo} >= {"common.json"} | {
        p.name for p in DATA_INDUSTRIES.glob("*.json")
    }
    assert [t for _, t in ooo if "{date}" not in t] == []
