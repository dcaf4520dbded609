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
    """The target file exists and overwriting was not asked for."""

    exit_code = 2


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
