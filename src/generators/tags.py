"""Rows for `tags`: the workspace's labels, from the industry vocabulary."""

from __future__ import annotations

import numpy as np

from ..ids import Kind, gid
from ..model import Workspace
from ..text import Vocabulary
from ..worktime import DAY_MS, fmt_ms


def generate_tags(rng: np.random.Generator, vocab: Vocabulary, workspace: Workspace) -> list[tuple]:
    colors = vocab.org["tag_colors"]
    rows = []
    for i, name in enumerate(vocab.industry["tags"]):
        created = workspace.created + int(rng.integers(10, 900)) * DAY_MS
        rows.append(
            (
                gid(Kind.TAG, i),
                workspace.id,
                name,
                colors[int(rng.integers(len(colors)))],
                fmt_ms(created),
            )
        )
    return rows
