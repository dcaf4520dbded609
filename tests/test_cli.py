"""The command line: it writes the file and prints a summary, turns every library error into one
clear message and exit code 2 (never a traceback), refuses to clobber files without --force,
and reads settings from --env-file / ./.env under the real environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from conftest import END_DATE, q1
from typer.testing import CliRunner

import src.pipeline
from src import fingerprint_file, read_run
from src.config import ENV_KEYS
from src.main import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMALL = ["--scale", "small", "--end-date", END_DATE.isoformat()]
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No setting leaks in from the real environment or the repository's .env."""
    for key in ENV_KEYS.values():
        monkeypatch.delenv(key, raising=False)
    for key in ("LLM", "GROQ_API_KEY", "LLM_API_KEY", "LLM_BASE_URL", "LLM_MODEL"):
        monkeypatch.delenv(key, raising=False)  # the LLM tier stays off in these tests
    for key in [k for k in os.environ if k.startswith("LIVE_")]:
        monkeypatch.delenv(key)  # continuous mode's settings too
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_clean_failure(result, code: int = 2) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_default_command_writes_the_file_and_prints_the_summary(tmp_path: Path) -> None:
    # run
    result = invoke(*SMALL, "--seed", "3", "--out", "out.sqlite")
    # assert: the file
    target = tmp_path / "out.sqlite"
    assert result.exit_code == 0, result.output
    assert target.is_file()
    run = read_run(target)
    assert run["seed"] == 3 and run["config"]["scale"] == "small"
    # the rows table: every table with its count as the file has it
    for table in ("users", "projects", "tasks", "stories"):
        count = q1(target, f"SELECT COUNT(*) FROM {table}")
        assert re.search(rf"{table}\s*│\s*{count:,}\s*│", result.output), table
    # the facts: seed, anchor, fingerprint
    assert re.search(r"seed\s+3\b", result.output)
    assert re.search(r"anchor\s+2026-06-30T00:00:00\.000Z", result.output)
    assert re.search(rf"fingerprint\s+{fingerprint_file(str(target))}", result.output)


def test_generate_subcommand_is_the_same_as_the_default(tmp_path: Path) -> None:
    # run
    a = invoke(*SMALL, "--seed", "4", "--out", "a.sqlite")
    b = invoke("generate", *SMALL, "--seed", "4", "--out", "b.sqlite")
    # assert
    assert a.exit_code == b.exit_code == 0, b.output
    assert fingerprint_file(str(tmp_path / "a.sqlite")) == fingerprint_file(
        str(tmp_path / "b.sqlite")
    )


def test_options_before_the_generate_subcommand_apply_to_it(tmp_path: Path) -> None:
    # run: settings before the subcommand, and one repeated after it (the later one wins)
    before = invoke(*SMALL, "--seed", "5", "generate", "--out", "g.sqlite")
    both = invoke(*SMALL, "--seed", "5", "generate", "--seed", "6", "--out", "h.sqlite")
    # assert: honoured, never silently replaced by the defaults
    assert before.exit_code == 0, before.output
    config = read_run(tmp_path / "g.sqlite")["config"]
    assert (config["seed"], config["scale"], config["end_date"]) == (
        5,
        "small",
        END_DATE.isoformat(),
    )
    assert both.exit_code == 0, both.output
    assert read_run(tmp_path / "h.sqlite")["seed"] == 6


def test_bad_config_exits_2_with_one_message_per_setting(tmp_path: Path) -> None:
    # run
    result = invoke(
        "--users",
        "-1",
        "--industry",
        "Aerospace",
        "--end-date",
        "2026-02-30",
        "--workforce",
        "mars",
        "--out",
        "bad.sqlite",
    )
    # assert
    assert_clean_failure(result)
    items = re.findall(r"^\s*- (\w+)", result.output, re.MULTILINE)
    assert sorted(items) == ["end_date", "industry", "users", "workforce"]
    assert "4 invalid setting" in result.output
    assert list(tmp_path.iterdir()) == []


def test_bad_env_value_is_named_with_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup
    monkeypatch.setenv("SEED_COUNT_PROJECTS", "lots")
    # run
    result = invoke(*SMALL, "--out", "x.sqlite")
    # assert
    assert_clean_failure(result)
    assert "SEED_COUNT_PROJECTS" in result.output and "'lots'" in result.output
    assert not (tmp_path / "x.sqlite").exists()


