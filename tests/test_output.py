"""Writing outputs under faults (src/output.py and the workers of src/workers.py).

Fault injection, each case as a user meets it: the parent of a multi-worker run killed with
SIGKILL, a worker killed, Ctrl-C to the whole process group, two runs racing for one new path,
a disk too small for the output, paths that cannot name a file, and the leftovers of a killed
run.  Every case asserts the exit code, one line on stderr and no traceback, inputs
byte-identical and no stray files.

The CLI runs in a subprocess where processes or mounts are involved.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import END_DATE, small_config
from typer.testing import CliRunner

import src.pipeline
import src.report
import src.workers
from src import OutputExistsError, OutputPathError, fingerprint_file, generate
from src.config import ENV_KEYS
from src.main import app
from src.output import atomic_target, publish, run_dir_prefix

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--users", "40", "--projects", "8", "--tasks-per-project", "25"]
SMALL += ["--end-date", END_DATE.isoformat()]
# Several seconds of project work on two workers: the kill tests strike as soon as both exist.
BUSY = ["--users", "100", "--projects", "400", "--tasks-per-project", "60"]
BUSY += ["--end-date", END_DATE.isoformat(), "--workers", "2"]
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS.values()}
    env.update(PYTHONPATH=str(ROOT))
    return env


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process (cwd has no .env); returns its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "src.main", *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def start(cwd: Path, *args: str) -> subprocess.Popen:
    """Start the CLI in its own session (so every process of the run can be found)."""
    return subprocess.Popen(
        [sys.executable, "-m", "src.main", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def command_args(command: str, source: str, out: str) -> list[str]:
    """The CLI arguments of a command that writes ``out`` (from ``source`` when it reads one)."""
    if command == "generate":
        return [*SMALL, "--out", out]
    return [command, source, "--out", out]


def assert_one_line_failure(code: int, stderr: str, expected: int) -> str:
    """The exit code, exactly one line on stderr, no traceback; returns the line."""
    assert code == expected, stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def raising(exc: BaseException):
    """A stand-in for a function that fails with ``exc``."""

    def fail(*args, **kwargs):
        raise exc

    return fail


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    """Every entry under ``folder``, hidden ones included, relative to it."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------------------------------------
# processes: /proc is the one source, so the tests see exactly what a supervisor would


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, session) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[3])


