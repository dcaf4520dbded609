"""Industry seasons: the monthly multipliers move new work into busy months (src/seasons.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import q1, small_config

from src import INDUSTRIES, generate
from src.seasons import mean_multiplier, monthly, warp
from src.worktime import build_calendar, date_ms


def test_every_industry_has_a_season_of_twelve_months_around_one() -> None:
    for industry in INDUSTRIES:
        months = monthly(industry)
        assert len(months) == 12
        assert 0.9 <= sum(months) / 12 <= 1.1
        assert max(months) - min(months) >= 0.2, industry


def test_warp_keeps_order_and_count_and_follows_the_multipliers() -> None:
    # setup: even moments over a year in one zone's working time
    cal = build_calendar(1, 0, dt.date(2025, 12, 1), dt.date(2027, 2, 1))
    a, b = date_ms(dt.date(2026, 1, 1)), date_ms(dt.date(2026, 12, 31))
    w0, w1 = cal.to_w(a), cal.to_w(b)
    hints = [cal.from_w(w0 + (w1 - w0) * (i + 0.5) / 2000) for i in range(2000)]
    months = monthly("Retail")
    # run
    out = warp(cal, hints, a, b, months)
    # assert: same count, still sorted, and November (1.3) holds more than December (0.75)
    assert len(out) == len(hints) and out == sorted(out)
    per = [0] * 12
    for t in out:
        per[dt.datetime.fromtimestamp(t / 1000, dt.UTC).month - 1] += 1
    assert per[10] > 1.4 * per[11]
    assert warp(cal, hints, a, b, (1.0,) * 12) == hints


def test_a_life_in_busy_months_holds_more_work_than_one_in_quiet_months() -> None:
    # setup: Retail's months, one zone's working time
    cal = build_calendar(1, 0, dt.date(2025, 12, 1), dt.date(2027, 2, 1))
    months = monthly("Retail")

    def mean(a: dt.date, b: dt.date) -> float:
        return mean_multiplier(cal, date_ms(a), date_ms(b), months)

    # run: the holiday peak's preparation (September-November: 1.15-1.3), the spring (0.85-0.95)
    peak = mean(dt.date(2026, 9, 1), dt.date(2026, 12, 1))
    spring = mean(dt.date(2026, 2, 1), dt.date(2026, 5, 1))
    year = mean(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    # assert: each is its months' multiplier weighted by working time; a whole year about 1;
    # an industry without a season, or an empty span, 1
    assert peak == pytest.approx(1.23, abs=0.02)
    assert spring == pytest.approx(0.9, abs=0.02)
    assert year == pytest.approx(sum(months) / 12, abs=0.02)
    assert (
        mean_multiplier(
            cal, date_ms(dt.date(2026, 9, 1)), date_ms(dt.date(2026, 12, 1)), (1.0,) * 12
        )
        == 1.0
    )
    assert (
        mean_multiplier(cal, date_ms(dt.date(2026, 9, 1)), date_ms(dt.date(2026, 9, 1)), months)
        == 1.0
    )


def test_a_quiet_month_gets_less_new_work(tmp_path: Path) -> None:
    # setup: the same small Education file with and without its season
    def june_share(path: Path) -> float:
        return q1(
            path,
            "SELECT avg(substr(created_at, 1, 7) = '2026-06') FROM tasks WHERE parent_id IS NULL",
        )

    seasonal = tmp_path / "season.sqlite"
    flat = tmp_path / "flat.sqlite"
    generate(small_config(3, industry="Education"), seasonal)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("src.generators.tasks.monthly", lambda industry: (1.0,) * 12)
        generate(small_config(3, industry="Education"), flat)
    # assert: June (0.7 of an average month) holds a smaller share of the work
    assert june_share(seasonal) < june_share(flat)