def test_existing_output_without_force_is_refused_and_untouched(tmp_path: Path) -> None:
    # setup
    target = tmp_path / "x.sqlite"
    assert invoke(*SMALL, "--seed", "1", "--out", "x.sqlite").exit_code == 0
    before = target.read_bytes()
    # run
    result = invoke(*SMALL, "--seed", "2", "--out", "x.sqlite")
    # assert
    assert_clean_failure(result)
    assert "--force" in result.output and "overwrite=True" not in result.output
    assert target.read_bytes() == before


def test_force_replaces_the_output(tmp_path: Path) -> None:
    # setup
    target = tmp_path / "x.sqlite"
    assert invoke(*SMALL, "--seed", "1", "--out", "x.sqlite").exit_code == 0
    old = fingerprint_file(str(target))
    # run
    result = invoke(*SMALL, "--seed", "2", "--out", "x.sqlite", "--force")
    # assert
    assert result.exit_code == 0, result.output
    assert read_run(target)["seed"] == 2
    assert fingerprint_file(str(target)) != old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.sqlite"]


def test_fingerprint_command_prints_the_file_fingerprint(small_seed1) -> None:
    # run
    result = invoke("fingerprint", str(small_seed1.path))
    # assert
    assert result.exit_code == 0, result.output
    assert result.output.strip() == fingerprint_file(str(small_seed1.path))
    assert result.output.strip() == small_seed1.fingerprint


@pytest.mark.parametrize("content", ["just some text\n", ""], ids=["text", "missing"])
def test_fingerprint_of_a_non_database_exits_2(tmp_path: Path, content: str) -> None:
    # setup
    path = tmp_path / "notes.txt"
    if content:
        path.write_text(content)
    # run
    result = invoke("fingerprint", str(path))
    # assert
    assert_clean_failure(result)
    assert "notes.txt" in result.output
    expected = "not an SQLite database" if content else "no such file"
    assert expected in result.output
    assert not HEX64.search(result.output)


def test_reproduce_makes_an_identical_fingerprint(small_seed1, tmp_path: Path) -> None:
    # run
    result = invoke("reproduce", str(small_seed1.path), "--out", "copy.sqlite")
    # assert
    assert result.exit_code == 0, result.output
    assert fingerprint_file(str(tmp_path / "copy.sqlite")) == small_seed1.fingerprint
    assert "identical content" in result.output


def test_reproduce_refuses_existing_out_without_force(small_seed1, tmp_path: Path) -> None:
    # setup
    (tmp_path / "copy.sqlite").write_bytes(b"keep me")
    # run
    refused = invoke("reproduce", str(small_seed1.path), "--out", "copy.sqlite")
    forced = invoke("reproduce", str(small_seed1.path), "--out", "copy.sqlite", "--force")
    # assert
    assert_clean_failure(refused)
    assert forced.exit_code == 0, forced.output
    assert fingerprint_file(str(tmp_path / "copy.sqlite")) == small_seed1.fingerprint


def test_reproduce_of_a_non_sqlite_file_exits_2(tmp_path: Path) -> None:
    # setup
    (tmp_path / "fake.sqlite").write_text("this is not a database")
    # run
    result = invoke("reproduce", "fake.sqlite", "--out", "copy.sqlite")
    # assert
    assert_clean_failure(result)
    assert "fake.sqlite" in result.output
    assert not (tmp_path / "copy.sqlite").exists()


def test_reproduce_of_a_foreign_sqlite_file_exits_2(tmp_path: Path) -> None:
    # setup: a valid SQLite database that this generator did not make
    conn = sqlite3.connect(tmp_path / "other.sqlite")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()
    # run
    result = invoke("reproduce", "other.sqlite", "--out", "copy.sqlite")
    # assert
    assert_clean_failure(result)
    assert "generation_runs" in result.output
    assert not (tmp_path / "copy.sqlite").exists()


