"""In-memory descriptions of generated entities that later stages need (not rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .worktime import Calendar


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
    calendars: dict[int, Calendar]


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
