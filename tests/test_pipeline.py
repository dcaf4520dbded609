"""generate(): atomic output (a crash or an interrupt leaves no target and no temporary file),
row counts that match the file, and a run record that holds what is needed to reproduce the
file and never a secret."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from conftest import END_DATE, q, q1, small_config

import src.pipeline
import src.workers
from src import (
    Config,
    OutputExistsError,
    OutputPathError,
    fingerprint_file,
    generate,
    read_run,
    resolve_config,
)
from src.pipeline import anchor_ms, build_world
from src.schema import table_names


class Boom(RuntimeError):
    pass


def fail_after_first_project(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> list[int]:
    """Make the project stage raise ``exc`` on its second project; returns the call log."""
    real = src.pipeline.generate_project
    calls: list[int] = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(src.pipeline, "generate_project", flaky)
    return calls


def leftovers(folder: Path) -> list[str]:
    """Temporary files of an aborted run (the build file and its journal)."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name.startswith(".") and (".tmp" in p.name or "journal" in p.name)
    )


@pytest.mark.parametrize(
    "exc", [Boom("disk on fire"), KeyboardInterrupt()], ids=["exception", "keyboard-interrupt"]
)
def test_crash_mid_generation_leaves_no_target_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    # setup
    calls = fail_after_first_project(monkeypatch, exc)
    target = tmp_path / "out.sqlite"
    # run
    with pytest.raises(type(exc)):
        generate(small_config(1), target)
    # assert
    assert len(calls) == 2  # the stage really ran and failed part-way
    assert not target.exists()
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_crash_in_a_worker_leaves_no_target_no_temp_file_and_no_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: two worker processes; a project of the second chunk fails inside its worker
    real = src.pipeline.generate_project

    def flaky(seed, org, plan, *args, **kwargs):
        if plan.index >= src.workers.CHUNK:
            raise Boom("worker on fire")
        return real(seed, org, plan, *args, **kwargs)

    monkeypatch.setattr(src.pipeline, "generate_project", flaky)  # forked workers inherit it
    config = Config(
        seed=3, users=30, projects=src.workers.CHUNK + 4, tasks_per_project=4, end_date=END_DATE
    )
    target = tmp_path / "out.sqlite"
    # run
    with pytest.raises(Boom, match="worker on fire"):
        generate(config, target, workers=2)
    # assert: the build file, the folder of part files and every part are gone
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "exc", [Boom("disk on fire"), KeyboardInterrupt()], ids=["exception", "keyboard-interrupt"]
)
def test_crash_while_overwriting_keeps_the_old_file_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException, small_seed1
) -> None:
    # setup: an existing, valid target
    target = tmp_path / "existing.sqlite"
    target.write_bytes(small_seed1.path.read_bytes())
    before = target.read_bytes()
    fail_after_first_project(monkeypatch, exc)
    # run
    with pytest.raises(type(exc)):
        generate(small_config(2), target, overwrite=True)
    # assert
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == ["existing.sqlite"]


def test_existing_target_without_overwrite_is_refused_and_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup
    target = tmp_path / "keep.sqlite"
    target.write_bytes(b"precious")
    calls = fail_after_first_project(monkeypatch, Boom("must not run"))
    # run
    with pytest.raises(OutputExistsError):
        generate(small_config(1), target)
    # assert: refused before any work
    assert target.read_bytes() == b"precious"
    assert calls == []
    assert leftovers(tmp_path) == []


def test_directory_target_is_refused(tmp_path: Path) -> None:
    # run / assert
    with pytest.raises(OutputPathError):
        generate(small_config(1), tmp_path)


def test_successful_run_leaves_only_the_target(tmp_path: Path) -> None:
    # setup
    target = tmp_path / "deep" / "er" / "x.sqlite"
    # run
    summary = generate(small_config(3), target)
    # assert
    assert summary.path == target and target.is_file()
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.sqlite"]


