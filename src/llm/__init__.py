"""The LLM text tier: an LLM rewrites template text in its own words, stating the same facts.

One interface: `rewrite_database(conn, settings, api_key, progress)` rewrites the text columns
of a generated file (tasks.notes, projects.notes, status_updates title/text, comment texts) and
returns an `LLMReport`.  Settings come from `resolve_llm_settings(flags, env)`; the key is
passed at call time only (`api_key(settings, env)` picks it from an environment mapping).
"""

from .settings import (
    DEFAULT_GROQ_MODEL,
    FIELDS,
    PRICES,
    LLMSettings,
    api_key,
    resolve_llm_settings,
)
from .stage import LLMReport, rewrite_database

__all__ = [
    "DEFAULT_GROQ_MODEL",
    "FIELDS",
    "PRICES",
    "LLMReport",
    "LLMSettings",
    "api_key",
    "resolve_llm_settings",
    "rewrite_database",
]