def test_reproduce_reports_a_fingerprint_mismatch_with_exit_1(small_seed1, tmp_path: Path) -> None:
    # setup: a copy whose run record claims another fingerprint
    tampered = tmp_path / "tampered.sqlite"
    shutil.copyfile(small_seed1.path, tampered)
    conn = sqlite3.connect(tampered)
    conn.execute("UPDATE generation_runs SET fingerprint = ?", ("0" * 64,))
    conn.commit()
    conn.close()
    # run
    result = invoke("reproduce", "tampered.sqlite", "--out", "copy.sqlite")
    # assert: the copy is written, and the edited record is reported with exit code 1
    assert_clean_failure(result, code=1)
    message = " ".join(result.stderr.split())
    assert "rows are identical" in message and "the record was edited" in message
    assert fingerprint_file(str(tmp_path / "copy.sqlite")) == small_seed1.fingerprint


def test_interrupt_exits_130_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: the project stage is interrupted (Ctrl-C) part-way
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(src.pipeline, "generate_project", interrupted)
    # run
    result = invoke(*SMALL, "--out", "x.sqlite")
    # assert
    assert_clean_failure(result, code=130)
    assert "interrupted" in result.output
    assert list(tmp_path.iterdir()) == []


def test_env_file_values_are_used(tmp_path: Path) -> None:
    # setup
    env = tmp_path / "settings.env"
    env.write_text(
        "SEED=7\nSCALE=small\nEND_DATE=2026-06-30\nINDUSTRY=finance\nDB_PATH=from_env_file.sqlite\n"
    )
    # run
    result = invoke("--env-file", str(env))
    # assert
    assert result.exit_code == 0, result.output
    config = read_run(tmp_path / "from_env_file.sqlite")["config"]
    assert (config["seed"], config["scale"], config["industry"]) == (7, "small", "Finance")


def test_missing_env_file_exits_2(tmp_path: Path) -> None:
    # run
    result = invoke(*SMALL, "--env-file", "nope.env", "--out", "x.sqlite")
    # assert
    assert_clean_failure(result)
    assert "nope.env" in result.output
    assert not (tmp_path / "x.sqlite").exists()


def test_dot_env_is_read_and_the_real_environment_beats_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: ./.env says seed 5, the real environment says seed 6
    (tmp_path / ".env").write_text("SEED=5\nSCALE=small\nEND_DATE=2026-06-30\n")
    monkeypatch.setenv("SEED", "6")
    # run
    result = invoke("--out", "x.sqlite")
    # assert: the environment's seed, the .env's other settings
    assert result.exit_code == 0, result.output
    config = read_run(tmp_path / "x.sqlite")["config"]
    assert (config["seed"], config["scale"], config["end_date"]) == (6, "small", "2026-06-30")


def test_flags_beat_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # setup
    monkeypatch.setenv("SEED", "6")
    monkeypatch.setenv("DB_PATH", "env.sqlite")
    # run
    result = invoke(*SMALL, "--seed", "8", "--out", "flag.sqlite")
    # assert
    assert result.exit_code == 0, result.output
    assert read_run(tmp_path / "flag.sqlite")["seed"] == 8
    assert not (tmp_path / "env.sqlite").exists()


GENERATOR_COMMANDS = ("generate", "fingerprint", "reproduce")


def cli_names() -> tuple[list[str], list[str]]:
    """Every subcommand name, and every long option of the group (``main``) and of the
    generator's own commands (generate, fingerprint, reproduce)."""
    group = typer.main.get_command(app)
    commands = sorted(group.commands)
    options = set()
    for command in [group, *(group.commands[c] for c in GENERATOR_COMMANDS)]:
        for param in command.params:
            options.update(o for o in param.opts + param.secondary_opts if o.startswith("--"))
    return commands, sorted(options)


def test_cli_exposes_the_documented_commands_and_options() -> None:
    # run
    commands, options = cli_names()
    # assert: the interface the docs test below relies on
    assert set(GENERATOR_COMMANDS) <= set(commands)
    assert {
        "--seed",
        "--scale",
        "--users",
        "--projects",
        "--tasks-per-project",
        "--months",
        "--end-date",
        "--industry",
        "--workforce",
        "--out",
        "--force",
        "--env-file",
    } <= set(options)


def test_readme_documents_every_command_and_option() -> None:
    # setup
    if not README.is_file():
        pytest.skip("README.md does not exist yet; it will document the CLI")
    text = README.read_text(encoding="utf-8")
    commands, options = cli_names()
    # run
    missing = [c for c in commands if not re.search(rf"\b{c}\b", text)]
    missing += [o for o in options if not re.search(rf"{re.escape(o)}(?![\w-])", text)]
    # assert
    assert missing == []


