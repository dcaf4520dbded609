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

from dataclasses import dataclass, field
from typing import Any

from ..lifecycle import TaskLife
from ..rng import weighted_index
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
    """Templates with their claims: a plain string claims nothing."""
    return tuple(
        (x, frozenset()) if isinstance(x, str) else (x["text"], frozenset(x["claims"]))
        for x in items
    )


def _plain(items: list[Any]) -> tuple[str, ...]:
    """Templates of a pool that claims nothing (the data declares claims only in `subtask`
    and `specifics`; a claim here would be a data error, caught by the test of the pools)."""
    return tuple(x for x in items if isinstance(x, str))


@dataclass(frozen=True)
class Pools:
    """The description pools of one team: the generic parts and its function's own."""

    team: str
    openers: tuple[str, ...]
    fn_openers: tuple[str, ...]
    actions: tuple[str, ...]
    milestone: tuple[str, ...]
    bodies: tuple[str, ...]
    closers: tuple[str, ...]
    fn_closers: tuple[str, ...]
    subtask: tuple[Piece, ...]
    specifics: tuple[Piece, ...]
    heads: tuple[str, ...]
    deliverables: tuple[str, ...]
    stakeholders: tuple[str, ...]
    leads: tuple[str, ...]
    _allowed: dict = field(default_factory=dict, compare=False, repr=False)

    def allowed(self, items: tuple[Piece, ...], facts: frozenset[str]) -> tuple[str, ...]:
        """The templates of ``items`` whose claims the facts make true (cached per pool and
        set of facts: a project sees only a few dozen sets)."""
        key = (id(items), facts)
        found = self._allowed.get(key)
        if found is None:
            found = self._allowed[key] = tuple(t for t, claims in items if claims <= facts)
        return found

    @classmethod
    def of(cls, vocab: Vocabulary, function: str, team: dict[str, Any]) -> Pools:
        g = vocab.common["descriptions"]
        f = vocab.function_text(function)["descriptions"]
        return cls(
            team=team["name"],
            openers=_plain(g["openers"]),
            fn_openers=_plain(f["openers"]),
            actions=_plain(g["actions"]),
            milestone=_plain(g["milestone"]),
            bodies=_plain(f["bodies"]),
            closers=_plain(g["closers"]),
            fn_closers=_plain(f["closers"]),
            subtask=_pieces(g["subtask"]),
            specifics=_pieces(g["specifics"]),
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
    u, one = pick.u, pick.pick
    values = dict(slots)
    values["deliverable"] = one(pools.deliverables)
    values["stakeholder"] = one(pools.stakeholders)
    values["lead"] = one(pools.leads)
    if subject is not None:
        values["object"] = subject.object
        values["action"] = subject.action
        values["Action"] = subject.action[:1].upper() + subject.action[1:]

    # templates first, filled once at the end (slot values are never re-read as templates)
    if form == "milestone":
        head = one(pools.milestone)
    else:
        lead = one(pools.allowed(pools.subtask, facts)) if form == "subtask" else one(pools.actions)
        if u() < P_OPENER:
            head = f"{one(pools.fn_openers if u() < 0.6 else pools.openers)} {lead}"
        else:
            head = lead
    middle: list[str] = []
    if subject is not None and u() < P_BODY:
        middle.append(one(pools.bodies))
    k = 0 if form == "milestone" and u() < 0.5 else weighted_index(u(), N_SPECIFICS)
    if k:
        eligible = list(pools.allowed(pools.specifics, facts))
        for _ in range(min(k, len(eligible))):
            middle.append(eligible.pop(int(u() * len(eligible))))
    blocks = [head]
    if middle:
        if u() < 0.5:  # one paragraph, or the specifics in a paragraph of their own
            blocks[0] = f"{head} {' '.join(middle)}"
        else:
            blocks.append(" ".join(middle))
    if form == "task" and checklist and u() < P_CHECKLIST:
        n = min(len(checklist), 3 + int(u() * 2))
        start = int(u() * (len(checklist) - n + 1))
        items = "\n".join(f"- {x}" for x in checklist[start : start + n])
        blocks.append(f"{one(pools.heads)}\n{items}")
    if u() < P_CLOSER:
        blocks.append(one(pools.fn_closers if u() < 0.5 else pools.closers))
    return fill("\n\n".join(blocks), **values)
