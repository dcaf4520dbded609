"""The LLM text tier against a real chat-completions server on loopback (no network).

The server is `http.server` in a thread on 127.0.0.1, scripted per test; the tier talks to it
through the real `groq` client (provider groq, its own path) and the OpenAI-compatible path
(provider openai).  Every run must finish with a valid file; what the LLM may change is text
columns only, checked with SQL against the same run with the tier off.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import small_config

from src import fingerprint_file, generate
from src.llm import LLMSettings, resolve_llm_settings
from src.llm.checks import dates_in
from src.reproduction import reproduce
from src.validate import validate

SENTINEL = "gsk_SENTINEL_d41d8cd98f00b204e9800998ecf8427e"
# (table, text columns the tier may change); every other column must stay identical
TEXT_COLUMNS = {
    "tasks": {"notes"},
    "projects": {"notes"},
    "status_updates": {"title", "text"},
    "stories": {"text"},
}


class Server:
    """A chat-completions server: ``script(request_body, n)`` returns (status, headers, body,
    delay); every request is recorded with its path and Authorization header."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: Callable[[dict[str, Any], int], tuple] = good_reply
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    n = len(server.requests)
                    server.requests.append(
                        {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
                    )
                status, headers, payload, delay = server.script(body, n)
                if delay:
                    time.sleep(delay)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def items_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a request: the JSON object that ends its last user message."""
    content = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    start = content.rindex('{"items":[')
    obj = json.loads(content[start:])
    assert content.endswith("}") and list(obj) == ["items"]
    return obj["items"]


def completion(content: str, tokens: tuple[int, int] = (100, 50)) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1]},
    }


def rewrite(item: dict[str, Any]) -> dict[str, Any]:
    """A good rewrite: the draft's facts, marked so the test can see it was used."""
    out = {"id": item["id"], "text": f"{item['draft']} (rewritten)"}
    if "draft_title" in item:
        out["title"] = f"{item['draft_title'][:60]} (new)"
    return out


def good_reply(body: dict[str, Any], n: int) -> tuple:
    entries = [rewrite(it) for it in items_of(body)]
    return 200, {}, completion(json.dumps({"items": entries})), 0


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture(scope="module")
def off_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("llm_off") / "off.sqlite"
    generate(small_config(), path)
    return path


def settings(server: Server, tmp_path: Path, **kw: Any) -> LLMSettings:
    base = {"provider": "groq", "model": "llama-3.1-8b-instant", "base_url": server.url}
    base["cache_path"] = tmp_path / "cache.sqlite"
    base.update(kw)
    return LLMSettings(**base)


def run(tmp_path: Path, llm: LLMSettings, name: str = "on.sqlite", key: str = SENTINEL):
    path = tmp_path / name
    summary = generate(small_config(), path, llm=llm, llm_api_key=key)
    assert validate(path).ok
    return path, summary


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def assert_same_structure(on: Path, off: Path) -> None:
    """Every non-text column of every table is identical, row for row (SQL EXCEPT both ways)."""
    conn = sqlite3.connect(f"file:{on}?mode=ro", uri=True)
    conn.execute("ATTACH DATABASE ? AS off", (f"file:{off}?mode=ro",))
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name != 'generation_runs'"
            )
        ]
        assert len(tables) > 20
        for t in tables:
            cols = [c[1] for c in conn.execute(f'PRAGMA table_info("{t}")')]
            keep = ", ".join(f'"{c}"' for c in cols if c not in TEXT_COLUMNS.get(t, ()))
            n_on = conn.execute(f'SELECT COUNT(*) FROM main."{t}"').fetchone()[0]
            n_off = conn.execute(f'SELECT COUNT(*) FROM off."{t}"').fetchone()[0]
            assert n_on == n_off, t
            for a, b in (("main", "off"), ("off", "main")):
                diff = conn.execute(
                    f'SELECT COUNT(*) FROM (SELECT {keep} FROM {a}."{t}" '
                    f'EXCEPT SELECT {keep} FROM {b}."{t}")'
                ).fetchone()[0]
                assert diff == 0, (t, a, b)
        # system stories keep their text; only comments may change
        diff = conn.execute(
            "SELECT COUNT(*) FROM main.stories s JOIN off.stories o USING (id) "
            "WHERE s.type = 'system' AND s.text != o.text"
        ).fetchone()[0]
        assert diff == 0
    finally:
        conn.close()


def assert_no_secret(*paths: Path, text: str = "") -> None:
    for p in paths:
        if p.is_file():
            assert SENTINEL.encode() not in p.read_bytes(), p
    assert SENTINEL not in text


