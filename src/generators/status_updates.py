"""Rows for `status_updates`: the owner's fortnightly project status, read off the tasks.

Facts first: at each update the project's state is measured from the task lives as they stood
at that moment (open and done work, due dates and assignees as they were then, milestones,
recent activity); the status type follows from that state, and the text is drawn only from
templates whose declared claims the state satisfies.  `validate` reads the same claims back
from the text by pattern (src/checks/status_claims.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Any

from ..checks.status_claims import count_mismatch
from ..ids import Kind, gid
from ..lifecycle import Draws, Member, TaskLife
from ..text import Picker, Vocabulary, fill
from ..worktime import DAY_MS, fmt_ms
from .cancellation import Cancellation

CADENCE_DAYS = 14  # fortnightly updates (design); a few are skipped
P_SKIP = 0.2

# The status type rule (design choices; `status_type` applies them in this order):
QUIET_DAYS = 21  # no event on any task for three weeks: the project is on hold
LATE_DAYS = 14  # past its due date by more than two weeks with open work: off track
OFF_SHARE = 0.35  # share of open work overdue from which a project is off track ...
RISK_SHARE = 0.15  # ... and at risk
OFF_LAG = 0.5  # schedule elapsed minus work done (shares) from which it is off track ...
RISK_LAG = 0.3  # ... and at risk

# Every claim a status template may declare, with what must hold for it to be drawn.
CLAIMS: dict[str, Any] = {
    "done>0": lambda f: f.done > 0,
    "open>0": lambda f: f.open > 0,
    "open>1": lambda f: f.open > 1,
    "overdue>0": lambda f: f.overdue > 0,
    "overdue=0": lambda f: f.open > 0 and f.overdue == 0,
    "all_open_owned": lambda f: f.open > 0 and f.unowned == 0,
    "past_due": lambda f: f.days_past_due is not None,
    "milestone_next": lambda f: f.next_milestone is not None,
    "milestone_late": lambda f: f.late_milestone is not None,
    "milestone_done": lambda f: f.done_milestone is not None,
    "wrapped>0": lambda f: f.wrapped > 0,
    "moved>0": lambda f: f.moved > 0 and f.target is not None,
    "moved=0": lambda f: f.moved == 0,
}
# Placeholders a template may use, each with the claim it needs (None: always true).
PLACEHOLDERS: dict[str, str | None] = {
    "project": None,
    "done": "done>0",
    "open": "open>0",
    "overdue": "overdue>0",
    "wrapped": "wrapped>0",
    "next_milestone": "milestone_next",
    "late_milestone": "milestone_late",
    "done_milestone": "milestone_done",
    "target": "moved>0",
}
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


@dataclass(frozen=True)
class Facts:
    """A project's state at the moment of an update, as the record shows it then."""

    done: int  # top-level tasks completed by then
    open: int  # top-level tasks created and not completed by then
    overdue: int  # open tasks whose due day (as it stood then) is before that day
    unowned: int  # open tasks without an assignee or without a due date then
    wrapped: int  # tasks the owner closed at the wrap-up (complete updates only)
    next_milestone: str | None  # the earliest open milestone not yet due
    late_milestone: str | None  # the earliest open milestone past its due day
    done_milestone: str | None  # the milestone completed last
    days_past_due: float | None  # days since the project's due date (None: not past it)
    lag: float | None  # share of the schedule elapsed minus share of the work done
    quiet: bool  # no event on any task in the last QUIET_DAYS
    moved: int = 0  # tasks moved to another project at a cancellation ("dropped" updates only)
    target: str | None = None  # the project they went to

    def holds(self, claim: str) -> bool:
        return bool(CLAIMS[claim](self))


