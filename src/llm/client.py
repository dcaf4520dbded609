"""One chat-completions request with the project's own retry policy, through the groq SDK.

`groq` talks to Groq (the SDK's own path under its base URL); `openai` posts to the user's
OpenAI-compatible server at ``{base_url}/chat/completions`` with the same SDK's generic
``post`` (the SDK would otherwise append ``/openai/v1/...``).  SDK retries are off: 429 waits
for ``Retry-After`` / ``x-ratelimit-reset-*`` (capped exponential backoff otherwise), timeouts,
connection errors and 5xx are retried a bounded number of times, 401/403/404 stop the tier at
once, and so does a server that cannot be reached (refused, unknown host, connect timeout) for
``BREAKER`` requests in a row, each after its retries: a dead URL costs seconds, not minutes.
Nothing here raises for a server's fault, and no message ever holds the key or a body.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any

import groq
import httpx

from .settings import LLMSettings

BACKOFF_BASE = 0.5  # seconds before the first retry without a server hint; doubles each time
BACKOFF_CAP = 20.0
WAIT_CAP = 60.0  # the longest a server hint is honoured
GROQ_PATH = "/openai/v1/chat/completions"
BREAKER = 3  # requests in a row that could not reach the server (each after its retries)


@dataclass
class Reply:
    """What one request gave: the message content, or a failure reason."""

    content: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 0
    failure: str | None = None  # auth, not_found, rejected, rate_limit, server_error, timeout,
    # connection, malformed, stopped
    status: int | None = None
    unreachable: str | None = None  # why the server could not be reached (refused, DNS, ...)


class Transport:
    """Sends requests; thread-safe (one SDK client, one stop flag shared by the pool)."""

    def __init__(self, settings: LLMSettings, api_key: str | None):
        self.settings = settings
        self.stop = threading.Event()
        self.stop_reason: str | None = None
        self.stop_kind = "auth"  # the fallback reason of the items not sent after a stop
        self._unreachable = 0  # requests in a row that could not reach the server
        self._lock = threading.Lock()
        base = settings.base_url
        self.path = GROQ_PATH if settings.provider == "groq" else f"{base}/chat/completions"
        self.client = groq.Groq(
            api_key=api_key or "no-key",  # a local server ignores it; never None (env lookup)
            base_url=base if settings.provider == "groq" else "http://unused.invalid",
            max_retries=0,
            timeout=settings.timeout,
        )

    def close(self) -> None:
        self.client.close()

    def send(self, body: dict[str, Any], tag: str) -> Reply:
        """POST ``body`` (retried by the policy) and count the server unreachable or not."""
        reply = self._send(body, tag)
        if reply.failure != "stopped":
            self._count(reply.unreachable)
        elif self.stop_reason is not None:
            reply.failure = self.stop_kind  # in flight when the tier stopped
        return reply

    def _send(self, body: dict[str, Any], tag: str) -> Reply:
        """POST ``body``; retry by the policy; ``tag`` seeds the jitter (timing only)."""
        reply = Reply()
        limit = self.settings.max_attempts
        while True:
            if self.stop.is_set():
                reply.failure = "stopped"
                return reply
            reply.attempts += 1
            reply.unreachable = None  # set again below if this attempt did not reach the server
            wait: float | None = None
            try:
                resp = self.client.post(self.path, cast_to=httpx.Response, body=body)
                return _parse(resp, reply)
            except (groq.AuthenticationError, groq.PermissionDeniedError, groq.NotFoundError) as e:
                code = e.status_code
                reply.failure, reply.status = ("not_found" if code == 404 else "auth"), code
                self._halt(code)
                return reply
            except groq.RateLimitError as e:
                reply.failure, reply.status = "rate_limit", 429
                wait = server_wait(e.response.headers)
            except groq.InternalServerError as e:
                reply.failure, reply.status = "server_error", e.status_code
            except groq.APIStatusError as e:
                reply.failure, reply.status = "rejected", e.status_code
                return reply  # 400, 413, 422: the same request would fail again
            except groq.APITimeoutError as e:
                reply.failure = "timeout"
                connect = isinstance(e.__cause__, httpx.ConnectTimeout)
                reply.unreachable = "no answer to connect" if connect else None
            except groq.APIConnectionError as e:
                reply.failure, reply.unreachable = "connection", _why(e)
            if reply.attempts >= (2 * limit if reply.failure == "rate_limit" else limit):
                return reply
            n = reply.attempts - 1
            jitter = _unit(f"{tag}:{n}")
            if wait is None:
                wait = min(BACKOFF_CAP, BACKOFF_BASE * 2**n) * (0.5 + 0.5 * jitter)
            else:
                wait = min(WAIT_CAP, wait) * (1 + 0.1 * jitter)
            if self.stop.wait(wait):
                reply.failure = "stopped"
                return reply

    def _count(self, unreachable: str | None) -> None:
        """The breaker: BREAKER requests in a row that could not reach the server stop the
        tier like a 401 (one line naming the URL and what happened; the rest is templates)."""
        with self._lock:
            if unreachable is None:
                self._unreachable = 0
                return
            self._unreachable += 1
            if self._unreachable < BREAKER or self.stop_reason is not None:
                return
            tries = self.settings.max_attempts
            self.stop_kind = "connection"
            self.stop_reason = (
                f"the LLM server at {self.settings.base_url} cannot be reached ({unreachable}; "
                f"{BREAKER} requests in a row, each tried {tries} times): no further LLM calls, "
                "the rest is template text"
            )
            self.stop.set()

    def _halt(self, code: int) -> None:
        with self._lock:
            if self.stop_reason is None:
                self.stop_kind = "not_found" if code == 404 else "auth"
                what = (
                    f"the LLM server refused the key (HTTP {code})"
                    if code in (401, 403)
                    else "the LLM server has no such model or URL (HTTP 404); check "
                    "--llm-model and --llm-base-url"
                )
                self.stop_reason = f"{what}: no further LLM calls, the rest is template text"
            self.stop.set()


def _why(e: Exception) -> str:
    """What a connection error says, without the request (the OS's or resolver's words:
    "Connection refused", "Name or service not known"); never a header, so never the key."""
    cause = e.__cause__
    text = str(cause or "").strip()
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    return text[:120] if text else "connection failed"


def _parse(resp: httpx.Response, reply: Reply) -> Reply:
    try:
        body = resp.json()
        usage = body.get("usage") or {}
        reply.tokens_in = int(usage.get("prompt_tokens") or 0)
        reply.tokens_out = int(usage.get("completion_tokens") or 0)
        content = body["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise TypeError
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        reply.failure = "malformed"
        return reply
    reply.content, reply.failure, reply.status = content, None, resp.status_code
    return reply


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def server_wait(headers: Any) -> float | None:
    """Seconds the server asks us to wait: the largest of ``retry-after`` (seconds) and the
    ``x-ratelimit-reset-*`` durations ("2m59.56s", "7.66s", "250ms"); None if it gives none."""
    waits: list[float] = []
    value = headers.get("retry-after")
    if value is not None:
        with contextlib.suppress(ValueError):
            waits.append(max(0.0, float(value)))
    for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        text = headers.get(name)
        if text:
            unit = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
            parts = _DURATION.findall(text)
            if parts:
                waits.append(sum(float(v) * unit[u] for v, u in parts))
    return max(waits) if waits else None


def _unit(tag: str) -> float:
    """A deterministic number in [0, 1) for ``tag``: jitter without global random state."""
    return int.from_bytes(hashlib.sha256(tag.encode()).digest()[:8], "big") / 2**64
