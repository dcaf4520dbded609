"""Template text: names, descriptions, comments and status updates from the data files.

The structure (who, when, how many) is decided before any text is drawn, from other streams;
this module only fills text slots.  An LLM tier fills the same slots through `prompts/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    kinds: tuple[TaskKind, ...] = ()  # common.json's task kinds, recognised from task names
    _kind_of: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def teams(self) -> list[dict[str, Any]]:
        return self.industry["teams"]

    def kind_of(self, verb: str, obj: str) -> TaskKind | None:
        """`task_kind` of a name's verb and object, the verb's and the object's kinds each
        remembered (a team's names combine a few dozen verbs with a few dozen objects)."""
        cache = self._kind_of
        if verb not in cache:
            cache[verb] = next((k for k in self.kinds if verb in k.verbs), None)
        found = cache[verb]
        if found is None:
            key = ("object", obj)
            if key not in cache:
                cache[key] = task_kind(self.kinds, "", obj)
            found = cache[key]
        return found

    def function_text(self, function: str) -> dict[str, Any]:
        """The text pools of a team function (``functions.<function>`` of common.json:
        ``descriptions`` and any other pool keyed by function)."""
        return self.common["functions"].get(function) or self.common["functions"][DEFAULT_FUNCTION]

    def status_templates(self, status: str) -> list[dict[str, Any]]:
        """Status update templates of a type: {"text": ..., "claims": [...]} each."""
        return self.common["status_updates"][status] + self.industry.get("status_updates", {}).get(
            status, []
        )


DEFAULT_FUNCTION = "operations"


def team_function(team: dict[str, Any]) -> str:
    """The function of a team (engineering, finance, clinical, ...): the key every text pool
    that depends on what a team does is looked up by.  Declared per team in the industry file;
    a team without one (the leadership team) talks like operations."""
    return team.get("function", DEFAULT_FUNCTION)


@dataclass(frozen=True)
class TaskKind:
    """A kind of work (launch, audit, contract review, ...): how a task name is recognised as
    one (its verb, or a keyword in its object) and the checklist its subtasks come from."""

    kind: str
    verbs: frozenset[str]
    keywords: tuple[str, ...]
    subtasks: tuple[str, ...]


def _kinds(common: dict[str, Any]) -> tuple[TaskKind, ...]:
    return tuple(
        TaskKind(
            k["kind"],
            frozenset(k["verbs"]),
            tuple(w.lower() for w in k["keywords"]),
            tuple(k["subtasks"]),
        )
        for k in common["task_kinds"]
    )


def task_kind(kinds: tuple[TaskKind, ...], verb: str, obj: str) -> TaskKind | None:
    """The kind of a task named ``verb obj``: the first kind whose verbs hold the verb, else
    the first whose keywords occur in the object, else None (generic work)."""
    for k in kinds:
        if verb in k.verbs:
            return k
    low = f" {obj.lower()}"
    for k in kinds:  # a keyword starts a word: "ads" is not in "uploads"
        if any(f" {w}" in low for w in k.keywords):
            return k
    return None


@lru_cache(maxsize=16)
def load_vocabulary(industry: str) -> Vocabulary:
    def read(path: Path) -> dict[str, Any]:
        with path.open(encoding="utf-8") as f:
            return json.load(f)

    common = read(DATA_DIR / "common.json")
    return Vocabulary(
        industry=read(DATA_DIR / "industries" / f"{industry.lower()}.json"),
        common=common,
        org=read(DATA_DIR / "org.json"),
        kinds=_kinds(common),
    )


class Picker:
    """Draws from template lists with a block-buffered numpy generator (cheap per call: ``u``
    is the ``__next__`` of a generator over the blocks)."""

    __slots__ = ("u",)

    def __init__(self, rng: Any):
        self.u = buffered(rng.random, 2048)

    def pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        return items[int(self.u() * len(items))]


class Slots(dict):
    """A template's values: ``template.format_map(Slots(values))`` is ``fill`` (made once,
    it fills several templates)."""

    def __missing__(self, key: str) -> str:  # an unknown placeholder never crashes a run
        return ""


def fill(template: str, **values: Any) -> str:
    return template.format_map(Slots(values))


@dataclass(frozen=True)
class TaskName:
    """A drawn task name and the grammatical parts it was built from: the imperative verb
    phrase and the noun phrase it acts on, so text can use each in a slot of its own kind."""

    name: str
    verb: str
    object: str

    @property
    def action(self) -> str:
        """The imperative, lower-cased: "review the appraisal workflow" (for "We need to ...")."""
        return _action(self.verb, self.object)


@lru_cache(maxsize=8192)
def _action(verb: str, obj: str) -> str:
    return f"{verb[:1].lower()}{verb[1:]} {obj}"


def draw_task_name(
    picker: Picker, team: dict[str, Any], theme: str, taken: set[str], attempts: int = 12
) -> TaskName:
    """A task name not yet used in this project (the set holds the project's names).  A theme
    the name cites is always its project's own."""
    name = verb = obj = ""
    for _ in range(attempts):
        pattern = picker.pick(team["task_patterns"])
        verb, obj = picker.pick(team["verbs"]), picker.pick(team["objects"])
        name = fill(pattern, verb=verb, object=obj, theme=theme)
        name = name[:1].upper() + name[1:]
        if name not in taken:
            taken.add(name)
            return TaskName(name, verb, obj)
    k = 2
    while f"{name} ({k})" in taken:
        k += 1
    taken.add(f"{name} ({k})")
    return TaskName(f"{name} ({k})", verb, obj)


def unique_task_name(
    picker: Picker, team: dict[str, Any], theme: str, taken: set[str], attempts: int = 12
) -> str:
    """`draw_task_name`, the name only."""
    return draw_task_name(picker, team, theme, taken, attempts).name