def status_type(f: Facts) -> str:
    """The status a project owner reports, from the state of the project at that moment.

    In order: open work but no event for QUIET_DAYS -> on_hold (only a really quiet project
    is "on hold"); past its due date with open work -> off_track if more than LATE_DAYS late
    or at least OFF_SHARE of the open work is overdue, else at_risk (never on_track); otherwise
    the worse of the overdue share (RISK_SHARE / OFF_SHARE) and the schedule lag (elapsed
    share of start..due minus the done share of the work, RISK_LAG / OFF_LAG) -> at_risk /
    off_track, else on_track.  "complete" is only written once the project is completed.
    """
    if f.open and f.quiet:
        return "on_hold"
    share = f.overdue / f.open if f.open else 0.0
    if f.open and f.days_past_due is not None:
        return "off_track" if f.days_past_due > LATE_DAYS or share >= OFF_SHARE else "at_risk"
    lag = f.lag or 0.0
    if share >= OFF_SHARE or lag >= OFF_LAG:
        return "off_track"
    if share >= RISK_SHARE or lag >= RISK_LAG:
        return "at_risk"
    return "on_track"


class Count(int):
    """A number that formats with its noun: ``{n:task}`` -> "1 task" / "3 tasks",
    ``{n:activity/activities}`` for an irregular plural, ``{n:~is/are}`` for the verb alone."""

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(int(self))
        bare = spec.startswith("~")
        one, _, many = spec.lstrip("~").partition("/")
        word = one if self == 1 else (many or one + "s")
        return word if bare else f"{int(self)} {word}"


def sentence_case(text: str) -> str:
    """Capitalise the first letter of every sentence (a task or milestone name may not be)."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def fact_values(f: Facts, project: str) -> dict[str, Any]:
    """The placeholders a status template may use, filled from the facts (counts as `Count`,
    so a template can pluralise them)."""
    return {
        "project": project,
        "done": Count(f.done),
        "open": Count(f.open),
        "overdue": Count(f.overdue),
        "wrapped": Count(f.wrapped),
        "next_milestone": f.next_milestone,
        "late_milestone": f.late_milestone,
        "done_milestone": f.done_milestone,
        "target": f.target,
    }


def draw_text(pick: Picker, templates: list[dict[str, Any]], f: Facts, **values: Any) -> str:
    """A template whose every claim holds, filled; the first claim-free one if none does."""
    usable = [t for t in templates if all(f.holds(c) for c in t["claims"])]
    if not usable:
        usable = [t for t in templates if not t["claims"]]
    return sentence_case(fill(pick.pick(usable)["text"], **values))


@dataclass
class _Track:
    """One top-level task's changes as sorted times, to read its state at any moment."""

    created: int
    completed: int | None
    event_times: list[int]
    due_times: list[int]
    dues: list[str | None]  # due day after each change
    owner_times: list[int]
    owned: list[bool]  # assigned after each change


def _track(life: TaskLife) -> _Track:
    due_t: list[int] = []
    dues: list[str | None] = []
    own_t: list[int] = []
    owned: list[bool] = []
    for e in life.events:
        if e.subtype == "due_date_changed":
            due_t.append(e.t)
            dues.append(e.new_due_on or (e.new_due_at[:10] if e.new_due_at else None))
        elif e.subtype in ("assigned", "unassigned"):
            own_t.append(e.t)
            owned.append(e.subtype == "assigned")
    return _Track(
        life.created, life.completed, [e.t for e in life.events], due_t, dues, own_t, owned
    )


def _at(times: list[int], values: list[Any], t: int, default: Any) -> Any:
    i = bisect_right(times, t)
    return values[i - 1] if i else default


