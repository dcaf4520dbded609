"""Continuous mode: a file's clock moves forward through the one generator (prefix-stable
generation), composably, with every rule still holding."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from src.checks.absence_claims import ooo_condition
from src.config import Config
from src.errors import ConfigError
from src.fingerprint import fingerprint_file
from src.live import Settings, advance, file_clock, resolve_settings
from src.live.apply import CONTENT_TABLES, TASK_TABLES, apply_world
from src.live.settings import parse_duration
from src.pipeline import anchor_ms, generate
from src.reproduction import reproduce
from src.validate import validate
from src.worktime import DAY_MS, fmt_ms, parse_ms

ROOT = Path(__file__).resolve().parent.parent


def small(seed: int = 3, **kw) -> Config:
    kw = {"scale": "small", "users": 40, "projects": 8, "tasks_per_project": 25} | kw
    return Config(seed=seed, end_date=kw.pop("end_date", Config().end_date), **kw)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("live") / "base.sqlite"
    generate(small(), path)
    return path


def _failed(path: Path) -> list[str]:
    """The rules (errors and warnings) the file breaks."""
    return [r.rule for r in validate(path).rules if not r.passed]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def test_a_later_clock_extends_the_file_at_an_earlier_one(tmp_path):
    """Prefix-stable: every story and status update before T1 is identical at T2; rows of
    T1 absent at T2 are only those whose state changed (tasks, projects, field values)."""
    c = small(seed=9, industry="Government")
    t1 = anchor_ms(c) + 5 * DAY_MS + 13 * 3_600_000
    t2 = anchor_ms(c) + 300 * DAY_MS  # projects wrapped up in between: ids never move
    generate(c, tmp_path / "a.sqlite", clock=t1)
    generate(c, tmp_path / "b.sqlite", clock=t2)
    conn = sqlite3.connect(tmp_path / "a.sqlite")
    conn.execute("ATTACH ? AS b", (str(tmp_path / "b.sqlite"),))
    wrapped = conn.execute(
        "SELECT count(*) FROM b.projects WHERE completed_at >= ?", (fmt_ms(t1),)
    ).fetchone()[0]
    assert wrapped > 0
    conn.execute("DETACH b")
    conn.execute("ATTACH ? AS b", (str(tmp_path / "b.sqlite"),))
    for table in ("stories", "status_updates"):
        lost = "SELECT count(*) FROM (SELECT * FROM main.{t} EXCEPT SELECT * FROM b.{t})"
        assert conn.execute(lost.format(t=table)).fetchone()[0] == 0
        new_early = (
            "SELECT count(*) FROM (SELECT * FROM b.{t} WHERE created_at < ? "
            "EXCEPT SELECT * FROM main.{t})"
        )
        assert conn.execute(new_early.format(t=table), (fmt_ms(t1),)).fetchone()[0] == 0
    grew = conn.execute(
        "SELECT (SELECT count(*) FROM b.stories) - (SELECT count(*) FROM main.stories)"
    ).fetchone()[0]
    assert grew > 100
    # every task of T1 is still there, with the same creation, name and creator
    kept = conn.execute(
        "SELECT count(*) FROM main.tasks a JOIN b.tasks b USING (id) WHERE a.name = b.name "
        "AND a.created_at = b.created_at AND a.created_by_id = b.created_by_id"
    ).fetchone()[0]
    assert kept == conn.execute("SELECT count(*) FROM main.tasks").fetchone()[0]
    # a task completed at T1 stays completed, at the same moment
    undone = conn.execute(
        "SELECT count(*) FROM main.tasks a JOIN b.tasks b USING (id) "
        "WHERE a.completed = 1 AND (b.completed = 0 OR a.completed_at <> b.completed_at)"
    ).fetchone()[0]
    assert undone == 0


def test_split_advances_give_the_same_file(base, tmp_path):
    once = _copy(base, tmp_path / "once.sqlite")
    twice = _copy(base, tmp_path / "twice.sqlite")
    daily = _copy(base, tmp_path / "daily.sqlite")
    advance(once, 10)
    advance(twice, 5)
    advance(twice, 5)
    for _ in range(10):
        advance(daily, 1)
    assert fingerprint_file(once) == fingerprint_file(twice) == fingerprint_file(daily)
    assert fingerprint_file(once) != fingerprint_file(base)
    runs = sqlite3.connect(daily).execute("SELECT count(*), max(id) FROM generation_runs")
    assert runs.fetchone() == (11, 11)
    assert file_clock(daily).clock == file_clock(base).clock + 10 * DAY_MS


def test_apply_world_updates_changed_rows_in_place_and_removes_gone_ones(base, tmp_path):
    """Whole-table comparison (no ``since``): new, changed and removed rows are counted and
    the file ends equal to the later world; a changed project keeps its children in place."""
    later = tmp_path / "later.sqlite"
    c = file_clock(base).config
    generate(c, later, clock=file_clock(base).clock + 20 * DAY_MS, indexes=False)
    path = _copy(base, tmp_path / "f.sqlite")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    # a row the later world does not have: removed again
    conn.execute(
        "INSERT INTO tags SELECT (SELECT max(id) FROM tags) + 1, workspace_id, name || ' x', "
        "color, created_at FROM tags LIMIT 1"
    )
    conn.execute("ATTACH ? AS next", (str(later),))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA defer_foreign_keys=ON")
    written = apply_world(conn, "next")
    conn.execute("COMMIT")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert written["tags-"] == 1 and written["projects~"] > 0 and written["stories+"] > 0
    assert "projects-" not in written and "stories~" not in written
    target = sqlite3.connect(later)
    changed = target.execute("SELECT count(*) FROM projects").fetchone()[0]
    assert written["projects+"] + written["projects~"] <= changed
    target.close()
    assert fingerprint_file(path) == fingerprint_file(later)


@pytest.mark.parametrize(
    ("seed", "industry", "workforce", "days"),
    [
        (1, "Finance", "us", 30),
        (2, "Healthcare", "global", 45),
        (7, "Retail", "global", 12.5),
        (9, "Government", "us", 90),
    ],
)
def test_every_rule_holds_after_simulate(tmp_path, seed, industry, workforce, days):
    path = tmp_path / "f.sqlite"
    generate(small(seed, industry=industry, workforce=workforce), path)
    before = sqlite3.connect(path).execute("SELECT count(*) FROM stories").fetchone()[0]
    done = advance(path, days)
    assert _failed(path) == []
    conn = sqlite3.connect(path)
    (anchor,) = conn.execute("SELECT anchor FROM generation_runs ORDER BY id DESC LIMIT 1")
    assert anchor[0] == done.clock
    assert conn.execute("SELECT count(*) FROM stories").fetchone()[0] > before
    late = conn.execute("SELECT count(*) FROM stories WHERE created_at >= ?", (done.clock,))
    assert late.fetchone()[0] == 0


def test_the_world_goes_on_after_the_end_date(tmp_path):
    """New projects start, people join and leave, status updates are posted."""
    path = tmp_path / "f.sqlite"
    c = small(4, users=80, projects=12)
    generate(c, path)
    conn = sqlite3.connect(path)
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM users), "
        "(SELECT count(*) FROM users WHERE is_active = 0)"
    ).fetchone()
    advance(path, 200)
    after = conn.execute(
        "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM users), "
        "(SELECT count(*) FROM users WHERE is_active = 0)"
    ).fetchone()
    assert after[0] > counts[0] and after[1] > counts[1] and after[2] > counts[2]
    end = fmt_ms(anchor_ms(c))
    updates = conn.execute("SELECT count(*) FROM status_updates WHERE created_at >= ?", (end,))
    assert updates.fetchone()[0] > 0
    assert _failed(path) == []


def test_time_off_goes_on_after_the_end_date(tmp_path):
    """Absences are drawn to the horizon: 90 days on, people are away again (only rows booked
    by the clock are shown, with the ids they keep later), nobody acts inside an absence,
    out-of-office notes announce them, and split advances still give the same file."""
    # setup: enough work in flight after the end date for absences to meet work in progress
    # (projects start at a steady rate over the window and the months before it, so a few
    # are running at the end date: the default scale's tasks per project)
    c = small(5, users=80, projects=12, tasks_per_project=60)
    path = tmp_path / "f.sqlite"
    generate(c, path)
    halves = _copy(path, tmp_path / "halves.sqlite")
    advance(path, 20)
    advance(halves, 10)
    mid = _copy(halves, tmp_path / "mid.sqlite")
    advance(halves, 10)
    assert fingerprint_file(path) == fingerprint_file(halves)
    advance(path, 70)
    conn = sqlite3.connect(path)
    conn.execute("ATTACH ? AS mid", (str(mid),))
    clock = file_clock(path).clock
    beyond = (c.end_date + dt.timedelta(days=29)).isoformat()  # past the history's bookings
    late = conn.execute(
        "SELECT count(*), count(DISTINCT user_id), max(created_at) FROM time_off "
        "WHERE start_on >= ?",
        (beyond,),
    ).fetchone()
    assert late[0] >= 10 and late[1] >= 5 and late[2] < fmt_ms(clock)
    kinds = {k for (k,) in conn.execute("SELECT kind FROM time_off WHERE start_on >= ?", (beyond,))}
    assert {"vacation", "sick"} <= kinds
    # booked rows keep their ids and values: those shown 10 days in are all there later
    changed = "SELECT count(*) FROM (SELECT * FROM mid.time_off EXCEPT SELECT * FROM time_off)"
    assert conn.execute(changed).fetchone()[0] == 0
    ooo = conn.execute(
        f"SELECT count(*) FROM stories s WHERE s.created_at >= ? AND {ooo_condition()}",
        (beyond,),
    )
    assert ooo.fetchone()[0] > 0
    assert _failed(path) == []


def test_reproduce_rebuilds_an_advanced_file(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    advance(path, 7, settings=Settings(level="high"))
    outcome = reproduce(path, tmp_path / "copy.sqlite")
    assert outcome.identical, outcome.verdict


def test_level_moves_new_work_per_person_day(base, tmp_path):
    figures = {}
    for level in ("low", "medium", "high"):
        path = _copy(base, tmp_path / f"{level}.sqlite")
        start = fmt_ms(file_clock(path).clock)
        advance(path, 30, settings=Settings(level=level))
        conn = sqlite3.connect(path)
        (n,) = conn.execute("SELECT count(*) FROM stories WHERE created_at >= ?", (start,))
        (people,) = conn.execute("SELECT count(*) FROM users WHERE is_active = 1")
        figures[level] = n[0] / people[0] / 30
    assert figures["low"] < figures["medium"] < figures["high"]


def test_the_tuning_of_a_continued_file_cannot_change(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    advance(path, 2, settings=Settings(level="low"))
    with pytest.raises(ConfigError, match="cannot change"):
        advance(path, 2, settings=Settings(level="high"))
    advance(path, 2, settings=Settings(level="low", speed=60))  # cadence may change


def test_a_path_with_hash_or_question_mark_reads_its_clock(base, tmp_path):
    # a file name is not a URI: '#' and '?' must not cut the path short
    path = _copy(base, tmp_path / "a#b?c.sqlite")
    assert file_clock(path).clock == file_clock(base).clock


@pytest.mark.parametrize(
    ("days", "message"),
    [(0, "above 0"), (-3, "above 0"), (400, "past it")],
)
def test_bad_spans_are_refused(base, tmp_path, days, message):
    path = _copy(base, tmp_path / "f.sqlite")
    with pytest.raises(ConfigError, match=message):
        advance(path, days)
    assert fingerprint_file(path) == fingerprint_file(base)


def test_durations_and_settings_parse():
    assert parse_duration("PT10S") == 10
    assert parse_duration("PT1M30S") == 90
    assert parse_duration("P1D") == 86400
    for bad in ("10s", "PT0.5S", "P", "PT", "soon"):
        with pytest.raises(ConfigError):
            parse_duration(bad)
    s = resolve_settings({"interval": "PT5S"}, {"LIVE_LEVEL": "high", "LIVE_SPEED": "60"})
    assert (s.interval, s.level, s.speed) == (5, "high", 60)
    for flags in ({"level": "extreme"}, {"speed": "0"}, {"steadiness": "2"}, {"batch": "9-3"}):
        with pytest.raises(ConfigError):
            resolve_settings(flags)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "src.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_simulate_cli_and_its_bad_inputs(base, tmp_path):
    path = _copy(base, tmp_path / "f.sqlite")
    ok = _cli("simulate", str(path), "--days", "2")
    assert ok.returncode == 0, ok.stderr
    assert "->" in ok.stdout
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("level = [\n")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('levle = "high"\n')
    for args in (
        ("--days", "-1"),
        ("--days", "2", "--level", "extreme"),
        ("--days", "2", "--steadiness", "3"),
        ("--days", "2", "--config", str(bad_toml)),
        ("--days", "2", "--config", str(unknown)),
        ("--days", "2", "--config", str(tmp_path / "missing.toml")),
    ):
        r = _cli("simulate", str(path), *args)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = _cli("simulate", str(tmp_path / "none.sqlite"), "--days", "1")
    assert r.returncode == 2 and "no such file" in r.stderr


def _peak_share(path: Path, since: str) -> float:
    """Share of the stories on tasks created since ``since`` that fall within an hour of
    the 9:00, 13:00 or 16:00 local peaks of their author."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    rows = sqlite3.connect(path).execute(
        "SELECT s.created_at, u.timezone FROM stories s JOIN tasks t ON t.id = s.task_id "
        "JOIN users u ON u.id = s.created_by_id WHERE t.created_at >= ?",
        (since,),
    )
    near = total = 0
    for stamp, zone in rows:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
        hour = when.hour + when.minute / 60
        near += any(abs(hour - peak) <= 1 for peak in (9, 13, 16))
        total += 1
    assert total > 200
    return near / total


