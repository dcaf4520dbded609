"""Settings from the command line: the .env file (or --env-file) under the environment, and
`resolve` that turns flags, variables and .env lines into one config, reporting every bad one
at once."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from rich.markup import escape

from ..config import ENV_KEYS, Config, env_key_meant, resolve_config
from ..errors import ConfigError
from ..llm import api_key, resolve_llm_settings
from .console import err


def environment(env_file: Path | None) -> tuple[dict[str, str], list[str]]:
    """Environment with .env (or --env-file) underneath it: real environment variables win.

    Returns the merged mapping and the problems of the file (unreadable, not UTF-8, a line
    that is not KEY=value), which are config errors like a bad value; a misspelled key of
    ours gets a warning.  A ./.env that is missing or a folder (virtualenvs are often called
    .env) is no settings file; a missing or folder --env-file is an error.
    """
    path = env_file or Path(".env")
    name = f"--env-file: {path}" if env_file is not None else str(path)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as e:
        if env_file is None:
            return dict(os.environ), []
        if isinstance(e, IsADirectoryError):
            return dict(os.environ), [f"{name} is a folder, not a file of settings"]
        return dict(os.environ), [f"{name} does not exist"]
    except OSError as e:
        return dict(os.environ), [f"{name}: cannot read it: {e.strerror}"]
    values, problems = _parse_env_file(path, data)
    merged = {k: v for k, v in values.items() if v is not None}
    merged.update(os.environ)
    return merged, problems


def _parse_env_file(path: Path, data: bytes) -> tuple[dict[str, str | None], list[str]]:
    """The values of a .env file's bytes, or the problems of its lines (python-dotenv's own
    parser finds the lines it cannot read; dotenv_values would only log and skip them)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line_no = data.count(b"\n", 0, e.start) + 1
        line = data.splitlines()[line_no - 1].decode("utf-8", "replace")
        return {}, [
            f"{_where(path, line_no, line)}: not UTF-8 text (byte 0x{data[e.start]:02x}); "
            "save the file as UTF-8"
        ]
    problems = []
    for binding in parse_stream(io.StringIO(text)):
        lines = binding.original.string.splitlines() or [""]
        blank = next((i for i, line in enumerate(lines) if line.strip()), 0)
        line_no, first = binding.original.line + blank, lines[blank]  # where the text starts
        if binding.error:
            problems.append(
                f"{_where(path, line_no, first)}: cannot be read as KEY=value: {first!r} "
                "(is a quote not closed?)"
            )
        elif binding.key in ENV_KEYS.values() and binding.value is None:
            problems.append(
                f"{_where(path, line_no, first)}: has no value; write {binding.key}=value"
            )
        elif binding.key is not None and (meant := env_key_meant(binding.key)):
            err.print(
                f"[yellow]warning:[/] {escape(f'{path}, line {line_no}')}: "
                f"{escape(binding.key)} is not a setting (ignored); did you mean {meant}?",
                highlight=False,
            )
    if problems:
        return {}, problems
    return dotenv_values(stream=io.StringIO(text)), []


def _where(path: Path, line_no: int, line: str) -> str:
    """`.env, line 2 (INDUSTRY)`: the file, the line and the key the line sets, if it has one."""
    key = re.match(r"\s*(?:export\s+)?([A-Za-z_]\w*)", line)
    return f"{path}, line {line_no}" + (f" ({key[1]})" if key else "")


def resolve(
    explicit: dict[str, Any], env_file: Path | None, workers: str | None, today: dt.date
) -> tuple[Config, int | None, Any, str | None]:
    """resolve_config and the LLM settings, with the CLI's own problems (the .env file,
    --workers) in the same ConfigError, so every bad flag, variable and line is reported at
    once.  Returns the config, the worker count, the LLM settings and the key (kept apart)."""
    env, problems = environment(env_file)
    count = None
    if workers is not None:
        try:
            count = int(workers.strip())
        except ValueError:
            problems.append(f"workers (--workers): must be a whole number, got {workers!r}")
        else:
            if not 1 <= count <= 64:
                problems.append(
                    f"workers (--workers): must be a whole number from 1 to 64, got {count}"
                )
    llm = key = config = None
    try:
        llm, key = llm_options(explicit, env)
    except ConfigError as e:
        problems = [*e.problems, *problems]
    try:
        config = resolve_config(explicit, env, today)
    except ConfigError as e:
        raise ConfigError([*e.problems, *problems]) from None
    if problems:
        raise ConfigError(problems)
    return config, count, llm, key


def llm_options(explicit: dict[str, Any], env: dict[str, str]) -> tuple[Any, str | None]:
    """LLM settings from the llm_* flags and the environment, and the key (kept apart)."""
    flags = {k[4:]: explicit.pop(k) for k in list(explicit) if k.startswith("llm_")}
    settings = resolve_llm_settings(flags, env)
    return settings, api_key(settings, env)
