"""LLM settings: one frozen dataclass, resolved from flags and an environment mapping.

The library never reads the environment itself (the CLI passes its merged mapping), and the API
key is never part of the settings: it is passed at call time, so it cannot reach a repr, the
run record or the cache.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import closest
from ..errors import ConfigError

PROVIDERS = ("off", "groq", "openai")
# A current small, fast Groq model: the one place it is named.
DEFAULT_GROQ_MODEL = "llama-3.1-8b-instant"
DEFAULT_GROQ_BASE_URL = "https://api.groq.com"
# The text columns the tier may write, by the name `--llm-fields` uses.
FIELDS = {
    "descriptions": "tasks.notes",
    "briefs": "projects.notes",
    "status_updates": "status_updates.title, status_updates.text",
    "comments": "stories.text (comments)",
}
DEFAULT_CACHE = Path("output") / "llm_cache.sqlite"
# Dollars per million tokens (input, output).  Local servers cost nothing; an unknown hosted
# model has no price (the estimate says so).
PRICES: dict[str, tuple[float, float]] = {
    "llama-3.1-8b-instant": (0.05, 0.08),
    "llama-3.3-70b-versatile": (0.59, 0.79),
    "openai/gpt-oss-20b": (0.075, 0.30),
    "openai/gpt-oss-120b": (0.15, 0.60),
    "meta-llama/llama-4-scout-17b-16e-instruct": (0.11, 0.34),
}
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")


@dataclass(frozen=True)
class LLMSettings:
    """How the LLM tier runs.  ``provider='off'`` (the default) leaves the templates' text."""

    provider: str = "off"
    model: str = ""
    base_url: str = ""
    fields: tuple[str, ...] = tuple(FIELDS)
    cache_path: Path | None = DEFAULT_CACHE  # None: no cache (`--no-llm-cache`)
    budget_calls: int | None = None
    budget_tokens: int | None = None
    concurrency: int = 4
    timeout: float = 30.0
    batch_size: int = 25  # items per request (10-25; one kind, one project)
    temperature: float = 0.7
    max_attempts: int = 4  # per request, for timeouts, 5xx and 429
    cache_only: bool = False  # `reproduce`: never call, use the cache or the templates

    @property
    def on(self) -> bool:
        return self.provider != "off"

    @property
    def price(self) -> tuple[float, float] | None:
        """Dollars per million tokens in and out; 0 for local servers, None if unknown."""
        if self.provider == "openai":
            return PRICES.get(self.model, (0.0, 0.0))
        return PRICES.get(self.model)

    def to_dict(self) -> dict[str, Any]:
        """What the run record keeps (never a key): enough for `reproduce` to find the cache."""
        return {
            "provider": self.provider,
            "model": self.model,
            "base_url": self.base_url,
            "fields": list(self.fields),
            "batch_size": self.batch_size,
            "temperature": self.temperature,
        }


