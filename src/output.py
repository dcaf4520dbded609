"""Writing an output safely: checked before any work, built in a locked hidden folder beside
the target, and put in place only when complete, without ever clobbering a file that
appeared meanwhile.  Used by `generate`, `reproduce` and `report`.

The build folder is named ``.<target name>.<random>.tmp`` and holds an exclusive `flock` for
the life of the run (forked workers share it).  A folder of that name whose lock can be
taken belongs to a run that died (SIGKILL, a power cut): the next run to the same target
removes it.  A live run's folder is never touched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .config import path_problems
from .errors import DiskFullError, OutputExistsError, OutputPathError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, so leftovers are never judged
    fcntl = None  # type: ignore[assignment]

_RUN_SUFFIX = ".tmp"
_NEW_SUFFIX = ".new"  # a build folder before it is locked and renamed to .tmp
_PREFIX_NAME_BYTES = 200  # room for the dots, mkdtemp's 8 characters and the suffix in 255
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP}
_SQLITE_FULL = 13


def check_target(
    target: str | Path,
    overwrite: bool,
    source: Path | None = None,
    setting: str = "db_path (DB_PATH)",
    example: str = "x.sqlite",
) -> None:
    """Fail before any expensive work unless ``target`` can be a new (or replaceable) file.

    ``target`` may be the string a user typed: a trailing slash (which ``Path`` drops) names
    a folder and is refused.  ``setting`` and ``example`` are path_problems' words for the
    option the target came from.
    """
    problems = path_problems(target, setting, example)
    if problems:
        raise OutputPathError(problems[0])
    target = Path(target)
    if source is not None and _same_file(source, target):
        raise OutputPathError(f"{target} is the input file itself; write to another path")
    if os.path.lexists(target) and not overwrite:
        raise OutputExistsError(f"{target} already exists")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either one missing or unreachable: not the same existing file
        return False


def run_dir_prefix(target: Path) -> str:
    """The start of the build folders' names for ``target`` (the name cut to fit 255 bytes)."""
    name = os.fsdecode(os.fsencode(target.name)[:_PREFIX_NAME_BYTES])
    return f".{name}."


@contextlib.contextmanager
def atomic_target(
    target: Path, *, overwrite: bool = False, expected_bytes: int | None = None
) -> Iterator[Path]:
    """Yield a path to build the output at (a file, or a folder the caller makes there); on
    success it is put in place at ``target`` (`publish`).

    Without ``overwrite`` the last step refuses (OutputExistsError) if anything appeared at
    ``target`` since it was checked: exactly one of two racing runs wins, the other loses
    nothing of anyone's.  On any error or interrupt the build folder is removed and the
    target is untouched.  A full disk becomes one DiskFullError naming the path and the
    space needed (``expected_bytes``, when the caller can estimate it).
    """
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale(target)
        run, lock = _new_run_dir(target)
    except OSError as e:
        if _is_disk_full(e, folder):
            raise _disk_full(target, 0, expected_bytes) from e
        raise OutputPathError(f"cannot write in {folder}: {e.strerror or e}") from e
    tmp = run / "output"
    try:
        yield tmp
        os.chmod(tmp, 0o755 if tmp.is_dir() else 0o644)  # outputs are meant to be shared
        try:
            publish(tmp, target, overwrite)
        except FileExistsError as e:
            raise OutputExistsError(
                f"{target} appeared while this run was writing it (another run?); it was "
                "left as it is and this run's output was dropped"
            ) from e
    except (OSError, sqlite3.Error) as e:
        if not _is_disk_full(e, folder):
            if isinstance(e, PermissionError | IsADirectoryError | NotADirectoryError):
                raise OutputPathError(f"cannot write {target}: {e.strerror}") from e
            raise
        written = _tree_size(run)
        shutil.rmtree(run, ignore_errors=True)  # first, so the free space reported is what is left
        raise _disk_full(target, written, expected_bytes) from e
    finally:
        _remove_run_dir(run, lock)


