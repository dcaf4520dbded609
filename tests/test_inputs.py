"""Fault injection on the input side: every command that reads a file (fingerprint, reproduce's
source, validate, stats, report) answers a bad file with one line on stderr and the right exit
code (2 for a file it cannot use, 1 for an integrity finding), never a traceback, leaves the
file byte-identical and writes nothing else; the library raises InputFileError with the same
line.  The faults are made from copies of a small generated file."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import q, q1
from typer.testing import CliRunner

import src.inputs
import src.main
from src import InputFileError, fingerprint_file, read_run, reproduce
from src.live import advance
from src.live.status import status
from src.main import app
from src.report import build_report
from src.stats import stats
from src.validate import validate


@pytest.fixture(autouse=True)
def _wide_and_quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages unwrapped (a line is a line) and a short busy timeout for the locked file."""
    monkeypatch.setattr(src.main.err, "width", 100_000)
    monkeypatch.setattr(src.inputs, "BUSY_TIMEOUT_S", 0.3)


def copy_of(summary, folder: Path, name: str = "org.sqlite") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(summary.path, target)
    return target


def edit(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def overwrite(path: Path, at: int, length: int) -> None:
    with path.open("r+b") as f:
        f.seek(at)
        f.write(b"\xa5" * length)


def redeclare(path: Path, table: str, old: str, new: str) -> None:
    """Change a column's declared type in the stored DDL (SQLite has no ALTER for it)."""
    conn = sqlite3.connect(path)
    try:
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        assert old in sql
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql.replace(old, new), table)
        )
        conn.commit()
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Each fault: (name, maker(folder, small) -> the path to give); folder is empty before.
def _missing(folder: Path, small) -> Path:
    return folder / "nope.sqlite"


def _folder(folder: Path, small) -> Path:
    (folder / "data.sqlite").mkdir()
    return folder / "data.sqlite"


def _empty(folder: Path, small) -> Path:
    (folder / "empty.sqlite").write_bytes(b"")
    return folder / "empty.sqlite"


def _text(folder: Path, small) -> Path:
    (folder / "notes.sqlite").write_text("just some text\n")
    return folder / "notes.sqlite"


