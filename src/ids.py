"""Asana-style 16-digit gids derived from the entity's path, never from a global counter.

gid = 10**15 + kind * 10**13 + scope * 10**7 + local.  ``scope`` is the project index for
project-owned rows (sections, tasks, stories, status updates), the user index for a person's
time off, and 0 otherwise, so the ids of project 7 do not move when project 21 is added.
"""

from __future__ import annotations

from enum import IntEnum

BASE = 10**15
LOCAL_LIMIT = 10**7
SCOPE_LIMIT = 10**6


class Kind(IntEnum):
    WORKSPACE = 10
    USER = 11
    TEAM = 12
    PROJECT = 13
    SECTION = 14
    TASK = 15
    STORY = 16
    CUSTOM_FIELD = 17
    ENUM_OPTION = 18
    TAG = 19
    STATUS_UPDATE = 20
    TIME_OFF = 21


def gid(kind: Kind, local: int, scope: int = 0) -> int:
    if not (0 <= local < LOCAL_LIMIT and 0 <= scope < SCOPE_LIMIT):
        raise ValueError(f"gid out of range: kind={kind} scope={scope} local={local}")
    return BASE + int(kind) * 10**13 + scope * LOCAL_LIMIT + local
