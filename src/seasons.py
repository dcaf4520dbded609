"""Industry seasons: how the rate of new work moves over the year (src/data/seasons.json).

A project's task creation moments are first drawn evenly in the owner's working time; `warp`
then moves them, in order, so that their density follows the industry's monthly multipliers
(a busy month gets more of them, a quiet one fewer).  The map is deterministic and monotone:
no draw is added, the order of the moments is kept, and the multipliers depend on the
calendar month only, never on the anchor.
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from .worktime import Calendar, date_ms, ms_date

DATA = Path(__file__).resolve().parent / "data" / "seasons.json"


@lru_cache(maxsize=16)
def monthly(industry: str) -> tuple[float, ...]:
    """The twelve multipliers of an industry (all 1.0 for one without a season)."""
    with DATA.open(encoding="utf-8") as f:
        spec = json.load(f).get(industry)
    return tuple(float(x) for x in spec["months"]) if spec else (1.0,) * 12


def _pieces(
    cal: Calendar, a: int, b: int, months: tuple[float, ...]
) -> tuple[list[float], list[float], list[float]] | None:
    """The months of (a, b) in ``cal``'s working time: their bounds, multipliers and the
    cumulative weighted working time (None for an empty span)."""
    w0, w1 = cal.to_w(a), cal.to_w(b)
    if b <= a or w1 <= w0:
        return None
    day = ms_date(a).replace(day=1)
    pts, weights = [w0], []
    while True:
        nxt = (day + dt.timedelta(days=32)).replace(day=1)
        weights.append(months[day.month - 1])
        if date_ms(nxt) >= b:
            break
        pts.append(min(max(cal.to_w(date_ms(nxt)), pts[-1]), w1))
        day = nxt
    pts.append(w1)
    cum = [0.0]
    for i, m in enumerate(weights):
        cum.append(cum[-1] + (pts[i + 1] - pts[i]) * m)
    return pts, weights, cum


def mean_multiplier(cal: Calendar, a: int, b: int, months: tuple[float, ...]) -> float:
    """The multiplier of (a, b) as a whole, weighted by working time: a project that lives
    through busy months has that much more work than one of the same length in quiet ones
    (so the season shows in the company's volume, not only in each project's own pace)."""
    if len(set(months)) == 1:
        return 1.0
    pieces = _pieces(cal, a, b, months)
    if pieces is None:
        return 1.0
    pts, _, cum = pieces
    return cum[-1] / (pts[-1] - pts[0])


def warp(cal: Calendar, hints: list[int], a: int, b: int, months: tuple[float, ...]) -> list[int]:
    """``hints`` (sorted instants in [a, b], even in ``cal``'s working time) moved so their
    density follows ``months``."""
    if len(set(months)) == 1 or not hints:
        return hints
    pieces = _pieces(cal, a, b, months)
    if pieces is None:
        return hints
    pts, weights, cum = pieces
    w0, w1 = pts[0], pts[-1]
    total = cum[-1]
    if total <= 0:
        return hints
    out = []
    for t in hints:
        target = (cal.to_w(t) - w0) / (w1 - w0) * total
        i = min(bisect_right(cum, target) - 1, len(weights) - 1)
        out.append(cal.from_w(pts[i] + (target - cum[i]) / weights[i]))
    return out