def resolve_llm_settings(
    explicit: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> LLMSettings:
    """Settings from explicit values (flags: provider, model, base_url, fields, cache_path,
    no_cache, budget_calls, budget_tokens, concurrency, timeout), then the environment
    (LLM, LLM_MODEL, LLM_BASE_URL, GROQ_MODEL, GROQ_BASE_URL, GROQ_API_KEY), then defaults.
    Every bad value is reported at once in one ConfigError."""
    x = {k: v for k, v in (explicit or {}).items() if v is not None}
    env = {k: str(v) for k, v in (env or {}).items()}  # as resolve_config reads them: as text
    problems: list[str] = [_unknown_setting(k) for k in x if k not in SETTING_NAMES]

    def get(name: str, *keys: str) -> Any:
        if name in x:
            return x[name]
        for k in keys:
            if env.get(k, "").strip():
                return env[k].strip()
        return None

    provider = get("provider", "LLM")
    if provider is None:
        provider = "groq" if env.get("GROQ_API_KEY", "").strip() else "off"
    provider = str(provider).strip().lower()
    if provider not in PROVIDERS:
        problems.append(
            f"llm (--llm / LLM): must be one of {', '.join(PROVIDERS)}, got {provider!r}"
        )
    if provider == "groq":
        model = get("model", "GROQ_MODEL", "LLM_MODEL") or DEFAULT_GROQ_MODEL
        base_url = get("base_url", "GROQ_BASE_URL") or DEFAULT_GROQ_BASE_URL
    else:
        model = get("model", "LLM_MODEL") or ""
        base_url = get("base_url", "LLM_BASE_URL") or ""
    model, base_url = str(model).strip(), str(base_url).strip().rstrip("/")
    if provider == "groq" and base_url.endswith("/openai/v1"):
        base_url = base_url[: -len("/openai/v1")]  # the SDK adds that path itself
    if provider in ("groq", "openai"):
        if not _MODEL.fullmatch(model):
            what = "a model name is needed" if not model else f"{model!r} is not a model name"
            problems.append(
                f"llm model (--llm-model / LLM_MODEL): {what} "
                "(letters, digits and . _ : / @ + -, e.g. llama3.2:1b)"
            )
        problems += _url_problems(provider, base_url)
    fields = _fields(get("fields", "LLM_FIELDS"), problems)
    budget_calls = _count(get("budget_calls", "LLM_BUDGET_CALLS"), "budget calls", problems)
    budget_tokens = _count(get("budget_tokens", "LLM_BUDGET_TOKENS"), "budget tokens", problems)
    raw = get("concurrency", "LLM_CONCURRENCY")
    concurrency = _count(raw, "concurrency", problems)
    if concurrency is not None and not 1 <= concurrency <= 32:
        problems.append(f"{_label('concurrency')}: must be 1 … 32, got {raw!r}")
    timeout = get("timeout", "LLM_TIMEOUT")
    try:
        timeout = 30.0 if timeout is None else float(timeout)
        if not 0 < timeout <= 600:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(
            f"{_label('timeout')}: seconds, more than 0 and at most 600, got {timeout!r}"
        )
        timeout = 30.0
    cache = None if x.get("no_cache") else Path(get("cache_path", "LLM_CACHE") or DEFAULT_CACHE)
    if problems:
        raise ConfigError(problems)
    return LLMSettings(
        provider=provider,
        model=model if provider != "off" else "",
        base_url=base_url if provider != "off" else "",
        fields=fields,
        cache_path=cache,
        budget_calls=budget_calls,
        budget_tokens=budget_tokens,
        concurrency=concurrency or 4,
        timeout=timeout,
    )


def api_key(settings: LLMSettings, env: Mapping[str, str]) -> str | None:
    """The key for ``settings``' provider from an environment mapping: GROQ_API_KEY (needed
    for groq), LLM_API_KEY (optional for openai).  Kept out of the settings on purpose."""
    if settings.provider == "groq":
        key = env.get("GROQ_API_KEY", "").strip()
        if not key:
            raise ConfigError(["llm (--llm groq): needs GROQ_API_KEY in the environment or .env"])
        return key
    if settings.provider == "openai":
        return env.get("LLM_API_KEY", "").strip() or None
    return None


def _url_problems(provider: str, url: str) -> list[str]:
    flag = "--llm-base-url / " + ("GROQ_BASE_URL" if provider == "groq" else "LLM_BASE_URL")
    if not url:
        return [f"llm base URL ({flag}): needed for --llm openai, e.g. http://localhost:11434/v1"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"llm base URL ({flag}): must be an http(s) URL with a host, got {url!r}"]
    if parts.username or parts.password or parts.query or parts.fragment:
        return [
            f"llm base URL ({flag}): no credentials, query or fragment (it is recorded in the "
            "file); put a key in LLM_API_KEY"
        ]
    if provider == "openai" and not parts.path.endswith("/v1"):
        return [f"llm base URL ({flag}): must end in /v1 (e.g. http://localhost:11434/v1)"]
    return []


def _fields(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return tuple(FIELDS)
    names = value if isinstance(value, list | tuple) else str(value).split(",")
    names = [n.strip().lower().replace("-", "_") for n in names if n.strip()]
    if names == ["all"]:
        return tuple(FIELDS)
    bad = [n for n in names if n not in FIELDS]
    if bad or not names:
        problems.append(
            f"llm fields (--llm-fields / LLM_FIELDS): a comma list of {', '.join(FIELDS)} "
            f"(or all), got {value!r}"
        )
        return tuple(FIELDS)
    return tuple(f for f in FIELDS if f in names)  # canonical order


# the explicit values resolve_llm_settings reads (the CLI's --llm-* flags without "llm_")
SETTING_NAMES = (
    "provider", "model", "base_url", "fields", "cache_path", "no_cache",
    "budget_calls", "budget_tokens", "concurrency", "timeout",
)  # fmt: skip


def _unknown_setting(key: Any) -> str:
    near = closest(str(key), SETTING_NAMES)
    hint = f"did you mean {near}?" if near else f"the settings are {', '.join(SETTING_NAMES)}"
    return f"{key!r}: not an LLM setting; {hint}"


def _label(name: str) -> str:
    """ "llm concurrency (--llm-concurrency / LLM_CONCURRENCY)": the setting, its flag and its
    environment key, so a bad value is found wherever it was given."""
    dashed, key = name.replace(" ", "-"), name.replace(" ", "_").upper()
    return f"llm {name} (--llm-{dashed} / LLM_{key})"


def _count(value: Any, name: str, problems: list[str]) -> int | None:
    if value is None:
        return None
    try:
        n = int(value)
        if n < 0:
            raise ValueError
        return n
    except (TypeError, ValueError):
        problems.append(f"{_label(name)}: must be a whole number ≥ 0, got {value!r}")
        return None