def publish(tmp: Path, target: Path, overwrite: bool) -> None:
    """Put the finished ``tmp`` (a file or a folder) at ``target`` in one atomic step.

    With ``overwrite`` it replaces what is there.  Without, it never replaces anything:
    FileExistsError if something appeared at ``target``.  A file is hard-linked into place
    (``link`` fails on an existing name); where the file system has no hard links the name
    is first claimed with O_EXCL.  A folder claims the name with ``mkdir`` and is renamed
    onto that empty claim (``rename`` replaces only an empty folder); replacing a folder
    that has files takes two renames, the old one moved aside into the build folder first.
    """
    if overwrite and tmp.is_dir() and target.is_dir():
        # rename cannot replace a folder that has files: move the old one into the build
        # folder (removed with it, or by the sweep after a kill), then the new one in
        old = tmp.with_name(tmp.name + ".replaced")
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)
            raise
    elif overwrite:
        os.replace(tmp, target)
    elif tmp.is_dir():
        os.mkdir(target)
        os.rename(tmp, target)
    else:
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise
        except OSError as e:
            if e.errno not in _NO_HARD_LINKS:
                raise
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            os.replace(tmp, target)
        else:
            os.unlink(tmp)


def remove_stale(target: Path) -> list[Path]:
    """Remove the build folders of dead runs for ``target``; returns what was removed.

    A folder counts as dead only when its lock can be taken now; one that is locked, or
    whose lock cannot be tried, is left alone.  A folder not yet renamed to its ``.tmp``
    name is unlocked for a moment in a live run: it counts only once it is a minute old.
    """
    if fcntl is None:
        return []
    pattern = re.compile(
        re.escape(run_dir_prefix(target))
        + r"[a-z0-9_]{8}"
        + f"({re.escape(_RUN_SUFFIX)}|{re.escape(_NEW_SUFFIX)})"
    )
    removed = []
    try:
        entries = [e for e in os.scandir(target.parent) if pattern.fullmatch(e.name)]
    except OSError:
        return []
    for entry in entries:
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.name.endswith(_NEW_SUFFIX) and time.time() - entry.stat().st_mtime < 60:
                continue
        except OSError:
            continue
        # flock is per open file: a folder this very process builds in is refused as well
        fd = _try_lock(Path(entry.path))
        if fd is None:
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
        finally:
            os.close(fd)
    return removed


def _try_lock(folder: Path) -> int | None:
    """An fd holding ``folder``'s exclusive lock, or None if it is held or cannot be tried."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _new_run_dir(target: Path) -> tuple[Path, int | None]:
    """A fresh build folder beside ``target``, locked before the sweep can see its name."""
    new = Path(
        tempfile.mkdtemp(prefix=run_dir_prefix(target), suffix=_NEW_SUFFIX, dir=target.parent)
    )
    lock = _try_lock(new) if fcntl is not None else None
    run = new.with_name(new.name[: -len(_NEW_SUFFIX)] + _RUN_SUFFIX)
    try:
        os.rename(new, run)
    except OSError:
        if lock is not None:
            os.close(lock)
        shutil.rmtree(new, ignore_errors=True)
        raise
    return run, lock


def _remove_run_dir(run: Path, lock: int | None) -> None:
    shutil.rmtree(run, ignore_errors=True)
    if lock is not None:
        os.close(lock)  # the lock goes last: until the folder is gone it is this run's


def _is_disk_full(exc: BaseException, folder: Path) -> bool:
    """ENOSPC or a quota from the OS, SQLITE_FULL from SQLite (also when raised in a worker
    process, where only the message survives), or an I/O error with the disk out of space."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL or "disk is full" in str(exc):
            return True
        if "disk I/O error" in str(exc):
            with contextlib.suppress(OSError):
                return shutil.disk_usage(folder).free < 2**20
    return False


def _disk_full(target: Path, written: int, expected: int | None) -> DiskFullError:
    try:
        free = f"{_mb(shutil.disk_usage(target.parent).free)} free"
    except OSError:
        free = "free space unknown"
    if expected and expected > written:
        need = f"this output needs about {_mb(expected)}"
    else:
        need = f"this output needs more than the {_mb(written)} written before it filled"
    return DiskFullError(
        f"{target}: the disk holding {target.parent} is full ({free}); {need}; nothing was "
        "written: free some space or choose another path"
    )


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _tree_size(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total
