"""Text in continuous mode, for files whose text the LLM tier wrote.

The generator always writes template text; a file made (or continued) with ``--llm`` holds
LLM text instead in some rows.  An advance keeps every existing row's text as the file has it
(only structure changes: a task's state, assignee, due date), and gives the rows it adds
either LLM text, through the same tier and cache, when the run has usable LLM settings, or
the templates.  What was used is recorded in the advance's ``generation_runs.llm_json``:

* ``{"new_text": "llm", "settings": ..., "report": ...}``: new rows through the tier;
* ``{"new_text": "templates", "kept": "llm"}``: existing LLM text kept, new rows templated
  (`simulate` without usable LLM settings, and every `live` session on such a file).

`reproduce` replays these records (src/reproduction.py): the text follows from the records
and the cache alone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..fingerprint import table_digest
from ..llm import LLMReport, LLMSettings, rewrite_database
from ..pipeline import canonical_json
from ..schema import column_names

# field -> (table, its text columns, which rows hold that field's text)
TEXT_COLUMNS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "descriptions": ("tasks", ("notes",), "1"),
    "briefs": ("projects", ("notes",), "1"),
    "status_updates": ("status_updates", ("title", "text"), "1"),
    "comments": ("stories", ("text",), "t.type = 'comment'"),
}


KEPT_RECORD = canonical_json({"new_text": "templates", "kept": "llm"})


def carries_llm_text(conn: sqlite3.Connection) -> bool:
    """Whether any run of the file wrote LLM text (or kept it): its text is not the
    templates' everywhere, so an advance must keep it."""
    row = conn.execute("SELECT 1 FROM generation_runs WHERE llm_json IS NOT NULL LIMIT 1")
    return row.fetchone() is not None


def keep_text(conn: sqlite3.Connection, schema: str) -> set[str]:
    """In ``conn``'s main database (the next state, template text), give every row that
    ``schema`` (the file as it is) already holds the file's text.  Returns the tables
    changed."""
    changed = set()
    for table, columns, where in TEXT_COLUMNS.values():
        sets = ", ".join(f"{c} = o.{c}" for c in columns)
        differs = " OR ".join(f"o.{c} IS NOT t.{c}" for c in columns)
        cur = conn.execute(
            f'UPDATE main."{table}" AS t SET {sets} FROM {schema}."{table}" AS o '
            f"WHERE o.id = t.id AND {where} AND ({differs})"
        )
        if cur.rowcount:
            changed.add(table)
    return changed


def keep_row_text(conn: sqlite3.Connection, table: str, rows: list[tuple]) -> list[tuple]:
    """``rows`` of ``table`` (tasks or projects: their notes) with the text the file already
    holds for those it has (`live` writes a touched task's row whole)."""
    i = column_names(table).index("notes")
    ids = [r[0] for r in rows]
    held: dict[int, str] = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        marks = ",".join("?" * len(chunk))
        held.update(conn.execute(f'SELECT id, notes FROM "{table}" WHERE id IN ({marks})', chunk))
    return [(*r[:i], held[r[0]], *r[i + 1 :]) if r[0] in held else r for r in rows]


def new_items(conn: sqlite3.Connection, schema: str) -> dict[str, set[int]]:
    """Per LLM field, the ids of the rows the next state adds (those ``schema`` lacks)."""
    out = {}
    for field, (table, _, where) in TEXT_COLUMNS.items():
        out[field] = {
            i
            for (i,) in conn.execute(
                f'SELECT t.id FROM main."{table}" AS t WHERE {where} '
                f'AND t.id NOT IN (SELECT id FROM {schema}."{table}")'
            )
        }
    return out


def fill_text(
    path: Any,
    schema_path: Any,
    carried: bool,
    llm: LLMSettings | None,
    api_key: str | None,
    progress: Any = None,
) -> tuple[dict[str, str], LLMReport | None, str | None]:
    """Make the next state's text (the file at ``path``) continue the file at
    ``schema_path``: existing rows keep their text when it may be LLM text (``carried``),
    new rows get LLM text when ``llm`` is on.  Returns the new digests of the tables
    changed, the LLM report, and the ``llm_json`` to record (None: nothing LLM, as before)."""
    if not carried and (llm is None or not llm.on):
        return {}, None, None
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS cur", (str(schema_path),))
        changed: set[str] = set()
        if carried:
            conn.execute("BEGIN")
            changed |= keep_text(conn, "cur")
            conn.execute("COMMIT")
        report = None
        if llm is not None and llm.on:
            only = new_items(conn, "cur")
            conn.execute("DETACH DATABASE cur")
            report = rewrite_database(conn, llm, api_key, progress, only=only)
            changed |= set(report.digests)
        digests = {t: table_digest(conn, t) for t in sorted(changed)}
    finally:
        conn.close()
    if report is None:
        return digests, None, KEPT_RECORD
    record = {"new_text": "llm", "settings": report_settings(llm), "report": report.to_dict()}
    return digests, report, canonical_json(record)


def report_settings(llm: LLMSettings | None) -> dict[str, Any]:
    assert llm is not None  # a report comes only from a run with settings
    return llm.to_dict()
