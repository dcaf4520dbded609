"""What the engine works on: the draws it takes, the members and sections of a project, a
project's context, the events of a task's life and the life itself."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from ..model import FieldDef
from ..rng import buffered
from ..worktime import Calendar, OwnWeekends, PersonalCalendar
from .shapes import SHAPES, Shape

NEVER = 2**62  # "has not left"
GOLDEN = 0.6180339887498949
PLASTIC = 0.7548776662466927  # the plastic ratio's inverse: a phase apart from GOLDEN's
_NORMAL = NormalDist()
# The per-project sequences some of a task's choices are read from (ProjectCtx.sequence): a
# van der Corput sequence in its own prime base by name (a phase per project and name).  A
# task reads more than one in step: in coprime bases they are jointly even (the Halton
# points), where sequences of irrational steps in step drift together (e - 2 beside sqrt 3
# - 1 tied a task's effort to its fate and moved the median days to completion by a day).
# A task's fate stays an independent draw; whether work that stalls is unowned, queued or
# left Blocked is read from one point of the "stalled" sequence after the fate is drawn
# (engine._owner_plan): nearly all open work at the anchor is stalled work, so each
# project's open unassigned and Blocked shares hold within a task of their expectation.
SEQUENCE_BASES = {"work": 5, "blocked": 11, "queue": 3, "stalled": 7}
_TABLE = 4096  # radical inverses kept per base (a project's tasks; later ones are computed)


# People's shares of work spread lognormally (design, issue 9: "some people carry two to
# three times the median open work"): with even shares, a file's busiest assignee held
# 2.3 times the median open work, and the person at the 90th percentile 1.4 times.
LOAD_SIGMA = 0.5


def workload(phase: float, user_index: int) -> float:
    """A person's share of the work handed out in their projects, relative (median 1): a
    point of a golden-ratio sequence over user indexes (its ``phase`` per seed), so the
    shares are spread evenly over the company and a person's does not depend on who joins
    after them (continuous mode)."""
    u = min(max((phase + user_index * GOLDEN) % 1.0, 1e-6), 1.0 - 1e-6)
    return math.exp(LOAD_SIGMA * _NORMAL.inv_cdf(u))


def _radical_inverse(k: int, base: int) -> float:
    """k's digits in ``base`` mirrored about the point: 1 -> 1/b, 2 -> 2/b, ..., b -> 1/b^2."""
    x, f = 0.0, 1.0 / base
    while k:
        k, digit = divmod(k, base)
        x += digit * f
        f /= base
    return x


_INVERSES = {b: [_radical_inverse(k, b) for k in range(_TABLE)] for b in SEQUENCE_BASES.values()}


class Censored(Exception):
    """The next event would fall at or after the anchor: the life so far is the state."""


class Draws:
    """Uniforms and normals served from buffered blocks of one numpy generator.

    Cheap per call (``u`` and ``z`` are the ``__next__`` of generators over the blocks, no
    Python frame per draw), and the sequence depends only on the generator's key and the
    order of calls, which is fixed by the (deterministic) simulation.
    """

    __slots__ = ("u", "z")

    def __init__(self, rng: Any):
        self.u = buffered(rng.random, 4096)
        self.z = buffered(rng.standard_normal, 2048)

    def chance(self, p: float) -> bool:
        return self.u() < p

    def pick(self, items: Any) -> Any:
        return items[int(self.u() * len(items))]

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.z())

    def poisson(self, lam: float) -> int:
        # inversion: lam is small here (a handful of comments)
        k, p = 0, math.exp(-lam)
        s, u = p, self.u()
        while u > s and k < 60:
            k += 1
            p *= lam / k
            s += p
        return k

    def pick_by_load(self, members: tuple[Member, ...]) -> Member:
        """One of ``members``, each as likely as their load (one draw, as `pick`)."""
        u = self.u() * sum(m.load for m in members)
        for m in members:
            u -= m.load
            if u < 0.0:
                return m
        return members[-1]

    def weighted(self, weights: tuple[float, ...]) -> int:
        u, acc = self.u(), 0.0
        for i, w in enumerate(weights):
            acc += w
            if u < acc:
                return i
        return len(weights) - 1


@dataclass(frozen=True, eq=False)
class Member:
    """A project member as the engine sees them: when they can act, and in which calendar."""

    user_index: int
    user_id: int
    first_name: str
    name: str
    cal: Calendar | OwnWeekends | PersonalCalendar  # their zone's, their weekends, minus absences
    join: int
    leave: int  # NEVER if they stay
    load: float = 1.0  # how much of the project's work comes their way, relative (workload)

    def active(self, t: int) -> bool:
        return self.join <= t < self.leave


@dataclass(frozen=True)
class Section:
    id: int
    name: str
    state: str | None  # board workflow state, None for list sections


@dataclass(frozen=True)
class OtherProject:
    """A list project a task may be multi-homed into: an earlier one of the same team, or the
    reviewing team's (hand-off work)."""

    id: int
    section_id: int
    created: int


