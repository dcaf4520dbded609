"""Writing an output file safely: checked before any work, built beside the target under a
temporary name, renamed over it only when complete.  Used by `generate` and `report`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .config import path_problems
from .errors import OutputExistsError, OutputPathError


def check_target(
    target: Path,
    overwrite: bool,
    source: Path | None = None,
    setting: str = "db_path (DB_PATH)",
    example: str = "x.sqlite",
) -> None:
    """Fail before any expensive work unless ``target`` is a new (or replaceable) file.

    ``setting`` and ``example`` are path_problems' words for the option the target came from.
    """
    problems = path_problems(target, setting, example)
    if problems:
        raise OutputPathError(problems[0])
    if source is not None and source.exists() and target.resolve() == source.resolve():
        raise OutputPathError(f"{target} is the input file itself; write to another path")
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{target} already exists; pass --force (overwrite=True) to replace it"
        )


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces the target.

    On an exception or an interrupt the temporary file (and a SQLite journal beside it) is
    removed and the target is untouched.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as e:
        raise OutputPathError(f"cannot write in {target.parent}: {e.strerror}") from e
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, target)
    except PermissionError as e:
        raise OutputPathError(f"cannot write {target}: {e.strerror}") from e
    finally:
        for p in (tmp, tmp.with_name(tmp.name + "-journal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
