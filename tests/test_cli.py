"""The command line: it writes the file and prints a summary, turns every library error into one
clear message and exit code 2 (never a traceback), refuses to clobber files without --force,
and reads settings from --env-file / ./.env under the real environment."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import typer.main
from conftest import END_DATE, q1
from typer.testing import CliRunner

import src.pipeline
from src import fingerprint_file, read_run
from src.config import ENV_KEYS
from src.main import app

README = Path(__file__).resolve().parents[1] / "README.md"
SMALL = ["--scale", "small", "--end-date", END_DATE.isoformat()]
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No setting leaks in from the real environment or the repository's .env."""
    for key in ENV_KEYS.values():
        monkeypatch.delenv(key, raising=False)
    for key in ("LLM", "GROQ_API_KEY", "LLM_API_KEY", "LLM_BASE_URL", "LLM_MODEL"):
        monkeypatch.delenv(key, raising=False)  # the LLM tier stays off in these tests
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
    assert "--force" in result.output
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
    expected = "not a SQLite database" if content else "no such file"
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
    # assert: the copy is written, and the difference is reported with exit code 1
    assert_clean_failure(result, code=1)
    assert "fingerprint differs" in result.output
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
