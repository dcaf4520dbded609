"""Generating: the default command (also `generate`), its options, and the tables that
summarise a generated file (shared with `reproduce` and `live`)."""

from __future__ import annotations

import datetime as dt
import signal
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from ..config import SCALES
from ..llm import LLMReport
from ..pipeline import Summary, generate
from .console import call, call_with_bar, err, fail, out
from .options import with_llm_options
from .settings import resolve


def render(summary: Summary, title: str = "Generated") -> None:
    out.print(_totalled(f"{title}: {summary.path}", ("table", "rows"), summary.row_counts, ","))
    out.print(_totalled("seconds per stage", ("stage", "seconds"), summary.stage_seconds, ".2f"))
    c = summary.config
    facts = Table(show_header=False, box=None)
    for k, v in (
        ("output", escape(str(summary.path))),
        ("seed", str(summary.seed)),
        ("anchor", summary.anchor),
        ("industry", c.industry),
        ("workforce", c.workforce),
        ("scale", c.scale),
        ("fingerprint", summary.fingerprint),
    ):
        facts.add_row(f"[bold]{k}", v)
    out.print(facts)
    if summary.llm is not None:
        render_llm(summary.llm)


def _totalled(title: str, columns: tuple[str, str], values: dict, fmt: str) -> Table:
    """A two-column table of named figures with their total in bold below."""
    table = Table(title=title)
    table.add_column(columns[0])
    table.add_column(columns[1], justify="right")
    for name, v in values.items():
        table.add_row(name, format(v, fmt))
    table.add_row("[bold]total", f"[bold]{format(sum(values.values()), fmt)}")
    return table


def render_llm(r: LLMReport) -> None:
    """The LLM tier's figures: calls, tokens, cache hits, fallbacks by reason, cost."""
    table = Table(title=f"LLM text tier ({r.provider}, {r.model})", show_header=False)
    cost = "unknown (no price for this model)" if r.cost is None else f"${r.cost:.4f}"
    fallbacks = ", ".join(f"{k} {v:,}" for k, v in sorted(r.fallbacks.items())) or "none"
    for k, v in (
        ("fields", ", ".join(r.fields)),
        ("items", f"{r.items:,} ({r.accepted:,} with LLM text, {r.cache_hits:,} from the cache)"),
        (
            "calls",
            f"{r.calls:,} ({r.batches:,} batches, {r.retries:,} retries, {r.errors:,} failed)",
        ),
        ("tokens", f"{r.tokens_in:,} in, {r.tokens_out:,} out"),
        ("template fallbacks", fallbacks),
        ("estimated cost", cost),
        ("seconds", f"{r.seconds:.2f}"),
    ):
        table.add_row(f"[bold]{k}", v)
    out.print(table)
    for message in r.messages:
        err.print(f"[yellow]warning:[/] {message}", highlight=False)


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM (a `kill`, a CI timeout) cleans up like Ctrl-C: no partial output is left."""
    raise KeyboardInterrupt


@with_llm_options
def generate_cmd(
    ctx: typer.Context,
    # numbers are taken as text and parsed by resolve_config, so every bad one is reported
    seed: str = typer.Option(
        None, "--seed", metavar="INTEGER", help="Root seed (env SEED; default 42)."
    ),
    scale: str = typer.Option(None, "--scale", help=f"Preset: {'|'.join(SCALES)} (env SCALE)."),
    users: str = typer.Option(
        None, "--users", metavar="INTEGER", help="Number of people (SEED_COUNT_USERS)."
    ),
    projects: str = typer.Option(
        None, "--projects", metavar="INTEGER", help="Projects (SEED_COUNT_PROJECTS)."
    ),
    tasks_per_project: str = typer.Option(
        None,
        "--tasks-per-project",
        metavar="INTEGER",
        help="Mean top-level tasks per project (SEED_COUNT_TASKS_PER_PROJECT).",
    ),
    months: str = typer.Option(
        None, "--months", metavar="INTEGER", help="History length (HISTORY_MONTHS; 6)."
    ),
    end_date: str = typer.Option(
        None, "--end-date", help="Anchor date YYYY-MM-DD (END_DATE; default today, UTC)."
    ),
    industry: str = typer.Option(None, "--industry", help="One of ten industries (INDUSTRY)."),
    workforce: str = typer.Option(None, "--workforce", help="us | global (WORKFORCE)."),
    out_path: str = typer.Option(  # a string: Path() would drop a trailing slash
        None, "--out", "-o", help="Output file (DB_PATH; output/asana_simulation.sqlite)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
    workers: str = typer.Option(
        None,
        "--workers",
        metavar="INTEGER",
        help="Processes generating projects (default: 2 for large runs, else 1); the content "
        "is the same for any count.",
    ),
    env_file: Path = typer.Option(
        None, "--env-file", help="Read settings from this file instead of ./.env."
    ),
    llm_flags: dict[str, Any] | None = None,
) -> None:
    """With no command: generate the organization (same as `generate`)."""
    signal.signal(signal.SIGTERM, _terminate)
    explicit = {
        "seed": seed,
        "scale": scale,
        "users": users,
        "projects": projects,
        "tasks_per_project": tasks_per_project,
        "history_months": months,
        "end_date": end_date,
        "industry": industry,
        "workforce": workforce,
        "db_path": out_path,
        "force": force or None,
        "env_file": env_file,
        "workers": workers,
        **(llm_flags or {}),
    }
    if ctx.invoked_subcommand is not None:
        given = sorted(k for k, v in explicit.items() if v is not None)
        if given and ctx.invoked_subcommand != "generate":
            fail(
                f"options {', '.join(given)} apply to generating, not to "
                f"`{ctx.invoked_subcommand}`; put them after `generate` or drop them"
            )
        ctx.obj = explicit  # options given before `generate` apply to it
        return
    group = ctx.parent.obj if ctx.parent is not None and isinstance(ctx.parent.obj, dict) else {}
    explicit = {**group, **{k: v for k, v in explicit.items() if v is not None}}
    force = bool(explicit.pop("force", False))
    env_file = explicit.pop("env_file", None)
    workers = explicit.pop("workers", None)
    today = dt.datetime.now(dt.UTC).date()
    config, workers, llm_settings, key = call(resolve, explicit, env_file, workers, today)
    summary = call_with_bar(
        generate,
        config,
        overwrite=force,
        workers=workers,
        llm=llm_settings,
        llm_api_key=key,
    )
    render(summary)