# --- good batches ------------------------------------------------------------------------


def test_good_batches_through_the_groq_client(server: Server, tmp_path: Path, off_file: Path):
    llm = settings(server, tmp_path)
    path, summary = run(tmp_path, llm)
    r = summary.llm
    assert r is not None and r.items > 500
    assert r.accepted == r.items and not r.fallbacks and r.cache_hits == 0
    assert r.calls == r.batches == len(server.requests) and r.retries == 0
    assert r.tokens_in == 100 * r.calls and r.tokens_out == 50 * r.calls
    assert r.cost == pytest.approx((r.tokens_in * 0.05 + r.tokens_out * 0.08) / 1e6)
    # the wire: the SDK's Groq path, the key as a bearer token, a JSON-object reply asked for
    sizes = Counter()
    for req in server.requests:
        assert req["path"] == "/openai/v1/chat/completions"
        assert req["auth"] == f"Bearer {SENTINEL}"
        assert req["body"]["response_format"] == {"type": "json_object"}
        assert req["body"]["model"] == "llama-3.1-8b-instant"
        its = items_of(req["body"])
        assert 1 <= len(its) <= 25
        assert len({it["id"] for it in its}) == len(its)
        sizes[len(its) >= 10] += len(its)
    assert sizes[True] / sum(sizes.values()) > 0.9  # nearly every item travels in a batch ≥ 10
    # every slot of the chosen fields now holds the rewritten text
    assert rows(
        path, "SELECT COUNT(*) FROM tasks WHERE notes != '' AND notes NOT LIKE '% (rewritten)'"
    ) == [(0,)]
    assert rows(
        path,
        "SELECT COUNT(*) FROM stories WHERE type = 'comment' AND text NOT LIKE '% (rewritten)'",
    ) == [(0,)]
    assert rows(path, "SELECT COUNT(*) FROM status_updates WHERE title NOT LIKE '% (new)'") == [
        (0,)
    ]
    assert rows(path, "SELECT COUNT(*) FROM projects WHERE notes NOT LIKE '% (rewritten)'") == [
        (0,)
    ]
    assert_same_structure(path, off_file)
    record = json.loads(rows(path, "SELECT llm_json FROM generation_runs")[0][0])
    assert record["settings"]["provider"] == "groq" and record["report"]["calls"] == r.calls
    assert rows(off_file, "SELECT llm_json FROM generation_runs") == [(None,)]
    assert_no_secret(path, tmp_path / "cache.sqlite", text=json.dumps(record) + repr(llm))


def test_item_context_and_contract(server: Server, tmp_path: Path):
    """Each item carries its draft and context; comments carry the thread and the state."""
    run(tmp_path, settings(server, tmp_path, fields=("comments", "status_updates")))
    comments = [it for req in server.requests for it in items_of(req["body"]) if "thread" in it]
    assert comments and all(
        {"draft", "industry", "team", "project", "task", "state", "author", "may_mention"}
        <= set(it)
        for it in comments
    )
    assert any(it["thread"] for it in comments)
    assert all(it["author"] in it["may_mention"] for it in comments)
    assert any(it["state"] == "completed" for it in comments)
    status = [it for req in server.requests for it in items_of(req["body"]) if "status" in it]
    assert status and all("draft_title" in it for it in status)
    system = server.requests[0]["body"]["messages"][0]
    assert system["role"] == "system" and "Example request" in system["content"]


def test_openai_compatible_server_and_cache_rerun(
    server: Server, tmp_path: Path, off_file: Path
) -> None:
    llm = settings(
        server, tmp_path, provider="openai", model="llama3.2:1b", base_url=server.url + "/v1"
    )
    path, first = run(tmp_path, llm, key=None)
    assert {r["path"] for r in server.requests} == {"/v1/chat/completions"}
    assert first.llm.accepted == first.llm.items and first.llm.cost == 0
    n = len(server.requests)
    # the same seed, config and cache: zero calls, the same fingerprint
    again, second = run(tmp_path, llm, "again.sqlite", key=None)
    assert len(server.requests) == n and second.llm.calls == 0
    assert second.llm.cache_hits == second.llm.items
    assert second.fingerprint == first.fingerprint != generate_off_fp(off_file)
    # reproduce takes the text from the cache, and says when it cannot
    outcome = reproduce(path, tmp_path / "copy.sqlite", llm_cache=tmp_path / "cache.sqlite")
    assert outcome.identical and len(server.requests) == n
    cold = reproduce(path, tmp_path / "copy2.sqlite", llm_cache=tmp_path / "none.sqlite")
    assert not cold.identical and "LLM cache lacks" in cold.verdict
    empty = cold.summary
    assert empty.llm.fallbacks["not_cached"] == first.llm.items
    assert empty.llm.missing_from_cache == first.llm.accepted
    assert "no LLM cache at" in empty.llm.messages[0] and "lacks" in empty.llm.messages[1]
    assert empty.fingerprint == generate_off_fp(off_file) and len(server.requests) == n