def _running(field: int, value: int) -> list[int]:
    """Pids of running processes (zombies are dead) whose ppid (1) or session (2) is value."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None and st[field] == value and st[0] != "Z":
                out.append(int(entry.name))
    return sorted(out)


def live_processes(session: int) -> list[int]:
    return _running(2, session)


def children(pid: int) -> list[int]:
    return _running(1, pid)


def wait_for_workers(proc: subprocess.Popen, n: int = 2, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = children(proc.pid)
        if len(found) >= n:
            return found
        assert proc.poll() is None, "the run ended before its workers were seen"
        time.sleep(0.002)
    raise AssertionError("no workers appeared")


def wait_until_gone(session: int, timeout: float = 5) -> list[int]:
    deadline = time.monotonic() + timeout
    while (alive := live_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs Linux /proc to find the run's processes"
)


@pytest.fixture
def reap():
    """Kill (by pid) whatever a failed test left running, so no orphan outlives the suite."""
    sessions: list[int] = []
    yield sessions.append
    for s in sessions:
        for pid in live_processes(s):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# defect 2: workers die with their parent and never swallow SIGTERM


@needs_proc
def test_sigkill_of_the_parent_ends_every_worker_and_the_next_run_cleans_up(
    tmp_path: Path, reap
) -> None:
    # setup: a two-worker run, killed with SIGKILL as soon as both workers exist
    target = tmp_path / "big.sqlite"
    proc = start(tmp_path, *BUSY, "--out", str(target))
    reap(proc.pid)
    wait_for_workers(proc)
    # run
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # assert: nothing of the run is alive 5 s later, and whoever reads its output gets EOF
    assert wait_until_gone(proc.pid) == []
    stdout, stderr = proc.communicate(timeout=5)
    assert "Traceback" not in stderr
    assert not target.exists()
    # the killed run's hidden build folder is left behind; the next run to the target removes it
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] != []
    result = cli(tmp_path, *SMALL, "--out", str(target))
    assert result.returncode == 0, result.stderr
    assert listing(tmp_path) == ["big.sqlite"]


@needs_proc
@pytest.mark.parametrize(
    ("sig", "first"),
    [(signal.SIGKILL, 2), (signal.SIGTERM, 2), (signal.SIGTERM, 1)],
    ids=["SIGKILL", "SIGTERM", "SIGTERM-while-forking"],
)
def test_a_worker_killed_fails_the_run_in_one_line_and_leaves_nothing(
    tmp_path: Path, reap, sig: signal.Signals, first: int
) -> None:
    # setup: strike once ``first`` workers exist (1: while the pool is still starting)
    target = tmp_path / "big.sqlite"
    proc = start(tmp_path, *BUSY, "--out", str(target))
    reap(proc.pid)
    workers = wait_for_workers(proc, first)
    # run: one worker gets the signal (SIGTERM must not be swallowed by the worker)
    os.kill(workers[0], sig)
    stdout, stderr = proc.communicate(timeout=60)
    # assert
    line = assert_one_line_failure(proc.returncode, stderr, 1)
    assert f"worker process died (killed by {sig.name})" in line
    assert "no output was written" in line
    assert wait_until_gone(proc.pid) == []
    assert listing(tmp_path) == []


@needs_proc
def test_ctrl_c_to_the_process_group_stops_every_process_in_one_line(tmp_path: Path, reap) -> None:
    # setup
    target = tmp_path / "big.sqlite"
    proc = start(tmp_path, *BUSY, "--out", str(target))
    reap(proc.pid)
    wait_for_workers(proc)
    # run: a terminal's Ctrl-C reaches the parent and both workers
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    # assert: the workers print nothing (no traceback of theirs) and are gone
    assert_one_line_failure(proc.returncode, stderr, 130)
    assert wait_until_gone(proc.pid) == []
    assert listing(tmp_path) == []


def _orphan_after_parent_exits(monkeypatch: pytest.MonkeyPatch, prctl: bool) -> int:
    """Fork a parent that forks a worker set up by `_die_with_parent`, then let the parent
    exit; returns the worker's pid.  Without ``prctl`` the watchdog thread must do the job."""
    if not prctl:
        monkeypatch.setattr(src.workers.ctypes, "CDLL", raising(OSError("no prctl here")))
    report_r, report_w = os.pipe()
    parent = os.fork()
    if parent == 0:  # the worker's parent: fork it, wait until it is set up, exit at once
        try:
            ready_r, ready_w = os.pipe()
            worker = os.fork()
            if worker == 0:
                src.workers._die_with_parent(os.getppid())
                os.write(ready_w, b"x")
                time.sleep(30)
                os._exit(0)
            os.read(ready_r, 1)
            os.write(report_w, str(worker).encode())
        finally:
            os._exit(0)
    os.close(report_w)
    worker = int(os.read(report_r, 32))
    os.close(report_r)
    os.waitpid(parent, 0)
    return worker


@needs_proc
@pytest.mark.parametrize("prctl", [True, False], ids=["prctl", "watchdog"])
def test_a_worker_dies_with_its_parent_with_or_without_prctl(
    monkeypatch: pytest.MonkeyPatch, prctl: bool
) -> None:
    # setup / run: the worker's parent exits, as a parent killed with SIGKILL would
    worker = _orphan_after_parent_exits(monkeypatch, prctl)
    # assert: the worker is gone within the watchdog's period, not 30 s later
    deadline = time.monotonic() + 5
    while (st := _stat(worker)) is not None and st[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = st is not None and st[0] != "Z"
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive


# ---------------------------------------------------------------------------------------------
# defect 15: leftovers of a killed run


def _hold_lock(folder: Path) -> subprocess.Popen:
    """A live process holding the lock of a build folder, as a running generate does."""
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(folder)!r}, os.O_RDONLY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_next_run_removes_a_dead_runs_leftovers_but_never_a_live_runs(tmp_path: Path) -> None:
    # setup: two build folders beside the target, as two runs would make them; the first run
    # died (its lock is gone with it), the second is alive and holds its lock
    target = tmp_path / "out.sqlite"
    prefix = run_dir_prefix(target)
    dead = tmp_path / f"{prefix}dead0001.tmp"
    live = tmp_path / f"{prefix}live0001.tmp"
    for folder in (dead, live):
        (folder / "parts").mkdir(parents=True)
        (folder / "build.sqlite").write_bytes(b"x" * 100_000)
        (folder / "parts" / "part-0000000.sqlite").write_bytes(b"y" * 1000)
    gone = _hold_lock(dead)
    gone.kill()
    gone.wait()
    holder = _hold_lock(live)
    unrelated = tmp_path / ".out.sqlite.notes"  # not a build folder: never touched
    unrelated.write_text("mine")
    # folders killed before they were locked and renamed: an old one is dead; a fresh one may
    # be a live run's, a microsecond before its lock
    old_new, fresh_new = tmp_path / f"{prefix}oldnew01.new", tmp_path / f"{prefix}freshn01.new"
    old_new.mkdir()
    fresh_new.mkdir()
    os.utime(old_new, (time.time() - 120, time.time() - 120))
    try:
        # run
        result = cli(tmp_path, *SMALL, "--out", str(target))
        # assert
        assert result.returncode == 0, result.stderr
        assert not dead.exists() and not old_new.exists()
        assert (live / "build.sqlite").read_bytes() == b"x" * 100_000
        assert unrelated.read_text() == "mine"
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == sorted([".out.sqlite.notes", live.name, fresh_new.name, "out.sqlite"])
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------------------------------------
# defect 3: no-clobber final step


