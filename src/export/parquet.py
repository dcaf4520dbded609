"""Parquet: one file per table with real types, written by pyarrow (the optional extra
``.[parquet]``), streamed one record batch at a time so memory stays flat.

The schema comes from schema.sql, never from the values: INTEGER is int64, except the 0/1
flags, which are bool; REAL is float64; TEXT is string, except timestamps (columns ending
``_at``: ISO-8601 UTC with milliseconds) as timestamp[ms, UTC], dates (``_on``, and a date
custom field's ``date_value``) as date32, and the low-cardinality enums below, which are
dictionary-encoded.  Rows go in primary-key order with zstd compression and no wall-clock
metadata, so the same content gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InputFileError
from ..schema import column_declarations
from .registry import Format, per_table

# INTEGER columns that hold 0/1 flags (schema.sql: "Booleans are INTEGER 0/1").
BOOLEAN_COLUMNS = frozenset(
    {"is_active", "is_admin", "is_primary", "is_guest", "archived", "completed", "enabled",
     "is_important"}
)  # fmt: skip
# TEXT columns with a few distinct values (Asana's enums, palettes, zones): dictionary-encoded.
ENUM_COLUMNS = frozenset(
    {"industry", "timezone", "country_code", "job_title", "color", "privacy_setting",
     "default_view", "access_level", "workflow_state", "resource_subtype", "approval_status",
     "type", "format", "currency_code", "status_type"}
)  # fmt: skip
DATE_COLUMNS = frozenset({"date_value"})
COMPRESSION = "zstd"
ROWS_PER_GROUP = 128 * 1024


def logical_type(table: str, column: str, declared: str) -> str:
    """The Arrow type a column gets, as its name (the manifest records it)."""
    if declared == "INTEGER":
        return "bool" if column in BOOLEAN_COLUMNS else "int64"
    if declared == "REAL":
        return "float64"
    if column.endswith("_at"):
        return "timestamp[ms, tz=UTC]"
    if column.endswith("_on") or column in DATE_COLUMNS:
        return "date32"
    if column in ENUM_COLUMNS:
        return "dictionary<values=string, indices=int32>"
    return "string"


def column_types(table: str) -> dict[str, str]:
    return {c: logical_type(table, c, t) for c, t, _ in column_declarations(table)}


def arrow_schema(table: str) -> Any:
    import pyarrow as pa

    types = {
        "bool": pa.bool_(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "timestamp[ms, tz=UTC]": pa.timestamp("ms", tz="UTC"),
        "date32": pa.date32(),
        "dictionary<values=string, indices=int32>": pa.dictionary(pa.int32(), pa.string()),
        "string": pa.string(),
    }
    return pa.schema(
        [
            pa.field(c, types[logical_type(table, c, t)], nullable=nullable)
            for c, t, nullable in column_declarations(table)
        ]
    )


def _column(values: tuple, typ: Any) -> Any:
    """One Arrow column from SQLite values: text timestamps and dates are parsed by Arrow's
    ISO-8601 cast (in C), flags and enums converted from their plain arrays."""
    import pyarrow as pa

    if pa.types.is_timestamp(typ) or pa.types.is_date32(typ):
        return pa.array(values, pa.string()).cast(typ)
    if pa.types.is_boolean(typ):
        return pa.array(values, pa.int64()).cast(typ)
    if pa.types.is_dictionary(typ):
        return pa.array(values, pa.string()).dictionary_encode()
    return pa.array(values, typ)


def _checked(table: str, values: tuple, field: Any, keys: tuple, key: str) -> Any:
    """The column as an Arrow array, or one InputFileError line naming the first value that
    does not fit its type and its row (``keys``: the first column's values, named ``key``)."""
    import pyarrow as pa

    try:
        return _column(values, field.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        bad = next((i for i, v in enumerate(values) if not _fits(v, field.type)), None)
        what = "a value" if bad is None else f"{values[bad]!r:.40} in row {key} {keys[bad]}"
        raise InputFileError(
            f"{table}.{field.name} holds {what}, which does not fit {field.type}; the file "
            "does not follow schema.sql"
        ) from e


def _fits(value: Any, typ: Any) -> bool:
    import pyarrow as pa

    try:
        _column((value,), typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def write_table(table: str, chunks: Iterable[list[tuple]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    n = 0
    with pq.ParquetWriter(
        path,
        schema,
        compression=COMPRESSION,
        use_dictionary=[f.name for f in schema if pa.types.is_dictionary(f.type)],
        write_statistics=True,
        store_schema=True,
    ) as writer:
        for chunk in chunks:
            columns = list(zip(*chunk, strict=True))
            arrays = [
                _checked(table, v, f, columns[0], schema[0].name)
                for v, f in zip(columns, schema, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema), ROWS_PER_GROUP)
            n += len(chunk)
        if n == 0:
            writer.write_table(schema.empty_table())


FORMAT = Format(
    name="parquet",
    write=per_table("parquet", write_table),
    description="one typed Parquet file per table (pyarrow)",
    requires=("pyarrow", ".[parquet]"),
    column_types=column_types,
)
