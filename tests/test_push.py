"""push: a replay into a loopback server that checks every request body against Asana's request
schemas and answers as Asana does (new gids, 429 with Retry-After, 500s) completes, sends exactly
the requests --dry-run counts, resumes after a failure or Ctrl-C without a duplicate, and never
writes or prints the token."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import q, q1
from typer.testing import CliRunner

from src.export.asana_client import AsanaClient, PushError
from src.export.asana_schema import validator
from src.export.push import PushInterrupted, plan, push
from src.fingerprint import fingerprint_file
from src.main import app

TOKEN = "SENTINEL-0123456789-token"
WORKSPACE = "9000000000000001"
ROUTES = [
    ("POST", r"/teams", "TeamRequest"),
    ("POST", r"/custom_fields", "CustomFieldCreateRequest"),
    ("POST", r"/tags", "TagCreateRequest"),
    ("POST", r"/projects", "ProjectRequest"),
    ("POST", r"/projects/(\d+)/addCustomFieldSetting", "AddCustomFieldSettingRequest"),
    ("POST", r"/projects/(\d+)/sections", "SectionRequest"),
    ("POST", r"/tasks", "TaskCreateRequest"),
    ("POST", r"/tasks/(\d+)/subtasks", "TaskCreateRequest"),
    ("POST", r"/sections/(\d+)/addTask", "SectionTaskInsertRequest"),
    ("POST", r"/tasks/(\d+)/addProject", "TaskAddProjectRequest"),
    ("POST", r"/tasks/(\d+)/addDependencies", "ModifyDependenciesRequest"),
    ("POST", r"/tasks/(\d+)/stories", "StoryRequest"),
    ("POST", r"/status_updates", "StatusUpdateRequest"),
    ("GET", r"/users/([^/?]+)\?opt_fields=email", None),
]


class FakeAsana:
    """Asana's API as far as push uses it, on 127.0.0.1: checks the token, the route, the
    body against the vendored request schema and every gid it references."""

    def __init__(self, emails: set[str]):
        self.emails = emails
        self.lock = threading.Lock()
        self.next_gid = 5_000_000_000_000_000
        self.known: set[str] = {WORKSPACE}
        self.answered = 0  # 2xx and 404 answers: requests that did their work
        self.creates: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.seen = 0
        self.rate_limit_every = 0
        self.fail_once: set[int] = set()
        self.down_from: int | None = None
        self.echo_token = False
        self.in_flight = self.max_in_flight = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self, "GET")

            def do_POST(self) -> None:
                fake.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/1.0"

    def new_gid(self) -> str:
        self.next_gid += 1
        self.known.add(str(self.next_gid))
        return str(self.next_gid)

    def reply(self, h: BaseHTTPRequestHandler, status: int, body: dict, headers=()) -> None:
        raw = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(0.0005)  # a little latency, so requests can overlap
            self.answer(h, method)
        finally:
            with self.lock:
                self.in_flight -= 1

    def answer(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length)) if length else None
        with self.lock:
            self.seen += 1
            n = self.seen
            if h.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.reply(h, 401, {"errors": [{"message": "Not Authorized"}]})
            if self.echo_token:
                msg = f"forbidden for {h.headers.get('Authorization')}"
                return self.reply(h, 403, {"errors": [{"message": msg}]})
            if self.down_from is not None and n >= self.down_from:
                return self.reply(h, 500, {"errors": [{"message": "Server Error"}]})
            if n in self.fail_once:
                return self.reply(h, 500, {"errors": [{"message": "Server Error"}]})
            if self.rate_limit_every and n % self.rate_limit_every == 0:
                return self.reply(
                    h, 429, {"errors": [{"message": "slow down"}]}, [("Retry-After", "0")]
                )
            path = h.path.removeprefix("/api/1.0")
            route = next(
                ((re.fullmatch(p, path), schema) for m, p, schema in ROUTES
                 if m == method and re.fullmatch(p, path)),
                None,
            )  # fmt: skip
            if route is None:
                self.problems.append(f"unknown route {method} {path}")
                return self.reply(h, 404, {"errors": [{"message": "no route"}]})
            match, schema = route
            if method == "GET":
                self.answered += 1
                email = match.group(1).replace("%40", "@")
                if email in self.emails:
                    return self.reply(h, 200, {"data": {"gid": self.new_gid(), "email": email}})
                return self.reply(h, 404, {"errors": [{"message": "user not found"}]})
            data = (body or {}).get("data")
            errors = list(validator(schema, "requests").iter_errors(data))
            refs = [*match.groups(), *_gids(data)]
            unknown = [g for g in refs if g not in self.known]
            if errors or unknown:
                self.problems.append(f"{path}: {[e.message for e in errors]} unknown {unknown}")
                return self.reply(h, 400, {"errors": [{"message": "invalid request"}]})
            self.answered += 1
            gid = self.new_gid()
            self.creates.append((path, json.dumps(data, sort_keys=True)))
            answer = {"gid": gid, "resource_type": "x"}
            if path == "/custom_fields":
                answer["enum_options"] = [
                    {"gid": self.new_gid(), "name": o["name"]} for o in data.get("enum_options", [])
                ]
            return self.reply(h, 201, {"data": answer})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _gids(data) -> Iterator[str]:
    """Every gid-looking string a body references (16 digits)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if re.fullmatch(r"\d{16}", str(k)):
                yield str(k)
            yield from _gids(v)
    elif isinstance(data, list):
        for v in data:
            yield from _gids(v)
    elif isinstance(data, str):
        yield from (g for g in data.split(",") if re.fullmatch(r"\d{16}", g))


