"""The command line: typer and rich only.  Builds one config, calls one library function,
renders the result; library errors become one message and an exit code here."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import signal
import sys
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from dotenv import dotenv_values
from dotenv.parser import parse_stream
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from .config import ENV_KEYS, SCALES, Config, env_key_meant, resolve_config
from .errors import ConfigError, SeedError
from .export import export
from .export.asana_client import DEFAULT_BASE_URL
from .export.push import PushPlan, push
from .export.push import plan as push_plan
from .fingerprint import fingerprint_file
from .llm import FIELDS, LLMReport, api_key, resolve_llm_settings
from .llm.settings import DEFAULT_CACHE
from .pipeline import Summary, generate
from .report import build_report, format_value
from .reproduction import reproduce
from .stats import stats
from .validate import validate


class _OneLineUsageErrors(TyperGroup):
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


# the positional FILE argument of every command that reads a generated database
SqliteFile = Annotated[Path, typer.Argument(help="A SQLite file that follows schema.sql.")]

app = typer.Typer(
    cls=_OneLineUsageErrors,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # keeps secrets out of tracebacks
    help="Generate a realistic, reproducible Asana-like organization into one SQLite file.",
)
# soft_wrap: a message is never broken across lines (a path split at column 80 cannot be
# copied); tables still fit the terminal, or 80 columns when written to a pipe
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


class _RichProgress:
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


def _environment(env_file: Path | None) -> tuple[dict[str, str], list[str]]:
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


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except SeedError as e:
        problems = getattr(e, "problems", None)
        if problems and len(problems) > 1:
            err.print(f"[bold red]error:[/] {len(problems)} invalid settings:")
            for p in problems:
                err.print(f"  - {escape(p)}", highlight=False)
            raise typer.Exit(e.exit_code) from None
        _fail(problems[0] if problems else str(e), e.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; no output was written", 130)


def _resolve(
    explicit: dict[str, Any], env_file: Path | None, workers: str | None, today: dt.date
) -> tuple[Config, int | None, Any, str | None]:
    """resolve_config and the LLM settings, with the CLI's own problems (the .env file,
    --workers) in the same ConfigError, so every bad flag, variable and line is reported at
    once.  Returns the config, the worker count, the LLM settings and the key (kept apart)."""
    env, problems = _environment(env_file)
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
        llm, key = _llm_options(explicit, env)
    except ConfigError as e:
        problems = [*e.problems, *problems]
    try:
        config = resolve_config(explicit, env, today)
    except ConfigError as e:
        raise ConfigError([*e.problems, *problems]) from None
    if problems:
        raise ConfigError(problems)
    return config, count, llm, key


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


def _run_with_bar(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`_run` with a progress bar on stderr handed to ``fn`` as its ``progress``."""
    with _progress() as bar:
        return _run(fn, *args, progress=_RichProgress(bar), **kwargs)


