"""scripts/comment_realism.py on a file without the figures' material: the hand-built valid
file has comments but no question followed by an answer, so a share is "n/a", not a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_validate import build_valid_db

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "comment_realism.py"


def test_a_file_without_question_answer_pairs_prints_n_a(tmp_path: Path) -> None:
    # setup
    path = build_valid_db(tmp_path / "valid.sqlite")
    # run
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--files", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    # assert: it finishes, and the topic figure says there is nothing to measure
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "answers on the topic" in x)
    assert line.endswith("n/a  (0 of 0)")