def generate_off_fp(path: Path) -> str:
    return rows(path, "SELECT fingerprint FROM generation_runs")[0][0]


def test_adding_projects_keeps_earlier_cache_entries(server: Server, tmp_path: Path) -> None:
    llm = settings(server, tmp_path, fields=("descriptions",))
    generate(small_config(projects=6), tmp_path / "six.sqlite", llm=llm)
    n = len(server.requests)
    seven = generate(small_config(projects=7), tmp_path / "seven.sqlite", llm=llm)
    new = [it["id"] for req in server.requests[n:] for it in items_of(req["body"])]
    assert seven.llm.cache_hits > 0 and len(new) == seven.llm.items - seven.llm.cache_hits
    # only the seventh project's items were asked for
    first_new = min(int(i) for i in new)
    assert (
        seven.llm.cache_hits
        == rows(
            tmp_path / "seven.sqlite",
            f"SELECT COUNT(*) FROM tasks WHERE notes != '' AND id < {first_new}",
        )[0][0]
    )


# --- faults: every one ends in a valid file, counted by reason -----------------------------


def test_malformed_json_falls_back(server: Server, tmp_path: Path, off_file: Path) -> None:
    """Odd batches get a reply that is not JSON, or not the contract's shape."""

    def script(body: dict[str, Any], n: int) -> tuple:
        its = items_of(body)
        first = int(its[0]["id"])
        if first % 3 == 0:
            return 200, {}, completion("{'items': [oops"), 0
        if first % 3 == 1:
            return 200, {}, completion(json.dumps([rewrite(it) for it in its])), 0
        return good_reply(body, n)

    server.script = script
    path, summary = run(tmp_path, settings(server, tmp_path, fields=("descriptions",)))
    expected = sum(
        len(items_of(r["body"]))
        for r in server.requests
        if int(items_of(r["body"])[0]["id"]) % 3 != 2
    )
    r = summary.llm
    assert expected > 0 and r.fallbacks == Counter({"malformed": expected})
    assert r.accepted == r.items - expected and r.errors == len(server.requests) - (
        r.batches - r.errors
    )
    assert_same_structure(path, off_file)


def test_ids_placed_by_id_never_by_position(server: Server, tmp_path: Path) -> None:
    """Replies reversed, one id missing, one duplicated, one unknown: each counted exactly."""

    def script(body: dict[str, Any], n: int) -> tuple:
        its = items_of(body)
        entries = [rewrite(it) for it in reversed(its[2:])]
        entries += [rewrite(its[1]), {**rewrite(its[1]), "text": "Another take."}]  # duplicate
        entries.append({"id": "999", "text": "Nobody asked."})  # unknown; its[0] is missing
        entries.append({"text": "no id at all"})
        return 200, {}, completion(json.dumps({"items": entries})), 0

    server.script = script
    path, summary = run(tmp_path, settings(server, tmp_path, fields=("comments",)))
    n = len(server.requests)
    r = summary.llm
    assert r.fallbacks == Counter({"missing": n, "duplicate": n})
    assert r.ignored_ids == 2 * n and r.accepted == r.items - 2 * n
    # each accepted text sits on the row whose draft it rewrote
    for req in server.requests[:5]:
        for it in items_of(req["body"])[2:]:
            assert rows(path, f"SELECT text FROM stories WHERE id = {it['id']}") == [
                (f"{it['draft']} (rewritten)",)
            ]
        dup = items_of(req["body"])[1]
        assert rows(path, f"SELECT text FROM stories WHERE id = {dup['id']}") == [(dup["draft"],)]


