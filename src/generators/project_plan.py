"""The project plan record and the small draws every planning module shares.

A plan (`ProjectPlan`) is made in `projects.plan_projects`; its kind and fate
(`project_fates`), its people (`project_members`) and the reviewers who sign its work off
(`reviewers`) are filled in by the modules beside it, which all read this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import FieldDef
from ..worktime import DAY_MS

GOLDEN = 0.6180339887498949  # the golden ratio's fraction: an evenly spread sequence


@dataclass
class ProjectPlan:
    index: int
    id: int
    team: int
    owner: int  # user index
    members: list[tuple[int, bool]]  # (user index, is_guest)
    name: str
    theme: str
    view: str
    sections: list[tuple[int, str, str | None]]  # (id, name, workflow state)
    privacy: str
    color: str
    created: int
    start_on: str | None
    due_on: str | None
    due_ms: int | None
    fields: list[tuple[FieldDef, bool]]  # enabled fields, is_important
    others: list[int] = field(default_factory=list)  # earlier list projects of the same team
    review: int | None = None  # the reviewing team's list project hand-off work is posted to
    kind: str = "launch"  # one of project_fates.ONGOING_KINDS or TIMEBOXED_KINDS
    halt: int | None = None  # work stops here (a stalled project), epoch ms
    cancel: int | None = None  # the project is cancelled here (work stops, open work closed)
    partners: list[int] = field(default_factory=list)  # guests from partner teams (user index)
    # a sign-off asked of another function: (hint time, reviewer user index, label)
    handoff: tuple[int, int, str] | None = None

    @property
    def ongoing(self) -> bool:
        return self.due_ms is None

    @property
    def board(self) -> bool:
        return self.view == "board"


def weighted(rng: np.random.Generator, pairs: tuple[tuple[str, float], ...]) -> str:
    """One name of (name, probability) ``pairs`` from a single uniform draw."""
    u, acc = rng.random(), 0.0
    for name, p in pairs:
        acc += p
        if u < acc:
            return name
    return pairs[-1][0]


def in_share(i: int, phase: float, share: float) -> bool:
    """Whether the ``i``-th of a run of projects is among the ``share`` that have a trait:
    one in every 1 / share, evenly (a phase per seed), so any n in a row hold n * share of
    them, give or take one (independent draws left a default file of 30 projects with half
    or twice its share, and its figures swung with them)."""
    return (phase + i * share) % 1.0 < share


def draw(rng: np.random.Generator, pool, ok, fallback, tries: int = 40):
    """A random element of ``pool`` that satisfies ``ok`` (rejection sampling), else fallback."""
    for _ in range(tries):
        u = pool[int(rng.integers(len(pool)))]
        if ok(u):
            return u
    return fallback


def over(plan: ProjectPlan) -> int | None:
    """When the project's work is over (its stall, cancellation or two weeks past its due
    date); None for ongoing work."""
    if plan.halt is not None or plan.cancel is not None:
        return plan.halt if plan.halt is not None else plan.cancel
    return plan.due_ms + 14 * DAY_MS if plan.due_ms else None