@pytest.fixture(scope="module")
def tiny(databases) -> Path:
    return databases.small(5, users=12, projects=2, tasks_per_project=6).path


@pytest.fixture()
def source(tiny: Path, tmp_path: Path) -> Path:
    path = tmp_path / "org.sqlite"
    sqlite3.connect(tiny).execute("VACUUM INTO ?", (str(path),))
    return path


@pytest.fixture()
def server(tiny: Path) -> Iterator[FakeAsana]:
    emails = {e for (e,) in q(tiny, "SELECT email FROM users ORDER BY id LIMIT 4")}
    fake = FakeAsana(emails)
    yield fake
    fake.close()


def client(server: FakeAsana, **kw) -> AsanaClient:
    return AsanaClient(TOKEN, server.url, backoff=0.0, **kw)


def test_replay_sends_exactly_the_planned_requests(source: Path, server: FakeAsana) -> None:
    # setup: a 429 every 40th request and two 500s, answered as Asana would
    server.rate_limit_every = 40
    server.fail_once = {7, 100}  # both within the tiny file's ~116 requests
    before = fingerprint_file(source)
    the_plan = plan(source, WORKSPACE)
    # run
    summary = push(source, WORKSPACE, TOKEN, client=client(server), concurrency=4)
    # assert
    assert server.problems == []
    assert server.answered == the_plan.requests == summary.sent
    assert summary.retries == 2 and summary.rate_limited > 0
    assert 1 < server.max_in_flight <= 4  # parallel, within the cap
    assert summary.unmatched_people == q1(source, "SELECT COUNT(*) FROM users") - 4
    assert fingerprint_file(source) == before  # push_map is not content
    # every object has its Asana gid
    for kind, table in (("task", "tasks"), ("project", "projects"), ("section", "sections")):
        mapped = q1(
            source, f"SELECT COUNT(*) FROM push_map WHERE kind = '{kind}' AND remote_gid != ''"
        )
        assert mapped == q1(source, f"SELECT COUNT(*) FROM {table}"), kind
    assert plan(source, WORKSPACE).remaining == 0
    # a second run sends nothing
    again = push(source, WORKSPACE, TOKEN, client=client(server))
    assert again.sent == 0 and server.answered == the_plan.requests


def test_comments_and_tasks_carry_the_original_author_and_time(source: Path, server) -> None:
    push(source, WORKSPACE, TOKEN, client=client(server))
    author, created, text = q(
        source,
        "SELECT u.name, s.created_at, s.text FROM stories s JOIN users u ON u.id = s.created_by_id "
        "WHERE s.type = 'comment' ORDER BY s.id LIMIT 1",
    )[0]
    comments = [json.loads(b)["text"] for p, b in server.creates if p.endswith("/stories")]
    header = f"{author} · {created[:10]} {created[11:16]} UTC"
    assert f"{header}\n\n{text}" in comments
    assert len(comments) == q1(source, "SELECT COUNT(*) FROM stories WHERE type = 'comment'")
    tasks = [
        json.loads(b) for p, b in server.creates if p in ("/tasks",) or p.endswith("/subtasks")
    ]
    assert all("— asana-seed: created by " in t["notes"] for t in tasks)
    assignees = {t.get("assignee") for t in tasks} - {None}
    matched = {g for (g,) in q(source, "SELECT remote_gid FROM push_map WHERE kind = 'user'")} - {
        ""
    }
    assert assignees and assignees <= matched  # only people found in the workspace


