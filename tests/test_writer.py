"""Part files (src/writer.py): a chunk's rows go into a part file exactly as given, whichever
columns each group of rows uses and however many rows a statement carries, and read back in
key order; rows that do not line up are refused, not shifted."""

from __future__ import annotations

import sqlite3

import pytest

from src.schema import column_names
from src.writer import _VALUES_ROWS, write_part


def _story(i: int, subtype: str) -> tuple:
    row: list = [None] * len(column_names("stories"))
    row[:7] = [i, 1000 + i // 3, 7, f"2026-01-01T00:00:{i % 60:02d}.000Z", "system", subtype, "t"]
    if subtype == "assigned":
        row[7] = 8  # assignee_id
    if subtype == "section_changed" and i % 7 == 0:
        row[10] = 5 + i  # new_section_id, on some rows only
    return tuple(row)


def test_a_part_holds_every_row_and_value_as_given(tmp_path) -> None:
    # setup: three story groups of different columns, sizes around the rows per statement
    subtypes = ["comment_added"] * (2 * _VALUES_ROWS + 3) + ["assigned"] * _VALUES_ROWS
    subtypes += ["section_changed"] * 17
    stories = [_story(i, st) for i, st in enumerate(subtypes)]
    tags = [(1, 2), (1, 3), (4, 2)]
    # run
    payloads = write_part(tmp_path / "part.sqlite", {"stories": stories, "task_tags": tags})
    # assert: the same rows, every value in its column, in key order
    conn = sqlite3.connect(tmp_path / "part.sqlite")
    assert conn.execute("SELECT * FROM stories ORDER BY rowid").fetchall() == stories
    assert conn.execute("SELECT * FROM task_tags ORDER BY rowid").fetchall() == tags
    moved = sum(1 for r in stories if r[10] is not None)
    counted = conn.execute("SELECT count(new_section_id) FROM stories").fetchone()
    assert moved and counted == (moved,)
    assert set(payloads) == {"stories", "task_tags"}


def test_rows_of_different_lengths_are_refused(tmp_path) -> None:
    # setup: one row short of a column
    rows = [(1, 2), (3,)]
    # run / assert
    with pytest.raises(ValueError, match="task_tags"):
        write_part(tmp_path / "part.sqlite", {"task_tags": rows})
