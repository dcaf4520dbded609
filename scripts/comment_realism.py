"""Measure whether comments say only what the record shows, on generated files.

    python scripts/comment_realism.py                   # all industries x us/global, default scale
    python scripts/comment_realism.py --files a.sqlite b.sqlite   # files made elsewhere

For each file, pooled over all: dependency claims ("the dependency closed", "waiting on the
previous task") on tasks without a dependency; "break it into subtasks" not followed by a
subtask the author creates (or on a subtask); closing claims ("closing as duplicate",
"cancelling", "dropping this") on tasks that stay open, the share of open top-level work that
carries one, and the share left "On hold" (dropped but open); commented tasks with a text said
twice; a comment repeating its author's earlier text on the task within the hour; nudges whose
stated wait is off; then the distinct comment ratio and the share of the commonest text.
Claims are read as `validate`'s comment rules read them (src/checks/comment_claims.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from status_realism import arguments, generated_files, measure, print_pooled  # noqa: E402

from src.checks.comment_claims import prepare  # noqa: E402
from src.checks.scorecard import _COMMENT_VARIETY  # noqa: E402
from src.text import DATA_DIR  # noqa: E402


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z]+\}", template)
    return re.compile(".*".join(re.escape(p) for p in parts))


def on_topic(conn: sqlite3.Connection) -> tuple[int, int]:
    """(answers on the topic of the question before them, answers after a question): the
    common threads' templates (``comments.threads`` of common.json) read both back."""
    threads = json.loads((DATA_DIR / "common.json").read_text())["comments"]["threads"]
    questions = [(t["topic"], _pattern(x)) for t in threads for x in t["q"]]
    answers = [(t["topic"], _pattern(x)) for t in threads for x in t["a"]]
    rows = conn.execute(
        """SELECT task_id, text FROM stories WHERE resource_subtype = 'comment_added'
           ORDER BY task_id, created_at, id"""
    )
    asked: set[str] = set()
    last, matched, paired = None, 0, 0
    for task, text in rows:
        if task != last:
            asked, last = set(), task
        qt = {name for name, p in questions if p.search(text)}
        at = {name for name, p in answers if p.search(text)}
        if qt and not at:
            asked = qt
        elif at and asked:
            paired += 1
            matched += bool(at & asked)
            asked = set()
    return matched, paired


_CLAIMS = """SELECT s.id, s.task_id, s.created_by_id, s.created_at, comment_claim(s.text) AS claim
             FROM stories s WHERE s.resource_subtype = 'comment_added'"""
