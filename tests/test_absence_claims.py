"""Personal time off and out-of-office claims (src/checks/absence_claims.py, and the generator's
src/generators/time_off.py): a generated file keeps every rule; each rule fires when its claim
is broken with SQL (an event moved into an absence, a return date changed, the absence row
deleted, rows that overlap or run backwards, a reason or a length the absence does not bear
out); the templates' wording is what the rules find."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import DATA_INDUSTRIES, q, q1

from src.checks.absence_claims import ooo_condition, ooo_length, ooo_reason, prepare
from src.validate import ERROR, WARNING, validate

RULES = ("absence.no_activity", "absence.time_off_rows", "absence.ooo_claims", "absence.ooo_reason")
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


# Out-of-office comments that give a reason or a length, with the absence they announce (the
# first of the author's starting on or after the comment's day), its kind and calendar days.
CLAIMS_SQL = f"""
    SELECT s.id, s.text, o.id, o.kind, julianday(o.end_on) - julianday(o.start_on) + 1
    FROM stories s JOIN time_off o ON o.id = (
        SELECT p.id FROM time_off p WHERE p.user_id = s.created_by_id
          AND p.start_on >= date(s.created_at) ORDER BY p.start_on LIMIT 1)
    WHERE s.resource_subtype = 'comment_added' AND {ooo_condition()}
    ORDER BY s.id"""


def ooo_rows(path: Path) -> list[tuple[int, str, int, str, float]]:
    """(story, text, absence, kind, calendar days) of every out-of-office comment."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        prepare(conn)
        return conn.execute(CLAIMS_SQL).fetchall()
    finally:
        conn.close()


def test_generated_file_keeps_every_absence_rule(default_file: Path) -> None:
    # run
    found = results(default_file)
    rows = ooo_rows(default_file)
    # assert: the rules ran and nothing offends; the file has absences and OOO notes to
    # check, some of them with a reason or a length, each true of its absence
    assert {r: found[r][1] for r in RULES} == dict.fromkeys(RULES, 0)
    assert q1(default_file, "SELECT count(*) FROM time_off") > 100
    assert len(rows) >= 10
    reasons = [(ooo_reason(text), kind) for _, text, _, kind, _ in rows if ooo_reason(text)]
    assert reasons and all(reason == kind for reason, kind in reasons)
    assert any(ooo_length(text) for _, text, _, _, _ in rows)


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
    if isinstance(value, dict) and path[:2] == ("comments", "ooo"):
        return [(path, value["text"])]  # a template and its declared claims: the text
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


def test_no_task_name_reads_as_an_absence() -> None:
    # setup: every task name a team's verbs and objects make (comments quote task names:
    # "is "Close out sick leave policy" blocking anything?" read as out sick, seed 11)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE names (text TEXT)")
    for path in sorted(DATA_INDUSTRIES.glob("*.json")):
        for team in json.loads(path.read_text())["teams"]:
            conn.executemany(
                "INSERT INTO names VALUES (?)",
                [(f"{v} {o}",) for v in team["verbs"] for o in team["objects"]],
            )
    assert conn.execute("SELECT count(*) FROM names").fetchone()[0] > 10_000
    # run
    hits = conn.execute(f"SELECT text FROM names s WHERE {ooo_condition('s.text')}").fetchall()
    # assert
    assert hits == []


def test_every_ooo_template_names_the_return_date() -> None:
    # run
    ooo = [(name, t) for name, what, t in _templates() if what == "ooo"]
    # assert: every file has OOO notes, and each carries the date slot (the return date)
    assert {name for name, _ in ooo} >= {"common.json"} | {
        p.name for p in DATA_INDUSTRIES.glob("*.json")
    }
    assert [t for _, t in ooo if "{date}" not in t] == []


def _named_day(text: str) -> str:
    day = re.search(r"[A-Z][a-z]{2}, [A-Z][a-z]{2} \d+", text)
    assert day, text
    return day[0]


def test_a_reason_the_absence_does_not_bear_out_fires(default_file: Path, tmp_path: Path) -> None:
    # setup: an out-of-office comment that gives a reason; its absence becomes another kind
    sid, text, absence, kind, _ = next(r for r in ooo_rows(default_file) if ooo_reason(r[1]))
    other = "training" if kind != "training" else "vacation"
    path = mutate(
        default_file, tmp_path, f"UPDATE time_off SET kind = '{other}' WHERE id = {absence}"
    )
    # run
    found = results(path)
    # assert: the reason is wrong now; the absence itself is still announced right
    assert found["absence.ooo_reason"] == (WARNING, 1, (sid,))
    assert found["absence.ooo_claims"][1] == 0


@pytest.mark.parametrize(
    ("wording", "bad"),
    [
        ("At a conference until {day}.", lambda kind, days: kind != "training"),
        ("Starting parental leave, back {day}.", lambda kind, days: kind != "parental"),
        ("Out sick until {day}.", lambda kind, days: kind != "sick"),
        ("Out for two weeks, back {day}.", lambda kind, days: days < 8),
        ("A couple of days off, back {day}.", lambda kind, days: kind != "vacation" or days > 7),
    ],
    ids=["conference", "parental", "sick", "two-weeks", "couple-of-days"],
)
def test_a_comment_given_a_wrong_reason_or_length_fires(
    default_file: Path, tmp_path: Path, wording: str, bad
) -> None:
    # setup: a neutral out-of-office comment whose absence the new wording misstates, the
    # return day kept
    sid, text, _, _, _ = next(
        r
        for r in ooo_rows(default_file)
        if not ooo_reason(r[1]) and not ooo_length(r[1]) and bad(r[3], r[4])
    )
    new = wording.format(day=_named_day(text))
    path = mutate(default_file, tmp_path, f"UPDATE stories SET text = '{new}' WHERE id = {sid}")
    # run
    found = results(path)
    # assert
    assert found["absence.ooo_reason"] == (WARNING, 1, (sid,))
    assert found["absence.ooo_claims"][1] == 0


def test_an_absence_shorter_than_the_stated_length_fires(
    default_file: Path, tmp_path: Path
) -> None:
    # setup: a comment that states a length of days (or more); its absence shrinks to the
    # last day alone, so the return day stays the one it names
    sid, text, absence, _, _ = next(
        r for r in ooo_rows(default_file) if ooo_length(r[1]) not in (None, "day") and r[4] <= 9
    )
    path = mutate(
        default_file, tmp_path, f"UPDATE time_off SET start_on = end_on WHERE id = {absence}"
    )
    # run
    found = results(path)
    # assert
    assert found["absence.ooo_reason"] == (WARNING, 1, (sid,))