def test_two_concurrent_runs_on_one_new_path_one_wins_the_other_exits_2(
    tmp_path: Path,
) -> None:
    # setup: two runs with different seeds, started together, both see the path free
    target = tmp_path / "race.sqlite"
    procs = [start(tmp_path, *SMALL, "--seed", str(s), "--out", str(target)) for s in (1, 2)]
    # run
    results = [(p, *p.communicate(timeout=120)) for p in procs]
    # assert: exactly one wins; the file is the winner's; the loser says so in one line
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 2], [(p.returncode, err) for p, _, err in results]
    (winner_out,) = [out for p, out, _ in results if p.returncode == 0]
    (loser_err,) = [err for p, _, err in results if p.returncode == 2]
    line = assert_one_line_failure(2, loser_err, 2)
    assert str(target) in line
    assert fingerprint_file(str(target)) in HEX64.findall(winner_out)
    assert listing(tmp_path) == ["race.sqlite"]


def test_a_target_that_appears_during_the_run_is_kept_and_the_run_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: another writer creates the target while this run builds its file
    target = tmp_path / "out.sqlite"
    real = src.pipeline._build

    def racing(*args, **kwargs):
        summary = real(*args, **kwargs)
        target.write_bytes(b"the other run's file")
        return summary

    monkeypatch.setattr(src.pipeline, "_build", racing)
    # run
    with pytest.raises(OutputExistsError, match="appeared"):
        generate(small_config(1), target)
    # assert: the other file is intact, this run's temporary files are gone
    assert target.read_bytes() == b"the other run's file"
    assert listing(tmp_path) == ["out.sqlite"]


def test_a_report_whose_target_appears_during_the_run_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_seed1
) -> None:
    # setup
    target = tmp_path / "page.html"
    real = src.report.render_html

    def racing(*args, **kwargs):
        page = real(*args, **kwargs)
        target.write_text("the other page")
        return page

    monkeypatch.setattr(src.report, "render_html", racing)
    before = digest(small_seed1.path)
    # run
    with pytest.raises(OutputExistsError, match="appeared"):
        src.report.build_report(small_seed1.path, target)
    # assert
    assert target.read_text() == "the other page"
    assert listing(tmp_path) == ["page.html"]
    assert digest(small_seed1.path) == before


@pytest.mark.parametrize("links", [True, False], ids=["hard-link", "no-hard-links"])
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_publish_puts_a_new_output_in_place_but_never_over_one_that_appeared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, links: bool
) -> None:
    # setup: a finished output (a file, or a folder as an export writes), and a file system
    # with or without hard links
    if not links:
        monkeypatch.setattr(os, "link", raising(OSError(errno.EPERM, "")))

    def finished(name: str) -> Path:
        path = tmp_path / name
        if kind == "folder":
            path.mkdir()
            (path / "data.csv").write_text(name)
        else:
            path.write_text(name)
        return path

    target = tmp_path / "target"
    # run: the first output takes the free name; the second finds it taken
    publish(finished("first"), target, overwrite=False)
    second = finished("second")
    with pytest.raises(FileExistsError):
        publish(second, target, overwrite=False)
    # assert: the first is in place and intact; the second is still the caller's to remove
    content = target / "data.csv" if kind == "folder" else target
    assert content.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["second", "target"]


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_atomic_target_with_overwrite_replaces_a_file_or_a_folder(
    tmp_path: Path, kind: str
) -> None:
    # setup: an existing output of the same kind
    target = tmp_path / "out"
    if kind == "folder":
        target.mkdir()
        (target / "old.csv").write_text("old")
    else:
        target.write_text("old")
    # run
    with atomic_target(target, overwrite=True) as tmp:
        if kind == "folder":
            tmp.mkdir()
            (tmp / "new.csv").write_text("new")
        else:
            tmp.write_text("new")
    # assert: only the new output is left, readable by others
    assert listing(tmp_path) == (["out", "out/new.csv"] if kind == "folder" else ["out"])
    assert (target / "new.csv" if kind == "folder" else target).read_text() == "new"
    assert target.stat().st_mode & 0o777 == (0o755 if kind == "folder" else 0o644)


