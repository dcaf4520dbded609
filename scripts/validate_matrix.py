"""Generate every industry x workforce at one scale and validate each file (rules and scorecard).

    python scripts/validate_matrix.py                  # 10 industries x us/global, default scale
    python scripts/validate_matrix.py --scale small --seed 7

Prints one line per file (failed error rules, rule warnings, scorecard metrics out of band,
and which) and exits 1 if any file has a failure or a warning.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src import INDUSTRIES, generate, resolve_config  # noqa: E402
from src.validate import validate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", default="default")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--end-date", default="2026-06-30")
    args = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for industry in INDUSTRIES:
            for workforce in ("us", "global"):
                raw = {"scale": args.scale, "end_date": args.end_date, "seed": args.seed}
                raw |= {"industry": industry, "workforce": workforce}
                path = Path(d) / f"{industry}-{workforce}.sqlite"
                generate(resolve_config(raw, {}, None), path)
                report = validate(path, with_scorecard=True)
                failed = [r.rule for r in report.rules if not r.passed and r.severity == "error"]
                warned = [r.rule for r in report.rules if not r.passed and r.severity != "error"]
                misses = [m.name for m in report.metrics if m.in_band is False]
                bad += bool(failed or warned or misses)
                print(
                    f"{industry:<14} {workforce:<7} {len(failed)} failed, {len(warned)} warnings, "
                    f"{len(misses)} out of band  {' '.join(failed + warned)} {'; '.join(misses)}"
                )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
