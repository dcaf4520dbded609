"""Continuous mode's commands: simulate (move a file's clock by some days), live (append a
batch per interval until stopped) and status (a file's clock and its live writer).  The
library parts are imported when a command runs: the other commands never load them."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from ..config import LIVE_PREFIX, env_key_meant
from ..errors import ConfigError
from ..pipeline import generate
from .console import call, call_with_bar, err, fail, open_or_fail, out
from .generate import render, render_llm
from .options import with_llm_options
from .settings import environment, llm_options, resolve


def _environment(env_file: Path | None) -> dict[str, str]:
    """The real environment with .env (or --env-file) under it, as generate reads it; a
    LIVE_* variable of the real environment that is no setting is warned about as a .env
    line is (the prefix is ours, so it is a misspelling)."""
    env, problems = environment(env_file)
    if problems:
        raise ConfigError(problems)
    for key in sorted(k for k in os.environ if k.upper().startswith(LIVE_PREFIX)):
        if meant := env_key_meant(key):
            err.print(
                f"[yellow]warning:[/] environment: {escape(key)} is not a setting (ignored); "
                f"did you mean {meant}?",
                highlight=False,
            )
    return env


def _live_settings(config_file: Path | None, env: dict[str, str], **flags: Any) -> Any:
    """Continuous mode's settings from flags > LIVE_* environment (.env under the real one)
    > --config TOML."""
    from ..live import resolve_settings

    return call(resolve_settings, flags, env, config_file)


@with_llm_options
def simulate_cmd(
    file: Path = typer.Argument(..., help="A file made by this generator."),
    days: float = typer.Option(..., "--days", help="Simulated days to move the clock by."),
    config_file: Path | None = typer.Option(None, "--config", help="A live TOML file."),
    level: str | None = typer.Option(None, "--level", help="Activity: low | medium | high."),
    steadiness: float | None = typer.Option(
        None, "--steadiness", help="0: activity at the 9/13/16 h peaks .. 1: even."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes."),
    env_file: Path = typer.Option(None, "--env-file", help="Settings file instead of ./.env."),
    llm_flags: dict[str, Any] | None = None,
) -> None:
    """Move FILE's clock forward by --days: new tasks, comments, changes, status updates,
    in one transaction; the run record gets a row with the new clock.  Existing rows keep
    their text (LLM text included); new rows get LLM text with usable --llm settings, else
    the templates."""
    from ..live import advance

    env = call(_environment, env_file)
    settings = _live_settings(config_file, env, level=level, steadiness=steadiness)
    llm_settings, key = call(llm_options, dict(llm_flags or {}), env)
    done = call_with_bar(
        advance,
        file,
        days,
        settings=settings,
        workers=workers,
        llm=llm_settings,
        llm_api_key=key,
    )
    if done.llm is not None:
        render_llm(done.llm)
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
        fail(
            f"until (--until): must be an ISO date or time such as 2026-07-01T12:00Z, got {text!r}"
        )
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp() * 1000)


def _batch_line(batch: Any, settings: Any) -> str:
    """One line per batch: simulated time, events by kind, size against target, lag."""
    from ..worktime import fmt_ms

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
    env_file: Path = typer.Option(None, "--env-file", help="Settings file instead of ./.env."),
) -> None:
    """Append one batch per --interval to FILE, each one transaction with the clock; Ctrl-C
    or SIGTERM finishes the batch in flight and stops; run again to resume."""
    import time

    from ..live.runner import Live

    settings = _live_settings(
        config_file,
        call(_environment, env_file),
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
        config, *_ = call(resolve, explicit, env_file, None, today)
        summary = call_with_bar(
            generate,
            config,
            file,
        )
        render(summary)
    stopping: list[int] = []

    def _stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    live = call(Live, file, settings)
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
            result = call(live.run_batch, goal, due)
            done += 1
            out.print(_batch_line(result, settings), highlight=False)
            if live.clock >= live.horizon:
                break
            due += settings.interval
            call(live.prepare)  # the next batch's days, in the idle time before it
    finally:
        live.close()
    out.print(f"stopped at {_batch_clock(live.clock)} after {done} batches", highlight=False)


def _batch_clock(ms: int) -> str:
    from ..worktime import fmt_ms

    return fmt_ms(ms)


def _g(v: Any) -> str:
    """A recorded number as a person writes it (2, not 2.0); anything else as it is."""
    return f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def status_cmd(
    file: Path = typer.Argument(..., help="A file made by this generator."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout instead."),
) -> None:
    """FILE's clock, the mode and cadence of its last continuous run, events in the last
    simulated hour and day, and whether a live writer is attached."""
    from ..live.status import status

    result = open_or_fail(status, file)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    s, live = result.settings, result.last_live
    writer = f"attached (pid {result.writer_pid})" if result.attached else "none"
    out.print(f"{file}: clock {result.clock} ({result.mode}, {result.runs} runs)", highlight=False)
    if s:
        steadiness = "unset" if s.get("steadiness") is None else _g(s["steadiness"])
        out.print(f"tuning: level {s.get('level')}, steadiness {steadiness}", highlight=False)
    if live is None:
        out.print("last live run: none", highlight=False)
    else:
        cadence = (
            f"{live.get('mode')} every {_g(live.get('interval'))} s at x{_g(live.get('speed'))}"
        )
        if live.get("mode") == "emulated":
            cadence += f", batches of {live.get('batch_min')}-{live.get('batch_max')} events"
        if live["batches"] is not None:
            done = f"stopped after {live['batches']} batches"
        else:  # its count is written when it stops
            done = "running" if result.attached else "ended without stopping (killed?)"
        out.print(
            f"last live run: {cadence} (run {live['run']}, started {live['started_at']}; "
            f"clock {live['clock']}, {done})",
            highlight=False,
        )
    out.print(f"live writer: {writer}", highlight=False)
    table = Table(title="events before the clock")
    table.add_column("kind")
    table.add_column("last hour", justify="right")
    table.add_column("last day", justify="right")
    for kind, n in result.last_hour.items():
        table.add_row(kind, f"{n:,}", f"{result.last_day[kind]:,}")
    out.print(table)
