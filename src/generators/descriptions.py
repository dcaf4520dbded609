"""Task descriptions composed from slots of the right grammatical kind, each piece declaring
what it claims; a piece is drawn only when the task's record makes its claims true.

Slots: ``{Action}``/``{action}`` the imperative ("review the appraisal workflow"), ``{object}``
the noun phrase it acts on, ``{project}``, ``{team}``, ``{theme}``, ``{deliverable}`` and
``{stakeholder}`` from the team function's pools, ``{lead}`` a manager title of the team,
``{due}``, ``{parent}``, ``{priority}``.  Claims: ``due`` (the task has a due date), ``urgent``
(High or Urgent priority), ``not_urgent`` (Low), ``priority`` (the task holds a Priority value),
``quick`` (completed within a day of creation), ``long`` (open or worked on for two weeks or
more), ``parent`` (a subtask), ``approval``.  The lifecycle has decided every one of these
before any text is drawn, so a description never says more than the record shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lifecycle import TaskLife
from ..text import Picker, TaskName, Vocabulary, fill
from ..worktime import DAY_MS

QUICK_MS = DAY_MS  # "less than a day": completed within a day of creation
LONG_MS = 14 * DAY_MS  # "multi-week": two weeks or more from creation to completion (or now)
P_OPENER = 0.55
P_BODY = 0.75
P_CLOSER = 0.45
P_CHECKLIST = 0.25
N_SPECIFICS = (0.3, 0.45, 0.25)  # weights of 0, 1, 2 specifics

Piece = tuple[str, frozenset[str]]


def _pieces(items: list[Any]) -> tuple[Piece, ...]:
    return tuple(
        (x, frozenset()) if isinstance(x, str) else (x["text"], frozenset(x["claims"]))
        for x in items
    )


@dataclass(frozen=True)
class Pools:
    """The description pools of one team: the generic parts and its function's own."""

    openers: tuple[Piece, ...]
    fn_openers: tuple[Piece, ...]
    actions: tuple[Piece, ...]
    subtask: tuple[Piece, ...]
    milestone: tuple[Piece, ...]
    bodies: tuple[Piece, ...]
    specifics: tuple[Piece, ...]
    closers: tuple[Piece, ...]
    fn_closers: tuple[Piece, ...]
    heads: tuple[str, ...]
    deliverables: tuple[str, ...]
    stakeholders: tuple[str, ...]
    leads: tuple[str, ...]

    @classmethod
    def of(cls, vocab: Vocabulary, function: str, team: dict[str, Any]) -> Pools:
        g = vocab.common["descriptions"]
        f = vocab.function_text(function)["descriptions"]
        return cls(
            openers=_pieces(g["openers"]),
            fn_openers=_pieces(f["openers"]),
            actions=_pieces(g["actions"]),
            subtask=_pieces(g["subtask"]),
            milestone=_pieces(g["milestone"]),
            bodies=_pieces(f["bodies"]),
            specifics=_pieces(g["specifics"]),
            closers=_pieces(g["closers"]),
            fn_closers=_pieces(f["closers"]),
            heads=tuple(g["checklist_heads"]),
            deliverables=tuple(f["deliverables"]),
            stakeholders=tuple(f["stakeholders"]),
            leads=tuple(team.get("manager_titles") or ("the team lead",)),
        )


def facts_of(life: TaskLife, anchor: int, *, has_priority: bool, is_sub: bool) -> frozenset[str]:
    """The claims the record makes true for this task (see the module docstring)."""
    facts = set()
    if life.due_on or life.due_at:
        facts.add("due")
    if life.priority_now >= 2:
        facts.add("urgent")
    elif life.priority_now == 0:
        facts.add("not_urgent")
    if has_priority:
        facts.add("priority")
    elapsed = (life.completed or anchor) - life.created
    if life.completed is not None and elapsed <= QUICK_MS:
        facts.add("quick")
    if elapsed >= LONG_MS:
        facts.add("long")
    if is_sub:
        facts.add("parent")
    if life.subtype == "approval":
        facts.add("approval")
    return frozenset(facts)


def describe(
    pick: Picker,
    pools: Pools,
    facts: frozenset[str],
    slots: dict[str, str],
    *,
    subject: TaskName | None,
    form: str,
    checklist: tuple[str, ...] = (),
) -> str:
    """One description: [opener] lead sentence [body] [specifics] [checklist] [closer].

    ``form`` is "task" (the lead sentence uses the imperative of ``subject``), "subtask" (it
    names the parent; the body speaks of the parent's object) or "milestone".  ``slots`` holds
    project, team, theme and, when true, due, parent and priority.
    """
    u = pick.u
    values = dict(slots)
    values["deliverable"] = pick.pick(pools.deliverables)
    values["stakeholder"] = pick.pick(pools.stakeholders)
    values["lead"] = pick.pick(pools.leads)
    if subject is not None:
        values["object"] = subject.object
        values["action"] = subject.action
        values["Action"] = subject.action[:1].upper() + subject.action[1:]

    def draw(items: tuple[Piece, ...]) -> str | None:
        ok = [text for text, claims in items if claims <= facts]
        return fill(pick.pick(ok), **values) if ok else None

    head: list[str] = []
    if form == "milestone":
        head.append(draw(pools.milestone) or "")
    else:
        if u() < P_OPENER:
            head.append(draw(pools.fn_openers if u() < 0.6 else pools.openers) or "")
        head.append(draw(pools.subtask if form == "subtask" else pools.actions) or "")
    middle: list[str] = []
    if subject is not None and u() < P_BODY:
        middle.append(draw(pools.bodies) or "")
    k = 0 if form == "milestone" and u() < 0.5 else _count(u())
    eligible = [text for text, claims in pools.specifics if claims <= facts]
    for _ in range(min(k, len(eligible))):
        text = eligible.pop(int(u() * len(eligible)))
        middle.append(fill(text, **values))
    steps = ""
    if form == "task" and checklist and u() < P_CHECKLIST:
        n = min(len(checklist), 3 + int(u() * 2))
        start = int(u() * (len(checklist) - n + 1))
        items = "\n".join(f"- {x}" for x in checklist[start : start + n])
        steps = f"{pick.pick(pools.heads)}\n{items}"
    tail = ""
    if u() < P_CLOSER:
        tail = draw(pools.fn_closers if u() < 0.5 else pools.closers) or ""
    if u() < 0.5:  # one paragraph
        blocks = [" ".join(x for x in (*head, *middle) if x), steps, tail]
    else:
        blocks = [" ".join(x for x in head if x), " ".join(x for x in middle if x), steps, tail]
    return "\n\n".join(b for b in blocks if b)


def _count(x: float) -> int:
    acc = 0.0
    for i, w in enumerate(N_SPECIFICS):
        acc += w
        if x < acc:
            return i
    return len(N_SPECIFICS) - 1