def _render(summary: Summary, title: str = "Generated") -> None:
    table = Table(title=f"{title}: {summary.path}", show_lines=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in summary.row_counts.items():
        table.add_row(name, f"{n:,}")
    table.add_row("[bold]total", f"[bold]{sum(summary.row_counts.values()):,}")
    out.print(table)
    timing = Table(title="seconds per stage")
    timing.add_column("stage")
    timing.add_column("seconds", justify="right")
    for name, s in summary.stage_seconds.items():
        timing.add_row(name, f"{s:.2f}")
    timing.add_row("[bold]total", f"[bold]{sum(summary.stage_seconds.values()):.2f}")
    out.print(timing)
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
        _render_llm(summary.llm)


def _render_llm(r: LLMReport) -> None:
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


def _llm_options(explicit: dict[str, Any], env: dict[str, str]) -> tuple[Any, str | None]:
    """LLM settings from the llm_* flags and the environment, and the key (kept apart)."""
    flags = {k[4:]: explicit.pop(k) for k in list(explicit) if k.startswith("llm_")}
    settings = resolve_llm_settings(flags, env)
    return settings, api_key(settings, env)


@app.callback(invoke_without_command=True)
def main(
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
    llm: str = typer.Option(
        None,
        "--llm",
        help="LLM text tier: off | groq | openai (env LLM; default groq when GROQ_API_KEY is "
        "set, else off).",
    ),
    llm_fields: str = typer.Option(
        None, "--llm-fields", help=f"Comma list of {', '.join(FIELDS)} (LLM_FIELDS; all)."
    ),
    llm_base_url: str = typer.Option(
        None, "--llm-base-url", help="OpenAI-compatible server URL ending in /v1 (LLM_BASE_URL)."
    ),
    llm_model: str = typer.Option(None, "--llm-model", help="Model name (LLM_MODEL/GROQ_MODEL)."),
    llm_cache: Path = typer.Option(
        None, "--llm-cache", help=f"LLM text cache file (LLM_CACHE; {DEFAULT_CACHE})."
    ),
    no_llm_cache: bool = typer.Option(False, "--no-llm-cache", help="Bypass the LLM cache."),
    llm_budget_calls: str = typer.Option(
        None,
        "--llm-budget-calls",
        metavar="INTEGER",
        help="At most this many LLM requests (batches).",
    ),
    llm_budget_tokens: str = typer.Option(
        None,
        "--llm-budget-tokens",
        metavar="INTEGER",
        help="At most about this many LLM tokens in and out.",
    ),
    llm_concurrency: str = typer.Option(
        None,
        "--llm-concurrency",
        metavar="INTEGER",
        help="Concurrent LLM requests, 1 … 32 (LLM_CONCURRENCY; 4).",
    ),
    llm_timeout: str = typer.Option(
        None, "--llm-timeout", metavar="SECONDS", help="Seconds per LLM request (LLM_TIMEOUT; 30)."
    ),
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
        "llm_provider": llm,
        "llm_fields": llm_fields,
        "llm_base_url": llm_base_url,
        "llm_model": llm_model,
        "llm_cache_path": llm_cache,
        "llm_no_cache": no_llm_cache or None,
        "llm_budget_calls": llm_budget_calls,
        "llm_budget_tokens": llm_budget_tokens,
        "llm_concurrency": llm_concurrency,
        "llm_timeout": llm_timeout,
    }
    if ctx.invoked_subcommand is not None:
        given = sorted(k for k, v in explicit.items() if v is not None)
        if given and ctx.invoked_subcommand != "generate":
            _fail(
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
    config, workers, llm_settings, key = _run(_resolve, explicit, env_file, workers, today)
    summary = _run_with_bar(
        generate,
        config,
        overwrite=force,
        workers=workers,
        llm=llm_settings,
        llm_api_key=key,
    )
    _render(summary)


app.command("generate", help="Generate the organization (the default command).")(main)


@app.command("fingerprint")
def fingerprint_cmd(
    file: Path = typer.Argument(..., help="A generated SQLite file."),
) -> None:
    """Print the SHA-256 content fingerprint of a file (all tables but generation_runs)."""
    print(_open_or_fail(fingerprint_file, file))


@app.command("reproduce")
def reproduce_cmd(
    file: Path = typer.Argument(..., help="A file made by this generator."),
    out_path: str = typer.Option(..., "--out", "-o", help="Where to write the copy."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file."),
    llm_cache: Path = typer.Option(
        DEFAULT_CACHE, "--llm-cache", help="Where an LLM run's text is cached (never called)."
    ),
) -> None:
    """Regenerate FILE from its generation_runs record and compare it with FILE, table by
    table."""
    outcome = _run_with_bar(
        reproduce,
        file,
        out_path,
        overwrite=force,
        llm_cache=llm_cache,
    )
    _render(outcome.summary, "Reproduced")
    if not outcome.identical:
        _fail(f"{file}: {outcome.verdict}", 1)
    out.print(f"[green]{outcome.verdict}[/]")


def _open_or_fail(fn: Any, file: Path) -> Any:
    try:
        return fn(file)
    except SeedError as e:
        _fail(str(e), e.exit_code)


@app.command("validate")
def validate_cmd(
    file: SqliteFile,
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout instead."),
    no_scorecard: bool = typer.Option(
        False, "--no-scorecard", help="Only the integrity rules, not the realism scorecard."
    ),
) -> None:
    """Check every integrity rule and score realism; exit 1 on any integrity failure."""
    report = _open_or_fail(partial(validate, with_scorecard=not no_scorecard), file)
    metrics = report.metrics
    errors = sum(not r.passed and r.severity == "error" for r in report.rules)
    rule_warnings = sum(not r.passed and r.severity != "error" for r in report.rules)
    out_of_band = sum(m.in_band is False for m in metrics)  # a scorecard miss is a warning
    if as_json:
        summary = {
            "ok": report.ok,
            "rules": len(report.rules),
            "failed": errors,
            "warnings": rule_warnings + out_of_band,
            "rule_warnings": rule_warnings,
            "metrics_out_of_band": out_of_band,
        }
        print(
            json.dumps(
                {
                    "validation": report.to_dict(),
                    "scorecard": [m.to_dict() for m in metrics],
                    "summary": summary,
                },
                indent=2,
            )
        )
    else:
        table = Table(title=f"Validation: {file}")
        for col in ("rule", "severity", "result", "offending", "examples"):
            table.add_column(col, justify="right" if col == "offending" else "left")
        for r in report.rules:
            result = (
                "[green]pass"
                if r.passed
                else "[red]FAIL"
                if r.severity == "error"
                else "[yellow]warn"
            )
            table.add_row(
                r.rule, r.severity, result, f"{r.offending:,}", ", ".join(map(str, r.examples))
            )
        out.print(table)
        if metrics:
            card = Table(title="Realism scorecard")
            for col in ("metric", "value", "band", "in band", "source"):
                card.add_column(col)
            for m in metrics:
                mark = {True: "[green]yes", False: "[yellow]no", None: "-"}[m.in_band]
                card.add_row(m.name, format_value(m.value), m.band, mark, m.source)
            out.print(card)
        verdict = "[green]valid" if report.ok else "[red]INVALID"
        out.print(
            f"{verdict}[/]: {len(report.rules)} rules, {errors} failed, "
            f"{rule_warnings + out_of_band} warnings ({rule_warnings} rules, "
            f"{out_of_band} scorecard metrics out of band)"
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command("stats")
def stats_cmd(
    file: SqliteFile,
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout instead."),
) -> None:
    """Rows per table and top-line figures."""
    result = _open_or_fail(stats, file)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    table = Table(title=f"{file} (anchor {result.anchor})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in result.row_counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)
    figures = Table(title="Top-line figures")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for name, v in result.figures.items():
        figures.add_row(name, format_value(v))
    out.print(figures)


@app.command("report")
def report_cmd(
    file: SqliteFile,
    out_path: str = typer.Option(..., "--out", "-o", help="Where to write the HTML page."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file."),
) -> None:
    """Write one self-contained HTML page: activity, flow and workload charts, the scorecard."""
    summary = _run(build_report, file, out_path, overwrite=force)
    out.print(
        f"[green]wrote[/] {summary.path} ({summary.bytes / 2**20:.1f} MB, "
        f"{len(summary.charts)} charts, {summary.metrics} scorecard metrics) "
        f"in {summary.seconds:.1f} s",
        highlight=False,
    )


@app.command("export")
def export_cmd(
    file: SqliteFile,
    fmt: str = typer.Option(..., "--format", "-f", help="csv | jsonl | parquet | asana-json."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="The folder to create."),
    tables: str = typer.Option(
        None,
        "--tables",
        help="Comma-separated tables to export (asana-json: resource types); default all.",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out folder."),
) -> None:
    """Export FILE to a folder: one file per table (or resource type) and manifest.json."""
    wanted = tables.split(",") if tables is not None else None
    summary = _run_with_bar(
        export,
        file,
        fmt,
        out_dir,
        wanted,
        overwrite=force,
    )
    total = sum(summary.row_counts.values())
    out.print(
        f"[green]exported[/] {total:,} rows in {len(summary.files)} file(s) as "
        f"{summary.format} to {summary.out_dir} (source fingerprint {summary.fingerprint})",
        highlight=False,
    )


def _print_plan(the_plan: PushPlan, file: Path) -> None:
    table = Table(title=f"Replay of {file} into workspace {the_plan.workspace}")
    for col in ("stage", "requests", "done", "to send"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in the_plan.stages:
        table.add_row(s.name, f"{s.requests:,}", f"{s.done:,}", f"{s.requests - s.done:,}")
    table.add_row(
        "[bold]total",
        f"[bold]{the_plan.requests:,}",
        f"[bold]{the_plan.requests - the_plan.remaining:,}",
        f"[bold]{the_plan.remaining:,}",
    )
    out.print(table)
    minutes = the_plan.estimate_seconds() / 60
    free = the_plan.estimate_seconds(per_minute=150) / 60
    out.print(
        f"{the_plan.remaining:,} requests to send: about {minutes:.0f} min with "
        f"{the_plan.concurrency} in flight (~0.4 s a round trip, within Asana's paid-plan limit "
        f"of 1,500/min); about {free:.0f} min at the free plan's 150/min",
        highlight=False,
    )


@app.command("push")
def push_cmd(
    file: SqliteFile,
    workspace: str = typer.Option(..., "--workspace", help="The Asana workspace gid."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan and the request count; send nothing."
    ),
    concurrency: int = typer.Option(
        4, "--concurrency", help="Requests in flight at once (1 … 15)."
    ),
) -> None:
    """Replay FILE into a real Asana workspace (token from ASANA_ACCESS_TOKEN); resumable."""
    the_plan = _run(push_plan, file, workspace, concurrency)
    _print_plan(the_plan, file)
    if dry_run:
        return
    env, _ = _environment(None)  # .env problems matter to generating, not here
    token = env.get("ASANA_ACCESS_TOKEN", "")
    if not token:
        _fail("ASANA_ACCESS_TOKEN is not set: create a personal access token in Asana and "
              "export it (it is never written anywhere)")  # fmt: skip
    base_url = env.get("ASANA_BASE_URL") or DEFAULT_BASE_URL
    summary = _run_with_bar(
        push,
        file,
        workspace,
        token,
        base_url=base_url,
        concurrency=concurrency,
    )
    out.print(
        f"[green]pushed[/] {summary.sent:,} requests in {summary.seconds:.0f} s "
        f"({summary.skipped:,} done before, {summary.retries} retried, "
        f"{summary.rate_limited} rate-limited); {summary.unmatched_people} people have no "
        "account in the workspace (their names are in the text)",
        highlight=False,
    )


def _live_settings(config_file: Path | None, **flags: Any) -> Any:
    """Continuous mode's settings from flags > LIVE_* environment > --config TOML."""
    from .live import resolve_settings

    return _run(resolve_settings, flags, dict(os.environ), config_file)


def _simulate_llm(flags: dict[str, Any], env_file: Path | None) -> tuple[Any, str | None]:
    """simulate's LLM settings and key, resolved as generate's (flags > environment/.env)."""
    env, problems = _environment(env_file)
    if problems:
        raise ConfigError(problems)
    return _llm_options(dict(flags), env)


@app.command("simulate")
def simulate_cmd(
    file: Path = typer.Argument(..., help="A file made by this generator."),
    days: float = typer.Option(..., "--days", help="Simulated days to move the clock by."),
    config_file: Path | None = typer.Option(None, "--config", help="A live TOML file."),
    level: str | None = typer.Option(None, "--level", help="Activity: low | medium | high."),
    steadiness: float | None = typer.Option(
        None, "--steadiness", help="0: activity at the 9/13/16 h peaks .. 1: even."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes."),
    llm: str = typer.Option(
        None, "--llm", help="Text of new rows: off | groq | openai (as generate's --llm)."
    ),
    llm_fields: str = typer.Option(None, "--llm-fields", help="As generate's --llm-fields."),
    llm_base_url: str = typer.Option(None, "--llm-base-url", help="As generate's."),
    llm_model: str = typer.Option(None, "--llm-model", help="As generate's."),
    llm_cache: Path = typer.Option(None, "--llm-cache", help="As generate's."),
    env_file: Path = typer.Option(None, "--env-file", help="Settings file instead of ./.env."),
) -> None:
    """Move FILE's clock forward by --days: new tasks, comments, changes, status updates,
    in one transaction; the run record gets a row with the new clock.  Existing rows keep
    their text (LLM text included); new rows get LLM text with usable --llm settings, else
    the templates."""
    from .live import advance

    settings = _live_settings(config_file, level=level, steadiness=steadiness)
    flags = {
        "llm_provider": llm,
        "llm_fields": llm_fields,
        "llm_base_url": llm_base_url,
        "llm_model": llm_model,
        "llm_cache_path": llm_cache,
    }
    llm_settings, key = _run(_simulate_llm, flags, env_file)
    done = _run_with_bar(
        advance,
        file,
        days,
        settings=settings,
        workers=workers,
        llm=llm_settings,
        llm_api_key=key,
    )
    if done.llm is not None:
        _render_llm(done.llm)
    events = ", ".join(f"{k} {v:,}" for k, v in done.events().items()) or "nothing new"
    out.print(
        f"[green]{file}[/]: clock {done.previous} -> {done.clock}; new: {events} "
        f"({done.seconds:.1f} s)",
        highlight=False,
    )


def _parse_until(text: str | None) -> int | None:
    """--until as epoch ms: an ISO date (its 00:00 UTC) or timestamp (UTC if no offset)."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        _fail(
            f"until (--until): must be an ISO date or time such as 2026-07-01T12:00Z, got {text!r}"
        )
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp() * 1000)


def _batch_line(batch: Any, settings: Any) -> str:
    """One line per batch: simulated time, events by kind, size against target, lag."""
    from .worktime import fmt_ms

    kinds = ", ".join(f"{k} {v}" for k, v in sorted(batch.events.items())) or "quiet"
    target = (
        f"target {settings.batch_min}-{settings.batch_max}"
        if settings.mode == "emulated"
        else f"{settings.interval:g} s x{settings.speed:g}"
    )
    return (
        f"{fmt_ms(batch.clock)[:19]}Z  {kinds}  | batch {batch.size} ({target}) "
        f"| lag {batch.lag:.2f} s | {batch.seconds * 1000:.0f} ms"
    )


@app.command("live")
def live_cmd(
    file: Path = typer.Argument(..., help="A file made by this generator (made first if absent)."),
    interval: str | None = typer.Option(None, "--interval", help="ISO-8601, e.g. PT10S (>= 1 s)."),
    speed: str | None = typer.Option(None, "--speed", help="Simulated seconds per wall second."),
    until: str | None = typer.Option(None, "--until", help="Stop at this simulated time."),
    batches: int | None = typer.Option(None, "--batches", min=1, help="Stop after N batches."),
    allow_future: bool = typer.Option(
        False, "--allow-future", help="Let the simulated clock pass the wall clock."
    ),
    mode: str | None = typer.Option(None, "--mode", help="production | emulated."),
    batch: str | None = typer.Option(None, "--batch", help="Emulated: events per batch, 5-20."),
    config_file: Path | None = typer.Option(None, "--config", help="A live TOML file."),
    level: str | None = typer.Option(None, "--level", help="Activity: low | medium | high."),
    steadiness: float | None = typer.Option(
        None, "--steadiness", help="0: activity at the 9/13/16 h peaks .. 1: even."
    ),
    seed: str | None = typer.Option(None, "--seed", help="For a new file: SEED."),
    scale: str | None = typer.Option(None, "--scale", help="For a new file: SCALE."),
    industry: str | None = typer.Option(None, "--industry", help="For a new file: INDUSTRY."),
    workforce: str | None = typer.Option(
        None, "--workforce", help="For a new file: the work pattern, us | global."
    ),
) -> None:
    """Append one batch per --interval to FILE, each one transaction with the clock; Ctrl-C
    or SIGTERM finishes the batch in flight and stops; run again to resume."""
    import time

    from .live.runner import Live

    settings = _live_settings(
        config_file,
        interval=interval,
        speed=speed,
        allow_future=True if allow_future else None,
        mode=mode,
        batch=batch,
        level=level,
        steadiness=steadiness,
    )
    stop_at = _parse_until(until)
    if not file.exists():
        explicit = {"db_path": str(file), "seed": seed, "scale": scale}
        explicit |= {"industry": industry, "workforce": workforce}
        today = dt.datetime.now(dt.UTC).date()
        config, *_ = _run(_resolve, explicit, None, None, today)
        summary = _run_with_bar(
            generate,
            config,
            file,
        )
        _render(summary)
    stopping: list[int] = []

    def _stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    live = _run(Live, file, settings)
    done = 0
    try:
        out.print(
            f"live: {file} from {_batch_clock(live.clock)}, "
            f"every {settings.interval:g} s at x{settings.speed:g} ({settings.mode}); "
            "Ctrl-C stops",
            highlight=False,
        )
        due = time.time()
        while not stopping:
            if batches is not None and done >= batches:
                break
            if stop_at is not None and live.clock >= stop_at:
                break
            while not stopping and time.time() < due:
                time.sleep(min(0.05, max(0.0, due - time.time())))
            if stopping:
                break
            goal = live.target()
            if stop_at is not None:
                goal = min(goal, stop_at)
            result = _run(live.run_batch, goal, due)
            done += 1
            out.print(_batch_line(result, settings), highlight=False)
            if live.clock >= live.horizon:
                break
            due += settings.interval
    finally:
        live.close()
    out.print(f"stopped at {_batch_clock(live.clock)} after {done} batches", highlight=False)


def _batch_clock(ms: int) -> str:
    from .worktime import fmt_ms

    return fmt_ms(ms)


@app.command("status")
def status_cmd(
    file: Path = typer.Argument(..., help="A file made by this generator."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout instead."),
) -> None:
    """FILE's clock, the mode and cadence of its last continuous run, events in the last
    simulated hour and day, and whether a live writer is attached."""
    from .live.status import status

    result = _open_or_fail(status, file)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    s = result.settings
    writer = f"attached (pid {result.writer_pid})" if result.attached else "none"
    out.print(f"{file}: clock {result.clock} ({result.mode}, {result.runs} runs)", highlight=False)
    if s:
        cadence = (
            f"{s.get('mode')} every {s.get('interval')} s at x{s.get('speed')}, "
            f"level {s.get('level')}, steadiness {s.get('steadiness')}"
        )
        if s.get("mode") == "emulated":
            cadence += f", batches of {s.get('batch_min')}-{s.get('batch_max')} events"
        out.print(f"cadence: {cadence}", highlight=False)
    out.print(f"live writer: {writer}", highlight=False)
    table = Table(title="events before the clock")
    table.add_column("kind")
    table.add_column("last hour", justify="right")
    table.add_column("last day", justify="right")
    for kind, n in result.last_hour.items():
        table.add_row(kind, f"{n:,}", f"{result.last_day[kind]:,}")
    out.print(table)


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM (a `kill`, a CI timeout) cleans up like Ctrl-C: no partial output is left."""
    raise KeyboardInterrupt


def run() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":
    sys.exit(app())