def test_force_still_replaces_an_existing_file(tmp_path: Path) -> None:
    # setup
    target = tmp_path / "out.sqlite"
    target.write_bytes(b"old")
    # run
    summary = generate(small_config(1), target, overwrite=True)
    # assert
    assert fingerprint_file(str(target)) == summary.fingerprint
    assert listing(tmp_path) == ["out.sqlite"]


def test_the_library_names_its_own_remedy_and_the_cli_its_own(tmp_path: Path) -> None:
    # setup
    target = tmp_path / "out.sqlite"
    target.write_bytes(b"old")
    # run
    with pytest.raises(OutputExistsError) as caught:
        generate(small_config(1), target)
    result = CliRunner().invoke(app, [*SMALL, "--out", str(target)])
    # assert: the library's words are overwrite=True, the command line's --force, one line
    message = str(caught.value)
    assert message == f"{target} already exists; pass overwrite=True to replace it"
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {target} already exists; pass --force to replace it"
    ]
    assert target.read_bytes() == b"old"


# ---------------------------------------------------------------------------------------------
# defect 4: a full disk


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 512 KiB tmpfs: too small for any output of these tests (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize("command", ["generate", "generate-workers", "reproduce", "report"])
def test_a_full_disk_ends_the_run_in_one_line_and_leaves_nothing(
    small_disk: Path, small_seed1, command: str
) -> None:
    # setup: the output goes on the small disk; the input (if any) stays outside it
    before = digest(small_seed1.path)
    source = str(small_seed1.path)
    target = small_disk / ("page.html" if command == "report" else "out.sqlite")
    args = command_args(command.removesuffix("-workers"), source, str(target))
    if command == "generate-workers":  # the disk fills in a worker writing its part file
        args += ["--projects", "40", "--workers", "2"]
    # run
    result = cli(small_disk.parent, *args)
    # assert: exit 1, one line naming the path and sizes, nothing on the disk, input intact
    line = assert_one_line_failure(result.returncode, result.stderr, 1)
    assert str(target) in line and "full" in line
    assert re.search(r"\d+\.\d MB free.* needs about \d+\.\d MB", line), line
    assert listing(small_disk) == []
    assert digest(small_seed1.path) == before


# ---------------------------------------------------------------------------------------------
# defect 5, output side: paths that cannot name a new file


def _bad_paths(tmp_path: Path) -> dict[str, str]:
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    return {
        "trailing-slash": str(tmp_path / "name") + "/",
        "name-too-long": str(tmp_path / ("n" * 300 + ".sqlite")),
        "through-a-file": str(a_file / "sub" / "x.sqlite"),
    }


@pytest.mark.parametrize("case", ["trailing-slash", "name-too-long", "through-a-file"])
@pytest.mark.parametrize("command", ["generate", "reproduce", "report"])
def test_an_output_path_that_cannot_be_a_new_file_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_seed1, command: str, case: str
) -> None:
    # setup
    for key in ENV_KEYS.values():
        monkeypatch.delenv(key, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out = _bad_paths(work)[case]
    before_input = digest(small_seed1.path)
    before = listing(work)
    args = command_args(command, str(small_seed1.path), out)
    # run
    result = CliRunner().invoke(app, args)
    # assert
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    line = assert_one_line_failure(result.exit_code, result.stderr, 2)
    assert {"trailing-slash": "folder", "name-too-long": "255", "through-a-file": "not a dir"}[
        case
    ] in line
    assert listing(work) == before
    assert digest(small_seed1.path) == before_input


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root searches any folder: permission bits can't stop it"
)
def test_a_path_through_an_unsearchable_folder_is_refused(tmp_path: Path) -> None:
    # setup
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o600)
    try:
        # run
        result = cli(tmp_path, *SMALL, "--out", str(locked / "x.sqlite"))
        # assert
        line = assert_one_line_failure(result.returncode, result.stderr, 2)
        assert "permission" in line
    finally:
        locked.chmod(0o700)


def test_an_unsearchable_folder_is_one_line_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: the kernel answers EACCES for anything under the folder, as it does to a user
    # without search permission (root is never refused, so the answer is injected)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path).startswith(str(locked) + os.sep):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    # run
    with pytest.raises(OutputPathError, match="Permission denied") as info:
        generate(small_config(1), locked / "x.sqlite")
    monkeypatch.undo()
    # assert
    assert "\n" not in str(info.value)
    assert listing(tmp_path) == ["locked"]


def test_library_refuses_a_folder_path_given_as_a_string(tmp_path: Path) -> None:
    # run / assert: the library keeps the trailing slash that Path() would drop
    with pytest.raises(OutputPathError, match="folder"):
        generate(small_config(1), str(tmp_path / "name") + "/")
    assert listing(tmp_path) == []
