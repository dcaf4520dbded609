"""Continuous mode on files whose text the LLM tier wrote (src/live/text.py, replay.py):
existing rows keep their text, new rows get LLM text through the same tier (a loopback fake
server, no network) or the templates, the run record says which, and `reproduce` rebuilds
the advanced file from its records and the cache."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import small_config
from test_llm import SENTINEL, Server, assert_no_secret, items_of, settings
from typer.testing import CliRunner

from src import fingerprint_file, generate
from src.live import advance
from src.live.runner import Live
from src.main import app
from src.reproduction import reproduce
from src.validate import validate

REWRITTEN = "text LIKE '%(rewritten)'"


def q(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def last_record(path: Path) -> dict | None:
    (text,) = q(path, "SELECT llm_json FROM generation_runs ORDER BY id DESC LIMIT 1")[0]
    return None if text is None else json.loads(text)


def test_llm_text_is_kept_new_text_follows_the_run_and_reproduce_replays(tmp_path: Path):
    server = Server()
    try:
        llm = settings(server, tmp_path)
        path = tmp_path / "f.sqlite"
        generate(small_config(2), path, llm=llm, llm_api_key=SENTINEL)
        snapshot = tmp_path / "before.sqlite"
        snapshot.write_bytes(path.read_bytes())
        kept = q(path, f"SELECT count(*) FROM stories WHERE {REWRITTEN}")[0][0]
        assert kept > 50

        # no LLM settings for this run: existing text stays, new rows are templates
        first = advance(path, 7)  # a week: a small file has a few comments a week
        assert first.fingerprint == fingerprint_file(path)
        conn = sqlite3.connect(path)
        conn.execute("ATTACH ? AS b", (str(snapshot),))
        for table, cols in (("tasks", "notes"), ("projects", "notes"), ("stories", "text")):
            lost = conn.execute(
                f"SELECT count(*) FROM b.{table} o JOIN main.{table} n USING (id) "
                f"WHERE o.{cols} IS NOT n.{cols}"
            ).fetchone()[0]
            assert lost == 0, table
        conn.close()
        new = q(
            path,
            f"SELECT count(*), sum({REWRITTEN}) FROM stories WHERE type = 'comment' "
            "AND created_at >= ?",
            (first.previous,),
        )[0]
        assert new[0] > 0 and new[1] == 0
        assert last_record(path) == {"kept": "llm", "new_text": "templates"}

        # with the LLM: only the new rows are sent, and they get its text
        asked = len(server.requests)
        second = advance(path, 3, llm=llm, llm_api_key=SENTINEL)
        sent = {it["id"] for r in server.requests[asked:] for it in items_of(r["body"])}
        assert second.llm is not None and second.llm.accepted == len(sent) > 0
        old_ids = {str(i) for (i,) in q(snapshot, "SELECT id FROM stories")}
        assert not sent & old_ids
        late = q(
            path,
            f"SELECT count(*), sum({REWRITTEN}) FROM stories WHERE type = 'comment' "
            "AND created_at >= ?",
            (second.previous,),
        )[0]
        assert late[0] > 0 and late[1] > 0
        record = last_record(path)
        assert record["new_text"] == "llm" and record["settings"]["provider"] == "groq"
        assert second.fingerprint == fingerprint_file(path)

        third = advance(path, 2)
        assert third.fingerprint == fingerprint_file(path)
        assert validate(path).ok
        assert_no_secret(path, tmp_path / "cache.sqlite")

        # reproduce rebuilds it from the records and the cache, without a call
        asked = len(server.requests)
        outcome = reproduce(path, tmp_path / "copy.sqlite", llm_cache=tmp_path / "cache.sqlite")
        assert outcome.identical, outcome.verdict
        assert len(server.requests) == asked
        cold = reproduce(path, tmp_path / "cold.sqlite", llm_cache=tmp_path / "none.sqlite")
        assert not cold.identical and "LLM cache lacks" in cold.verdict
    finally:
        server.close()


def test_a_template_file_advanced_with_the_llm_reproduces(tmp_path: Path):
    server = Server()
    try:
        llm = settings(server, tmp_path)
        path = tmp_path / "f.sqlite"
        generate(small_config(3), path)
        advance(path, 2)
        done = advance(path, 7, llm=llm, llm_api_key=SENTINEL)  # a week of new text
        assert done.llm is not None and done.llm.accepted > 0
        advance(path, 1)
        outcome = reproduce(path, tmp_path / "copy.sqlite", llm_cache=tmp_path / "cache.sqlite")
        assert outcome.identical, outcome.verdict
    finally:
        server.close()


def test_live_keeps_llm_text_as_simulate_does_and_the_cli_takes_llm_flags(tmp_path: Path):
    server = Server()
    try:
        path = tmp_path / "f.sqlite"
        generate(small_config(2), path, llm=settings(server, tmp_path), llm_api_key=SENTINEL)
        ref = tmp_path / "ref.sqlite"
        ref.write_bytes(path.read_bytes())
        before = q(path, f"SELECT count(*) FROM stories WHERE {REWRITTEN}")[0][0]
        with Live(path) as live:
            for _ in range(6):
                live.run_batch(live.clock + 8 * 3_600_000)
            clock = live.clock
        assert q(path, f"SELECT count(*) FROM stories WHERE {REWRITTEN}")[0][0] == before
        assert last_record(path) == {"kept": "llm", "new_text": "templates"}
        advance(ref, until=clock)  # simulate to the same clock writes the same file
        assert fingerprint_file(path) == fingerprint_file(ref)
        outcome = reproduce(path, tmp_path / "copy.sqlite", llm_cache=tmp_path / "cache.sqlite")
        assert outcome.identical, outcome.verdict

        env = {"LLM": "off", "GROQ_API_KEY": ""}
        result = CliRunner().invoke(
            app, ["simulate", str(path), "--days", "2", "--llm", "off"], env=env
        )
        assert result.exit_code == 0, result.output
        assert q(path, f"SELECT count(*) FROM stories WHERE {REWRITTEN}")[0][0] == before
        bad = CliRunner().invoke(app, ["simulate", str(path), "--days", "1", "--llm", "gpt"])
        assert bad.exit_code == 2 and "llm (--llm / LLM)" in bad.output
    finally:
        server.close()
