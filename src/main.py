"""The command line's entry: the typer app, assembled from the command modules of `src/cli/`
(one module per family of commands), and run.  Typer and rich only: each command builds one
config, calls one library function and renders the result; library errors become one line
and an exit code (`cli/console.py`)."""

from __future__ import annotations

import sys

import typer

from .cli import export, generate, inspect, live
from .cli.console import OneLineUsageErrors
from .cli.console import err as err  # tests widen it to keep messages unwrapped

app = typer.Typer(
    cls=OneLineUsageErrors,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # keeps secrets out of tracebacks
    help="Generate a realistic, reproducible Asana-like organization into one SQLite file.",
)
# options before a command apply to `generate`; with no command, the callback generates
app.callback(invoke_without_command=True)(generate.generate_cmd)
app.command("generate", help="Generate the organization (the default command).")(
    generate.generate_cmd
)
app.command("fingerprint")(inspect.fingerprint_cmd)
app.command("reproduce")(inspect.reproduce_cmd)
app.command("validate")(inspect.validate_cmd)
app.command("stats")(inspect.stats_cmd)
app.command("report")(inspect.report_cmd)
app.command("export")(export.export_cmd)
app.command("push")(export.push_cmd)
app.command("simulate")(live.simulate_cmd)
app.command("live")(live.live_cmd)
app.command("status")(live.status_cmd)


def run() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":
    sys.exit(app())