@pytest.mark.parametrize("how", ["server goes down", "ctrl-c"])
def test_interrupted_replay_resumes_without_duplicates(source: Path, server, how: str) -> None:
    total = plan(source, WORKSPACE).requests
    # run 1: stops a third of the way through
    if how == "server goes down":
        server.down_from = total // 3
        with pytest.raises(PushError, match="rerun push"):
            push(source, WORKSPACE, TOKEN, client=client(server, max_retries=1))
    else:
        broken = client(server)
        real, calls = broken.request, [0]

        def interrupting(*args, **kw):
            calls[0] += 1
            if calls[0] == total // 3:
                raise KeyboardInterrupt
            return real(*args, **kw)

        broken.request = interrupting
        with pytest.raises(PushInterrupted, match="run push again"):
            push(source, WORKSPACE, TOKEN, client=broken, concurrency=3)
    first = server.answered
    done = q1(source, "SELECT COUNT(*) FROM push_map WHERE kind != 'enum_option'")
    assert 0 < first == done < total  # every answered request is recorded
    # run 2: the server is back
    server.down_from = None
    summary = push(source, WORKSPACE, TOKEN, client=client(server))
    # assert: every step answered once over both runs, nothing created twice
    assert server.problems == []
    assert summary.skipped == first and summary.sent == total - first
    assert server.answered == total
    assert len(server.creates) == len(set(server.creates))


def test_dry_run_prints_the_plan_and_sends_nothing(source: Path, server) -> None:
    result = CliRunner().invoke(
        app,
        ["push", str(source), "--workspace", WORKSPACE, "--dry-run"],
        env={"ASANA_BASE_URL": server.url, "ASANA_ACCESS_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    total = plan(source, WORKSPACE).requests
    assert re.search(rf"total\s*│\s*{total:,}\s*│\s*0\s*│\s*{total:,}", result.output)
    assert "requests to send" in result.output and "min" in result.output
    assert server.seen == 0
    assert q1(source, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'push_map'") == 0


def test_cli_push_never_writes_or_prints_the_token(source: Path, server, tmp_path) -> None:
    server.rate_limit_every = 25
    env = {"ASANA_BASE_URL": server.url, "ASANA_ACCESS_TOKEN": TOKEN}
    result = CliRunner().invoke(app, ["push", str(source), "--workspace", WORKSPACE], env=env)
    assert result.exit_code == 0, result.output
    assert "pushed" in result.output and server.answered == plan(source, WORKSPACE).requests
    # a refusal that echoes the Authorization header back
    server.echo_token = True
    sqlite3.connect(source).execute("DELETE FROM push_map WHERE kind = 'story'").connection.commit()
    failed = CliRunner().invoke(app, ["push", str(source), "--workspace", WORKSPACE], env=env)
    assert failed.exit_code == 1 and "HTTP 403" in failed.stderr
    for text in (result.output, failed.output, failed.stderr):
        assert TOKEN not in text
    for path in tmp_path.rglob("*"):
        assert path.is_dir() or TOKEN.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--workspace", "abc"], {}, "--workspace"),
        (["--workspace", WORKSPACE, "--concurrency", "99"], {}, "--concurrency"),
        (["--workspace", WORKSPACE], {"ASANA_ACCESS_TOKEN": ""}, "ASANA_ACCESS_TOKEN"),
    ],
)
def test_bad_options_exit_2_with_one_line(source: Path, args, env, message) -> None:
    result = CliRunner().invoke(app, ["push", str(source), *args], env=env)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert q1(source, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'push_map'") == 0


@pytest.mark.parametrize("damage", ["corrupt pages", "dangling reference"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "push"])
def test_a_damaged_file_is_one_line_and_nothing_is_sent(
    small_seed1, tmp_path: Path, server, damage: str, dry_run: bool
) -> None:
    from test_export import damaged_copy

    # setup
    path = damaged_copy(small_seed1.path, tmp_path, damage)
    before = path.read_bytes()
    env = {"ASANA_ACCESS_TOKEN": TOKEN, "ASANA_BASE_URL": server.url}
    args = ["push", str(path), "--workspace", WORKSPACE, *(["--dry-run"] if dry_run else [])]
    # run
    result = CliRunner().invoke(app, args, env=env)
    # assert
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr
    assert path.read_bytes() == before and server.seen == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("url", ["ftp://x/api/1.0", "app.asana.com/api/1.0", "https://", "x"])
def test_a_base_url_that_is_not_http_is_refused_at_once(source: Path, url: str) -> None:
    """A bad ASANA_BASE_URL was tried as is: a minute of retries against no server, then
    exit 1 as if Asana were down.  It is bad input: one line naming it, exit 2, file as it was."""
    before = source.read_bytes()
    env = {"ASANA_ACCESS_TOKEN": TOKEN, "ASANA_BASE_URL": url}
    t0 = time.monotonic()
    result = CliRunner().invoke(app, ["push", str(source), "--workspace", WORKSPACE], env=env)
    assert result.exit_code == 2, result.output
    assert time.monotonic() - t0 < 10
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ASANA_BASE_URL" in lines[0] and repr(url) in lines[0]
    assert TOKEN not in result.output and source.read_bytes() == before