# --- one clear line per fault (issue 7) ------------------------------------------------------


def assert_one_line_error(result, code: int = 2) -> str:
    """The failure is clean and its message is exactly one line on stderr; returns it."""
    assert_clean_failure(result, code)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def problem_lines(result, count: int) -> list[str]:
    """A multi-setting failure: a header line naming the count, then one line per problem."""
    assert_clean_failure(result)
    header, *items = result.stderr.strip().splitlines()
    assert header == f"error: {count} invalid settings:", result.stderr
    assert len(items) == count and all(i.startswith("  - ") for i in items), result.stderr
    return [i[4:] for i in items]


def test_every_bad_numeric_flag_is_reported_at_once(tmp_path: Path) -> None:
    # run: five flags no integer parser accepts
    result = invoke(
        "--seed", "x", "--users", "y", "--projects", "1.5", "--months", "", "--workers", "w"
    )
    # assert: all five, each naming its flag and the value given
    items = problem_lines(result, 5)
    for flag, value in (
        ("--seed", "'x'"),
        ("--users", "'y'"),
        ("--projects", "'1.5'"),
        ("--months", "''"),
        ("--workers", "'w'"),
    ):
        assert any(f"({flag}): must be a whole number" in i and value in i for i in items), flag
    assert list(tmp_path.iterdir()) == []


def test_bad_flags_env_values_and_env_file_lines_come_in_one_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: one problem from each source
    (tmp_path / ".env").write_text('SEED=1\nINDUSTRY="Retail\n')
    monkeypatch.setenv("WORKFORCE", "mars")
    # run
    result = invoke("--users", "many")
    # assert
    items = problem_lines(result, 3)
    assert any(i.startswith("users (--users)") for i in items)
    assert any(i.startswith("workforce (WORKFORCE)") for i in items)
    assert any(i.startswith(".env, line 2 (INDUSTRY)") for i in items)


def test_a_single_bad_setting_is_one_line(tmp_path: Path) -> None:
    # run
    line = assert_one_line_error(invoke(*SMALL, "--users", "3"))
    # assert
    assert line == "error: users (--users): must be a whole number from 5 to 1,000,000, got 3"


def test_a_bad_workers_value_is_reported_with_the_range() -> None:
    # run
    line = assert_one_line_error(invoke(*SMALL, "--workers", "0"))
    # assert
    assert "workers (--workers): must be a whole number from 1 to 64, got 0" in line


@pytest.mark.parametrize("value", ["3000-01-01", "2036-01-01", "1999-12-31"])
def test_end_date_outside_the_holiday_data_is_refused_in_one_line(value: str) -> None:
    # run
    line = assert_one_line_error(invoke("--scale", "small", "--end-date", value))
    # assert: the value as written, the range and why; no raw warning of the holidays package
    assert f"got {value}" in line and "datetime" not in line
    assert "holiday data covers 2001-2035" in line


def test_markup_in_a_value_is_shown_as_typed() -> None:
    # run: text that rich would read as markup
    line = assert_one_line_error(invoke(*SMALL, "--industry", "[bold]Aero[/]"))
    # assert
    assert "got '[bold]Aero[/]'" in line


# --- .env -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line_no", "key"),
    [
        ('SEED=3\nINDUSTRY="Retail\nSCALE=small\n', 2, "INDUSTRY"),
        ("SEED=3\nWORKFORCE='global\n", 2, "WORKFORCE"),
        ("SEED=3\n\n=small\n", 3, None),
        ("SCALE small\n", 1, "SCALE"),
    ],
    ids=["double-quote", "single-quote", "no-key", "no-equals"],
)
def test_an_env_line_that_cannot_be_parsed_is_a_config_error(
    tmp_path: Path, content: str, line_no: int, key: str | None
) -> None:
    # setup
    (tmp_path / ".env").write_text(content)
    # run
    result = invoke(*SMALL, "--out", "x.sqlite")
    # assert: the file, the line and the setting; nothing written, the .env untouched
    line = assert_one_line_error(result)
    where = f".env, line {line_no}" + (f" ({key})" if key else "")
    assert line.startswith(f"error: {where}: cannot be read as KEY=value"), line
    assert list(tmp_path.iterdir()) == [tmp_path / ".env"]
    assert (tmp_path / ".env").read_text() == content


