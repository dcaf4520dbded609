"""Measure how truthfully status updates report their project's state, on generated files.

    python scripts/status_realism.py                   # all industries x us/global, default scale
    python scripts/status_realism.py --files a.sqlite b.sqlite   # files made elsewhere

For each file, and pooled over all: the share of updates written while their project is past
its due date with open work that still say "on track"; completed projects that hold open
tasks or subtasks; "complete" updates with open work left; updates whose stated counts (open,
overdue, done), "all open items have owners and dates" claims or milestone tenses disagree with
the record at that moment; and updates with number-grammar or sentence-case flaws.  The claims
are read exactly as `validate`'s status rules read them (src/checks/status_claims.py).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src import INDUSTRIES, generate, resolve_config  # noqa: E402
from src.checks.status_claims import RULES, prepare  # noqa: E402

RULE_SQL = {rule: sql for rule, _, sql, _ in RULES}

# (figure, numerator SQL, denominator SQL); each selects ids, counted.
_OPEN_AT_UPDATE = """EXISTS (
    SELECT 1 FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
    WHERE tm.project_id = x.project_id AND tm.is_primary = 1 AND t.parent_id IS NULL
      AND t.created_at <= x.created_at
      AND (t.completed_at IS NULL OR t.completed_at > x.created_at))"""
_PAST_DUE_OPEN = f"""SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
    WHERE p.due_on < substr(x.created_at, 1, 10) AND {_OPEN_AT_UPDATE}"""
FIGURES = (
    (
        "on track while past due with open work",
        _PAST_DUE_OPEN + " AND x.status_type = 'on_track'",
        _PAST_DUE_OPEN,
    ),
    (
        "completed projects holding open work",
        """SELECT DISTINCT p.id FROM projects p
           JOIN task_memberships tm ON tm.project_id = p.id AND tm.is_primary = 1
           JOIN tasks t ON t.id = tm.task_id OR t.parent_id = tm.task_id
           WHERE p.completed = 1 AND t.completed = 0""",
        "SELECT id FROM projects WHERE completed = 1",
    ),
    (
        "'complete' updates with open work",
        RULE_SQL["status.complete_open_work"],
        "SELECT id FROM status_updates WHERE status_type = 'complete'",
    ),
    (
        "stated counts that disagree",
        RULE_SQL["status.claimed_counts"],
        """SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
           WHERE claims_counts(x.text, p.name)""",
    ),
    (
        "'all open items have owners' that is false",
        RULE_SQL["status.all_open_owned"],
        "SELECT id FROM status_updates WHERE owned_claim(text) IS NOT NULL",
    ),
    (
        "milestones named in the wrong tense",
        RULE_SQL["status.milestone_tense"],
        """SELECT DISTINCT x.id FROM status_updates x
           JOIN task_memberships tm ON tm.project_id = x.project_id AND tm.is_primary = 1
           JOIN tasks m ON m.id = tm.task_id AND m.resource_subtype = 'milestone'
           WHERE instr(x.text, m.name) > 0""",
    ),
    (
        "number grammar flaws ('1 tasks', 'only 0')",
        RULE_SQL["status.number_grammar"],
        "SELECT id FROM status_updates",
    ),
    (
        "lower-case sentence starts",
        RULE_SQL["status.sentence_case"],
        "SELECT id FROM status_updates",
    ),
)


def measure(path: Path, figures=FIGURES, setup=prepare) -> list[tuple[int, int]]:
    """(numerator, denominator) of every figure for one file (scripts/context_realism.py
    passes its own figures and SQL functions)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    setup(conn)
    try:
        return [
            (
                conn.execute(f"SELECT count(*) FROM ({num})").fetchone()[0],
                conn.execute(f"SELECT count(*) FROM ({den})").fetchone()[0],
            )
            for _, num, den in figures
        ]
    finally:
        conn.close()


def generated_files(folder: Path, seed: int) -> list[Path]:
    paths = []
    for industry in INDUSTRIES:
        for workforce in ("us", "global"):
            path = folder / f"{industry}-{workforce}.sqlite"
            raw = {"scale": "default", "end_date": "2026-06-30", "seed": seed}
            raw |= {"industry": industry, "workforce": workforce}
            generate(resolve_config(raw, {}, None), path)
            paths.append(path)
    return paths


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options every realism script takes: files to measure, or the seed to generate with."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--files", nargs="+", type=Path, help="measure these files instead")
    ap.add_argument("--seed", type=int, default=42)
    return ap


def print_pooled(figures, results: list[list[tuple[int, int]]], width: int) -> None:
    """Each figure's share pooled over the files (``results``: one ``measure`` list per file)."""
    print(f"{len(results)} files, pooled:")
    for i, (name, _, _) in enumerate(figures):
        n = sum(f[i][0] for f in results)
        k = sum(f[i][1] for f in results)
        share = f"{n / k:6.1%}" if k else "     -"
        print(f"  {name:<{width}} {share}  ({n} of {k})")


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--per-file", action="store_true", help="also print each file's figures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        paths = args.files or generated_files(Path(d), args.seed)
        results = [(p, measure(p)) for p in paths]
    if args.per_file:
        for p, figures in results:
            cells = "  ".join(f"{n}/{k}" for n, k in figures)
            print(f"{p.name:<32} {cells}")
    print_pooled(FIGURES, [f for _, f in results], 46)


if __name__ == "__main__":
    main()
