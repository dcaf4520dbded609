"""Typed errors the library raises; the CLI turns each into one message and an exit code."""

from __future__ import annotations


class SeedError(Exception):
    """Base class: every error the library raises on purpose derives from it."""

    exit_code = 1


class ConfigError(SeedError):
    """One or more configuration values are invalid; all of them are listed at once."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class OutputExistsError(SeedError):
    """The target exists and overwriting was not asked for.

    ``what`` says what happened; the message adds the library's remedy (``overwrite=True``)
    and ``cli`` the command line's (``--force``), so each caller reads its own words.
    """

    exit_code = 2

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what

    def __str__(self) -> str:
        return f"{self.what}; pass overwrite=True to replace it"

    @property
    def cli(self) -> str:
        return f"{self.what}; pass --force to replace it"


class OutputPathError(SeedError):
    """The output path cannot be written (a directory, an unwritable folder, ...)."""

    exit_code = 2


class InputFileError(SeedError):
    """A file given as input is missing, not SQLite, or not one of ours."""

    exit_code = 2


class FileIntegrityError(InputFileError):
    """`validate` found a file too damaged to check (corrupt pages, columns its rules need
    are gone): an integrity finding, so exit code 1 as for a failed rule."""

    exit_code = 1


class RunError(SeedError):
    """The run itself failed (a worker process died); nothing was written."""

    exit_code = 1


class DiskFullError(RunError):
    """The disk filled while writing the output; nothing was written."""
