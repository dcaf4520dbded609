"""The few-shot prompts in `prompts/` and the batch wire contract around them.

One request carries many items of one kind.  The system message is the kind's prompt file; the
last user message is an instruction line followed by ``{"items": [...]}``; the reply must be
``{"items": [{"id": "...", "text": "..."}]}`` (status updates may add ``"title"``).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
# Which prompt file writes which field (the `--llm-fields` names).
PROMPT_FILES = {
    "descriptions": "task_description.md",
    "briefs": "project_brief.md",
    "status_updates": "status_update.md",
    "comments": "comment.md",
}
CONTRACT = 1  # bump when the wire contract below changes: it is part of every cache key
INSTRUCTION = (
    "Rewrite the draft of every item below in your own words, following the instructions. "
    "State exactly the facts of the draft and of the item's context, and no new ones: no other "
    "people than those in may_mention, no dates other than those in the draft or in dates. "
    'Reply with one JSON object {"items": [{"id": ..., "text": ...}]} holding exactly one entry '
    "per item id, in any order.\n"
)
TITLE_INSTRUCTION = 'Each entry also has a "title" rewriting draft_title (at most six words).\n'


@lru_cache(maxsize=8)
def prompt_text(field: str) -> str:
    return (PROMPTS_DIR / PROMPT_FILES[field]).read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def prompt_hash(field: str) -> str:
    return hashlib.sha256(f"{CONTRACT}\n{prompt_text(field)}".encode()).hexdigest()


def messages(field: str, payloads: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat messages of one batch: the prompt file as the system message, then the
    instruction and the items as JSON (the last thing in the last user message)."""
    body = json.dumps({"items": payloads}, ensure_ascii=False, separators=(",", ":"))
    instruction = INSTRUCTION + (TITLE_INSTRUCTION if field == "status_updates" else "")
    return [
        {"role": "system", "content": prompt_text(field)},
        {"role": "user", "content": instruction + body},
    ]