def test_tuning_shapes_only_new_work_and_the_slider_moves_the_peaks(base, tmp_path):
    start = fmt_ms(file_clock(base).clock)
    shares = {}
    history = set()
    for steadiness in (0.0, 1.0):
        path = _copy(base, tmp_path / f"s{steadiness}.sqlite")
        advance(path, 40, settings=Settings(level="high", steadiness=steadiness))
        shares[steadiness] = _peak_share(path, start)
        old = sqlite3.connect(path).execute(
            "SELECT count(*), sum(length(text)), max(id) FROM stories WHERE created_at < ?",
            (start,),
        )
        history.add(old.fetchone())
        assert _failed(path) == []
    assert len(history) == 1  # the history is the same whatever the tuning
    assert shares[0.0] > shares[1.0] + 0.1


def test_the_shipped_configs_load():
    prod = resolve_settings(config_file=ROOT / "live.production.toml")
    emu = resolve_settings(config_file=ROOT / "live.emulated.toml")
    assert (prod.mode, prod.speed, prod.allow_future) == ("production", 1.0, False)
    assert (emu.mode, emu.batch_min, emu.batch_max) == ("emulated", 5, 20)
    # a flag wins over the file, the environment over the file too
    assert resolve_settings({"speed": "60"}, {}, ROOT / "live.production.toml").speed == 60
    env = {"LIVE_LEVEL": "low"}
    assert resolve_settings({}, env, ROOT / "live.emulated.toml").level == "low"


