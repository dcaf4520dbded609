"""JSON Lines: one file per table, one JSON object per row and line, UTF-8 (not escaped).

Values are SQLite's own: integers (gids and 0/1 flags included), floats, text, and ``null``
for NULL, keyed by column name in schema order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..schema import column_names
from .registry import Format, per_table


def write_table(table: str, chunks: Iterable[list[tuple]], path: Path) -> None:
    cols = column_names(table)
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for chunk in chunks:
            f.write("".join(encode(dict(zip(cols, row, strict=True))) + "\n" for row in chunk))


FORMAT = Format(
    name="jsonl",
    write=per_table("jsonl", write_table),
    description="one JSON Lines file per table, one object per row",
)