def test_a_setting_without_a_value_in_env_is_a_config_error(tmp_path: Path) -> None:
    # setup: "SEED" alone sets nothing; python-dotenv would drop it silently
    (tmp_path / ".env").write_text("SCALE=small\nSEED\n")
    # run
    line = assert_one_line_error(invoke(*SMALL, "--out", "x.sqlite"))
    # assert
    assert line == "error: .env, line 2 (SEED): has no value; write SEED=value"


def test_an_env_file_with_a_non_utf8_byte_is_a_config_error(tmp_path: Path) -> None:
    # setup: Latin-1 "é" on line 2
    env = tmp_path / "settings.env"
    env.write_bytes(b"SEED=3\nINDUSTRY=R\xe9tail\n")
    # run
    line = assert_one_line_error(invoke(*SMALL, "--env-file", str(env), "--out", "x.sqlite"))
    # assert
    assert f"{env}, line 2 (INDUSTRY): not UTF-8 text (byte 0xe9)" in line
    assert not (tmp_path / "x.sqlite").exists()


def test_an_unreadable_dot_env_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: root reads any file, so the refusal of the file system is simulated for .env only
    (tmp_path / ".env").write_text("SEED=3\n")
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == ".env":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    # run
    line = assert_one_line_error(invoke(*SMALL, "--out", "x.sqlite"))
    # assert
    assert line == "error: .env: cannot read it: Permission denied"
    assert not (tmp_path / "x.sqlite").exists()


def test_env_file_naming_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    # setup
    (tmp_path / "conf").mkdir()
    # run
    line = assert_one_line_error(invoke(*SMALL, "--env-file", "conf", "--out", "x.sqlite"))
    # assert
    assert line == "error: --env-file: conf is a folder, not a file of settings"


def test_a_dot_env_folder_is_not_a_settings_file(tmp_path: Path) -> None:
    # setup: a virtualenv is often called .env
    (tmp_path / ".env").mkdir()
    # run
    result = invoke(*SMALL, "--out", "x.sqlite")
    # assert
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_misspelled_env_file_keys_are_warned_about_with_the_nearest_key(tmp_path: Path) -> None:
    # setup: two misspelled keys, one in lower case, and keys other tools keep in a .env
    (tmp_path / ".env").write_text(
        "SCALE=small\nEND_DATE=2026-06-30\nSEED_COUNT_USER=50\nseed=9\nUSERS=60\n"
        "DATABASE_URL=postgres://x\nPATH_PREFIX=/opt\nNODE_ENV=test\nAWS_REGION=eu\n"
    )
    # run
    result = invoke("--out", "x.sqlite")
    # assert: the run goes on (the keys are not ours), with one warning line per misspelling
    assert result.exit_code == 0, result.output
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        "warning: .env, line 3: SEED_COUNT_USER is not a setting (ignored); "
        "did you mean SEED_COUNT_USERS?",
        "warning: .env, line 4: seed is not a setting (ignored); did you mean SEED?",
        "warning: .env, line 5: USERS is not a setting (ignored); did you mean SEED_COUNT_USERS?",
    ]
    assert read_run(tmp_path / "x.sqlite")["config"]["users"] == 40


# --- which option a path message names --------------------------------------------------------


def test_report_out_errors_name_the_out_option_and_an_html_example(
    small_seed1, tmp_path: Path
) -> None:
    # setup
    (tmp_path / "pages").mkdir()
    # run
    line = assert_one_line_error(invoke("report", str(small_seed1.path), "--out", "pages"))
    # assert
    assert "--out" in line and "pages/report.html" in line
    assert "db_path" not in line and "DB_PATH" not in line and ".sqlite" not in line


def test_reproduce_out_errors_name_the_out_option(small_seed1, tmp_path: Path) -> None:
    # setup
    (tmp_path / "copies").mkdir()
    # run
    line = assert_one_line_error(invoke("reproduce", str(small_seed1.path), "--out", "copies"))
    # assert
    assert "(--out): copies is a directory" in line and "copies/copy.sqlite" in line
    assert "DB_PATH" not in line


