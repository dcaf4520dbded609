"""In-memory descriptions of generated entities that later stages need (not rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .worktime import Calendar, OwnWeekends, PersonalCalendar, personal_calendar, with_weekends


@dataclass(frozen=True)
class Workspace:
    id: int
    name: str
    domain: str
    industry: str
    created: int


@dataclass
class Team:
    index: int
    id: int
    name: str
    description: str
    created: int
    spec: dict[str, Any]  # the team's vocabulary from the industry data file
    is_leadership: bool = False
    members: list[int] = field(default_factory=list)  # user indices, primary members first
    managers: list[int] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class User:
    index: int
    id: int
    name: str
    first_name: str
    email: str
    job_title: str
    zone: int
    team: int  # primary team index
    is_manager: bool
    join: int  # epoch ms
    leave: int | None
    manager: int | None  # user index


@dataclass(frozen=True)
class Org:
    """The organization the projects are built on."""

    workspace: Workspace
    teams: list[Team]
    users: list[User]
    calendars: dict[int, Calendar]  # one per zone, shared by everyone in it
    # each person's absences (first day, last day, kind), by user index
    absences: dict[int, list[tuple[dt.date, dt.date, str]]] = field(default_factory=dict)
    # the weekend days each person works (worktime.weekend_days), by user index
    weekends: dict[int, list[dt.date]] = field(default_factory=dict)
    load_phase: float = 0.5  # where people's shares of work start (lifecycle.model.workload)
    _personal: dict[int, Calendar | OwnWeekends | PersonalCalendar] = field(
        default_factory=dict, repr=False, compare=False
    )

    def calendar(self, user_index: int) -> Calendar | OwnWeekends | PersonalCalendar:
        """A person's working calendar: their zone's, plus their own worked weekend days,
        minus their absences (built once)."""
        cal = self._personal.get(user_index)
        if cal is None:
            zone = self.calendars[self.users[user_index].zone]
            own = with_weekends(zone, self.weekends.get(user_index, []))
            cal = personal_calendar(own, self.absences.get(user_index, []))
            self._personal[user_index] = cal
        return cal


@dataclass(frozen=True)
class FieldDef:
    """A custom field of the workspace: core (Priority, Status, ...) or the industry's."""

    index: int
    id: int
    name: str
    subtype: str
    options: tuple[tuple[int, str], ...]
    spec: dict[str, Any]
    core: bool

    def option_id(self, name: str) -> int:
        try:
            return self._option_ids[name]
        except KeyError:
            raise KeyError(f"{self.name} has no option {name!r}") from None

    @cached_property
    def _option_ids(self) -> dict[str, int]:
        ids: dict[str, int] = {}
        for oid, oname in self.options:
            ids.setdefault(oname, oid)  # the first option of a name, as a scan would find
        return ids
