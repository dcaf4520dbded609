"""Custom field values of a task: drawn with its life (`draw_values`), shown as rows at a
clock (`value_rows`) with the label Asana displays (`num_label` for numbers)."""

from __future__ import annotations

import math

from ..lifecycle import PRIORITIES, Draws, Member, ProjectCtx, TaskLife
from ..model import FieldDef
from .field_values import typed_value
from .project_plan import ProjectPlan
from .project_world import DrawnTask

P_FIELD_VALUE = {"Priority": 0.9, "Estimate (hours)": 0.6, "Target date": 0.45, "Reviewer": 0.4}


def draw_values(
    d: Draws, t: DrawnTask, plan: ProjectPlan, ctx: ProjectCtx, members: dict[int, Member]
) -> None:
    """Typed values for the project's enabled core fields, correlated with the task's life."""
    life = t.life
    for f, _ in plan.fields:
        name = f.name
        if name == "Status" or not f.core:
            continue  # Status comes from the lifecycle, industry fields with the text
        p = P_FIELD_VALUE.get(name, 0.5)
        if name == "Priority":
            if life.escalated or d.chance(p):
                t.values[f.index] = ("enum", f.option_id(PRIORITIES[life.priority_now]))
            continue
        if not d.chance(p):
            continue
        if name == "Estimate (hours)":
            hours = life.work_wd * 3.0 * math.exp(0.4 * d.z())  # longer work, bigger estimate
            t.values[f.index] = ("number", max(0.5, round(hours * 2) / 2))
        else:
            value = typed_value(d.u, f, life, members, d.z)
            if value is not None:
                t.values[f.index] = value


def value_rows(
    tb: dict[str, list[tuple]],
    tid: int,
    t: DrawnTask,
    life: TaskLife,
    plan: ProjectPlan,
    members: dict[int, Member],
) -> None:
    """The top-level task's field value rows at the clock: its Status from the life, its
    drawn values (Priority as it stands then), each with its display label."""
    if t.parent is not None:
        return
    by_index = {f.index: f for f, _ in plan.fields}
    for f, _ in plan.fields:
        if f.name == "Status":
            oid = f.option_id(life.status)
            tb["custom_field_values"].append((tid, f.id, None, None, oid, None, life.status))
    for fi, (kind, v) in sorted(t.values.items()):
        f = by_index[fi]
        if f.name == "Priority":  # as it stands at the clock
            v = f.option_id(PRIORITIES[life.priority_now])
        if kind == "enum":
            label = dict(f.options)[v]
            tb["custom_field_values"].append((tid, f.id, None, None, v, None, label))
        elif kind == "number":
            tb["custom_field_values"].append((tid, f.id, None, v, None, None, num_label(f, v)))
        elif kind == "text":
            tb["custom_field_values"].append((tid, f.id, v, None, None, None, v))
        elif kind == "date":
            tb["custom_field_values"].append((tid, f.id, None, None, None, v, v))
        elif kind == "multi":
            labels = dict(f.options)
            tb["custom_field_values"].append(
                (tid, f.id, None, None, None, None, ", ".join(labels[o] for o in v))
            )
            for o in v:
                tb["custom_field_value_options"].append((tid, f.id, o))
        elif kind == "people":
            names = {m.user_id: m.name for m in members.values()}
            tb["custom_field_values"].append(
                (tid, f.id, None, None, None, None, ", ".join(names[u] for u in v))
            )
            for u in v:
                tb["custom_field_value_people"].append((tid, f.id, u))


def num_label(f: FieldDef, v: float) -> str:
    """A number value's display text in the field's format (precision, currency, percent)."""
    prec = int(f.spec.get("precision", 0))
    fmt = f.spec.get("format", "none")
    text = f"{v:,.{prec}f}"
    if fmt == "currency":
        return f"{f.spec.get('currency_code', 'USD')} {text}"
    if fmt == "percentage":
        return f"{text}%"
    return text