@pytest.mark.parametrize(
    ("args", "env", "label"),
    [(["--out", "outs"], {}, "db_path (--out)"), ([], {"DB_PATH": "outs"}, "db_path (DB_PATH)")],
    ids=["flag", "env"],
)
def test_generate_path_errors_name_the_source_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict, label: str
) -> None:
    # setup
    (tmp_path / "outs").mkdir()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    # run
    line = assert_one_line_error(invoke(*SMALL, *args))
    # assert
    assert line.startswith(f"error: {label}: outs is a directory; give a file path such as")


def test_messages_to_a_pipe_are_not_wrapped(tmp_path: Path) -> None:
    # setup: a path far longer than 80 columns, under a regular file so it cannot be made
    regular = tmp_path / "notes.txt"
    regular.write_text("a file, not a folder")
    target = regular / ("deeply-nested-folder-name-" * 6) / "organization.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in (*ENV_KEYS.values(), "COLUMNS")}
    # run: the real CLI in a child process, stderr to a pipe (not a terminal)
    done = subprocess.run(
        [sys.executable, "-m", "src.main", *SMALL, "--out", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # assert: one line holding the whole path
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(target) in lines[0] and "Traceback" not in done.stderr


def test_every_reference_the_code_and_readme_cite_is_in_the_repository() -> None:
    # setup: the texts a user's clone has (no /work/shared next to it)
    texts = {p: p.read_text(encoding="utf-8") for p in [README, *ROOT.glob("src/**/*.py")]}
    # run
    outside = [str(p) for p, t in texts.items() if re.search(r"shared/reference|/work/", t)]
    cited = {m for t in texts.values() for m in re.findall(r"docs/[\w./-]+\.md", t)}
    # assert: nothing points outside the repository, and every cited page exists
    assert outside == []
    assert "docs/realism.md" in cited
    assert [c for c in sorted(cited) if not (ROOT / c).is_file()] == []
    # the page carries the figures and the sources the scorecard's `source` strings name
    page = (ROOT / "docs" / "realism.md").read_text(encoding="utf-8")
    for figure in ("0.4%", "83.8%", "mean 3.34", "median 4.0 days", "11.8", "0.36"):
        assert figure in page
    assert "Montgomery, Lüders, Maalej" in page and "512 closed tickets" in page


def test_the_env_example_is_read_without_a_problem_or_a_warning(tmp_path: Path) -> None:
    # setup: a user's first step
    shutil.copyfile(ROOT / ".env.example", tmp_path / ".env")
    # run
    result = invoke("--scale", "small", "--end-date", END_DATE.isoformat(), "--out", "x.sqlite")
    # assert
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert read_run(tmp_path / "x.sqlite")["config"]["industry"] == "Technology"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--sed", "5"], "No such option: --sed"),
        (["fingerprint"], "Missing argument 'file'"),
        (["validate", "x.sqlite", "--bogus"], "No such option: --bogus"),
        (["bogus"], "No such command 'bogus'"),
    ],
    ids=["unknown-option", "missing-argument", "subcommand-option", "unknown-command"],
)
def test_usage_errors_are_one_line(args: list[str], expected: str) -> None:
    # run
    line = assert_one_line_error(invoke(*args))
    # assert: typer's words, without its usage text and boxed panel
    assert expected in line and line.endswith("; see --help")


def test_validate_summary_counts_scorecard_misses_as_warnings(tmp_path: Path) -> None:
    # setup: the hand-built valid file passes every rule, but it is too tiny to land in
    # most realism bands
    from test_validate import build_valid_db

    from src.checks.scorecard import scorecard

    path = build_valid_db(tmp_path / "valid.sqlite")
    misses = sum(m.in_band is False for m in scorecard(path))
    assert misses > 0
    # run
    table = invoke("validate", str(path))
    as_json = invoke("validate", str(path), "--json")
    # assert: the summary line and the JSON summary count the misses as warnings
    assert table.exit_code == 0, table.output
    assert f"0 failed, {misses} warnings (0 rules, {misses} scorecard metrics" in table.output
    summary = json.loads(as_json.output)["summary"]
    assert summary["warnings"] == summary["metrics_out_of_band"] == misses
    assert summary["rule_warnings"] == 0 and summary["ok"] is True


# --- continuous mode's LIVE_* keys in .env ----------------------------------------------------