def test_a_leaver_s_work_is_handed_over_before_a_later_step_of_the_owner(tmp_path):
    """Lives run past the anchor: a step of the owner after the assignee left (a drop weeks
    later) must not delay the hand-over past the anchor (found on Government/global, seed 42:
    a task still assigned to someone who had left)."""
    c = Config(seed=42, end_date=dt.date(2026, 6, 30), industry="Government", workforce="global")
    generate(c, tmp_path / "g.sqlite")
    conn = sqlite3.connect(tmp_path / "g.sqlite")
    held = conn.execute(
        "SELECT count(*) FROM tasks t JOIN users u ON u.id = t.assignee_id "
        "WHERE t.completed = 0 AND u.left_at IS NOT NULL"
    ).fetchone()[0]
    assert held == 0


# --- a task's own rows (followers, memberships, tags, field values, dependencies) ----------

TASK_KEY = {t: "id" if t == "tasks" else "task_id" for t in TASK_TABLES}


def _changed_tasks(conn: sqlite3.Connection, before: str, after: str) -> dict[str, set[int]]:
    """Per task table, the tasks with a row in one of the two schemas and not the other."""
    out = {}
    for table, key in TASK_KEY.items():
        rows = (
            f"SELECT {key} FROM (SELECT * FROM {a}.{table} EXCEPT SELECT * FROM {b}.{table})"
            for a, b in ((before, after), (after, before))
        )
        out[table] = {i for (i,) in conn.execute(" UNION ".join(rows))}
    return out


