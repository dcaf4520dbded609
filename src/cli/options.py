"""Options several commands share, declared once: the LLM tier's flags.  Generating and
`simulate` take the same set, resolved the same way (flag > environment > .env, by
`settings.llm_options`), so a flag added here reaches both."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from ..llm import FIELDS
from ..llm.settings import DEFAULT_CACHE

# parameter name -> (the key `resolve`/`llm_options` takes, its type, its typer option)
LLM_OPTIONS: dict[str, tuple[str, Any, Any]] = {
    "llm": (
        "llm_provider",
        str | None,
        typer.Option(
            None,
            "--llm",
            help="LLM text tier: off | groq | openai (env LLM; default groq when GROQ_API_KEY "
            "is set, else off).",
        ),
    ),
    "llm_fields": (
        "llm_fields",
        str | None,
        typer.Option(
            None, "--llm-fields", help=f"Comma list of {', '.join(FIELDS)} (LLM_FIELDS; all)."
        ),
    ),
    "llm_base_url": (
        "llm_base_url",
        str | None,
        typer.Option(
            None,
            "--llm-base-url",
            help="OpenAI-compatible server URL ending in /v1 (LLM_BASE_URL).",
        ),
    ),
    "llm_model": (
        "llm_model",
        str | None,
        typer.Option(None, "--llm-model", help="Model name (LLM_MODEL/GROQ_MODEL)."),
    ),
    "llm_cache": (
        "llm_cache_path",
        Path | None,
        typer.Option(
            None, "--llm-cache", help=f"LLM text cache file (LLM_CACHE; {DEFAULT_CACHE})."
        ),
    ),
    "no_llm_cache": (
        "llm_no_cache",
        bool,
        typer.Option(False, "--no-llm-cache", help="Bypass the LLM cache (read and write none)."),
    ),
    "llm_budget_calls": (
        "llm_budget_calls",
        str | None,
        typer.Option(
            None,
            "--llm-budget-calls",
            metavar="INTEGER",
            help="At most this many LLM requests (batches) (LLM_BUDGET_CALLS).",
        ),
    ),
    "llm_budget_tokens": (
        "llm_budget_tokens",
        str | None,
        typer.Option(
            None,
            "--llm-budget-tokens",
            metavar="INTEGER",
            help="At most about this many LLM tokens in and out (LLM_BUDGET_TOKENS).",
        ),
    ),
    "llm_concurrency": (
        "llm_concurrency",
        str | None,
        typer.Option(
            None,
            "--llm-concurrency",
            metavar="INTEGER",
            help="Concurrent LLM requests, 1 … 32 (LLM_CONCURRENCY; 4).",
        ),
    ),
    "llm_timeout": (
        "llm_timeout",
        str | None,
        typer.Option(
            None,
            "--llm-timeout",
            metavar="SECONDS",
            help="Seconds per LLM request (LLM_TIMEOUT; 30).",
        ),
    ),
}


def with_llm_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with the LLM flags added to its options; it receives them as one
    mapping, its ``llm_flags`` parameter, keyed as `resolve` takes them (``llm_provider``,
    ``llm_no_cache``, ...), None for a flag not given."""
    signature = inspect.signature(command, eval_str=True)
    hints = typing.get_type_hints(command)
    params = [p for p in signature.parameters.values() if p.name != "llm_flags"]
    for name, (_, kind, option) in LLM_OPTIONS.items():
        params.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        )
        hints[name] = kind
    hints.pop("llm_flags", None)

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        # a switch left off is "not given" (None), so .env and the environment still count
        flags = {key: kwargs.pop(name) for name, (key, _, _) in LLM_OPTIONS.items()}
        flags["llm_no_cache"] = flags["llm_no_cache"] or None
        command(*args, llm_flags=flags, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = hints
    return wrapper
