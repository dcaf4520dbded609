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


def warp(cal: Calendar, hints: list[int], a: int, b: int, months: tuple[float, ...]) -> list[int]:
    """``hints`` (sorted instants in [a, b], even in ``cal``'s working time) moved so their
    density follows ``months``."""
    if len(set(months)) == 1 or b <= a or not hints:
        return hints
    w0, w1 = cal.to_w(a), cal.to_w(b)
    if w1 <= w0:
        return hints
    # month boundaries inside (a, b), in working time, and the weight of each piece
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
    total = cum[-1]
    if total <= 0:
        return hints
    out = []
    for t in hints:
        target = (cal.to_w(t) - w0) / (w1 - w0) * total
        i = min(bisect_right(cum, target) - 1, len(weights) - 1)
        out.append(cal.from_w(pts[i] + (target - cum[i]) / weights[i]))
    return out