def test_live_keys_in_dot_env_are_read_under_the_environment_and_over_the_toml(
    small_seed1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: .env sets the level; a TOML asks for another one, the environment for a third
    path = tmp_path / "f.sqlite"
    shutil.copyfile(small_seed1.path, path)
    (tmp_path / ".env").write_text("LIVE_LEVEL=high\nLIVE_STEADINESS=0.3\n")
    (tmp_path / "live.toml").write_text('level = "low"\nsteadiness = 0.9\n')
    # run: .env beats the TOML
    result = invoke("simulate", str(path), "--days", "1", "--config", "live.toml")
    # assert
    assert result.exit_code == 0, result.output
    recorded = read_run(path)["config"]["continuous"]
    assert (recorded["level"], recorded["steadiness"]) == ("high", 0.3)
    # the real environment beats .env, a flag beats both (a bad value names where it came from)
    (tmp_path / ".env").write_text("LIVE_LEVEL=extreme\n")
    bad = invoke("simulate", "missing.sqlite", "--days", "1")
    assert_clean_failure(bad)
    assert "level: must be one of low, medium, high, got 'extreme'" in bad.output
    monkeypatch.setenv("LIVE_LEVEL", "high")
    real = invoke("simulate", "missing.sqlite", "--days", "1")
    assert_clean_failure(real)
    assert "no such file" in real.output and "extreme" not in real.output
    monkeypatch.setenv("LIVE_LEVEL", "extreme")
    flag = invoke("simulate", "missing.sqlite", "--days", "1", "--level", "low")
    assert_clean_failure(flag)
    assert "no such file" in flag.output and "extreme" not in flag.output


def test_misspelled_live_keys_are_warned_about_with_the_nearest_key(tmp_path: Path) -> None:
    # setup: a misspelled key, and LIVE_BATCH (the range is two keys in the environment)
    (tmp_path / ".env").write_text("LIVE_LEVLE=high\nLIVE_BATCH=3-4\nLIVE_SPEED=60\n")
    # run
    result = invoke("simulate", "missing.sqlite", "--days", "1")
    # assert: one warning per key, then the file's own error
    assert result.exit_code == 2
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: .env, line 1: LIVE_LEVLE is not a setting (ignored); did you mean LIVE_LEVEL?",
        "warning: .env, line 2: LIVE_BATCH is not a setting (ignored); "
        "did you mean LIVE_BATCH_MIN and LIVE_BATCH_MAX?",
    ]


def test_a_misspelled_live_variable_in_the_environment_is_warned_about(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # setup: the LIVE_ prefix is ours, so a LIVE_ variable that is no setting is a misspelling
    monkeypatch.setenv("LIVE_BATCH", "3-4")
    # run
    result = invoke("simulate", "missing.sqlite", "--days", "1")
    # assert
    assert result.exit_code == 2 and "no such file" in result.stderr
    assert result.stderr.splitlines()[0] == (
        "warning: environment: LIVE_BATCH is not a setting (ignored); "
        "did you mean LIVE_BATCH_MIN and LIVE_BATCH_MAX?"
    )


def test_live_reads_its_settings_from_env_file_as_simulate_does(tmp_path: Path) -> None:
    """`live --env-file`: the file's LIVE_* settings and, for a file it generates first, the
    generate settings; a missing one is one line, exit 2, nothing made."""
    env = tmp_path / "staging.env"
    env.write_text("SEED=5\nSCALE=small\nEND_DATE=2026-06-30\nLIVE_LEVEL=low\nLIVE_SPEED=3600\n")
    path = tmp_path / "new.sqlite"
    argv = [sys.executable, "-m", "src.main", "live", str(path), "--batches", "1"]
    run = subprocess.run(
        [*argv, "--interval", "PT1S", "--env-file", str(env)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "x3600" in run.stdout
    config = read_run(path)["config"]
    assert (config["seed"], config["scale"]) == (5, "small")
    records = [
        json.loads(c)
        for (c,) in sqlite3.connect(path).execute(
            "SELECT config_json FROM generation_runs ORDER BY id"
        )
    ]
    assert records[-1]["continuous"]["level"] == "low" and records[-1]["continuous"]["live"]
    argv[4] = str(tmp_path / "other.sqlite")
    missing = subprocess.run(
        [*argv, "--env-file", str(tmp_path / "none.env")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "none.env does not exist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "other.sqlite").exists()
