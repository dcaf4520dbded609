"""Export: CSV, JSONL and Parquet read back with the standard readers give exactly the rows of
the SQLite file (NULLs, unicode, quotes, newlines included); Parquet is typed and byte-stable;
the folder appears only when complete; bad options fail with one line and write nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import q
from typer.testing import CliRunner

import src.export.run
from src import OutputExistsError
from src.export import ExportOptionError, export
from src.export.parquet import BOOLEAN_COLUMNS
from src.fingerprint import fingerprint_file, primary_key
from src.main import app
from src.schema import column_declarations, table_names

TRICKY = "Quote \" comma , CRLF\r\nnewline\nend — ünïcødé 日本語 🚀 'single' \\ back"


@pytest.fixture(scope="module")
def tricky(small_seed1, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of a small file with rows whose text breaks naive writers and readers."""
    path = tmp_path_factory.mktemp("export") / "tricky.sqlite"
    shutil.copy(small_seed1.path, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    ws, user = conn.execute("SELECT workspace_id, id FROM users LIMIT 1").fetchone()
    conn.execute(
        "INSERT INTO tasks (id, workspace_id, name, notes, resource_subtype, created_by_id, "
        "created_at, modified_at, completed) VALUES (?, ?, ?, ?, 'default_task', ?, "
        "'2026-01-02T03:04:05.006Z', '2026-01-02T03:04:05.006Z', 0)",
        (9_999_999_999_999_999, ws, TRICKY, TRICKY, user),
    )
    conn.execute("UPDATE users SET name = ? WHERE id = ?", (TRICKY, user))
    conn.execute("UPDATE stories SET text = ? WHERE id = (SELECT MIN(id) FROM stories)", (TRICKY,))
    conn.close()
    return path


def sqlite_rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        order = ", ".join(f'"{c}"' for c in primary_key(conn, table))
        return conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
    finally:
        conn.close()


CAST = {"INTEGER": int, "REAL": float, "TEXT": str}


def value(text: str, decl_col: tuple) -> object:
    """A CSV field back as SQLite holds it: empty is NULL in a nullable column."""
    _, typ, nullable = decl_col
    return None if text == "" and nullable else CAST[typ](text)


def test_csv_round_trip_gives_the_rows_of_every_table(tricky: Path, tmp_path: Path) -> None:
    # run
    summary = export(tricky, "csv", tmp_path / "out")
    # assert: every table, every value, with NULL as an empty field
    assert set(summary.files) == set(table_names())
    assert summary.fingerprint == fingerprint_file(tricky)  # digests taken while exporting
    for table in table_names():
        decl = column_declarations(table)
        with (tmp_path / "out" / f"{table}.csv").open(encoding="utf-8", newline="") as f:
            header, *body = list(csv.reader(f))
        assert header == [c for c, _, _ in decl]
        got = [tuple(value(v, d) for v, d in zip(row, decl, strict=True)) for row in body]
        assert got == sqlite_rows(tricky, table), table
        assert summary.row_counts[table] == len(got)
    raw = (tmp_path / "out" / "tasks.csv").read_bytes()
    assert raw.endswith(b"\r\n") and TRICKY.encode() not in raw  # quoted, quotes doubled


def test_jsonl_round_trip_keeps_types_and_nulls(tricky: Path, tmp_path: Path) -> None:
    # run
    export(tricky, "jsonl", tmp_path / "out")
    # assert
    for table in table_names():
        cols = [c for c, _, _ in column_declarations(table)]
        lines = (tmp_path / "out" / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        got = [tuple(json.loads(line)[c] for c in cols) for line in lines]
        assert [list(json.loads(line)) for line in lines[:1]] in ([cols], [])
        assert got == sqlite_rows(tricky, table), table
    text = (tmp_path / "out" / "tasks.jsonl").read_text(encoding="utf-8")
    assert "日本語 🚀" in text  # UTF-8, not \u escapes
    assert '"parent_id":null' in text


def _from_arrow(value: object) -> object:
    """An Arrow value back as SQLite holds it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_parquet_round_trip_is_typed_and_exact(tricky: Path, tmp_path: Path) -> None:
    # run
    export(tricky, "parquet", tmp_path / "out")
    # assert: the rows
    for table in table_names():
        data = pq.read_table(tmp_path / "out" / f"{table}.parquet")
        got = [tuple(_from_arrow(v) for v in row.values()) for row in data.to_pylist()]
        assert got == sqlite_rows(tricky, table), table
        assert data.column_names == [c for c, _, _ in column_declarations(table)]
    # assert: the types come from schema.sql
    tasks = pq.read_schema(tmp_path / "out" / "tasks.parquet")
    assert tasks.field("id").type == pa.int64() and not tasks.field("id").nullable
    assert tasks.field("completed").type == pa.bool_()
    assert tasks.field("created_at").type == pa.timestamp("ms", tz="UTC")
    assert tasks.field("due_on").type == pa.date32() and tasks.field("due_on").nullable
    assert tasks.field("resource_subtype").type == pa.dictionary(pa.int32(), pa.string())
    assert tasks.field("name").type == pa.string()
    values = pq.read_schema(tmp_path / "out" / "custom_field_values.parquet")
    assert values.field("number_value").type == pa.float64()
    assert values.field("date_value").type == pa.date32()
    for table in table_names():
        schema = pq.read_schema(tmp_path / "out" / f"{table}.parquet")
        for c, typ, _ in column_declarations(table):
            if c in BOOLEAN_COLUMNS:
                assert schema.field(c).type == pa.bool_(), (table, c)
                assert (
                    q(tricky, f'SELECT DISTINCT "{c}" FROM "{table}" WHERE "{c}" NOT IN (0, 1)')
                    == []
                )
            elif typ == "INTEGER":
                assert schema.field(c).type == pa.int64(), (table, c)


def test_parquet_is_byte_identical_for_the_same_content(small_seed1, tmp_path: Path) -> None:
    # setup: a second file with the same content (a copy vacuumed into another layout)
    other = tmp_path / "copy.sqlite"
    sqlite3.connect(small_seed1.path).execute("VACUUM INTO ?", (str(other),))
    # run
    export(small_seed1.path, "parquet", tmp_path / "a")
    export(other, "parquet", tmp_path / "b")
    # assert
    for table in table_names():
        name = f"{table}.parquet"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    meta = pq.read_metadata(tmp_path / "a" / "stories.parquet")
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_manifest_lists_rows_types_fingerprint_and_version(small_seed1, tmp_path: Path) -> None:
    # run
    export(small_seed1.path, "parquet", tmp_path / "out", tables=["tasks", "users"])
    # assert
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["format"] == "parquet" and manifest["program_version"]
    assert manifest["source"]["fingerprint"] == fingerprint_file(small_seed1.path)
    assert list(manifest["tables"]) == ["users", "tasks"]  # schema order
    tasks = manifest["tables"]["tasks"]
    assert tasks["rows"] == q(small_seed1.path, "SELECT COUNT(*) FROM tasks")[0][0]
    cols = {c["name"]: c for c in tasks["columns"]}
    assert cols["created_at"]["type"] == "timestamp[ms, tz=UTC]"
    assert cols["assignee_id"] == {
        "name": "assignee_id", "sqlite_type": "INTEGER", "nullable": True, "type": "int64"
    }  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "manifest.json", "tasks.parquet", "users.parquet"
    ]  # fmt: skip


def test_existing_folder_is_refused_then_replaced_with_force(small_seed1, tmp_path: Path) -> None:
    # setup: an earlier export
    target = tmp_path / "out"
    export(small_seed1.path, "jsonl", target, tables=["tags"])
    before = sorted(p.name for p in target.iterdir())
    # run / assert: refused, untouched
    result = CliRunner().invoke(
        app, ["export", str(small_seed1.path), "--format", "csv", "--out", str(target)]
    )
    assert result.exit_code == 2 and "--force" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == before
    # run / assert: replaced
    result = CliRunner().invoke(
        app,
        ["export", str(small_seed1.path), "--format", "csv", "--out", str(target), "--force"],
    )
    assert result.exit_code == 0, result.output
    assert not (target / "tags.jsonl").exists() and (target / "tasks.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp folder left


def test_a_folder_that_appears_during_the_export_is_kept_and_the_export_fails(
    small_seed1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # setup: another run creates the target folder while this one writes its files
    target = tmp_path / "out"
    real = src.export.run.manifest

    def racing(*args, **kwargs):
        target.mkdir()
        (target / "theirs.csv").write_text("the other run's")
        return real(*args, **kwargs)

    monkeypatch.setattr(src.export.run, "manifest", racing)
    # run
    with pytest.raises(OutputExistsError, match="appeared"):
        export(small_seed1.path, "csv", target, tables=["tags"])
    # assert: the other folder is intact, this run's build folder is gone
    assert sorted(p.name for p in target.iterdir()) == ["theirs.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_never_replaces_a_folder_that_is_not_an_export(small_seed1, tmp_path: Path) -> None:
    # setup: a folder of other files, and a folder holding the input
    other = tmp_path / "docs"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    source = tmp_path / "in" / "org.sqlite"
    source.parent.mkdir()
    shutil.copy(small_seed1.path, source)
    for out, words in ((other, "not an export"), (source.parent, "holds the input")):
        # run
        result = CliRunner().invoke(
            app, ["export", str(source), "-f", "csv", "-o", str(out), "--force"]
        )
        # assert
        assert result.exit_code == 2 and words in result.stderr, result.output
    assert (other / "notes.txt").read_text() == "keep me" and source.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "in"]


def test_a_failure_midway_leaves_no_folder(small_seed1, tmp_path: Path, monkeypatch) -> None:
    # setup: the CSV writer is interrupted at the fourth table
    from src.export import csv as csv_format
    from src.export import registry

    calls: list[str] = []

    def failing(table, chunks, path):
        calls.append(table)
        if len(calls) == 4:
            raise KeyboardInterrupt
        csv_format.write_table(table, chunks, path)

    fmt = registry.Format("csv", registry.per_table("csv", failing), "test")
    monkeypatch.setitem(registry.formats(), "csv", fmt)
    # run
    with pytest.raises(KeyboardInterrupt):
        export(small_seed1.path, "csv", tmp_path / "out")
    # assert
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, accepted",
    [
        (["--format", "xml"], "accepted: asana-json, csv, jsonl, parquet"),
        (["--format", "csv", "--tables", "tasks,nope"], "accepted: workspaces, users"),
        (["--format", "csv", "--tables", ","], "accepted: workspaces, users"),
    ],
)
def test_bad_format_or_table_exits_2_with_one_line(
    small_seed1, tmp_path: Path, args: list[str], accepted: str
) -> None:
    result = CliRunner().invoke(
        app, ["export", str(small_seed1.path), "--out", str(tmp_path / "out"), *args]
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and accepted in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["missing", "folder", "not sqlite", "foreign sqlite"])
def test_bad_input_exits_2_with_one_line(tmp_path: Path, kind: str) -> None:
    # setup
    source = tmp_path / "in.sqlite"
    if kind == "folder":
        source.mkdir()
    elif kind == "not sqlite":
        source.write_text("hello, not a database\n" * 50)
    elif kind == "foreign sqlite":
        sqlite3.connect(source).execute("CREATE TABLE t (x)").connection.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    # run
    result = CliRunner().invoke(
        app, ["export", str(source), "--format", "jsonl", "--out", str(tmp_path / "out")]
    )
    # assert
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and str(source) in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_out_path_that_is_a_file_exits_2(small_seed1, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    result = CliRunner().invoke(
        app, ["export", str(small_seed1.path), "-f", "csv", "-o", str(tmp_path / "out"), "--force"]
    )
    assert result.exit_code == 2 and "is a file" in result.stderr
    assert (tmp_path / "out").read_text() == "x"


@pytest.mark.parametrize("case", ["name-too-long", "through-a-file"])
def test_out_path_that_cannot_be_created_exits_2_in_one_line(
    small_seed1, tmp_path: Path, case: str
) -> None:
    # setup
    (tmp_path / "a_file").write_text("x")
    out = {"name-too-long": tmp_path / ("n" * 300), "through-a-file": tmp_path / "a_file" / "d"}
    # run
    result = CliRunner().invoke(
        app, ["export", str(small_seed1.path), "-f", "csv", "-o", str(out[case])]
    )
    # assert: one line (not an OSError from Path.exists()), nothing written
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1
    assert {"name-too-long": "255 bytes", "through-a-file": "not a directory"}[case] in (
        result.stderr
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_missing_pyarrow_names_the_extra(small_seed1, tmp_path: Path, monkeypatch) -> None:
    # setup: pyarrow cannot be found
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    # run
    with pytest.raises(ExportOptionError, match=r"\.\[parquet\]"):
        export(small_seed1.path, "parquet", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


class Recorder:
    def __init__(self) -> None:
        self.stages: dict[str, list[int]] = {}

    def stage(self, name: str, total: int) -> None:
        self.stages[name] = [total, 0]

    def advance(self, n: int = 1) -> None:
        self.stages[list(self.stages)[-1]][1] += n


def test_progress_has_a_stage_per_table_that_ends_full(small_seed1, tmp_path: Path) -> None:
    progress = Recorder()
    summary = export(small_seed1.path, "jsonl", tmp_path / "out", progress=progress)
    assert list(progress.stages) == list(table_names())
    for table, (total, done) in progress.stages.items():
        assert total == done == summary.row_counts[table], table


def damaged_copy(original: Path, folder: Path, damage: str) -> Path:
    """A copy of the file with one kind of damage a user's edit or a bad disk can leave."""
    path = folder / f"{damage}.sqlite"
    sqlite3.connect(original).execute("VACUUM INTO ?", (str(path),)).connection.close()
    if damage == "corrupt pages":
        data = bytearray(path.read_bytes())
        data[len(data) // 2 : len(data) // 2 + 16384] = b"\xff" * 16384
        path.write_bytes(bytes(data))
        return path
    sql = {  # foreign keys are not enforced for an edit made with the sqlite3 shell
        "dangling reference": "UPDATE tasks SET assignee_id = 'bob' WHERE assignee_id IS NOT NULL",
        "binary text": "UPDATE tasks SET name = x'ff00fe' WHERE id = (SELECT MIN(id) FROM tasks)",
    }[damage]
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("damage", "fmt"),
    [
        ("corrupt pages", "asana-json"),
        ("dangling reference", "asana-json"),
        ("binary text", "jsonl"),
    ],
)
def test_a_damaged_or_mistyped_file_is_one_line_and_leaves_no_folder(
    small_seed1, tmp_path: Path, damage: str, fmt: str
) -> None:
    # setup
    source = damaged_copy(small_seed1.path, tmp_path, damage)
    before = source.read_bytes()
    # run
    result = CliRunner().invoke(
        app, ["export", str(source), "--format", fmt, "--out", str(tmp_path / "out")]
    )
    # assert
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1 and str(source) in result.stderr
    assert "does not follow schema.sql" in result.stderr or "corrupt" in result.stderr
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]