def measure(
    t: int,
    tracks: list[_Track],
    milestones: list[tuple[str, str, int, int | None]],
    created: int,
    due_ms: int | None,
    wrapped: int = 0,
) -> Facts:
    """The project's state at ``t`` (stories at t included, as in `validate`)."""
    today = fmt_ms(t)[:10]
    done = open_ = overdue = unowned = 0
    quiet = True
    for k in tracks:
        if k.created > t:
            continue
        if quiet and bisect_right(k.event_times, t) > bisect_right(
            k.event_times, t - QUIET_DAYS * DAY_MS
        ):
            quiet = False
        if k.completed is not None and k.completed <= t:
            done += 1
            continue
        open_ += 1
        due = _at(k.due_times, k.dues, t, None)
        if due is not None and due < today:
            overdue += 1
        if due is None or not _at(k.owner_times, k.owned, t, False):
            unowned += 1
    next_m = late_m = done_m = None
    last_done = -1
    for due_on, name, m_created, m_completed in milestones:  # sorted by due day
        if m_created > t:
            continue
        if m_completed is not None and m_completed <= t:
            if m_completed > last_done:
                done_m, last_done = name, m_completed
        elif due_on and due_on < today:
            late_m = late_m or name
        else:
            next_m = next_m or name
    past = None
    lag = None
    if due_ms is not None:
        if fmt_ms(due_ms)[:10] < today:  # the due day is over (UTC days, as validate reads)
            past = (t - due_ms) / DAY_MS
        elapsed = min(max((t - created) / max(due_ms - created, DAY_MS), 0.0), 1.0)
        lag = elapsed - done / max(done + open_, 1)
    return Facts(done, open_, overdue, unowned, wrapped, next_m, late_m, done_m, past, lag, quiet)


def status_update_rows(
    d: Draws,
    pick: Picker,
    vocab: Vocabulary,
    project_index: int,
    project_id: int,
    project_name: str,
    owner: Member,
    created: int,
    due_ms: int | None,
    completed_at: int | None,
    wrapped: int,
    anchor: int,
    lives: list[TaskLife],
    milestones: list[tuple[str, str, int, int | None]],
    sponsor: Member | None = None,
    cancelled: Cancellation | None = None,
) -> list[tuple]:
    """Updates every two weeks until completion or the anchor, each reporting the project's
    state at that moment; a completed project ends with a 'complete' update.

    ``milestones`` holds (due day, name, created, completed) of the milestone tasks, sorted;
    ``wrapped`` is how many tasks the owner closed at the wrap-up.  With a ``sponsor`` (the
    executive of an important project) every other update is theirs, a little later in their
    own working time.  A ``cancelled`` project's updates stop at its close-out and end with
    a 'dropped' update that says it was cancelled (after it is archived).
    """
    rows: list[tuple] = []
    tracks = [_track(x) for x in lives]

    def add(t: int, status: str, f: Facts, author: Member = owner) -> None:
        title = pick.pick(vocab.common["status_titles"][status])
        values = fact_values(f, project_name)
        templates = vocab.status_templates(status)
        text = draw_text(pick, templates, f, **values)
        for _ in range(4):
            # a milestone name with a number in it ("phase 1") must not read as a count
            if not count_mismatch(text, project_name, f.open, f.overdue, f.done):
                break
            text = draw_text(pick, templates, f, **values)
        else:
            text = draw_text(pick, [t for t in templates if not t["claims"]], f, **values)
        rows.append(
            (
                gid(Kind.STATUS_UPDATE, len(rows), project_index),
                project_id,
                author.user_id,
                status,
                title,
                text,
                fmt_ms(t),
            )
        )

    end = completed_at if completed_at is not None else anchor
    if cancelled is not None:
        end = min(end, cancelled.archived_at)
    t = owner.cal.advance(created, 5 + d.u() * 3)
    while t < end:
        if not d.chance(P_SKIP) and owner.active(t):
            author, at = owner, t
            if sponsor is not None and len(rows) % 2 == 1:
                at = sponsor.cal.advance(t, 0.05)
                if at < end and sponsor.active(at):
                    author = sponsor
                else:
                    at = t
            f = measure(at, tracks, milestones, created, due_ms)
            add(at, status_type(f), f, author)
        t = owner.cal.advance(t, CADENCE_DAYS * 5 / 7 * (0.8 + 0.4 * d.u()))
    if completed_at is not None:
        t = owner.cal.advance(completed_at, 0.05)
        if t < anchor:
            add(t, "complete", measure(t, tracks, milestones, created, due_ms, wrapped))
    if cancelled is not None:
        t = owner.cal.advance(cancelled.archived_at, 0.05)
        if t < anchor and owner.active(t):
            f = measure(t, tracks, milestones, created, due_ms)
            f = replace(f, moved=cancelled.moved, target=cancelled.target)
            add(t, "dropped", f)
    return rows
