"""Rows for `custom_fields` and `custom_field_enum_options`: the workspace's field library."""

from __future__ import annotations

import numpy as np

from ..ids import Kind, gid
from ..model import FieldDef, Workspace
from ..text import Vocabulary
from ..worktime import DAY_MS, fmt_ms

# Asana's enum option palette
OPTION_COLORS = (
    "green",
    "yellow",
    "orange",
    "red",
    "purple",
    "blue",
    "aqua",
    "magenta",
    "cool-gray",
    "yellow-green",
    "blue-green",
    "indigo",
    "hot-pink",
    "pink",
)


def generate_custom_fields(vocab: Vocabulary) -> list[FieldDef]:
    """The five core fields (Priority, Status, Estimate, Target date, Reviewer), then the
    industry's own.  Deterministic: no draws are needed to define a field library."""
    specs = [(s, True) for s in vocab.org["core_fields"]]
    specs += [(s, False) for s in vocab.industry["custom_fields"]]
    out = []
    for i, (spec, core) in enumerate(specs):
        options = tuple(
            (gid(Kind.ENUM_OPTION, j, scope=i), name)
            for j, name in enumerate(spec.get("options", []))
        )
        out.append(
            FieldDef(i, gid(Kind.CUSTOM_FIELD, i), spec["name"], spec["type"], options, spec, core)
        )
    return out


def custom_field_rows(
    rng: np.random.Generator, fields: list[FieldDef], workspace: Workspace
) -> tuple[list[tuple], list[tuple]]:
    fields_rows, option_rows = [], []
    for f in fields:
        s = f.spec
        precision = s.get("precision") if f.subtype == "number" else None
        fmt = s.get("format", "none") if f.subtype == "number" else None
        currency = s.get("currency_code") if fmt == "currency" else None
        created = workspace.created + int(rng.integers(30, 600)) * DAY_MS
        description = s.get("description", f"{f.name} for tasks that need it.")
        fields_rows.append(
            (
                f.id,
                workspace.id,
                f.name,
                description,
                f.subtype,
                precision,
                fmt,
                currency,
                fmt_ms(created),
            )
        )
        for pos, (oid, name) in enumerate(f.options):
            option_rows.append((oid, f.id, name, OPTION_COLORS[pos % len(OPTION_COLORS)], 1, pos))
    return fields_rows, option_rows
