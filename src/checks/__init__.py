"""`validate`: every integrity and consistency rule, and optionally the realism scorecard, run
against one file.

The rules come in families, one module each (`structure`, `temporal`, `people`, `fields`,
`replay`, `status_claims`, `context_claims`, `absence_claims`, `comment_claims`); a family is
a module with ``checks(conn) -> list[Check]`` (and, if its SQL calls Python functions,
``prepare(conn)`` to register them on every connection), and adding one is adding its name to
FAMILIES.  Rules that read one pattern's results share a ``Check.setup`` (a TEMP table) and
run as one job, so the pattern runs once a file.  `localtime` answers the rules about local
time from one pass over every human event, `scorecard` measures realism, `core` holds what
they share.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from functools import partial
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import FileIntegrityError, InputFileError
from ..inputs import is_corruption, open_readonly, read_error, reading
from .core import TEXT_RULE, Check, ValidationReport, cost, run_checks
from .localtime import EVENT_PASS_RULES, LOCAL_RULES, event_job
from .runner import run_jobs
from .scorecard import SCORECARD_PARTS, time_of_day_metrics
from .structure import foreign_key_result, integrity_result, text_result

# The families of rules, in report order: register a new module of checks here.
FAMILIES = (
    "structure",
    "temporal",
    "people",
    "fields",
    "replay",
    "status_claims",
    "context_claims",
    "absence_claims",
    "comment_claims",
)


def families() -> tuple[ModuleType, ...]:
    return tuple(import_module(f".{name}", __name__) for name in FAMILIES)


def prepare(conn: sqlite3.Connection) -> None:
    """What the families need on a connection before their rules run (SQL functions)."""
    for family in families():
        if hasattr(family, "prepare"):
            family.prepare(conn)


def all_checks(conn: sqlite3.Connection) -> list[Check]:
    """Every family's rules for this file (some are built from the file's own columns)."""
    return [check for family in families() for check in family.checks(conn)]


def validate(path: str | Path, *, with_scorecard: bool = False) -> ValidationReport:
    """Run every rule against the file at ``path`` and collect all results (none stops early).

    The work is a list of jobs (SQLite's own checks, one pass over the human events, each rule
    query or the rules that share a setup, and with ``with_scorecard`` the realism metrics)
    that two workers take in turn, heaviest first, each on its own read-only connection:
    threads for a small file, processes for a big one (`runner`).  Results come back in one
    fixed order whatever finishes first.
    """
    with closing(open_readonly(path)) as conn, reading(path):  # a bad file fails here, once
        every = all_checks(conn)
    pass_rules = set(EVENT_PASS_RULES.values())
    units = _units([c for c in every if c.rule not in pass_rules])
    parts: tuple[Callable[[sqlite3.Connection], Any], ...] = (
        SCORECARD_PARTS if with_scorecard else ()
    )
    # Heaviest first, the many light rules last, so the two workers finish together; the
    # scorecard's metrics (a few seconds each at xl) go between.
    by_cost = sorted(units, key=_unit_cost, reverse=True)
    heavy = [u for u in by_cost if _unit_cost(u) >= 2]
    light = by_cost[len(heavy) :]
    fixed = (integrity_result, foreign_key_result, text_result)  # one RuleResult each
    jobs: list[Callable[[sqlite3.Connection], Any]] = [
        event_job,
        *fixed,
        *(partial(run_checks, checks=u) for u in heavy),
        *parts,
        *(partial(run_checks, checks=u) for u in light),
    ]
    try:
        done = run_jobs(path, jobs, prepare)
    except sqlite3.Error as exc:
        raise _unchecked(path, exc, every) from exc
    profile, event_results = done[0]
    first = 1 + len(fixed)  # the first rule unit's job
    unit_results = done[first : first + len(heavy)] + done[first + len(heavy) + len(parts) :]
    rule_results = [*done[1:first], *(r for rs in unit_results for r in rs)]
    found = {r.rule: r for r in (*event_results, *rule_results)}
    rules = [c.rule for c in every]
    rules.insert(rules.index("format.types") + 1, TEXT_RULE)
    order = ("fk.foreign_key_check", "fk.integrity_check", *rules, *LOCAL_RULES)
    metrics: tuple = ()
    if with_scorecard:
        part_results = done[first + len(heavy) : first + len(heavy) + len(parts)]
        metrics = (*time_of_day_metrics(profile), *(m for ms in part_results for m in ms))
    rules = tuple(found[r] for r in order if r in found)
    return ValidationReport(path=str(path), rules=rules, metrics=metrics)


def _units(checks: list[Check]) -> list[list[Check]]:
    """The rules in jobs: one job for the rules that share a setup (it is done once), one for
    each other rule."""
    units: dict[str, list[Check]] = {}
    for check in checks:
        units.setdefault(check.setup or check.rule, []).append(check)
    return list(units.values())


def _unit_cost(unit: list[Check]) -> int:
    return sum(map(cost, unit))


def _unchecked(path: str | Path, exc: sqlite3.Error, checks: list[Check]) -> InputFileError:
    """The one-line error for a file the rules could not finish on: corrupt pages, or columns
    the local-time pass or the scorecard need, are integrity findings (exit 1); a lock or
    anything else is a file that cannot be read (exit 2)."""
    if is_corruption(exc):
        return FileIntegrityError(f"{path}: corrupt: {exc}; the rules cannot run on it")
    columns = next(c for c in checks if c.rule == "structure.columns")
    if "no such column" in str(exc) and columns.sql != "SELECT NULL WHERE 0":
        return FileIntegrityError(
            f"{path}: does not follow schema.sql ({exc}); the rules cannot run on it"
        )
    return read_error(path, exc)
