"""Continuous mode on files whose text the LLM tier wrote (src/live/text.py, replay.py):
existing rows keep their text, new rows get LLM text through the same tier (a loopback fake
server, no network) or the templates, the run record says which, and `reproduce` rebuilds
the advanced file from its records and the cache."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import small_config
from test_llm import (
    SENTINEL,
    InFlight,
    Server,
    assert_no_secret,
    good_reply,
    items_of,
    settings,
)
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


# --- simulate's LLM flags: the set generating has, resolved the same way ------------------


def _llm_flags(command: str) -> set[str]:
    import typer.main

    click_app = typer.main.get_command(app)
    params = click_app.commands[command].params  # type: ignore[attr-defined]
    return {o for p in params for o in p.opts if "llm" in o}


@pytest.fixture
def llm_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No LLM variable of the real environment, and the test's folder as the working one
    (so ./.env and the default cache, output/llm_cache.sqlite, are the test's own)."""
    for key in [k for k in os.environ if k.startswith(("LLM", "GROQ_"))]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_simulate_takes_generate_s_llm_flags_and_they_take_effect(llm_env: Path):
    assert _llm_flags("simulate") == _llm_flags("generate")
    assert {"--no-llm-cache", "--llm-budget-calls", "--llm-timeout"} <= _llm_flags("simulate")
    server = Server()
    counted = InFlight()

    def script(body: dict, n: int) -> tuple:
        if n == 0:  # slower than --llm-timeout: the client gives up and asks again
            return (*good_reply(body, n)[:3], 1.5)
        return counted(body, n)

    server.script = script
    env = {"GROQ_API_KEY": SENTINEL, "GROQ_BASE_URL": server.url}
    try:
        path = llm_env / "f.sqlite"
        generate(small_config(2), path)

        def simulate(*args: str, days: str = "4") -> Any:
            argv = ("simulate", str(path), "--days", days, *args)
            result = CliRunner().invoke(app, argv, env=env)
            assert result.exit_code == 0, result.output
            assert SENTINEL not in result.output
            return last_record(path)

        # a budget of 0: no call, every new row keeps its template text, and the record says so
        record = simulate("--llm-budget-calls", "0", "--no-llm-cache")
        report = record["report"]
        assert server.requests == [] and report["items"] > 0 and report["accepted"] == 0
        assert report["fallbacks"] == {"budget": report["items"]}
        assert not (llm_env / "output").exists()  # --no-llm-cache: no cache written
        assert q(path, f"SELECT count(*) FROM stories WHERE {REWRITTEN}") == [(0,)]
        record = simulate("--llm-budget-tokens", "1", "--no-llm-cache")
        assert server.requests == [] and record["report"]["fallbacks"].keys() == {"budget"}

        # concurrency 1, a timeout the first reply misses: retried, one request at a time
        args = ("--llm-concurrency", "1", "--llm-timeout", "0.5", "--no-llm-cache")
        report = simulate(*args, days="7")["report"]
        assert report["retries"] == 1 and report["accepted"] == report["items"] > 0
        assert report["batches"] > 1 and counted.most == 1
        assert not (llm_env / "output").exists()
        assert q(path, f"SELECT count(*) FROM stories WHERE {REWRITTEN}")[0][0] > 0

        # without --no-llm-cache the default cache is written; LLM_* of .env count, under
        # the environment's and the flags'
        (llm_env / ".env").write_text("LLM_BUDGET_CALLS=0\nLLM_CONCURRENCY=zero\n")
        asked = len(server.requests)
        simulate("--llm-concurrency", "2", "--llm-fields", "comments")  # the flag wins over .env
        assert len(server.requests) == asked  # .env's budget of 0
        env["LLM_BUDGET_CALLS"] = "5"  # the environment wins over .env
        report = simulate("--llm-concurrency", "2")["report"]
        assert 0 < report["batches"] <= 5 and len(server.requests) > asked
        assert (llm_env / "output" / "llm_cache.sqlite").is_file()
        assert validate(path).ok
        assert_no_secret(*llm_env.rglob("*"))
    finally:
        server.close()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--llm-budget-calls", "x"], "(--llm-budget-calls / LLM_BUDGET_CALLS)"),
        (["--llm-budget-tokens", "-5"], "(--llm-budget-tokens / LLM_BUDGET_TOKENS)"),
        (["--llm-concurrency", "0"], "(--llm-concurrency / LLM_CONCURRENCY): must be 1 … 32"),
        (["--llm-timeout", "abc"], "(--llm-timeout / LLM_TIMEOUT)"),
        (["--llm-timeout", "0"], "(--llm-timeout / LLM_TIMEOUT)"),
    ],
)
def test_a_bad_llm_flag_of_simulate_is_one_line_and_exit_2(
    llm_env: Path, args: list[str], needle: str
):
    path = llm_env / "f.sqlite"
    generate(small_config(2), path)
    before = fingerprint_file(path)
    result = CliRunner().invoke(app, ["simulate", str(path), "--days", "1", *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines
    assert fingerprint_file(path) == before and not (llm_env / "output").exists()
