"""Template text: names, descriptions, comments and status updates from the data files.

The structure (who, when, how many) is decided before any text is drawn, from other streams;
this module only fills text slots.  An LLM tier fills the same slots through `prompts/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .rng import buffered

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Vocabulary:
    """Everything the templates of one industry need, loaded once."""

    industry: dict[str, Any]
    common: dict[str, Any]
    org: dict[str, Any]

    @property
    def teams(self) -> list[dict[str, Any]]:
        return self.industry["teams"]

    def comments(self, kind: str) -> list[str]:
        return self.common["comments"][kind] + self.industry.get("comments", {}).get(kind, [])

    def status_templates(self, status: str) -> list[dict[str, Any]]:
        """Status update templates of a type: {"text": ..., "claims": [...]} each."""
        return self.common["status_updates"][status] + self.industry.get("status_updates", {}).get(
            status, []
        )


@lru_cache(maxsize=16)
def load_vocabulary(industry: str) -> Vocabulary:
    def read(path: Path) -> dict[str, Any]:
        with path.open(encoding="utf-8") as f:
            return json.load(f)

    return Vocabulary(
        industry=read(DATA_DIR / "industries" / f"{industry.lower()}.json"),
        common=read(DATA_DIR / "common.json"),
        org=read(DATA_DIR / "org.json"),
    )


class Picker:
    """Draws from template lists with a block-buffered numpy generator (cheap per call: ``u``
    is the ``__next__`` of a generator over the blocks)."""

    __slots__ = ("u",)

    def __init__(self, rng: Any):
        self.u = buffered(rng.random, 2048)

    def pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        return items[int(self.u() * len(items))]


class _Blank(dict):
    def __missing__(self, key: str) -> str:  # an unknown placeholder never crashes a run
        return ""


def fill(template: str, **values: Any) -> str:
    return template.format_map(_Blank(values))


def unique_task_name(
    picker: Picker, team: dict[str, Any], theme: str, taken: set[str], attempts: int = 12
) -> str:
    """A task name not yet used in this project (the set holds the project's names)."""
    name = ""
    for _ in range(attempts):
        name = fill(
            picker.pick(team["task_patterns"]),
            verb=picker.pick(team["verbs"]),
            object=picker.pick(team["objects"]),
            theme=theme if picker.u() < 0.6 else picker.pick(team["themes"]),
        )
        name = name[:1].upper() + name[1:]
        if name not in taken:
            taken.add(name)
            return name
    k = 2
    while f"{name} ({k})" in taken:
        k += 1
    taken.add(f"{name} ({k})")
    return f"{name} ({k})"
