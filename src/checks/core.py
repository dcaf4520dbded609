"""The machinery every family of checks shares: a rule as data (Check), its outcome
(RuleResult), a file's outcome (ValidationReport) and running a rule (`runner` runs them on
both cores).

Every rule is one set-based SQL query that selects the ids of offending rows, so a check costs a
few scans and index look-ups however big the file is: nothing loops over rows in Python.

Severity "error" marks integrity (the file breaks a promise of schema.sql) and fails validation;
"warning" marks consistency the generator keeps but an edited file may reasonably break.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..inputs import columns_of, first_bad_text, is_text_error, load_anchor

ERROR = "error"
WARNING = "warning"
EXAMPLE_LIMIT = 5
TEXT_RULE = "format.text"  # structure.text_result; a rule that cannot read a text points at it

# How to name a row in examples, for tables without an id column: its key columns.
_ROW_KEYS = {
    "team_memberships": ("team_id", "user_id"),
    "project_memberships": ("project_id", "user_id"),
    "task_memberships": ("task_id", "project_id"),
    "task_dependencies": ("task_id", "depends_on_id"),
    "task_followers": ("task_id", "user_id"),
    "custom_field_settings": ("project_id", "custom_field_id"),
    "custom_field_values": ("task_id", "custom_field_id"),
    "custom_field_value_options": ("task_id", "custom_field_id", "enum_option_id"),
    "custom_field_value_people": ("task_id", "custom_field_id", "user_id"),
    "task_tags": ("task_id", "tag_id"),
}

# Enumerations the schema's comments define: (table, column, allowed values).  NULL is allowed


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: how many rows break it, and a few of them to look at."""

    rule: str
    description: str
    severity: str
    offending: int
    examples: tuple[int | str, ...]

    @property
    def passed(self) -> bool:
        return self.offending == 0

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "description": self.description,
            "severity": self.severity,
            "passed": self.passed,
            "offending": self.offending,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class ValidationReport:
    """All rules run against one file; only failed error-severity rules make it not ok."""

    path: str
    rules: tuple[RuleResult, ...]
    metrics: tuple[Any, ...] = ()  # the scorecard's Metrics, when asked for

    @property
    def ok(self) -> bool:
        return not any(r.severity == ERROR and not r.passed for r in self.rules)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "ok": self.ok,
            "errors": sum(r.severity == ERROR and not r.passed for r in self.rules),
            "warnings": sum(r.severity == WARNING and not r.passed for r in self.rules),
            "rules": [r.to_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class Check:
    """A rule as data: ``sql`` selects one column, the id of every offending row.

    ``setup`` (optional) is a ``CREATE TEMP TABLE IF NOT EXISTS … AS SELECT …`` that ``sql``
    reads (with ``CREATE INDEX IF NOT EXISTS`` statements after it, if it needs one): work
    several rules share (a pattern called on every comment), done once per connection.
    ``validate`` runs the rules with one setup as one job, so it is done once."""

    rule: str
    description: str
    sql: str
    severity: str = ERROR
    setup: str = ""


MMAP_BYTES = 1 << 40  # all of any file, up to SQLite's own cap (2 GB in common builds)


def prepare_connection(conn: sqlite3.Connection) -> None:
    """TEMP state the rules read: the anchor (TEMP tables work on a read-only file).

    The file is read memory-mapped: the rules scan the big tables many times over, and
    through the default 2 MB page cache each page read is a system call (at xl, seconds of
    kernel time per pass over 3 GB)."""
    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    anchor = load_anchor(conn)
    if anchor is not None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _anchor (anchor TEXT)")
        conn.execute("DELETE FROM temp._anchor")
        conn.execute("INSERT INTO temp._anchor VALUES (?)", (anchor,))


# The characters that match an ASCII letter case-blind in Python's re without lowering to
# one (İ ı ſ K): a text holding one must go to the patterns themselves.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")


def may_match(text: str, words: tuple[str, ...]) -> bool:
    """Whether a case-blind pattern that needs one of ``words`` (lower case) may match
    ``text``: a cheap first test (the patterns cost microseconds a text, and the rules run
    them on every comment or description).  False only when the lowered text holds none of
    the words and no character that folds to an ASCII letter without lowering to it."""
    if not text.isascii() and any(map(text.__contains__, _FOLDS_TO_ASCII)):
        return True
    low = text.lower()
    return any(map(low.__contains__, words))


def may_match_sql(text: str, words: tuple[str, ...]) -> str:
    """SQL that is true wherever ``may_match(text, words)`` is (and on a few more texts): a
    case-blind LIKE per word, in C, so a rule calls its pattern function (a Python call of a
    few microseconds) only on the texts that may hold a claim.  LIKE folds ASCII letters only
    (and stops at a NUL), so a text with any other character, more bytes than characters,
    goes to the function whatever it holds."""
    likes = " OR ".join(f"{text} LIKE '%{w.replace(chr(39), chr(39) * 2)}%'" for w in words)
    return f"({likes} OR length(CAST({text} AS BLOB)) > length({text}))"


def add_pattern_functions(conn: sqlite3.Connection, functions: dict[str, Any]) -> None:
    """Register Python functions that read claims out of text, for the rules' SQL.

    A value the pattern cannot read (bytes or a number where text belongs, in an edited file)
    is no claim: the function answers NULL instead of failing the whole query, and
    ``format.types`` reports the value itself.
    """
    for name, fn in functions.items():

        def safe(*args: Any, _fn: Any = fn) -> Any:
            try:
                return _fn(*args)
            except (TypeError, AttributeError, ValueError):
                return None

        conn.create_function(name, fn.__code__.co_argcount, safe, deterministic=True)


def anchored_checks(
    conn: sqlite3.Connection, rules: Iterable[tuple[str, str, str, str]]
) -> list[Check]:
    """The rules with ``{until}`` read as the file's anchor ("now"), or NULL when the file
    records none (a rule then judges only what the file says happened, not open work)."""
    until = "(SELECT anchor FROM temp._anchor)" if load_anchor(conn) is not None else "NULL"
    return [Check(rule, text, sql.replace("{until}", until), sev) for rule, text, sql, sev in rules]


def sharing(checks: list[Check], table: str, setup: str) -> list[Check]:
    """``checks`` with ``setup`` (that creates the TEMP ``table``) on those that read
    ``table``: validate runs them as one job, so the setup's work is done once."""
    return [replace(c, setup=setup) if table in c.sql else c for c in checks]


def cost(check: Check) -> int:
    """A rough rank of a rule's cost, so the heavy ones start first: passes over stories."""
    sql = check.sql + check.setup
    return 2 * sql.count("stories") + sql.count("tasks")


def run_checks(conn: sqlite3.Connection, checks: list[Check]) -> list[RuleResult]:
    """``run_check`` for each of ``checks`` in turn (rules that share one setup: one job)."""
    return [run_check(conn, check) for check in checks]


def run_check(conn: sqlite3.Connection, check: Check) -> RuleResult:
    """Count the offending rows, and fetch examples only when there are some.

    A rule that needs a column the file lacks fails with that as its example (the
    structure.columns rule names the column), instead of stopping every other rule.
    """
    try:
        if check.setup:
            conn.executescript(check.setup)
        (count,) = conn.execute(f"SELECT count(*) FROM ({check.sql})").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such column" in str(exc):
            why = f"not run: {exc}"
        elif is_text_error(exc) and has_bad_text(conn):
            why = f"not run: a text it reads is not UTF-8 ({TEXT_RULE} names it)"
        else:
            raise
        return RuleResult(check.rule, check.description, check.severity, 1, (why,))
    return counted(conn, check, count)


def has_bad_text(conn: sqlite3.Connection) -> bool:
    """Whether the file holds a text that is not UTF-8: asked only when a rule failed on
    reading a text, so that a failure of another kind is still raised.  The
    answer is kept in a TEMP table: the scan is done once a connection."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _bad_text (found INTEGER)")
    row = conn.execute("SELECT found FROM temp._bad_text").fetchone()
    if row is None:
        row = (first_bad_text(conn) is not None,)
        conn.execute("INSERT INTO temp._bad_text VALUES (?)", row)
    return bool(row[0])


def counted(conn: sqlite3.Connection, check: Check, count: int) -> RuleResult:
    """The result of ``check`` once its offending rows are counted: examples only if any."""
    examples: tuple[int | str, ...] = ()
    if count:
        factory = conn.text_factory
        conn.text_factory = _lenient_text  # an edited file's text may not be UTF-8
        try:
            rows = conn.execute(f"SELECT * FROM ({check.sql}) LIMIT {EXAMPLE_LIMIT}").fetchall()
        finally:
            conn.text_factory = factory
        examples = tuple(_example(row[0]) for row in rows)
    return RuleResult(check.rule, check.description, check.severity, count, examples)


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def _example(value: Any) -> Any:
    """An example as text or a number: a blob (a key column of an edited file) as SQLite
    quotes it, X'FF00', so the report prints it and its JSON holds it."""
    return f"X'{value.hex().upper()}'" if isinstance(value, bytes) else value


def example_key(conn: sqlite3.Connection, table: str) -> str:
    """SQL naming a row of ``table`` in an example: its id, or its key columns."""
    return _row_key(table, columns_of(conn, table))


def _row_key(table: str, columns: list[str]) -> str:
    if table in _ROW_KEYS:
        return " || '/' || ".join(map(_key_value, _ROW_KEYS[table]))
    return "id" if "id" in columns else "rowid"


def _key_value(column: str) -> str:
    """SQL for a key column's value in an example: as is when an integer (as every key of a
    generated file is), else quoted, so a blob reads X'FF00' instead of bytes that may not
    decode as text (an edited file; ``format.types`` then reports that very value)."""
    return f"CASE typeof({column}) WHEN 'integer' THEN {column} ELSE quote({column}) END"


def per_table_check(
    conn: sqlite3.Connection,
    rule: str,
    description: str,
    conditions: Iterable[tuple[str, str, str]],
) -> Check:
    """One rule from (table, column, bad-value condition) triples; examples read table.col:key.

    Conditions of a table are OR-ed into one query so each table is scanned once.
    """
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, bad in conditions:
        by_table.setdefault(table, []).append((column, bad))
    parts = []
    for table, items in by_table.items():
        key = _row_key(table, columns_of(conn, table))
        which = " ".join(f"WHEN {bad} THEN '{col}'" for col, bad in items)
        where = " OR ".join(f"({bad})" for _, bad in items)
        parts.append(
            f"SELECT '{table}.' || CASE {which} END || ':' || {key} FROM {table} WHERE {where}"
        )
    sql = " UNION ALL ".join(parts) if parts else "SELECT NULL WHERE 0"
    return Check(rule, description, sql)