def bad_text(item: dict[str, Any], k: int, outsider: str) -> tuple[str | None, str]:
    """The k-th kind of bad (or tricky but fine) reply text, and the reason expected."""
    days, _ = dates_in(item["draft"] + " " + " ".join(item["dates"]))
    free = next(f"Dec {d}" for d in range(1, 29) if (12, d) not in days)
    cases = [
        (f"```\n{item['draft']}\n```", "fence"),
        (f"Here is the rewritten description: {item['draft']}", "preamble"),
        (f"As an AI language model, {item['draft']}", "preamble"),
        (f"{item['draft']}\x00\x1b[31m", "control"),
        (f"{item['draft']} Ask {outsider} too.", "name"),
        (f"{item['draft']} Let's finish by {free}.", "date"),
        (f"<p>{item['draft']}</p><script>alert(1)</script>", "markup"),
        (f"{item['draft']} That leaves 48173 rows to check.", "number"),
        ("x" * 5000, "length"),
        ("", "empty"),
        (None, "type"),
        (f"{item['draft']} \"quoted\" it's fine 🚀 x'); DROP TABLE tasks;--", "ok"),
    ]
    return cases[k % len(cases)]


def test_bad_reply_texts_fall_back_and_clean_ones_are_stored_verbatim(
    server: Server, tmp_path: Path, off_file: Path
) -> None:
    conn = sqlite3.connect(off_file)
    names = [r[0] for r in conn.execute("SELECT name FROM users ORDER BY id")]
    conn.close()
    expected: Counter = Counter()
    kept: dict[str, str] = {}
    lock = threading.Lock()

    def script(body: dict[str, Any], n: int) -> tuple:
        entries = []
        for k, it in enumerate(items_of(body)):
            outsider = next(u for u in names if u not in it["may_mention"])
            text, reason = bad_text(it, k, outsider)
            with lock:
                if reason == "ok":
                    kept[it["id"]] = text
                else:
                    expected[reason] += 1
            entries.append({"id": it["id"], "text": text})
        return 200, {}, completion(json.dumps({"items": entries})), 0

    server.script = script
    path, summary = run(tmp_path, settings(server, tmp_path, fields=("descriptions", "comments")))
    r = summary.llm
    assert set(expected) == {
        "fence",
        "preamble",
        "control",
        "name",
        "date",
        "markup",
        "length",
        "empty",
        "type",
        "number",
    }
    assert r.fallbacks == expected and r.accepted == len(kept)
    for iid, text in list(kept.items())[:20]:
        got = rows(
            path,
            f"SELECT notes FROM tasks WHERE id = {iid} UNION ALL "
            f"SELECT text FROM stories WHERE id = {iid}",
        )
        assert got == [(text,)]
    assert rows(path, "SELECT COUNT(*) FROM tasks")[0][0] > 0  # the SQL in a reply is only text
    # a rerun restores the whole outcome, check failures included: zero calls, same content
    n = len(server.requests)
    again, second = run(
        tmp_path, settings(server, tmp_path, fields=("descriptions", "comments")), "again.sqlite"
    )
    assert len(server.requests) == n and second.llm.calls == 0
    assert second.llm.fallbacks == r.fallbacks and second.llm.cache_hits == r.accepted
    assert second.fingerprint == summary.fingerprint == fingerprint_file(again)
    bad = rows(
        path,
        "SELECT COUNT(*) FROM stories WHERE text GLOB '*[<>`]*' OR "
        "text LIKE '%As an AI%' OR instr(text, char(0)) OR instr(text, char(27))",
    )
    assert bad == [(0,)]
    assert_same_structure(path, off_file)


def test_429_honours_retry_after_then_succeeds(server: Server, tmp_path: Path) -> None:
    def script(body: dict[str, Any], n: int) -> tuple:
        if n < 3:
            headers = {"Retry-After": "0", "x-ratelimit-reset-requests": "5ms"}
            return 429, headers, {"error": {"message": "rate limited"}}, 0
        return good_reply(body, n)

    server.script = script
    _, summary = run(tmp_path, settings(server, tmp_path, fields=("briefs", "status_updates")))
    r = summary.llm
    assert r.retries == 3 and r.calls == r.batches + 3 and not r.fallbacks
    assert r.accepted == r.items


def test_server_errors_are_retried_a_bounded_number_of_times(
    server: Server, tmp_path: Path, off_file: Path
) -> None:
    server.script = lambda body, n: (500, {}, {"error": "boom"}, 0)
    llm = settings(server, tmp_path, fields=("briefs",), max_attempts=3)
    path, summary = run(tmp_path, llm)
    r = summary.llm
    assert r.calls == 3 * r.batches == len(server.requests) and r.retries == 2 * r.batches
    assert r.fallbacks == Counter({"server_error": r.items}) and r.accepted == 0
    assert r.errors == r.batches
    assert rows(path, "SELECT fingerprint FROM generation_runs") == rows(
        off_file, "SELECT fingerprint FROM generation_runs"
    )
    # a run with transient failures is not kept whole: the rerun asks again
    server.script = good_reply
    _, again = run(tmp_path, llm, "again.sqlite")
    assert again.llm.calls == again.llm.batches > 0 and again.llm.accepted == again.llm.items


