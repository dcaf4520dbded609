"""What every command shares: the two consoles, the progress bar, the one-line error
handling (a library error or a typer usage error becomes one line on stderr and an exit code)
and the FILE argument."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from ..errors import SeedError

# soft_wrap: a message is never broken across lines (a path split at column 80 cannot be
# copied); tables still fit the terminal, or 80 columns when written to a pipe
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

# the positional FILE argument of every command that reads a generated database
SqliteFile = Annotated[Path, typer.Argument(help="A SQLite file that follows schema.sql.")]


class OneLineUsageErrors(TyperGroup):
    """typer's usage errors (an unknown option, a missing argument) as one unwrapped line on
    stderr, like every other error, instead of a usage text and a boxed panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as e:
            err.print(
                f"[bold red]error:[/] {escape(e.format_message().rstrip('.'))}; see --help",
                highlight=False,
            )
            sys.exit(e.exit_code)
        except typer.Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class RichProgress:
    """The library's Progress protocol drawn as one rich bar per stage."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task: Any = None

    def stage(self, name: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        self.task = self.progress.add_task(name, total=max(total, 1))

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)

    def note(self, text: str) -> None:
        """A line above the bars (the LLM estimate before the first call)."""
        err.print(text, highlight=False)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; a SeedError becomes its line(s) and exit code, Ctrl-C 130."""
    try:
        return fn(*args, **kwargs)
    except SeedError as e:
        problems = getattr(e, "problems", None)
        if problems and len(problems) > 1:
            err.print(f"[bold red]error:[/] {len(problems)} invalid settings:")
            for p in problems:
                err.print(f"  - {escape(p)}", highlight=False)
            raise typer.Exit(e.exit_code) from None
        fail(problems[0] if problems else getattr(e, "cli", str(e)), e.exit_code)
    except KeyboardInterrupt:
        fail("interrupted; no output was written", 130)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<13}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


def call_with_bar(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`call` with a progress bar on stderr handed to ``fn`` as its ``progress``."""
    with _progress() as bar:
        return call(fn, *args, progress=RichProgress(bar), **kwargs)


def open_or_fail(fn: Any, file: Path) -> Any:
    """``fn(file)`` for a command that only reads FILE: a SeedError becomes one line."""
    try:
        return fn(file)
    except SeedError as e:
        fail(getattr(e, "cli", str(e)), e.exit_code)
