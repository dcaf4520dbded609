"""The LLM stage: read the items, answer from the cache, batch the rest, call, check, write.

`rewrite_database` is the one interface the pipeline calls (continuous mode will call it on
its own file too).  It never raises for an LLM fault: every item that gets no acceptable text
keeps its template, and the report counts why.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..fingerprint import table_digest
from .cache import Cache, cache_key
from .checks import People, check_text
from .items import Item, collect, write_back
from .prompts import messages, prompt_hash
from .settings import LLMSettings

if TYPE_CHECKING:  # the groq SDK takes ~0.2 s to import: only runs that call a server pay it
    from .client import Reply

CHARS_PER_TOKEN = 4  # the estimate's rule of thumb


@dataclass
class LLMReport:
    """What the stage did, for the summary and the run record (never a key)."""

    provider: str
    model: str
    fields: tuple[str, ...]
    items: int = 0
    accepted: int = 0  # items now holding LLM text (from calls or the cache)
    cache_hits: int = 0
    calls: int = 0  # HTTP requests, retries included
    batches: int = 0
    retries: int = 0
    errors: int = 0  # batches that got no usable reply
    tokens_in: int = 0
    tokens_out: int = 0
    fallbacks: Counter = field(default_factory=Counter)  # items kept on templates, by reason
    ignored_ids: int = 0  # reply entries whose id was not asked for
    estimate: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)
    missing_from_cache: int = 0  # `reproduce`: LLM-written items of the source the cache lacks
    # content digests (src/fingerprint.py) of the tables the stage changed, for the fingerprint
    digests: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "fields": list(self.fields),
            "items": self.items,
            "accepted": self.accepted,
            "cache_hits": self.cache_hits,
            "calls": self.calls,
            "batches": self.batches,
            "retries": self.retries,
            "errors": self.errors,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "ignored_ids": self.ignored_ids,
            "estimate": self.estimate,
            "cost_usd": None if self.cost is None else round(self.cost, 6),
            "seconds": round(self.seconds, 3),
            "messages": list(self.messages),
            **({"missing_from_cache": self.missing_from_cache} if self.missing_from_cache else {}),
        }


@dataclass
class _Batch:
    field: str
    items: list[Item]
    body: dict[str, Any]
    est_in: int
    est_out: int
    tag: str


# Fallback reasons that say nothing about the text: a run with any of them is not kept as a
# whole (its rerun asks again for those items).
TRANSIENT = frozenset(
    {
        "auth",
        "not_found",
        "budget",
        "rate_limit",
        "server_error",
        "timeout",
        "connection",
        "stopped",
        "error",
        "rejected",
        "not_cached",
        "malformed",
    }
)


def rewrite_database(
    conn: sqlite3.Connection,
    settings: LLMSettings,
    api_key: str | None = None,
    progress: Any = None,
    basis: str | None = None,
    only: dict[str, set[int]] | None = None,
) -> LLMReport:
    """Rewrite the text columns of ``settings.fields`` in ``conn`` (outside a transaction).

    Only text columns change; the report's ``digests`` are the new content digests of the
    tables that changed, for the caller's fingerprint.  ``progress`` gets a stage "llm" (one
    step per batch) and, if it has a ``note`` method, the estimate before the first call.
    ``basis`` is a digest of the file's content before the stage (the pipeline's
    fingerprint): with it, a finished run's outcome is cached as a whole (texts, fallbacks,
    and the changed tables' digests, which follow from the basis and the texts), so a rerun
    restores it in one read, check failures included.  ``only`` (continuous mode: the rows
    an advance adds) limits the items to these ids per field; the others keep their text.
    """
    # The stage's objects (tuples, strings) hold no cycles, while the caller's heap is large:
    # a full pass of the cyclic collector would cost more than a warm stage itself.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _rewrite(conn, settings, api_key, progress, basis, only)
    finally:
        if paused:
            gc.enable()


def _rewrite(
    conn: sqlite3.Connection,
    settings: LLMSettings,
    api_key: str | None,
    progress: Any,
    basis: str | None,
    only: dict[str, set[int]] | None = None,
) -> LLMReport:
    t0 = time.perf_counter()
    report = LLMReport(settings.provider, settings.model, settings.fields)
    cache = Cache(settings.cache_path, read_only=settings.cache_only)
    run_key = None
    if basis is not None:
        run_key = cache_key(
            {
                "provider": settings.provider,
                "model": settings.model,
                "prompts": {f: prompt_hash(f) for f in settings.fields},
                "params": {"temperature": settings.temperature},
                "basis": basis,
            }
        )
    try:
        whole = _outcome(cache.get_run(run_key)) if run_key else None
        if whole is not None:
            accepted = {(f, i): (text, title) for f, i, text, title in whole["accepted"]}
            report.items, report.cache_hits = whole["items"], len(accepted)
            report.fallbacks.update(whole["fallbacks"])
            note = getattr(progress, "note", None)
            if note is not None:
                note(
                    f"LLM ({settings.provider}, {settings.model}): {report.items:,} items, the "
                    "outcome of an earlier identical run from the cache; no calls"
                )
            if progress is not None:
                progress.stage("llm", 1)
                progress.advance()
            write_back(conn, accepted)
            report.digests = dict(whole["digests"])
        else:
            items, people = collect(conn, settings.fields)
            if only is not None:
                items = [it for it in items if int(it.id) in only.get(it.field, ())]
            report.items = len(items)
            accepted = _run(items, people, settings, api_key, progress, cache, report)
            changed = write_back(conn, accepted)
            report.digests = {t: table_digest(conn, t) for t in sorted(changed)}
            if run_key and not TRANSIENT & set(report.fallbacks):
                rows = [[f, i, text, title] for (f, i), (text, title) in sorted(accepted.items())]
                outcome = {
                    "items": report.items,
                    "accepted": rows,
                    "fallbacks": report.fallbacks,
                    "digests": report.digests,
                }
                cache.put_run(run_key, outcome)
    finally:
        if cache.problem:
            report.messages.append(cache.problem)
        cache.close()
    report.accepted = len(accepted)
    price = settings.price
    if price is not None:
        report.cost = (report.tokens_in * price[0] + report.tokens_out * price[1]) / 1e6
    report.seconds = time.perf_counter() - t0
    return report


def _outcome(whole: Any) -> dict[str, Any] | None:
    """A cached run outcome if it has the expected shape (else it is ignored)."""
    try:
        ok = (
            isinstance(whole["items"], int)
            and all(len(row) == 4 and isinstance(row[2], str) for row in whole["accepted"])
            and all(isinstance(v, int) for v in whole["fallbacks"].values())
            and all(isinstance(v, str) for v in whole["digests"].values())
        )
    except (TypeError, KeyError, AttributeError):
        return None
    return whole if ok else None


def _key(settings: LLMSettings, item: Item) -> str:
    return cache_key(
        {
            "provider": settings.provider,
            "model": settings.model,
            "prompt": prompt_hash(item.field),
            "item": item.payload(),
            "params": {"temperature": settings.temperature, "field": item.field},
        }
    )


def _run(
    items: list[Item],
    people: People,
    settings: LLMSettings,
    api_key: str | None,
    progress: Any,
    cache: Cache,
    report: LLMReport,
) -> dict[tuple[str, str], tuple[str, str | None]]:
    accepted: dict[tuple[str, str], tuple[str, str | None]] = {}
    keys = {(it.field, it.id): _key(settings, it) for it in items}
    hits = cache.get_many(list(keys.values()))
    pending = []
    for it in items:
        hit = hits.get(keys[(it.field, it.id)])
        if hit is not None:
            accepted[(it.field, it.id)] = hit
        else:
            pending.append(it)
    report.cache_hits = len(accepted)
    if settings.cache_only:
        report.fallbacks["not_cached"] += len(pending)
        pending = []
    batches = make_batches(pending, settings)
    report.estimate = estimate(batches, settings)
    note = getattr(progress, "note", None)
    if note is not None and settings.on:
        e = report.estimate
        dollars = "unknown price" if e["dollars"] is None else f"~${e['dollars']:.4f}"
        note(
            f"LLM ({settings.provider}, {settings.model}): {len(items):,} items, "
            f"{report.cache_hits:,} from the cache; estimate {e['calls']:,} calls, "
            f"~{e['tokens_in'] + e['tokens_out']:,} tokens, {dollars}{_caps(settings)}"
        )
    if progress is not None:
        progress.stage("llm", max(len(batches), 1))
    if not batches:
        if progress is not None:
            progress.advance()
        return accepted
    new_entries: list[tuple[str, str, str | None]] = []

    def on_reply(b: _Batch, reply: Reply) -> None:
        nonlocal new_entries
        _apply(b, reply, people, settings, report, accepted, new_entries, keys)
        if len(new_entries) >= 500:  # kept as they come: an interrupted run keeps its text
            cache.put_many(new_entries)
            new_entries = []

    try:
        _call(batches, settings, api_key, progress, report, on_reply)
    finally:
        cache.put_many(new_entries)
    return accepted


def _call(
    batches: list[_Batch],
    settings: LLMSettings,
    api_key: str | None,
    progress: Any,
    report: LLMReport,
    on_reply: Any,
) -> None:
    """Send the batches in order, at most ``concurrency`` in flight; a batch past a budget cap
    or after a 401/403/404 is not sent.  Replies are handed to ``on_reply`` on this thread."""
    from .client import Reply, Transport

    transport = Transport(settings, api_key)
    pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="llm")
    inflight: dict[Future, _Batch] = {}
    reserved = 0  # estimated tokens of the batches in flight
    pending = iter(batches)
    try:
        while True:
            while len(inflight) < settings.concurrency:
                b = next(pending, None)
                if b is None:
                    break
                reason = None
                if transport.stop.is_set():
                    reason = "auth" if transport.stop_reason else "stopped"
                elif _over_budget(settings, report, reserved + b.est_in + b.est_out):
                    reason = "budget"
                    if not report.fallbacks["budget"]:
                        report.messages.append(
                            "LLM budget reached: the remaining items keep their template text"
                        )
                if reason is not None:
                    report.fallbacks[reason] += len(b.items)
                    if progress is not None:
                        progress.advance()
                    continue
                report.batches += 1
                reserved += b.est_in + b.est_out
                inflight[pool.submit(transport.send, b.body, b.tag)] = b
            if not inflight:
                break
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for f in sorted(done, key=lambda f: inflight[f].tag):
                b = inflight.pop(f)
                reserved -= b.est_in + b.est_out
                try:
                    reply = f.result()
                except Exception:  # a bug in the transport must not fail the run
                    reply = Reply(failure="error", attempts=1)
                on_reply(b, reply)
                if progress is not None:
                    progress.advance()
    except BaseException:
        # Ctrl-C or SIGTERM: stop waiting and retrying, and let the file be dropped at once
        transport.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        transport.close()
        raise
    pool.shutdown()
    transport.close()
    if transport.stop_reason:
        report.messages.append(transport.stop_reason)


def _caps(settings: LLMSettings) -> str:
    caps = [
        f"{n:,} {what}"
        for n, what in ((settings.budget_calls, "calls"), (settings.budget_tokens, "tokens"))
        if n is not None
    ]
    return f" (capped at {' and '.join(caps)})" if caps else ""


def _over_budget(settings: LLMSettings, report: LLMReport, more_tokens: int) -> bool:
    """Would one more batch (``more_tokens`` with the ones in flight) pass a cap?"""
    if settings.budget_calls is not None and report.batches >= settings.budget_calls:
        return True
    used = report.tokens_in + report.tokens_out
    return settings.budget_tokens is not None and used + more_tokens > settings.budget_tokens


def _apply(
    b: _Batch,
    reply: Reply,
    people: People,
    settings: LLMSettings,
    report: LLMReport,
    accepted: dict[tuple[str, str], tuple[str, str | None]],
    new_entries: list[tuple[str, str, str | None]],
    keys: dict[tuple[str, str], str],
) -> None:
    """Place a batch's reply by id, check each item, keep what passes."""
    report.calls += reply.attempts
    report.retries += max(0, reply.attempts - 1)
    report.tokens_in += reply.tokens_in
    report.tokens_out += reply.tokens_out
    entries = None
    if reply.failure is None:
        entries = parse_reply(reply.content or "")
        if entries is None:
            reply.failure = "malformed"
    if entries is None:
        report.errors += 1
        reason = reply.failure or "error"
        if reason == "stopped":
            reason = "auth"
        report.fallbacks[reason] += len(b.items)
        return
    wanted = {it.id for it in b.items}
    seen = Counter(e["id"] for e in entries if isinstance(e.get("id"), str))
    report.ignored_ids += sum(n for i, n in seen.items() if i not in wanted)
    report.ignored_ids += sum(1 for e in entries if not isinstance(e.get("id"), str))
    by_id = {e["id"]: e for e in entries if isinstance(e.get("id"), str)}
    for it in b.items:
        if seen[it.id] == 0:
            report.fallbacks["missing"] += 1
            continue
        if seen[it.id] > 1:
            report.fallbacks["duplicate"] += 1
            continue
        e, ok = by_id[it.id], it.ok
        reason = check_text(e.get("text"), it.field, ok, people)
        title = None
        if reason is None and it.field == "status_updates":
            title = e.get("title", it.draft_title)
            if title is None:
                title = it.draft_title
            reason = check_text(title, it.field, ok, people, title=True)
        if reason is not None:
            report.fallbacks[reason] += 1
            continue
        text = e["text"].strip()
        title = title.strip() if isinstance(title, str) else None
        accepted[(it.field, it.id)] = (text, title)
        new_entries.append((keys[(it.field, it.id)], text, title))


