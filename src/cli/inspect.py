"""Commands that read a generated file: fingerprint, reproduce, validate, stats, report."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import typer
from rich.table import Table

from ..fingerprint import fingerprint_file
from ..llm.settings import DEFAULT_CACHE
from ..report import build_report, format_value
from ..reproduction import reproduce
from ..stats import stats
from ..validate import validate
from .console import SqliteFile, call, call_with_bar, fail, open_or_fail, out
from .generate import render


def fingerprint_cmd(
    file: Path = typer.Argument(..., help="A generated SQLite file."),
) -> None:
    """Print the SHA-256 content fingerprint of a file (all tables but generation_runs)."""
    print(open_or_fail(fingerprint_file, file))


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
    outcome = call_with_bar(
        reproduce,
        file,
        out_path,
        overwrite=force,
        llm_cache=llm_cache,
    )
    render(outcome.summary, "Reproduced")
    if not outcome.identical:
        fail(f"{file}: {outcome.verdict}", 1)
    out.print(f"[green]{outcome.verdict}[/]")


def validate_cmd(
    file: SqliteFile,
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout instead."),
    no_scorecard: bool = typer.Option(
        False, "--no-scorecard", help="Only the integrity rules, not the realism scorecard."
    ),
) -> None:
    """Check every integrity rule and score realism; exit 1 on any integrity failure."""
    report = open_or_fail(partial(validate, with_scorecard=not no_scorecard), file)
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


def stats_cmd(
    file: SqliteFile,
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout instead."),
) -> None:
    """Rows per table and top-line figures."""
    result = open_or_fail(stats, file)
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


def report_cmd(
    file: SqliteFile,
    out_path: str = typer.Option(..., "--out", "-o", help="Where to write the HTML page."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file."),
) -> None:
    """Write one self-contained HTML page: activity, flow and workload charts, the scorecard."""
    summary = call(build_report, file, out_path, overwrite=force)
    out.print(
        f"[green]wrote[/] {summary.path} ({summary.bytes / 2**20:.1f} MB, "
        f"{len(summary.charts)} charts, {summary.metrics} scorecard metrics) "
        f"in {summary.seconds:.1f} s",
        highlight=False,
    )