def test_a_reply_slower_than_the_timeout_falls_back(server: Server, tmp_path: Path) -> None:
    server.script = lambda body, n: (*good_reply(body, n)[:3], 1.0)
    llm = settings(server, tmp_path, fields=("briefs",), timeout=0.2, max_attempts=2)
    _, summary = run(tmp_path, llm)
    r = summary.llm
    assert r.fallbacks == Counter({"timeout": r.items}) and r.calls == 2 * r.batches


def test_401_stops_llm_use_at_once(server: Server, tmp_path: Path, off_file: Path) -> None:
    server.script = lambda body, n: (401, {}, {"error": {"message": "Invalid API Key"}}, 0.05)
    path, summary = run(tmp_path, settings(server, tmp_path, concurrency=2))
    r = summary.llm
    assert len(server.requests) <= 2 and r.fallbacks == Counter({"auth": r.items})
    assert len(r.messages) == 1 and "refused the key (HTTP 401)" in r.messages[0]
    assert_no_secret(path, text=" ".join(r.messages))
    assert_same_structure(path, off_file)


def test_budget_caps_calls_and_says_so(server: Server, tmp_path: Path) -> None:
    path, summary = run(tmp_path, settings(server, tmp_path, budget_calls=2, concurrency=1))
    r = summary.llm
    assert len(server.requests) == 2 == r.batches
    sent = sum(len(items_of(q["body"])) for q in server.requests)
    assert r.accepted == sent and r.fallbacks == Counter({"budget": r.items - sent})
    assert any("budget" in m for m in r.messages)
    llm = settings(server, tmp_path, budget_tokens=1, cache_path=None)
    _, capped = run(tmp_path, llm, "tokens.sqlite")
    assert len(server.requests) == 2 and capped.llm.fallbacks["budget"] == capped.llm.items


def test_unreachable_server_finishes_on_templates(tmp_path: Path, off_file: Path) -> None:
    llm = LLMSettings(
        provider="openai",
        model="m",
        base_url="http://127.0.0.1:9/v1",
        cache_path=None,
        max_attempts=1,
    )
    path, summary = run(tmp_path, llm)
    assert summary.llm.fallbacks == Counter({"connection": summary.llm.items})
    assert summary.fingerprint == generate_off_fp(off_file)


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refusing_server_trips_the_breaker_and_says_so(tmp_path: Path, off_file: Path) -> None:
    # default retries (4 attempts each) and concurrency: without the breaker every batch of
    # the run would be tried 4 times (~250 s on the default company)
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    llm = LLMSettings(provider="openai", model="m", base_url=url, cache_path=None)
    path, summary = run(tmp_path, llm)
    r = summary.llm
    # a run long enough for the breaker to matter; only the first few requests are sent
    assert r.items > 3 * llm.concurrency * llm.batch_size
    assert r.batches <= llm.concurrency + 3 and r.calls <= r.batches * llm.max_attempts
    assert r.fallbacks == Counter({"connection": r.items})
    assert len(r.messages) == 1 and url in r.messages[0] and "cannot be reached" in r.messages[0]
    assert_no_secret(path, text=" ".join(r.messages))
    assert summary.fingerprint == generate_off_fp(off_file)


# --- settings -------------------------------------------------------------------------------


def test_settings_resolution_and_defaults() -> None:
    assert resolve_llm_settings({}, {}).provider == "off"
    s = resolve_llm_settings({}, {"GROQ_API_KEY": SENTINEL})
    assert (s.provider, s.model, s.base_url) == (
        "groq",
        "llama-3.1-8b-instant",
        "https://api.groq.com",
    )
    assert SENTINEL not in repr(s) and SENTINEL not in json.dumps(s.to_dict())
    s = resolve_llm_settings(
        {"provider": "openai"},
        {
            "LLM_BASE_URL": "http://localhost:11434/v1/",
            "LLM_MODEL": "llama3.2:1b",
            "LLM_FIELDS": "descriptions, comments",
        },
    )
    assert s.base_url == "http://localhost:11434/v1" and s.fields == ("descriptions", "comments")
    s = resolve_llm_settings(
        {"provider": "groq", "no_cache": True},
        {"GROQ_MODEL": "llama-3.3-70b-versatile", "GROQ_BASE_URL": "http://x:1"},
    )
    assert (s.model, s.base_url, s.cache_path) == ("llama-3.3-70b-versatile", "http://x:1", None)
    s = resolve_llm_settings(
        {"provider": "groq"}, {"GROQ_BASE_URL": "https://api.groq.com/openai/v1"}
    )
    assert s.base_url == "https://api.groq.com"


