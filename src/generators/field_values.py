"""Values of the industry's own custom fields on a task: only where the field fits the task.

A field is switched on for a project by its team's function (`functions` in the industry
file, see projects.py); here a value is drawn for a task only if the task is of a kind the
field declares (`kinds`: Severity on bugs), and a field that `follows_priority` (Severity,
Patient safety risk, Risk rating) takes the option that matches the task's priority, give or
take one step.  Drawn from their own stream after the task's name is known: text decides the
kind, so these come with the text, after the structure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from ..lifecycle import Member, TaskLife
from ..model import FieldDef
from ..rng import weighted_index
from ..text import TaskKind
from ..worktime import DAY_MS, fmt_date

P_VALUE = 0.65  # a task carries a value of an enabled industry field
_NORMAL = NormalDist()
P_KIND_VALUE = 0.9  # a task of the kind a field is for (a bug's Severity) nearly always does


def applies(f: FieldDef, kind: TaskKind | None) -> bool:
    kinds = f.spec.get("kinds")
    return not kinds or (kind is not None and kind.kind in kinds)


def industry_value(
    u: Callable[[], float],
    f: FieldDef,
    life: TaskLife,
    kind: TaskKind | None,
    members: dict[int, Member],
) -> tuple[str, Any] | None:
    """A typed value of field ``f`` for the task, or None when it carries none (``u`` draws
    the uniforms: the text picker's, the kind being known only with the text)."""
    if not applies(f, kind) or u() >= (P_KIND_VALUE if f.spec.get("kinds") else P_VALUE):
        return None
    opts = f.options
    if f.subtype == "enum" and f.spec.get("follows_priority"):
        # Low..Urgent spread over the options, then one step either way now and then
        at = round(life.priority_now * (len(opts) - 1) / 3)
        if u() < 0.25:
            at += 1 if u() < 0.5 else -1
        return ("enum", opts[min(max(at, 0), len(opts) - 1)][0])
    return typed_value(u, f, life, members)


def typed_value(
    u: Callable[[], float],
    f: FieldDef,
    life: TaskLife,
    members: dict[int, Member],
    z: Callable[[], float] | None = None,
) -> tuple[str, Any] | None:
    """A value of the field's type drawn from its spec (options, range, choices, values);
    ``z`` draws standard normals (from ``u`` by inversion when not given)."""
    s, opts = f.spec, f.options
    if f.subtype == "enum":
        return ("enum", opts[weighted_index(u(), enum_weights(len(opts)))][0])
    if f.subtype == "multi_enum":
        k = 1 + int(u() * min(3, len(opts)))
        return ("multi", tuple(sorted({opts[int(u() * len(opts))][0] for _ in range(k)})))
    if f.subtype == "number":
        if "choices" in s:
            v = float(s["choices"][int(u() * len(s["choices"]))])
        else:
            lo, hi = float(s.get("min", 0)), float(s.get("max", 100))
            v = lo + (hi - lo) * u() ** 1.6  # more small values than large
        return ("number", round(v, int(s.get("precision", 0))))
    if f.subtype == "text":
        return ("text", s["values"][int(u() * len(s["values"]))])
    if f.subtype == "date":
        # about ten days after creation, log-normally spread
        n = z() if z is not None else _NORMAL.inv_cdf(min(max(u(), 1e-9), 1 - 1e-9))
        return ("date", fmt_date(life.created + int((3 + 10 * math.exp(0.6 * n)) * DAY_MS)))
    if f.subtype == "people":
        pool = [m for m in members.values() if m is not life.assignee and m.active(life.created)]
        return ("people", (pool[int(u() * len(pool))].user_id,)) if pool else None
    return None


@lru_cache(maxsize=64)
def enum_weights(n: int) -> tuple[float, ...]:
    """Weights of n enum options: earlier options more common (1, 1/2, 1/3, ...)."""
    w = [1.0 / (i + 1) for i in range(n)]
    total = math.fsum(w)
    return tuple(x / total for x in w)