def test_summary_row_counts_equal_count_star(small_seed1, default_seed42) -> None:
    for summary in (small_seed1, default_seed42):
        # setup
        expected_tables = set(table_names()) - {"generation_runs"}
        # run
        actual = {t: q1(summary.path, f'SELECT COUNT(*) FROM "{t}"') for t in expected_tables}
        # assert
        assert set(summary.row_counts) == expected_tables
        assert summary.row_counts == actual
        assert actual["projects"] == summary.config.projects
        assert actual["users"] == summary.config.users


def test_summary_fingerprint_equals_the_file_fingerprint(
    small_seed1, small_global, default_seed42
) -> None:
    # the generator hashes rows while writing; the file, read back, must hash the same
    for summary in (small_seed1, small_global, default_seed42):
        assert summary.fingerprint == fingerprint_file(str(summary.path))
        assert len(summary.fingerprint) == 64
        int(summary.fingerprint, 16)


def test_generation_runs_records_the_run(small_seed1) -> None:
    # setup
    path, config = small_seed1.path, small_seed1.config
    # run
    rows = q(
        path,
        "SELECT seed, anchor, config_json, program_version, versions_json, "
        "row_counts_json, fingerprint, stage_seconds_json, started_at, finished_at "
        "FROM generation_runs",
    )
    # assert
    assert len(rows) == 1
    seed, anchor, config_json, program, versions, counts, fp, seconds, started, finished = rows[0]
    assert seed == config.seed == small_seed1.seed == 1
    assert anchor == small_seed1.anchor == f"{END_DATE.isoformat()}T00:00:00.000Z"
    assert json.loads(config_json) == config.to_dict()
    assert Config.from_dict(json.loads(config_json)) == config
    assert program
    assert {"python", "numpy", "faker", "holidays", "sqlite"} <= set(json.loads(versions))
    assert json.loads(counts) == small_seed1.row_counts
    assert fp == small_seed1.fingerprint
    assert set(json.loads(seconds)) >= {"organization", "catalog", "projects"}
    assert started <= finished


def test_read_run_returns_the_record(small_seed1) -> None:
    # run
    run = read_run(small_seed1.path)
    # assert
    assert run["seed"] == 1
    assert run["fingerprint"] == small_seed1.fingerprint
    assert run["config"] == small_seed1.config.to_dict()


def test_run_record_holds_no_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: a fake key in the environment while generating
    secret = "gsk_test_secret_123"
    monkeypatch.setenv("GROQ_API_KEY", secret)
    target = tmp_path / "secret.sqlite"
    # run
    generate(small_config(1), target)
    # assert: nowhere in the file's bytes, nor in the run record's text
    assert secret.encode() not in target.read_bytes()
    record = " ".join(str(v) for v in q(target, "SELECT * FROM generation_runs")[0])
    assert secret not in record
    assert "GROQ" not in record


def test_project_members_are_in_the_file_at_the_end_date() -> None:
    # setup: the large preset's plans (a project created days before the end date took, as
    # a new member, someone who joins after it: that membership had no user row, and the
    # large run failed its foreign key check)
    config = resolve_config({"scale": "large", "end_date": "2026-06-30", "seed": 42}, {}, None)
    world = build_world(config)
    end = anchor_ms(config)
    # run
    late = [
        (plan.index, u)
        for plan in world.plans
        if plan.created < end
        for u, _ in plan.members
        if world.org.users[u].join >= end
    ]
    # assert
    assert late == []


def test_rare_collections_raises_the_threshold_and_restores_it_even_on_error() -> None:
    # setup
    before = gc.get_threshold()
    # run: a block that fails inside
    with pytest.raises(ZeroDivisionError), src.pipeline.rare_collections():
        inside = gc.get_threshold()
        1 / 0  # noqa: B018
    # assert: collections were rare inside, and the caller's thresholds are back
    assert inside[0] >= 100_000 > before[0]
    assert gc.get_threshold() == before