@pytest.mark.parametrize(
    ("explicit", "env", "needle"),
    [
        ({"provider": "gpt"}, {}, "must be one of off, groq, openai"),
        ({"provider": "openai"}, {"LLM_MODEL": "m"}, "needed for --llm openai"),
        ({"provider": "openai", "base_url": "ftp://h/v1"}, {"LLM_MODEL": "m"}, "http(s) URL"),
        ({"provider": "openai", "base_url": "http://h:1/api"}, {"LLM_MODEL": "m"}, "end in /v1"),
        ({"provider": "openai", "base_url": "http://u:p@h/v1"}, {"LLM_MODEL": "m"}, "credentials"),
        ({"provider": "openai", "base_url": "http://h/v1?key=s"}, {"LLM_MODEL": "m"}, "query"),
        ({"provider": "openai", "base_url": "http://h/v1"}, {}, "a model name is needed"),
        ({"provider": "groq", "model": "bad model!"}, {}, "is not a model name"),
        ({"fields": "descriptions,poems"}, {}, "comma list of descriptions"),
        ({"budget_calls": "-1"}, {}, "whole number"),
    ],
)
def test_bad_settings_are_config_errors(explicit: dict, env: dict, needle: str) -> None:
    from src.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        resolve_llm_settings(explicit, env)
    assert needle in str(e.value) and e.value.exit_code == 2


def test_settings_replace_keeps_types() -> None:
    s = dataclasses.replace(LLMSettings(), provider="groq", model="m")
    assert s.on and s.price is None


# --- command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from src.config import ENV_KEYS

    for key in [
        *ENV_KEYS.values(),
        "LLM",
        "LLM_MODEL",
        "LLM_BASE_URL",
        "LLM_API_KEY",
        "GROQ_API_KEY",
        "GROQ_MODEL",
        "GROQ_BASE_URL",
        "LLM_FIELDS",
        "LLM_CACHE",
    ]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


SMALL = ["--scale", "small", "--end-date", "2026-06-30"]


def invoke(*args: str, env: dict[str, str] | None = None):
    from typer.testing import CliRunner

    from src.main import app

    return CliRunner().invoke(app, list(args), env=env)


def test_cli_groq_run_prints_estimate_and_summary_and_never_the_key(
    server: Server, cli_env: Path
) -> None:
    env = {"GROQ_API_KEY": SENTINEL, "GROQ_BASE_URL": server.url}
    result = invoke(*SMALL, "--llm-fields", "briefs,status_updates", "-o", "a.sqlite", env=env)
    assert result.exit_code == 0, result.output
    assert "estimate" in result.output and "LLM text tier (groq, llama-3.1-8b-instant)" in (
        result.output
    )
    assert "template fallbacks" in result.output and "none" in result.output
    n = len(server.requests)
    assert n > 0 and (cli_env / "output" / "llm_cache.sqlite").is_file()
    again = invoke(*SMALL, "--llm-fields", "briefs,status_updates", "-o", "b.sqlite", env=env)
    assert again.exit_code == 0 and len(server.requests) == n
    fp = [invoke("fingerprint", f).output for f in ("a.sqlite", "b.sqlite")]
    assert fp[0] == fp[1]
    copy = invoke("reproduce", "a.sqlite", "-o", "c.sqlite")
    assert copy.exit_code == 0 and "identical content" in copy.output
    cold = invoke("reproduce", "a.sqlite", "-o", "d.sqlite", "--llm-cache", "empty.sqlite")
    assert cold.exit_code == 1 and "lacks" in cold.output and "Traceback" not in cold.output
    assert not (cli_env / "empty.sqlite").exists()  # reproduce never creates a cache
    assert validate(cli_env / "a.sqlite").ok
    outputs = result.output + again.output + copy.output + cold.output
    assert_no_secret(*cli_env.rglob("*"), text=outputs)