@dataclass
class ProjectCtx:
    """What the engine needs to know about one project."""

    id: int
    owner: Member
    members: list[Member]
    sections: list[Section]
    board: bool
    anchor: int
    status_field: FieldDef
    priority_field: FieldDef | None
    others: list[OtherProject] = field(default_factory=list)
    guests: frozenset[int] = frozenset()  # user ids with commenter access only
    shape: Shape = SHAPES["timeboxed"]
    due: int | None = None  # the project's due date (epoch ms), toward which work is planned
    start: int = 0  # when the project was created (epoch ms)
    horizon: int | None = None  # the real anchor when ``anchor`` is a stalled project's halt
    review: OtherProject | None = None  # the reviewing team's list project hand-off work goes to
    given: set[int] = field(default_factory=set, init=False)  # user ids handed work so far

    def __post_init__(self) -> None:
        self.editors = [m for m in self.members if m.user_id not in self.guests]
        self.never_phase = (self.id * GOLDEN) % 1.0
        self.review_phase = (self.id * PLASTIC) % 1.0
        self._phases = {
            name: ((self.id + i + 1) * GOLDEN) % 1.0 for i, name in enumerate(SEQUENCE_BASES)
        }
        self._counts = dict.fromkeys(SEQUENCE_BASES, 0)
        self._editor_eras = _eras(self.editors)
        self._member_eras = _eras(self.members)

    def active(self, t: int, editors: bool = True) -> tuple[Member, ...]:
        """The editors (or all members) active at t, in member order: looked up in the
        spans between joins and leaves (drawing an actor is a hot path; a scan of the
        members per draw cost more)."""
        points, eras = self._editor_eras if editors else self._member_eras
        return eras[bisect_right(points, t)]

    def sequence(self, name: str) -> float:
        """The next point of the project's evenly spread sequence ``name`` (its base in
        SEQUENCE_BASES, shifted by a phase per project), in [0, 1).  A per-task choice read
        from it instead of an independent draw holds its share in every project, give or
        take one task: a default file has a few hundred open or completed tasks, and its
        figures (the Blocked share of open work, the median days to completion) swung
        across their bands between seeds with independent draws.  Calls come in the order
        tasks are simulated, which no clock changes."""
        k = self._counts[name] + 1
        self._counts[name] = k
        base = SEQUENCE_BASES[name]
        inverse = _INVERSES[base][k] if k < _TABLE else _radical_inverse(k, base)
        return (self._phases[name] + inverse) % 1.0

    def never_draw(self) -> float:
        """The next point of a golden-ratio sequence (a phase per project): whether a subtask
        is never assigned is read from it, so a project's share of unowned pieces is close to
        its expectation (a task's is read from the "stalled" sequence: engine._owner_plan)."""
        self.never_phase = (self.never_phase + GOLDEN) % 1.0
        return self.never_phase

    def review_draw(self) -> float:
        """The next point of another golden-ratio sequence: whether a task of a project with
        a hand-off is cross-posted to the reviewing team's project (`steps._multi_home`).
        Not a draw of the task's stream, so which project that is, or whether there is one,
        changes no other step of any life (and a project cross-posts close to its share)."""
        self.review_phase = (self.review_phase + GOLDEN) % 1.0
        return self.review_phase

    def work_z(self) -> float:
        """How long a task's work takes, relative to its median, as a standard normal
        quantile read from the sequence: each project's efforts spread over the whole
        distribution (the median days to completion moved over 5.4-7.5 days between seeds
        with independent draws; the band is 2-7)."""
        return _NORMAL.inv_cdf(min(max(self.sequence("work"), 1e-9), 1.0 - 1e-9))

    def section_for(self, state: str) -> Section | None:
        for s in self.sections:
            if s.state == state:
                return s
        return None


@dataclass(slots=True)
class Event:
    """One story: a system change or a comment (kind set, text filled later)."""

    t: int
    actor: Member
    subtype: str
    assignee: Member | None = None
    project_id: int | None = None
    old_section: Section | None = None
    new_section: Section | None = None
    old_due_on: str | None = None
    new_due_on: str | None = None
    old_due_at: str | None = None
    new_due_at: str | None = None
    field_id: int | None = None
    old_option: int | None = None
    new_option: int | None = None
    kind: str | None = None  # comment kind
    addressee: Member | None = None
    date_arg: int | None = None  # a date the comment names (return from absence, due date)


@dataclass
class TaskLife:
    """A simulated task: its final state at the anchor and its event log."""

    subtype: str
    priority: int
    created: int
    creator: Member
    events: list[Event] = field(default_factory=list)
    assignee: Member | None = None
    completed: int | None = None
    completer: Member | None = None
    approval: str | None = None
    due_on: str | None = None
    due_at: str | None = None
    start_on: str | None = None
    section: Section | None = None
    status: str = "Not started"
    priority_now: int = 0
    escalated: bool = False
    renamed: bool = False
    dropped: bool = False
    dropped_at: int | None = None
    dropped_start_on: str | None = None  # the start date a drop removed (for censoring)
    work_wd: float = 1.0
    planned: bool = False  # its due date is a point of the project's plan
    queued: bool = False  # a request that waits unassigned until someone picks it up
    multi_home: list[tuple[OtherProject, int]] = field(default_factory=list)
    followers: dict[int, Member] = field(default_factory=dict)
    # (time, state, assignee) after each state change; drives comment kinds
    timeline: list[tuple[int, str, Member | None]] = field(default_factory=list)

    @property
    def modified(self) -> int:
        return max(self.created, self.events[-1].t if self.events else self.created)


def _eras(members: list[Member]) -> tuple[list[int], list[tuple[Member, ...]]]:
    """The joins and leaves of ``members``, sorted, and who is active in each span they
    bound: ``eras[bisect_right(points, t)]`` holds the members active at t, in order."""
    points = sorted({m.join for m in members} | {m.leave for m in members if m.leave < NEVER})
    eras = [()] + [tuple(m for m in members if m.join <= p < m.leave) for p in points]
    return points, eras
