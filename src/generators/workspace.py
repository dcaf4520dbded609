"""Rows for `workspaces`: the company itself."""

from __future__ import annotations

import re

import numpy as np

from ..config import Config
from ..ids import Kind, gid
from ..model import Workspace
from ..text import Vocabulary
from ..worktime import DAY_MS, date_ms, fmt_ms


def generate_workspace(rng: np.random.Generator, config: Config, vocab: Vocabulary) -> Workspace:
    """A company founded 3-9 years before the history window opens."""
    names = vocab.industry["company"]["names"]
    name = names[int(rng.integers(len(names)))]
    slug = re.sub(r"[^a-z0-9]+", "", name.lower())
    domain = f"{slug}.{vocab.industry['company'].get('tld', 'com')}"
    age_days = int(rng.integers(3 * 365, 9 * 365))
    created = date_ms(config.start_date) - age_days * DAY_MS + int(rng.integers(13, 17)) * 3_600_000
    return Workspace(gid(Kind.WORKSPACE, 0), name, domain, config.industry, created)


def workspace_rows(ws: Workspace) -> list[tuple]:
    return [(ws.id, ws.name, ws.domain, ws.industry, fmt_ms(ws.created))]