@pytest.mark.parametrize(
    ("seed", "industry", "workforce", "level"),
    [(2, "Healthcare", "us", "medium"), (11, "Retail", "global", "high")],
)
def test_a_task_s_rows_change_only_with_a_story_or_its_creation(
    tmp_path, seed, industry, workforce, level
):
    """What `apply_world` (and the live runner's snapshots) build on: between two clocks a
    task's rows in every task table change only if it has a story or was created in
    between, so comparing those tasks' rows finds every change (a follower who comes or
    goes, a membership moved, a tag, a field value, a dependency).  Checked on worlds
    generated directly at clocks a few hours apart over a working day and days apart after."""
    c = small(seed, industry=industry, workforce=workforce)
    tuning = Settings(level=level, steadiness=0.3).tuning
    start = anchor_ms(c) + 7 * 3_600_000
    clocks = [start + h * 3_600_000 for h in (0, 2, 5, 8, 11, 14)]
    clocks += [start + d * DAY_MS for d in (2, 5, 11, 25)]
    seen = dict.fromkeys(TASK_TABLES, 0)  # how many tasks already there changed
    for k, clock in enumerate(clocks):
        generate(c, tmp_path / f"{k}.sqlite", clock=clock, tuning=tuning, indexes=False)
        if k == 0:
            continue
        conn = sqlite3.connect(tmp_path / f"{k - 1}.sqlite")
        conn.execute("ATTACH ? AS later", (str(tmp_path / f"{k}.sqlite"),))
        since = fmt_ms(clocks[k - 1])
        touched = {
            i
            for (i,) in conn.execute(
                "SELECT task_id FROM later.stories WHERE created_at >= ? "
                "UNION SELECT id FROM later.tasks WHERE created_at >= ?",
                (since, since),
            )
        }
        existing = {i for (i,) in conn.execute("SELECT id FROM main.tasks")}
        for table, ids in _changed_tasks(conn, "main", "later").items():
            assert ids <= touched, (table, since, fmt_ms(clock), sorted(ids - touched)[:5])
            seen[table] += len(ids & existing)
        conn.close()
        (tmp_path / f"{k - 1}.sqlite").unlink()
    # not vacuous: the rows of tasks already there did change
    for table in ("tasks", "task_followers", "task_memberships", "custom_field_values"):
        assert seen[table] > 0, seen