def parse_reply(content: str) -> list[dict[str, Any]] | None:
    """The reply's entries, or None when it is not ``{"items": [objects...]}``."""
    try:
        obj = json.loads(content)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("items"), list):
        return None
    return [e for e in obj["items"] if isinstance(e, dict)]


def make_batches(items: list[Item], settings: LLMSettings) -> list[_Batch]:
    """Batches of one kind, in a stable order.  Descriptions and comments: one project per
    batch, split evenly (53 items -> 18, 18, 17), so adding projects leaves earlier batches
    unchanged.  Briefs and status updates, a few per project: consecutive whole projects up to
    the batch size."""
    size = settings.batch_size
    groups: list[tuple[str, list[Item]]] = []
    by_kind: dict[str, list[Item]] = {}
    for it in items:
        by_kind.setdefault(it.field, []).append(it)
    for fld, its in by_kind.items():
        if fld in ("descriptions", "comments"):
            per_project: dict[int, list[Item]] = {}
            for it in its:
                per_project.setdefault(it.project_rank, []).append(it)
            for group in per_project.values():
                n = -(-len(group) // size)
                step = len(group) / n
                for k in range(n):
                    groups.append((fld, group[round(k * step) : round((k + 1) * step)]))
        else:
            counts = Counter(it.project_rank for it in its)
            current: list[Item] = []
            rank = None
            for it in its:
                if it.project_rank != rank and len(current) + counts[it.project_rank] > size:
                    if current:
                        groups.append((fld, current))
                    current = []
                rank = it.project_rank
                current.append(it)
                if len(current) >= size:
                    groups.append((fld, current))
                    current = []
            if current:
                groups.append((fld, current))
    out = []
    for fld, group in groups:
        payloads = [it.payload() for it in group]
        msgs = messages(fld, payloads)
        est_in = sum(len(m["content"]) for m in msgs) // CHARS_PER_TOKEN + 20
        est_out = (
            sum(len(it.draft) + len(it.draft_title or "") + 40 for it in group) // CHARS_PER_TOKEN
        )
        body = {
            "model": settings.model,
            "messages": msgs,
            "temperature": settings.temperature,
            "response_format": {"type": "json_object"},
            "max_tokens": min(8192, 2 * est_out + 256),
        }
        out.append(_Batch(fld, group, body, est_in, est_out, f"{fld}:{group[0].id}"))
    return out


def estimate(batches: list[_Batch], settings: LLMSettings) -> dict[str, Any]:
    """Calls, tokens and dollars before the first call (from the price table)."""
    tin = sum(b.est_in for b in batches)
    tout = sum(b.est_out for b in batches)
    price = settings.price
    dollars = None if price is None else (tin * price[0] + tout * price[1]) / 1e6
    return {
        "calls": len(batches),
        "items": sum(len(b.items) for b in batches),
        "tokens_in": tin,
        "tokens_out": tout,
        "dollars": None if dollars is None else round(dollars, 6),
    }
