"""validate's jobs in two processes give the very report two threads give (src/checks/runner.py).

A big file runs its jobs in processes (so the rules' Python pattern functions do not take turns
on one interpreter lock); these tests force that path on a small file and compare."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from src.checks import runner
from src.checks.core import Check, run_checks
from src.validate import validate
from tests.conftest import broken, q1

ROOT = Path(__file__).resolve().parents[1]


def _no_threads(*args: object) -> None:
    raise AssertionError("the jobs ran on threads")


def _report(path: Path, monkeypatch: pytest.MonkeyPatch, *, processes: bool) -> dict:
    with monkeypatch.context() as m:
        m.setattr(runner, "PROCESS_BYTES", 0 if processes else 1 << 60)
        if processes:
            m.setattr(runner, "_in_threads", _no_threads)
        report = validate(path, with_scorecard=True)
    return {"rules": report.to_dict(), "metrics": [m.to_dict() for m in report.metrics]}


def test_processes_report_what_threads_report(
    small_seed1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Path(small_seed1.path)
    task = q1(source, "SELECT min(id) FROM tasks WHERE completed = 1")
    story = q1(source, "SELECT min(id) FROM stories WHERE resource_subtype = 'comment_added'")
    path = broken(
        source,
        tmp_path,
        f"UPDATE tasks SET completed_at = '2026-13-45' WHERE id = {task}",
        f"UPDATE stories SET text = 'Closing this as a duplicate.' WHERE id = {story}",
        "UPDATE users SET timezone = 'Mars/Olympus' WHERE id = (SELECT min(id) FROM users)",
    )
    in_processes = _report(path, monkeypatch, processes=True)
    assert in_processes == _report(path, monkeypatch, processes=False)
    failed = {r["rule"]: r for r in in_processes["rules"]["rules"] if not r["passed"]}
    assert f"tasks.completed_at:{task}" in failed["format.timestamps"]["examples"]
    assert failed["user.timezone"]["offending"] == 1
    assert in_processes["metrics"]  # the scorecard's parts ran in the workers too


def test_a_failing_job_fails_the_run(small_seed1) -> None:
    bad = Check("x.bad", "a query SQLite cannot run", "SELECT no_such_function(1)")
    with pytest.raises(Exception, match="no such function"):
        runner.run_jobs(small_seed1.path, [partial(run_checks, checks=[bad])], processes=True)


def test_a_script_without_a_main_guard_still_validates(small_seed1, tmp_path: Path) -> None:
    """A spawned worker imports the caller's main module again: one without ``if __name__ ==
    "__main__":`` cannot start workers, so the jobs run on threads, with the same report."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        f"import json, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from src.checks import runner\nfrom src.validate import validate\n"
        "runner.PROCESS_BYTES = 0\n"
        f"print(json.dumps(validate({str(small_seed1.path)!r}).to_dict()))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout) == validate(small_seed1.path).to_dict()
