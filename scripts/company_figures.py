"""Measure the living-company figures (issue 9) on generated files, as the scorecard reads them.

    python scripts/company_figures.py                   # all industries x us/global, default scale
    python scripts/company_figures.py --files a.sqlite b.sqlite   # files made elsewhere

One line per file and the range over all: completed share of top-level tasks (overall,
time-boxed and ongoing projects, projects under 60 days old, p90 - p10 between projects),
late completion, planned work, Blocked share of open work, cross-team assignments,
cross-project dependencies, tasks multi-homed in another team's project, guests among
project members, comments by people outside the project's team, time-boxed projects
cancelled, idle established employees, workload skew (p90 and max over the median open work
per assignee), holiday load, dated tasks due or starting in the assignee's time off, weekend
co-working in a zone (observed / independent) and monthly flatness (src/checks/company.py);
then the range of every scorecard metric over the files and how many files miss its band.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src import INDUSTRIES, generate, resolve_config  # noqa: E402
from src.checks import company  # noqa: E402
from src.checks.scorecard import scorecard  # noqa: E402

COLUMNS = (
    ("completed", "done"),
    ("completed_timeboxed", "boxed"),
    ("completed_ongoing", "ongoing"),
    ("completed_young", "young"),
    ("spread", "p90-p10"),
    ("late", "late"),
    ("planned", "planned"),
    ("blocked", "blocked"),
    ("cross_team", "x-team"),
    ("cross_project", "x-proj"),
    ("cross_home", "x-home"),
    ("guests", "guests"),
    ("outside_comments", "outside"),
    ("cancelled", "cancel"),
    ("idle", "idle"),
    ("skew_p90", "p90/med"),
    ("skew_max", "max/med"),
    ("holiday", "holiday"),
    ("time_off", "time-off"),
    ("coworking", "wkend-co"),
    ("flat", "flat"),
)
RATIOS = {"skew_p90", "skew_max", "holiday", "coworking", "flat"}


def figures(path: Path) -> dict[str, float | None]:
    with closing(sqlite3.connect(path)) as conn:
        out = company.all_figures(conn)
        # time-boxed projects cancelled (their last status update is 'dropped'), not a metric
        out["cancelled"] = conn.execute(
            """SELECT avg(EXISTS (SELECT 1 FROM status_updates x WHERE x.project_id = p.id
                                  AND x.status_type = 'dropped'))
               FROM projects p WHERE p.due_on IS NOT NULL"""
        ).fetchone()[0]
        return out


def fmt(key: str, v: float | None) -> str:
    if v is None:
        return "-"
    if key in ("time_off", "cross_home"):
        return f"{v:.1%}"
    return f"{v:.2f}" if key in RATIOS else f"{v:.0%}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", default="default")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--end-date", default="2026-06-30")
    ap.add_argument("--files", nargs="*", type=Path)
    args = ap.parse_args()
    print(f"{'file':<24}" + "".join(f"{label:>9}" for _, label in COLUMNS))
    rows = []
    cards: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as d:
        targets = []
        if args.files:
            targets = [(p.name, p) for p in args.files]
        else:
            for industry in INDUSTRIES:
                for workforce in ("us", "global"):
                    raw = {"scale": args.scale, "end_date": args.end_date, "seed": args.seed}
                    raw |= {"industry": industry, "workforce": workforce}
                    path = Path(d) / f"{industry}-{workforce}.sqlite"
                    generate(resolve_config(raw, {}, None), path)
                    targets.append((f"{industry} {workforce}", path))
        for name, path in targets:
            f = figures(path)
            rows.append(f)
            for m in scorecard(path):
                cards.setdefault(m.name, []).append(m)
            print(f"{name:<24}" + "".join(f"{fmt(k, f[k]):>9}" for k, _ in COLUMNS), flush=True)
    for label, pick in (("min", min), ("max", max)):
        cells = []
        for key, _ in COLUMNS:
            values = [r[key] for r in rows if r[key] is not None]
            cells.append(fmt(key, pick(values)) if values else "-")
        print(f"{label:<24}" + "".join(f"{c:>9}" for c in cells))
    print()
    for name, ms in cards.items():
        values = [m.value for m in ms if m.value is not None]
        span = f"{min(values):.3f} - {max(values):.3f}" if values else "-"
        misses = sum(m.in_band is False for m in ms)
        print(f"{name:<56} {span:>17}  band {ms[0].band:<12} {misses} out of band")


if __name__ == "__main__":
    main()
