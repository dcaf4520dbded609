"""The one lifecycle engine: a task's life from creation to done, dropped, or still open.

One family per module, each importing only those above it: `shapes` (how each kind of project
runs its work), `model` (draws, members, sections, the project context, events, the life),
`sim` (one run's state and its stories), `dates` (due and start days), `comments` (the
discussion over a life), `steps` (completion, drop, hand-over, multi-homing, forced closes)
and `engine` (`simulate_task`: the main path).  The knobs live in the module that reads them:
patch them there (``src.lifecycle.engine.P_REASSIGN``), not on this package.
"""

from .comments import (
    CHAT_BY_PRIORITY,
    EXTRA_COMMENT_PER_WD,
    EXTRA_COMMENT_RATE,
    OPEN_DISCUSSION_SPAN,
    P_ANNOUNCE,
)
from .dates import P_HOLIDAY_MOVE, _move_due_on
from .engine import (
    DUE_MEDIAN_DAYS,
    P_APPROVAL,
    P_ASSIGN_AT_CREATION,
    P_ASSIGN_LATER,
    P_DUE,
    P_DUE_AT,
    P_DUE_CHANGE,
    P_ESCALATE,
    P_LIST_MOVE,
    P_MILESTONE,
    P_NAME_CHANGE,
    P_OVERRUN_MOVE,
    P_REASSIGN,
    P_REVIEW_COLUMN,
    P_SECOND_BLOCK,
    P_STALL_BLOCKED,
    P_START_ON,
    PLAN_HORIZON_DAYS,
    PLANNED_LEAD,
    PRIORITIES,
    PRIORITY_P,
    WORK_MEDIAN_WD,
    WORK_SIGMA,
    simulate_task,
)
from .model import (
    GOLDEN,
    NEVER,
    Censored,
    Draws,
    Event,
    Member,
    OtherProject,
    ProjectCtx,
    Section,
    TaskLife,
)
from .shapes import SHAPES, Shape, shape_of
from .sim import P_COMMENT_ON, state_at
from .steps import P_MULTI_HOME, P_REVIEW_POST, close_as_cancelled, close_at_wrap_up

__all__ = [
    "CHAT_BY_PRIORITY",
    "Censored",
    "DUE_MEDIAN_DAYS",
    "Draws",
    "EXTRA_COMMENT_PER_WD",
    "EXTRA_COMMENT_RATE",
    "Event",
    "GOLDEN",
    "Member",
    "NEVER",
    "OPEN_DISCUSSION_SPAN",
    "OtherProject",
    "PLANNED_LEAD",
    "PLAN_HORIZON_DAYS",
    "PRIORITIES",
    "PRIORITY_P",
    "P_ANNOUNCE",
    "P_APPROVAL",
    "P_ASSIGN_AT_CREATION",
    "P_ASSIGN_LATER",
    "P_COMMENT_ON",
    "P_DUE",
    "P_DUE_AT",
    "P_DUE_CHANGE",
    "P_ESCALATE",
    "P_HOLIDAY_MOVE",
    "P_LIST_MOVE",
    "P_MILESTONE",
    "P_MULTI_HOME",
    "P_NAME_CHANGE",
    "P_OVERRUN_MOVE",
    "P_REASSIGN",
    "P_REVIEW_COLUMN",
    "P_REVIEW_POST",
    "P_SECOND_BLOCK",
    "P_STALL_BLOCKED",
    "P_START_ON",
    "ProjectCtx",
    "SHAPES",
    "Section",
    "Shape",
    "TaskLife",
    "WORK_MEDIAN_WD",
    "WORK_SIGMA",
    "_move_due_on",
    "close_as_cancelled",
    "close_at_wrap_up",
    "shape_of",
    "simulate_task",
    "state_at",
]
