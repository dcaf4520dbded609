"""A small client for Asana's REST API on the standard library (urllib), made for replaying:
every body is checked against Asana's request schema before it leaves, 429 answers wait for
``Retry-After`` (all threads pause, as the limit is per token), 5xx answers and dropped
connections are retried with backoff, and the token never appears in an error message.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import SeedError
from .asana_schema import check

DEFAULT_BASE_URL = "https://app.asana.com/api/1.0"
MAX_RATE_LIMITED = 50  # 429 answers in a row for one request before giving up


class PushError(SeedError):
    """Asana refused a request or stayed unreachable: the replay stopped; what was done is
    recorded in the file's push_map, so running push again continues from there."""

    exit_code = 1


class NotFound(Exception):
    """A GET answered 400, 403 or 404: what was looked up is not there for this token (a
    person by email); the caller decides whether that is an error."""


@dataclass
class Counters:
    """What the client did: logical requests answered, HTTP attempts retried."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **kw: int) -> None:
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


class AsanaClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not token:
            raise PushError("no Asana token: set ASANA_ACCESS_TOKEN to a personal access token")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.counters = Counters()
        self._pause_until = 0.0
        self._pause_lock = threading.Lock()

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _wait_for_rate_limit(self) -> None:
        while (delay := self._pause_until - time.monotonic()) > 0:
            self.sleep(delay)

    def request(
        self, method: str, path: str, data: dict | None = None, schema: str | None = None
    ) -> dict:
        """Send one request and return the ``data`` of Asana's answer.

        ``schema`` names the request schema the body's ``data`` must follow (checked before
        sending).  Raises NotFound on 404 for GET, PushError on any other refusal.
        """
        if data is not None and schema is not None:
            check(schema, data, "requests")
        body = None if data is None else json.dumps({"data": data}).encode()
        url = self.base_url + path
        attempt = limited = 0
        while True:
            self._wait_for_rate_limit()
            req = urllib.request.Request(url, data=body, method=method)
            req.add_header("Authorization", f"Bearer {self._token}")
            req.add_header("Accept", "application/json")
            if body is not None:
                req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    answer = json.loads(resp.read() or b"{}")
                self.counters.add(requests=1)
                return answer.get("data") or {}
            except urllib.error.HTTPError as e:
                status, detail = e.code, _asana_message(e)
                retry_after = e.headers.get("Retry-After") if e.headers else None
                e.close()
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                status, detail, retry_after = 0, str(getattr(e, "reason", e)), None
            if status == 429 and limited < MAX_RATE_LIMITED:
                limited += 1
                self.counters.add(rate_limited=1)
                with self._pause_lock:
                    wait = _seconds(retry_after, default=30.0)
                    self._pause_until = max(self._pause_until, time.monotonic() + wait)
                continue
            if status in (400, 403, 404) and method == "GET":
                # a look-up of something Asana does not show this token (a person by email)
                self.counters.add(requests=1)
                raise NotFound(path)
            if (status == 0 or status >= 500) and attempt < self.max_retries:
                attempt += 1
                self.counters.add(retries=1)
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            what = f"HTTP {status}" if status else "no answer"
            if status == 401:
                detail += " (is ASANA_ACCESS_TOKEN a valid personal access token?)"
            tries = f" after {attempt + 1} attempts" if attempt else ""
            raise PushError(
                self._scrub(f"{method} {path} failed{tries}: {what}: {detail}; rerun push to "
                            "continue where it stopped")
            )  # fmt: skip


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


def _asana_message(e: urllib.error.HTTPError) -> str:
    """Asana's own explanation (``errors[0].message``), or the HTTP reason."""
    try:
        errors = json.loads(e.read() or b"{}").get("errors") or []
        return "; ".join(str(x.get("message", x)) for x in errors) or str(e.reason)
    except (ValueError, AttributeError, OSError):
        return str(e.reason)


def quote(value: str) -> str:
    """A path segment (an email or a gid) escaped for the URL."""
    return urllib.parse.quote(value, safe="")