def test_advance_matches_the_world_generated_at_its_clock(base, tmp_path):
    """Advancing in uneven steps (hours, days) leaves every table, row for row, as the world
    generated directly at the final clock, including the rows of tasks whose followers,
    memberships, tags, field values or dependencies changed in the last step."""
    path = _copy(base, tmp_path / "f.sqlite")
    for days in (0.1, 0.3, 0.6, 1, 2.5, 20):
        before = _copy(path, tmp_path / "before.sqlite")
        done = advance(path, days)
    direct = tmp_path / "direct.sqlite"
    clock = file_clock(path)
    generate(clock.config, direct, clock=clock.clock, tuning=Settings().tuning)
    conn = sqlite3.connect(path)
    conn.execute("ATTACH ? AS direct", (str(direct),))
    conn.execute("ATTACH ? AS before", (str(before),))
    for table in CONTENT_TABLES:
        differ = (
            f"SELECT count(*) FROM (SELECT * FROM main.{table} EXCEPT SELECT * FROM "
            f"direct.{table}) UNION ALL SELECT count(*) FROM (SELECT * FROM direct.{table} "
            f"EXCEPT SELECT * FROM main.{table})"
        )
        assert [n for (n,) in conn.execute(differ)] == [0, 0], table
    # the last step changed existing tasks' own rows, which the comparison above covered
    old = "SELECT id FROM before.tasks"
    last = _changed_tasks(conn, "before", "main")
    assert len(last["task_followers"] & {i for (i,) in conn.execute(old)}) > 0
    assert len(last["custom_field_values"] & {i for (i,) in conn.execute(old)}) > 0
    conn.close()
    assert fingerprint_file(path) == fingerprint_file(direct) == done.fingerprint