_COMMENTS = "SELECT id FROM stories WHERE resource_subtype = 'comment_added'"
FIGURES = (
    (
        "dependency claims on tasks without a dependency",
        f"""SELECT c.id FROM ({_CLAIMS}) c WHERE c.claim IN ('dep_closed', 'dep_waiting')
            AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.task_id = c.task_id)""",
        f"SELECT id FROM ({_CLAIMS}) WHERE claim IN ('dep_closed', 'dep_waiting')",
    ),
    (
        "'break it into subtasks' without the author's subtasks",
        f"""SELECT c.id FROM ({_CLAIMS}) c JOIN tasks t ON t.id = c.task_id
            WHERE c.claim = 'subtasks' AND (t.parent_id IS NOT NULL OR NOT EXISTS (
                SELECT 1 FROM tasks s WHERE s.parent_id = c.task_id
                AND s.created_by_id = c.created_by_id AND s.created_at >= c.created_at))""",
        f"SELECT id FROM ({_CLAIMS}) WHERE claim = 'subtasks'",
    ),
    (
        "closing claims on tasks that stay open",
        f"""SELECT c.id FROM ({_CLAIMS}) c JOIN tasks t ON t.id = c.task_id
            WHERE c.claim = 'closing' AND t.completed = 0""",
        f"SELECT id FROM ({_CLAIMS}) WHERE claim = 'closing'",
    ),
    (
        "open top-level tasks with a closing claim",
        f"""SELECT t.id FROM tasks t WHERE t.parent_id IS NULL AND t.completed = 0
            AND EXISTS (SELECT 1 FROM ({_CLAIMS}) c WHERE c.task_id = t.id
                        AND c.claim = 'closing')""",
        "SELECT id FROM tasks WHERE parent_id IS NULL AND completed = 0",
    ),
    (
        "open top-level tasks left 'On hold' (dropped, not closed)",
        """SELECT t.id FROM tasks t JOIN custom_field_values v ON v.task_id = t.id
           JOIN custom_fields f ON f.id = v.custom_field_id AND f.name = 'Status'
           WHERE t.parent_id IS NULL AND t.completed = 0 AND v.display_value = 'On hold'""",
        "SELECT id FROM tasks WHERE parent_id IS NULL AND completed = 0",
    ),
    (
        "commented tasks with a text said twice",
        """SELECT task_id FROM stories WHERE resource_subtype = 'comment_added'
           GROUP BY task_id HAVING count(*) > count(DISTINCT text)""",
        "SELECT DISTINCT task_id FROM stories WHERE resource_subtype = 'comment_added'",
    ),
    (
        "comments repeating the author's text within the hour",
        """SELECT s.id FROM stories s WHERE s.resource_subtype = 'comment_added' AND EXISTS (
               SELECT 1 FROM stories o WHERE o.task_id = s.task_id AND o.id != s.id
               AND o.resource_subtype = 'comment_added' AND o.created_by_id = s.created_by_id
               AND o.text = s.text AND o.created_at <= s.created_at
               AND julianday(s.created_at) - julianday(o.created_at) < 1.0 / 24)""",
        _COMMENTS,
    ),
    (
        "nudges whose stated wait is off by more than a day",
        """SELECT id FROM (SELECT s.id, s.created_at, elapsed_claim(s.text) AS days,
                  (SELECT MAX(p.created_at) FROM stories p WHERE p.task_id = s.task_id
                   AND p.created_at < s.created_at) AS prev
                FROM stories s WHERE s.resource_subtype = 'comment_added')
           WHERE days IS NOT NULL
             AND abs(julianday(created_at) - julianday(prev) - days) > 1""",
        """SELECT id FROM stories WHERE resource_subtype = 'comment_added'
           AND elapsed_claim(text) IS NOT NULL""",
    ),
)


def share(n: int, k: int, fmt: str = "6.1%") -> str:
    """n of k as a percentage, or "n/a" when there is nothing to count (no comments, no
    question followed by an answer)."""
    return format(n / k, fmt) if k else f"{'n/a':>6}"


def main() -> None:
    args = arguments(__doc__).parse_args()
    with tempfile.TemporaryDirectory() as d:
        paths = args.files or generated_files(Path(d), args.seed)
        results = [measure(p, FIGURES, prepare) for p in paths]
        variety, topics = [], []
        for p in paths:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
            total, distinct, top = conn.execute(_COMMENT_VARIETY).fetchone()
            if total:
                variety.append((distinct / total, top / total, top))
            topics.append(on_topic(conn))
            conn.close()
    print_pooled(FIGURES, results, 56)
    n, k = sum(t[0] for t in topics), sum(t[1] for t in topics)
    print(f"  {'answers on the topic of the question before them':<56} {share(n, k)}  ({n} of {k})")
    ratio, top_share = "n/a", f"{'n/a':>6}"
    if variety:
        ratio = f"{min(v[0] for v in variety):.2f}-{max(v[0] for v in variety):.2f}"
        worst = max(variety, key=lambda v: v[1])
        top_share = f"{worst[1]:6.2%}  ({worst[2]} times)"
    print(f"  {'distinct comment ratio (per file)':<56} {ratio}")
    print(f"  {'top comment text share (worst file)':<56} {top_share}")


if __name__ == "__main__":
    main()