def test_cli_openai_401_finishes_on_templates(server: Server, cli_env: Path) -> None:
    server.script = lambda body, n: (401, {}, {"error": {"message": "bad key"}}, 0)
    env = {"LLM_API_KEY": SENTINEL}
    result = invoke(
        *SMALL,
        "--llm",
        "openai",
        "--llm-base-url",
        server.url + "/v1",
        "--llm-model",
        "qwen",
        "--no-llm-cache",
        "-o",
        "a.sqlite",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "refused the key (HTTP 401)" in result.output and "auth" in result.output
    assert not (cli_env / "output" / "llm_cache.sqlite").exists()
    assert_no_secret(*cli_env.rglob("*"), text=result.output)
    assert validate(cli_env / "a.sqlite").ok


def test_cli_refused_connection_stops_early_with_one_line(cli_env: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    args = ["--llm", "openai", "--llm-base-url", url, "--llm-model", "m", "--no-llm-cache"]
    result = invoke(*SMALL, *args, "-o", "a.sqlite", env={"LLM_API_KEY": SENTINEL})
    # as a 401: the tier stops at once with one line, the run finishes on templates
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "warning:" in line]
    assert len(lines) == 1 and url in lines[0] and "Connection refused" in lines[0], lines
    assert "Traceback" not in result.output
    assert_no_secret(*cli_env.rglob("*"), text=result.output)
    assert validate(cli_env / "a.sqlite").ok


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--llm", "claude"], {}, "must be one of off, groq, openai"),
        (["--llm", "openai", "--llm-model", "m"], {}, "needed for --llm openai"),
        (["--llm", "openai", "--llm-base-url", "localhost:11434"], {"LLM_MODEL": "m"}, "http(s)"),
        (["--llm", "groq"], {}, "needs GROQ_API_KEY"),
        (["--llm", "groq", "--llm-model", "a b"], {"GROQ_API_KEY": SENTINEL}, "not a model name"),
        (["--llm-fields", "everything"], {}, "comma list"),
    ],
)
def test_cli_bad_llm_settings_exit_2_without_a_file(
    cli_env: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    result = invoke(*SMALL, *args, "--seed", "-3", "-o", "x.sqlite", env=env)
    assert result.exit_code == 2 and needle in result.output and "seed" in result.output
    assert "Traceback" not in result.output and SENTINEL not in result.output
    assert not (cli_env / "x.sqlite").exists() and not (cli_env / "output").exists()


def test_a_broken_cache_never_fails_a_run(server: Server, tmp_path: Path) -> None:
    """A cache that is not SQLite is bypassed with a message; a run outcome of the wrong shape
    is ignored and the items are looked up one by one."""
    (tmp_path / "cache.sqlite").write_bytes(b"not a database at all" * 100)
    llm = settings(server, tmp_path, fields=("briefs",))
    _, summary = run(tmp_path, llm)
    assert summary.llm.accepted == summary.llm.items and any(
        "not usable" in m or "could not" in m for m in summary.llm.messages
    )
    good = settings(server, tmp_path, fields=("briefs",), cache_path=tmp_path / "c2.sqlite")
    _, first = run(tmp_path, good, "first.sqlite")
    conn = sqlite3.connect(tmp_path / "c2.sqlite")
    conn.execute("UPDATE llm_runs SET outcome = ?", (b"x\x9c\x03\x00\x00\x00\x00\x01",))
    conn.commit()
    conn.close()
    n = len(server.requests)
    _, second = run(tmp_path, good, "second.sqlite")
    assert len(server.requests) == n and second.llm.cache_hits == first.llm.items
    assert second.fingerprint == first.fingerprint


def test_an_interrupt_during_the_llm_stage_leaves_no_file(server: Server, tmp_path: Path) -> None:
    """Ctrl-C (or SIGTERM, which the CLI turns into it) while requests are in flight: no target,
    no temporary file, and no wait for the other requests."""
    server.script = lambda body, n: (*good_reply(body, n)[:3], 0.1 if n == 0 else 3.0)

    class Interrupting:
        def stage(self, name: str, total: int) -> None:
            self.llm = name == "llm"

        def advance(self, n: int = 1) -> None:
            if self.llm:
                raise KeyboardInterrupt

    out = tmp_path / "out" / "x.sqlite"
    out.parent.mkdir()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        generate(small_config(), out, llm=settings(server, tmp_path), progress=Interrupting())
    assert time.perf_counter() - t0 < 2.5
    assert list(out.parent.iterdir()) == []


class InFlight:
    """A script that answers well after 50 ms and counts the requests in flight at once
    (the most so far in ``most``)."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any], n: int) -> tuple:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self.lock:
            self.now -= 1
        return good_reply(body, n)


def test_at_most_concurrency_requests_are_in_flight(server: Server, tmp_path: Path) -> None:
    server.script = counted = InFlight()
    _, summary = run(tmp_path, settings(server, tmp_path, fields=("comments",), concurrency=3))
    assert counted.most == 3 and summary.llm.batches > 6


def test_server_wait_reads_retry_after_and_rate_limit_resets() -> None:
    from src.llm.client import server_wait

    assert server_wait({}) is None
    assert server_wait({"retry-after": "2"}) == 2.0
    assert server_wait({"retry-after": "soon", "x-ratelimit-reset-tokens": "7.66s"}) == 7.66
    assert server_wait({"x-ratelimit-reset-requests": "2m59.5s"}) == pytest.approx(179.5)
    assert server_wait({"retry-after": "1", "x-ratelimit-reset-tokens": "250ms"}) == 1.0


def test_reproduce_refuses_a_broken_llm_record(server: Server, tmp_path: Path) -> None:
    from src.errors import InputFileError

    path, _ = run(tmp_path, settings(server, tmp_path, fields=("briefs",)))
    for bad in ('{"settings": {"provider": "gpt", "fields": []}}', "[1]", "{not json"):
        conn = sqlite3.connect(path)
        conn.execute("UPDATE generation_runs SET llm_json = ?", (bad,))
        conn.commit()
        conn.close()
        with pytest.raises(InputFileError, match="llm record is not usable"):
            reproduce(path, tmp_path / "copy.sqlite")
        assert not (tmp_path / "copy.sqlite").exists()


@pytest.mark.parametrize("damage", ["foreign", "corrupt"])
def test_a_cache_path_naming_another_database_is_bypassed_and_left_untouched(
    tmp_path: Path, damage: str
) -> None:
    """--llm-cache given a file that is not an LLM cache (the organization file by mistake, a
    damaged file): used as is, the cache's tables were added to it.  It must be left byte for
    byte as it was, with the usual "not usable; running without it" message."""
    from src.llm.cache import Cache

    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO tasks VALUES (?, ?)", [(i, "x" * 500) for i in range(200)])
    conn.commit()
    conn.close()
    if damage == "corrupt":  # the schema page is intact, a data page is not
        data = bytearray(path.read_bytes())
        data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
        path.write_bytes(bytes(data))
    before = path.read_bytes()
    cache = Cache(path)
    cache.put_many([("k", "text", None)])
    cache.close()
    assert path.read_bytes() == before
    assert cache.problem is not None and "not an LLM cache" in cache.problem
    assert "running without it" in cache.problem
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]


@pytest.mark.parametrize(
    ("name", "flag", "key", "bad"),
    [
        ("budget_calls", "--llm-budget-calls", "LLM_BUDGET_CALLS", "x"),
        ("budget_tokens", "--llm-budget-tokens", "LLM_BUDGET_TOKENS", "-5"),
        ("concurrency", "--llm-concurrency", "LLM_CONCURRENCY", "0"),
        ("timeout", "--llm-timeout", "LLM_TIMEOUT", "abc"),
    ],
)
def test_a_bad_numeric_llm_setting_names_its_flag_and_key(
    name: str, flag: str, key: str, bad: str
) -> None:
    """As every other setting does: the user must find the value whether it came from a flag,
    the environment or .env (it said only "llm concurrency: ...")."""
    from src.errors import ConfigError

    for explicit, env in (({name: bad}, {}), ({}, {key: bad})):
        with pytest.raises(ConfigError) as e:
            resolve_llm_settings(explicit, env)
        assert len(e.value.problems) == 1
        assert f"({flag} / {key})" in e.value.problems[0] and repr(bad) in e.value.problems[0]


@pytest.mark.parametrize(
    ("explicit", "env", "needle"),
    [
        ({"concurency": 3}, {}, "'concurency': not an LLM setting; did you mean concurrency?"),
        ({"timeout": [1]}, {}, "llm timeout (--llm-timeout / LLM_TIMEOUT)"),
        ({}, {"LLM": 5}, "llm (--llm / LLM): must be one of off, groq, openai, got '5'"),
    ],
)
def test_the_library_answers_odd_settings_with_a_config_error(
    explicit: dict, env: dict, needle: str
) -> None:
    """As resolve_config does: a misspelled key is named with the nearest one, and a value of
    an odd type is a ConfigError, never a TypeError or AttributeError."""
    from src.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        resolve_llm_settings(explicit, env)
    assert needle in str(e.value)