def test_advance_takes_its_settings_as_a_config_file_or_mapping(base, tmp_path):
    """`advance(path, days=..., config=...)`: the live TOML file (as `--config`) or a mapping
    of its keys gives the settings; the result is the advance with those settings."""
    by_settings = _copy(base, tmp_path / "settings.sqlite")
    advance(by_settings, 3, settings=Settings(level="high", steadiness=0.3))
    by_file = _copy(base, tmp_path / "file.sqlite")
    advance(by_file, 3, config=ROOT / "live.emulated.toml")  # level high, steadiness 0.3
    by_mapping = _copy(base, tmp_path / "mapping.sqlite")
    advance(by_mapping, days=3, config={"level": "high", "steadiness": 0.3})
    assert fingerprint_file(by_file) == fingerprint_file(by_mapping)
    assert fingerprint_file(by_file) == fingerprint_file(by_settings)
    assert file_clock(by_file).settings["mode"] == "emulated"  # the file's cadence, recorded
    assert file_clock(by_mapping).settings["level"] == "high"
    for kw, needle in (
        ({"config": {"levle": "high"}}, "unknown setting 'levle'"),
        ({"config": {"level": "extreme"}}, "level: must be one of"),
        ({"config": tmp_path / "none.toml"}, "no such file"),
        ({"config": 3}, "a TOML file's path or a mapping"),
        ({"config": {}, "settings": Settings()}, "settings or config, not both"),
    ):
        path = _copy(base, tmp_path / "bad.sqlite")
        with pytest.raises(ConfigError, match=needle):
            advance(path, 1, **kw)
        assert fingerprint_file(path) == fingerprint_file(base)


def test_a_task_renamed_after_the_clock_shows_its_first_name_until_then(tmp_path):
    """A rename is an event like any other: at a clock between a task's creation and its
    rename the task has the name the rename story later changes (its ``old_name``), and the
    advance past the rename writes the new one (it showed the later name before the rename)."""
    c = small(3, tasks_per_project=60)
    later = tmp_path / "later.sqlite"
    generate(c, later, clock=anchor_ms(c) + 30 * DAY_MS, indexes=False)
    conn = sqlite3.connect(later)
    renames = conn.execute(
        "SELECT s.task_id, s.created_at, s.old_name, s.new_name, t.created_at FROM stories s "
        "JOIN tasks t ON t.id = s.task_id WHERE s.resource_subtype = 'name_changed' "
        "AND t.created_at >= ? ORDER BY s.created_at",
        (fmt_ms(anchor_ms(c)),),
    ).fetchall()
    conn.close()
    assert len(renames) >= 2
    for task, renamed, old, new, created in renames[:2]:
        clock = (parse_ms(renamed) + parse_ms(created)) // 2
        path = tmp_path / "f.sqlite"
        path.unlink(missing_ok=True)
        generate(c, path, clock=clock)
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT name FROM tasks WHERE id = ?", (task,)).fetchone() == (old,)
        conn.close()
        assert _failed(path) == []
        advance(path, until=parse_ms(renamed) + 1)
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT name FROM tasks WHERE id = ?", (task,)).fetchone() == (new,)
        conn.close()
        assert _failed(path) == []
