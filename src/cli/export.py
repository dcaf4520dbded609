"""Commands that take a generated file elsewhere: export (to a folder of files) and push
(replayed into a real Asana workspace)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..export import export
from ..export.asana_client import DEFAULT_BASE_URL
from ..export.push import PushPlan, push
from ..export.push import plan as push_plan
from .console import SqliteFile, call, call_with_bar, fail, out
from .settings import environment


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
    summary = call_with_bar(
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
    the_plan = call(push_plan, file, workspace, concurrency)
    _print_plan(the_plan, file)
    if dry_run:
        return
    env, _ = environment(None)  # .env problems matter to generating, not here
    token = env.get("ASANA_ACCESS_TOKEN", "")
    if not token:
        fail("ASANA_ACCESS_TOKEN is not set: create a personal access token in Asana and "
              "export it (it is never written anywhere)")  # fmt: skip
    base_url = env.get("ASANA_BASE_URL") or DEFAULT_BASE_URL
    summary = call_with_bar(
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