def _foreign(folder: Path, small) -> Path:
    edit(folder / "other.sqlite", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    return folder / "other.sqlite"


def _long_name(folder: Path, small) -> Path:
    return folder / ("x" * 300 + ".sqlite")


def _through_a_file(folder: Path, small) -> Path:
    (folder / "plain.txt").write_text("a file, not a folder")
    return folder / "plain.txt" / "org.sqlite"


def _schema_page(folder: Path, small) -> Path:
    path = copy_of(small, folder)
    overwrite(path, 100, 3000)  # the first page: sqlite_master itself
    return path


def _truncated(folder: Path, small) -> Path:
    """The first third of a real file: a copy or download cut short."""
    data = Path(small.path).read_bytes()
    (folder / "cut.sqlite").write_bytes(data[: len(data) // 3])
    return folder / "cut.sqlite"


def _cut_in_header(folder: Path, small) -> Path:
    (folder / "cut.sqlite").write_bytes(Path(small.path).read_bytes()[:60])
    return folder / "cut.sqlite"


def _data_pages(folder: Path, small) -> Path:
    path = copy_of(small, folder)
    overwrite(path, path.stat().st_size // 2, 8192)
    return path


FAULTS: dict[str, tuple[Callable[[Path, object], Path], str]] = {
    "missing": (_missing, "no such file"),
    "folder": (_folder, "is a directory"),
    "empty": (_empty, "empty"),
    "text": (_text, "not an SQLite database"),
    "foreign": (_foreign, "not an organization file"),
    "long-name": (_long_name, "name too long"),
    "through-a-file": (_through_a_file, "not a directory"),
    "schema-page": (_schema_page, "corrupt"),
    "truncated": (_truncated, "truncated: 3"),
    "cut-in-header": (_cut_in_header, "truncated: 60 bytes"),
}
COMMANDS = ("fingerprint", "reproduce", "validate", "stats", "report")
# the commands that came after issue 7 read their input the same way and answer it alike
ALL_COMMANDS = (*COMMANDS, "export", "push", "status", "simulate")


def run_cli(folder: Path, command: str, path: Path):
    """Run one inspection command on ``path``; outputs go into ``folder``."""
    args = [command, str(path)]
    if command == "reproduce":
        args += ["--out", str(folder / "copy.sqlite")]
    if command == "report":
        args += ["--out", str(folder / "page.html")]
    if command == "validate":
        args += ["--no-scorecard"]
    if command == "export":
        args += ["--format", "jsonl", "--out", str(folder / "exported")]
    if command == "push":
        args += ["--workspace", "1", "--dry-run"]
    if command == "simulate":
        args += ["--days", "1"]
    return CliRunner().invoke(app, args)


def assert_one_line(result, code: int, *needles: str) -> str:
    """The exit code, exactly one line on stderr naming what is wrong, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, str | None]:
    return {
        p.name: (digest(p) if p.is_file() else None)
        for p in folder.iterdir()
        if not p.name.startswith("x" * 200)
    }


@pytest.mark.parametrize("command", ALL_COMMANDS)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_input_gets_one_line_and_exit_2(
    fault: str, command: str, small_seed1, tmp_path: Path
) -> None:
    # setup
    make, needle = FAULTS[fault]
    path = make(tmp_path, small_seed1)
    before = snapshot(tmp_path)
    # run
    result = run_cli(tmp_path, command, path)
    # assert: one line naming the path and the problem; nothing changed, nothing written
    line = assert_one_line(result, 2, needle)
    assert path.name[:40] in line
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_library_raises_input_file_error_with_the_same_line(
    fault: str, small_seed1, tmp_path: Path
) -> None:
    # setup
    make, needle = FAULTS[fault]
    path = make(tmp_path, small_seed1)
    calls = {
        "fingerprint_file": lambda: fingerprint_file(path),
        "read_run": lambda: read_run(path),
        "reproduce": lambda: reproduce(path, tmp_path / "copy.sqlite"),
        "validate": lambda: validate(path),
        "stats": lambda: stats(path),
        "build_report": lambda: build_report(path, tmp_path / "page.html"),
        "status": lambda: status(path),
        "advance": lambda: advance(path, 1),
    }
    for call in calls.values():
        # run / assert: a typed error, never a raw sqlite3 or OS error
        with pytest.raises(InputFileError, match=re.escape(needle)):
            call()
    # the same words as the command line's one line
    with pytest.raises(InputFileError) as raised:
        fingerprint_file(path)
    assert run_cli(tmp_path, "fingerprint", path).stderr == f"error: {raised.value}\n"
    assert not (tmp_path / "copy.sqlite").exists() and not (tmp_path / "page.html").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root searches any folder: EACCES cannot happen")
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unsearchable_folder_is_one_line(command: str, small_seed1, tmp_path: Path) -> None:
    # setup
    locked = tmp_path / "locked"
    path = copy_of(small_seed1, locked)
    locked.chmod(0)
    try:
        # run
        result = run_cli(tmp_path, command, path)
    finally:
        locked.chmod(0o755)
    # assert
    assert_one_line(result, 2, "permission denied")


@pytest.mark.parametrize("code", [errno.EACCES, errno.ENAMETOOLONG, errno.ENOTDIR, errno.EIO])
def test_every_os_error_on_the_path_is_one_line(
    code: int, small_seed1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root no folder is unsearchable, so the OS error is injected where the path is read."""
    # setup
    path = copy_of(small_seed1, tmp_path)

    def refuse(self: Path, **_: object) -> os.stat_result:
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(Path, "stat", refuse)
    # run
    result = run_cli(tmp_path, "stats", path)
    # assert
    line = assert_one_line(result, 2, str(path))
    assert line.endswith(src.inputs.os_problem(OSError(code, os.strerror(code))))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_locked_file_is_called_locked_after_a_bounded_wait(
    command: str, small_seed1, tmp_path: Path
) -> None:
    # setup: another connection holds an exclusive lock (a writer in the middle of a commit)
    path = copy_of(small_seed1, tmp_path)
    before = digest(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # run
        t0 = time.monotonic()
        result = run_cli(tmp_path, command, path)
        waited = time.monotonic() - t0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # assert: it waited (the busy timeout), then said so
    assert_one_line(result, 2, "locked")
    assert "not an SQLite database" not in result.stderr
    assert 0.3 <= waited < 10
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.sqlite"]


def test_a_lock_released_within_the_timeout_is_waited_for(
    small_seed1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: a writer that finishes while the reader waits
    path = copy_of(small_seed1, tmp_path)
    monkeypatch.setattr(src.inputs, "BUSY_TIMEOUT_S", 5.0)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, lambda: (holder.execute("ROLLBACK"), holder.close()))
    release.start()
    # run
    result = run_cli(tmp_path, "fingerprint", path)
    release.join()
    # assert
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == small_seed1.fingerprint


# ---------------------------------------------------------------------------------------------
# Corrupt and mistyped content


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ("fingerprint", 2),
        ("validate", 1),
        ("stats", 2),
        ("report", 2),
        ("export", 2),
        ("push", 2),
        ("status", 2),
        ("simulate", 2),  # wrote into the damaged file (its write missed the bad pages)
    ],
)
def test_corrupt_data_pages_are_one_line(command: str, code: int, small_seed1, tmp_path: Path):
    # setup: the file opens (its schema page is sound) but pages in the middle are garbage
    path = _data_pages(tmp_path, small_seed1)
    before = snapshot(tmp_path)
    # run
    result = run_cli(tmp_path, command, path)
    # assert
    assert_one_line(result, code, "org.sqlite", "corrupt")
    assert snapshot(tmp_path) == before


def test_report_on_a_non_text_timestamp_is_one_line(small_seed1, tmp_path: Path) -> None:
    # setup: a timestamp replaced by a number (SQLite reads it as a Julian day), the anchor too
    path = copy_of(small_seed1, tmp_path)
    edit(
        path,
        "UPDATE tasks SET created_at = 1234567 WHERE id = (SELECT min(id) FROM tasks)",
        "UPDATE generation_runs SET anchor = 7",
    )
    before = snapshot(tmp_path)
    # run
    result = run_cli(tmp_path, "report", path)
    # assert: the column is named, and validate is pointed at for the full list
    assert_one_line(result, 2, "org.sqlite", "tasks.created_at", "validate")
    assert snapshot(tmp_path) == before


def test_stats_and_validate_on_a_non_text_timestamp(small_seed1, tmp_path: Path) -> None:
    # setup
    path = copy_of(small_seed1, tmp_path)
    edit(path, "UPDATE stories SET created_at = 5 WHERE id = (SELECT min(id) FROM stories)")
    # run
    stats_result = run_cli(tmp_path, "stats", path)
    report = validate(path)
    # assert: stats still answers; validate finds the bad value (an integrity finding)
    assert stats_result.exit_code == 0, stats_result.output
    failed = {r.rule for r in report.rules if not r.passed}
    assert "format.timestamps" in failed and not report.ok


def validate_json(folder: Path, path: Path):
    """``validate FILE --json`` (scorecard on) through the command line, and its JSON."""
    result = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("value", "rule", "example"),
    [
        ("'2026-06:30'", "format.dates", "tasks.due_on:{task}"),
        ("1.5", "format.dates", "tasks.due_on:{task}"),
        ("x'ff00fe'", "format.dates", "tasks.due_on:{task}"),
        # real dates to SQLite, out of Python's range or at its very end: only replay objects
        ("'0000-01-01'", "replay.due", "{task}"),
        ("'9999-12-31'", "replay.due", "{task}"),
    ],
)
def test_a_malformed_due_day_is_a_finding_and_the_scorecard_still_runs(
    value: str, rule: str, example: str, small_seed1, tmp_path: Path
) -> None:
    # setup: one dated task's due day made unreadable (the holiday metric parses due days)
    path = copy_of(small_seed1, tmp_path)
    task = q1(path, "SELECT min(id) FROM tasks WHERE due_on IS NOT NULL")
    edit(path, f"UPDATE tasks SET due_on = {value} WHERE id = {task}")
    # run
    result, found = validate_json(tmp_path, path)
    # assert: exit 1, format.dates names the row, every metric is there (holidays included)
    assert result.exit_code == 1, result.output
    rules = {r["rule"]: r for r in found["validation"]["rules"]}
    assert example.format(task=task) in map(str, rules[rule]["examples"])
    names = [m["name"] for m in found["scorecard"]]
    assert "due dates on a public holiday vs a weekday" in names
    good = CliRunner().invoke(app, ["validate", str(small_seed1.path), "--json"])
    assert names == [m["name"] for m in json.loads(good.stdout)["scorecard"]]


@pytest.mark.parametrize(
    ("statement", "example"),
    [
        (
            "UPDATE task_followers SET user_id = x'ff00fe' WHERE rowid = {rowid}",
            "task_followers.user_id:{task}/X'FF00FE'",
        ),
        (
            "UPDATE task_followers SET user_id = CAST(x'41ff42' AS TEXT) WHERE rowid = {rowid}",
            "task_followers.user_id:{task}/'A\\xffB'",
        ),
    ],
    ids=["blob", "text-not-utf8"],
)
def test_bytes_in_a_key_column_are_a_types_finding(
    statement: str, example: str, small_seed1, tmp_path: Path
) -> None:
    # setup: a key column (it names the example rows of its table) holds bytes
    path = copy_of(small_seed1, tmp_path)
    rowid, task = q(path, "SELECT rowid, task_id FROM task_followers ORDER BY rowid LIMIT 1")[0]
    edit(path, statement.format(rowid=rowid))
    # run
    result, found = validate_json(tmp_path, path)
    table = CliRunner().invoke(app, ["validate", str(path), "--no-scorecard"])
    # assert: an integrity finding (exit 1) naming the row, not "cannot be read" (exit 2)
    assert result.exit_code == 1, result.output
    rules = {r["rule"]: r for r in found["validation"]["rules"]}
    assert example.format(task=task) in rules["format.types"]["examples"]
    assert table.exit_code == 1 and "Traceback" not in table.output, table.output
    assert "format.types" in table.stdout


@pytest.mark.parametrize(
    ("table", "column", "where", "value", "rule"),
    [
        ("users", "country_code", "", "x'ff00fe'", "format.types"),
        ("users", "timezone", "", "x'ff00fe'", "format.types"),
        ("workspaces", "industry", "", "x'ff00fe'", "format.types"),
        ("tasks", "created_at", "WHERE parent_id IS NULL", "x'ff00fe'", "format.types"),
        ("projects", "created_at", "", "x'ff00fe'", "format.types"),
        ("generation_runs", "anchor", "", "x'ff00fe'", "format.types"),
        ("generation_runs", "anchor", "", "'2026-06:30'", "format.timestamps"),
        # the last day Python can hold: the local-time passes read a day past it
        ("tasks", "created_at", "", "'9999-12-31T23:59:59.999Z'", "time.after_anchor"),
        ("time_off", "end_on", "", "'9999-12-31'", None),  # a real date: no finding
    ],
)
def test_a_value_the_scorecard_cannot_read_is_a_finding(
    table: str, column: str, where: str, value: str, rule: str | None, small_seed1, tmp_path: Path
) -> None:
    # setup: a column the rules and the scorecard read in Python (holidays, zones, seasons,
    # months, young projects, the anchor) holds bytes or a malformed text
    path = copy_of(small_seed1, tmp_path)
    row = q1(path, f"SELECT max(id) FROM {table} {where}")
    edit(path, f"UPDATE {table} SET {column} = {value} WHERE id = {row}")
    # run
    result, found = validate_json(tmp_path, path)
    # assert
    rules = {r["rule"]: r for r in found["validation"]["rules"]}
    if rule is None:
        assert result.exit_code == 0 and found["validation"]["ok"], result.output
        return
    assert result.exit_code == 1, result.output
    assert {f"{table}.{column}:{row}", row} & set(rules[rule]["examples"]), rules[rule]


# ---------------------------------------------------------------------------------------------
# validate: the file's columns against schema.sql


@pytest.mark.parametrize(
    ("change", "example"),
    [
        ("ALTER TABLE tasks DROP COLUMN notes", "tasks.notes: missing"),
        ("ALTER TABLE tags ADD COLUMN colour TEXT", "tags.colour: not in schema.sql"),
        (None, "tasks.created_at: declared INTEGER, schema.sql says TEXT"),
    ],
    ids=["missing", "extra", "retyped"],
)
def test_validate_fails_a_column_that_differs_from_the_schema(
    change: str | None, example: str, small_seed1, tmp_path: Path
) -> None:
    # setup
    path = copy_of(small_seed1, tmp_path)
    if change:
        edit(path, change)
    else:
        redeclare(path, "tasks", "created_at      TEXT", "created_at      INTEGER")
    # run
    report = validate(path)
    result = run_cli(tmp_path, "validate", path)
    # assert
    columns = next(r for r in report.rules if r.rule == "structure.columns")
    assert columns.offending == 1 and columns.examples == (example,)
    assert not report.ok
    assert result.exit_code == 1, result.output


def test_a_rule_whose_column_is_gone_fails_and_the_others_run(small_seed1, tmp_path: Path):
    # setup
    path = copy_of(small_seed1, tmp_path)
    edit(path, "ALTER TABLE tasks DROP COLUMN approval_status")
    # run
    report = validate(path)
    # assert
    by_rule = {r.rule: r for r in report.rules}
    assert by_rule["structure.columns"].examples == ("tasks.approval_status: missing",)
    assert by_rule["task.approval_status"].examples == ("not run: no such column: approval_status",)
    assert by_rule["replay.assignee"].passed and not report.ok


def test_validate_passes_the_columns_of_a_generated_file(small_seed1) -> None:
    report = validate(small_seed1.path)
    columns = next(r for r in report.rules if r.rule == "structure.columns")
    assert columns.passed


# ---------------------------------------------------------------------------------------------
# reproduce: FILE's own rows against the regenerated copy


def _edited_row(path: Path) -> None:
    edit(path, "UPDATE tasks SET name = 'edited' WHERE id = (SELECT min(id) FROM tasks)")


def _dropped_table(path: Path) -> None:
    edit(path, "DROP TABLE task_tags")


def _dropped_column(path: Path) -> None:
    edit(path, "ALTER TABLE tasks DROP COLUMN notes")


def _wrong_type(path: Path) -> None:
    edit(path, "UPDATE stories SET created_at = 5 WHERE id = (SELECT min(id) FROM stories)")


def _retyped_column(path: Path) -> None:
    redeclare(path, "tags", "name            TEXT", "name            BLOB")


EDITS = {
    "edited-row": (_edited_row, "tasks"),
    "dropped-table": (_dropped_table, "task_tags"),
    "dropped-column": (_dropped_column, "tasks"),
    "wrong-type": (_wrong_type, "stories"),
    "retyped-column": (_retyped_column, "tags"),
}


@pytest.mark.parametrize("change", list(EDITS))
def test_reproduce_reports_an_edited_file_and_its_tables(
    change: str, small_seed1, tmp_path: Path
) -> None:
    # setup
    make, table = EDITS[change]
    path = copy_of(small_seed1, tmp_path)
    make(path)
    before = digest(path)
    # run
    result = run_cli(tmp_path, "reproduce", path)
    outcome = reproduce(path, tmp_path / "lib.sqlite")
    # assert: exit 1, the table named, the file called edited (not a version difference)
    line = assert_one_line(result, 1, "org.sqlite", table, "edited after generation")
    assert "versions" not in line
    assert table in outcome.differing and not outcome.identical and outcome.edited
    assert digest(path) == before
    assert fingerprint_file(tmp_path / "copy.sqlite") == small_seed1.fingerprint


def test_reproduce_reports_corrupt_pages_as_a_difference(small_seed1, tmp_path: Path) -> None:
    # setup
    path = _data_pages(tmp_path, small_seed1)
    before = digest(path)
    # run
    result = run_cli(tmp_path, "reproduce", path)
    # assert
    assert_one_line(result, 1, "org.sqlite", "corrupt")
    assert digest(path) == before


def test_reproduce_of_an_untouched_file_is_identical(small_seed1, tmp_path: Path) -> None:
    # run
    outcome = reproduce(small_seed1.path, tmp_path / "copy.sqlite")
    # assert
    assert outcome.identical and not outcome.edited and outcome.differing == ()
    assert outcome.source == outcome.recorded == outcome.summary.fingerprint
    assert outcome.summary.table_digests == outcome.source_digests


def test_summary_digests_are_the_files_table_digests(small_seed1) -> None:
    # setup
    conn = sqlite3.connect(f"file:{small_seed1.path}?mode=ro", uri=True)
    try:
        from src.fingerprint import combine, table_digests

        # run
        digests = table_digests(conn)
    finally:
        conn.close()
    # assert
    assert digests == small_seed1.table_digests
    assert combine(digests) == small_seed1.fingerprint
    assert "generation_runs" not in digests


# ---------------------------------------------------------------------------------------------
# Bytes SQLite stores that a reader cannot take: text that is not UTF-8, a NUL, a BLOB


# name: (statement with {row}, the row's table and column, validate's rule)
CONTENT: dict[str, tuple[str, str, str]] = {
    "not-utf8-task-name": (
        "UPDATE tasks SET name = CAST(x'fffe41' AS TEXT) WHERE id = {row}",
        "tasks.name",
        "format.text",
    ),
    "not-utf8-comment": (
        "UPDATE stories SET text = CAST(x'41c328' AS TEXT) WHERE id = {row}",
        "stories.text",
        "format.text",
    ),
    "not-utf8-email": (
        "UPDATE users SET email = CAST(x'61ff40622e636f' AS TEXT) WHERE id = {row}",
        "users.email",
        "format.text",
    ),
    # Windows-1252 quotes around ASCII: lone continuation bytes, the usual pasted text
    "cp1252-field-value": (
        "UPDATE custom_field_values SET display_value = CAST(x'93416e6e94' AS TEXT) "
        "WHERE rowid = {row}",
        "custom_field_values.display_value",
        "format.text",
    ),
    # the run record, which validate reads before any rule: still a finding, not a stop
    "not-utf8-run-record": (
        "UPDATE generation_runs SET config_json = CAST(x'93416e6e94' AS TEXT) WHERE id = {row}",
        "generation_runs.config_json",
        "format.text",
    ),
    "not-utf8-anchor": (
        "UPDATE generation_runs SET anchor = CAST(x'93416e6e94' AS TEXT) WHERE id = {row}",
        "generation_runs.anchor",
        "format.timestamps",
    ),
    "nul-in-name": (
        "UPDATE tasks SET name = 'Draft' || char(0) || 'plan' WHERE id = {row}",
        "tasks.name",
        "format.text",
    ),
    "blob-in-name": (
        "UPDATE tasks SET name = x'0001ff' WHERE id = {row}",
        "tasks.name",
        "format.types",
    ),
    "word-in-timestamp": (
        "UPDATE tasks SET created_at = 'yesterday' WHERE id = {row}",
        "tasks.created_at",
        "format.timestamps",
    ),
    "word-in-integer": (
        "UPDATE tasks SET assignee_id = 'bob' WHERE id = {row}",
        "tasks.assignee_id",
        "format.types",
    ),
}
# (the run record is not content: fingerprint and export leave it out)
NOT_UTF8 = [n for n, (sql, place, _) in CONTENT.items() if "CAST(x'" in sql and "runs" not in place]


def spoil(small, folder: Path, fault: str) -> tuple[Path, str]:
    """A copy of the small file with one content fault; the spoiled row's key as validate's
    examples name it (``12``, or ``task/field`` for a value)."""
    sql, place, _ = CONTENT[fault]
    path = copy_of(small, folder)
    table = place.split(".")[0]
    if table == "custom_field_values":
        rowid, task, field = q(
            path, "SELECT rowid, task_id, custom_field_id FROM custom_field_values LIMIT 1"
        )[0]
        row, key = rowid, f"{task}/{field}"
    else:
        column = "assignee_id" if "assignee_id" in sql else "id"
        row = q1(path, f"SELECT min(id) FROM {table} WHERE {column} IS NOT NULL")
        key = str(row)
    edit(path, sql.format(row=row))
    return path, key


@pytest.mark.parametrize("fault", list(CONTENT))
def test_bad_content_is_a_validate_finding_naming_table_column_and_row(
    fault: str, small_seed1, tmp_path: Path
) -> None:
    # setup
    path, key = spoil(small_seed1, tmp_path, fault)
    _, place, rule = CONTENT[fault]
    before = snapshot(tmp_path)
    # run
    result, found = validate_json(tmp_path, path)
    table = CliRunner().invoke(app, ["validate", str(path), "--no-scorecard"])
    # assert: exit 1 (a finding, not 'cannot be read'), the rule names table.column:row
    assert result.exit_code == 1, result.output
    rules = {r["rule"]: r for r in found["validation"]["rules"]}
    assert f"{place}:{key}" in map(str, rules[rule]["examples"]), rules[rule]
    assert table.exit_code == 1 and "Traceback" not in table.output and not table.stderr
    assert snapshot(tmp_path) == before


READ_ALL = [
    ("fingerprint", []),
    ("reproduce", ["--out", "copy.sqlite"]),
    ("export", ["--format", "jsonl", "--out", "exported"]),
    ("export", ["--format", "csv", "--out", "exported"]),
    ("export", ["--format", "parquet", "--out", "exported"]),
    ("export", ["--format", "asana-json", "--out", "exported"]),
]


@pytest.mark.parametrize(
    ("command", "options"), READ_ALL, ids=[" ".join([c, *o[:2]]) for c, o in READ_ALL]
)
@pytest.mark.parametrize("fault", [*NOT_UTF8, "blob-in-name"])
def test_a_command_that_reads_every_value_names_the_bad_one(
    fault: str, command: str, options: list[str], small_seed1, tmp_path: Path
) -> None:
    # setup
    path, key = spoil(small_seed1, tmp_path, fault)
    place = CONTENT[fault][1]
    before = snapshot(tmp_path)
    args = [
        command,
        str(path),
        *(str(tmp_path / o) if "." in o or o == "exported" else o for o in options),
    ]
    # run
    result = CliRunner().invoke(app, args)
    # assert
    if fault == "blob-in-name" and command != "export":
        # a BLOB is bytes Python can hash: fingerprint answers, reproduce finds the edit
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
        return
    what = "binary data" if fault == "blob-in-name" else "not UTF-8"
    line = assert_one_line(result, 2, str(path), place, what, "row")
    assert key.split("/")[0] in line
    assert snapshot(tmp_path) == before  # no copy, no export folder, the file untouched


def test_the_summary_commands_on_every_content_fault_at_once(small_seed1, tmp_path: Path) -> None:
    """stats, report and status read a few columns: they answer, or say in one line what
    they cannot read; never a traceback, the file untouched."""
    # setup: every fault in one file, each in its own row
    path = copy_of(small_seed1, tmp_path)
    for fault, (sql, place, _) in CONTENT.items():
        table = place.split(".")[0]
        keep = "rowid" if table == "custom_field_values" else "id"
        nth = -1 if table == "generation_runs" else list(CONTENT).index(fault)  # one run row
        row = q1(path, f"SELECT {keep} FROM {table} ORDER BY {keep} LIMIT 1 OFFSET {nth + 1}")
        edit(path, sql.format(row=row))
    before = digest(path)
    page = str(tmp_path / "page.html")
    for args in (["stats"], ["stats", "--json"], ["status"], ["report", "--out", page]):
        # run
        result = CliRunner().invoke(app, [args[0], str(path), *args[1:]], catch_exceptions=True)
        # assert
        assert "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        if result.exit_code:
            assert_one_line(result, 2, str(path))
        assert digest(path) == before
    validated = CliRunner().invoke(app, ["validate", str(path)])
    assert validated.exit_code == 1 and not validated.stderr, validated.output


@pytest.mark.parametrize("command", [*COMMANDS, "export", "status", "simulate"])
def test_a_file_missing_one_table_is_one_line(command: str, small_seed1, tmp_path: Path) -> None:
    # setup
    path = copy_of(small_seed1, tmp_path)
    _dropped_table(path)
    before = snapshot(tmp_path)
    # run
    result = run_cli(tmp_path, command, path)
    # assert: reproduce names the table as a difference (exit 1), the others refuse the file
    if command == "reproduce":
        assert_one_line(result, 1, "task_tags (missing")
        (tmp_path / "copy.sqlite").unlink()
    else:
        assert_one_line(result, 2, str(path), "missing table(s) task_tags")
    assert snapshot(tmp_path) == before


def test_simulate_refuses_a_read_only_file_before_any_work(
    small_seed1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: read-only (root may write anyway, so the check is what is asked)
    path = copy_of(small_seed1, tmp_path)
    path.chmod(0o444)
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: real(p, mode, **kw) and not (mode & os.W_OK and p == path),
    )
    before = snapshot(tmp_path)
    # run
    result = run_cli(tmp_path, "simulate", path)
    readable = run_cli(tmp_path, "fingerprint", path)
    # assert: one line, nothing built beside it; reading a read-only file is fine
    assert_one_line(result, 2, str(path), "read-only")
    assert snapshot(tmp_path) == before
    assert readable.exit_code == 0 and readable.stdout.strip() == small_seed1.fingerprint


@pytest.mark.parametrize(
    ("fault", "value"), [("word-in-timestamp", "'yesterday'"), ("word-in-integer", "'bob'")]
)
def test_parquet_names_a_value_that_does_not_fit_its_column(
    fault: str, value: str, small_seed1, tmp_path: Path
) -> None:
    # setup
    path, key = spoil(small_seed1, tmp_path, fault)
    before = snapshot(tmp_path)
    # run
    result = CliRunner().invoke(
        app, ["export", str(path), "--format", "parquet", "--out", str(tmp_path / "pq")]
    )
    # assert: the file, the column, the value and its row; no folder left
    assert_one_line(result, 2, f"{path}: {CONTENT[fault][1]} holds {value} in row id {key}")
    assert snapshot(tmp_path) == before
