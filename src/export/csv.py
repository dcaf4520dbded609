"""CSV: one file per table, RFC 4180 (comma, double quotes, CRLF), a header row, UTF-8.

NULL is an empty field.  CSV has no null, so an empty string reads back the same as NULL; the
manifest says which columns are nullable (no nullable text column of a generated file holds an
empty string), and JSONL or Parquet keep the difference when it matters.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ..schema import column_names
from .registry import Format, per_table


def write_table(table: str, chunks: Iterable[list[tuple]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, dialect="excel", lineterminator="\r\n")
        writer.writerow(column_names(table))
        for chunk in chunks:
            writer.writerows(chunk)


FORMAT = Format(
    name="csv",
    write=per_table("csv", write_table),
    description="one RFC 4180 CSV file per table with a header row",
)
