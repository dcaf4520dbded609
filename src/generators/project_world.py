"""What a simulated project holds: its drawn tasks (`DrawnTask`), the whole project up to a
clock (`ProjectWorld`, built by `tasks.simulate_project`) and the rows shown from it at a clock
(`ProjectRows`, from `task_rows.project_rows`).  Kept apart so the row builders can read a world
without importing the simulation."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..ids import Kind, gid
from ..lifecycle import Member, ProjectCtx, TaskLife
from ..model import Org
from ..text import Vocabulary
from .cancellation import Cancellation
from .completion import Completion
from .project_plan import ProjectPlan


@dataclass
class ProjectRows:
    """Rows of one project, by table, plus figures the caller reports."""

    tables: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    last_event: int = 0


@dataclass
class DrawnTask:
    """One task as drawn: its life, place in the project and the values it holds."""

    local: int
    life: TaskLife
    parent: int | None  # local index of the parent
    deps: list[int] = field(default_factory=list)
    ext_deps: list[int] = field(default_factory=list)  # task ids in earlier projects
    tags: list[int] = field(default_factory=list)
    values: dict[int, Any] = field(default_factory=dict)  # field index -> value
    slots: int = 0  # story ids it owns: its drawn events and room for a wrap-up's closing


@dataclass
class ProjectWorld:
    """One project simulated up to a clock: what `project_rows` shows at any earlier one."""

    seed: int
    org: Org
    plan: ProjectPlan
    ctx: ProjectCtx
    members: dict[int, Member]
    owner: Member
    tags: list[tuple]
    vocab: Vocabulary
    tasks: list[DrawnTask]
    names: list[str]
    notes: list[str]
    old_names: list[str | None]
    comments: list[list[str | None]]  # per task and event: a comment's text (None: system)
    completion: Completion | None
    archive: bool  # archived a month after its completion (drawn whatever the clock)
    clock: int
    status_rows: Any = None  # (project notes, status update rows up to the clock)
    cancellation: Cancellation | None = None  # the close-out of a cancelled project

    def __post_init__(self) -> None:
        self.ids = [gid(Kind.TASK, t.local, self.plan.index) for t in self.tasks]
        firsts, n = [], 0
        for t in self.tasks:
            firsts.append(n)
            n += t.slots
        if n:
            gid(Kind.STORY, n - 1, self.plan.index)  # the last id is in range: all are
        self.first_story = firsts
        # every moment the project changes (task creations and events), for its row
        self.moments = sorted(
            [t.life.created for t in self.tasks] + [e.t for t in self.tasks for e in t.life.events]
        )

    def completed_at(self, clock: int) -> int | None:
        c = self.completion
        return c.completed_at if c is not None and c.completed_at < clock else None

    def last_change(self, clock: int) -> int:
        i = bisect_left(self.moments, clock)
        return max(self.plan.created, self.moments[i - 1] if i else 0)
