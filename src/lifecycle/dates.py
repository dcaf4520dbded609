"""Due and start days: off weekends (mostly), public holidays and the assignee's time off,
moved when the work is rescheduled or handed to someone away, and the hour of a due time."""

from __future__ import annotations

from bisect import bisect_right

from ..worktime import DAY_MS, Calendar, absence_on, day_ms, fmt_date, is_workday, parse_ms
from .model import Draws, Event, Member, TaskLife
from .sim import _Sim

P_HOLIDAY_MOVE = 0.99  # due dates that would fall on a public holiday and are moved (design)


def _weekday_bias(d: Draws, day_ms: int) -> int:
    """Move most weekend due dates to the Friday before or the Monday after.

    Uniform days would put 5/7 = 71% on weekdays; moving 48% of the rest gives the design
    target of about 85%.
    """
    wd = (day_ms // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday: Mon=0
    if wd >= 5 and d.chance(0.48):
        return day_ms + (-1 if wd == 5 else 1) * DAY_MS
    return day_ms


def _due_day(d: Draws, cal: Calendar, day: int, floor: int) -> int:
    """A due day off the weekend (mostly, `_weekday_bias`), off the public holidays of ``cal``
    (the assignee's calendar; P_HOLIDAY_MOVE of them move to the working day before, else
    after, never to ``floor`` or earlier): nobody plans a deadline on Memorial Day; and off
    the assignee's time off (to the working day before it, else the day they are back)."""
    day = _weekday_bias(d, day)
    away = absence_on(cal, day)
    if away is not None:
        before = _workday_from(cal, away[0], -1, floor)
        return before if before is not None else away[1]
    if (day // DAY_MS + 3) % 7 >= 5 or is_workday(cal, day) or not d.chance(P_HOLIDAY_MOVE):
        return day
    for step in (-1, -2, -3, -4, 1, 2, 3, 4, 5, 6):
        c = day + step * DAY_MS
        if c > floor and is_workday(cal, c):
            return c
    return day


def _workday_from(cal: Calendar, day: int, step: int, floor: int) -> int | None:
    """The first working day of ``cal`` from ``day`` on (step +1) or back (step -1), within
    a week and after ``floor``."""
    for _ in range(7):
        day += step * DAY_MS
        if day <= floor:
            return None
        if is_workday(cal, day):
            return day
    return None


def _move_due_on(d: Draws, life: TaskLife, cal: Calendar, day: int, t: int) -> int:
    """Move ``life``'s due day to ``day`` (at ``t``), off the holidays and time off of ``cal``
    (`_due_day`), and return the new day.

    The new day comes after the day of the move and after the task's start day: work can
    be rescheduled before it starts, and the working day before an absence may be the
    start day or earlier (then the due day is the day they are back).  A start day the due
    day still does not come after is dropped, as at creation.  No extra draw: the other
    tasks' draws are untouched."""
    start = day_ms(life.start_on) if life.start_on else 0
    new = _due_day(d, cal, day, max(t // DAY_MS * DAY_MS, start))
    life.due_on = fmt_date(new)
    if life.start_on and new <= start:
        life.start_on = None
    return new


def _keep_off_time_off(sim: _Sim, d: Draws, t: int, actor: Member) -> None:
    """Whoever hands a dated task to someone away on its due day moves the date: to the
    working day before the absence (after the task's start day), else the day they are back.
    The start day stays (it is part of the task as created, whatever the clock), unless the
    due day cannot come after it (`_move_due_on`)."""
    life = sim.life
    who = life.assignee
    if who is None or not life.due_on:
        return
    old = day_ms(life.due_on)
    if absence_on(who.cal, old) is None:
        return
    if _move_due_on(d, life, who.cal, old, t) != old:
        sim.emit(
            Event(t, actor, "due_date_changed", old_due_on=fmt_date(old), new_due_on=life.due_on)
        )


def _at_local_hour(cal: Calendar, day_ms: int, hour: float) -> int:
    """UTC ms of ``hour`` local time on a day, from the calendar's local midnights."""
    j = bisect_right(cal.starts, day_ms + 12 * 3_600_000) - 1
    if j >= 0 and abs(cal.starts[j] - day_ms) < DAY_MS:
        return cal.starts[j] + int(hour * 3_600_000)
    return day_ms + int((hour + 5) * 3_600_000)  # not a working day there: roughly local


def _due_ms_of(life: TaskLife) -> int | None:
    if life.due_on:
        return day_ms(life.due_on)
    if life.due_at:
        return parse_ms(life.due_at)
    return None
