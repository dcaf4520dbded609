"""What the comment writer reads a text to claim is what `validate` reads: its cheap
substring gates and glob searches never hide a claim that the rules' own patterns (SQL LIKE
case-blind, GLOB as is, comment_claim) find, nor invent one."""

from __future__ import annotations

import itertools
from fnmatch import fnmatchcase

from src.checks.absence_claims import OOO_GLOB, OOO_LIKE
from src.checks.comment_claims import comment_claim
from src.generators.comments import claims


def _as_validate_reads(text: str) -> tuple[str | None, bool]:
    low = text.lower()
    ooo = any(
        (p.strip("%").lower() in low)
        if p.startswith("%")
        else low.startswith(p.rstrip("%").lower())
        for p in OOO_LIKE
    ) or any(fnmatchcase(text, g) for g in OOO_GLOB)
    return comment_claim(text), ooo


PIECES = (
    "I'm OOO",
    "out of office",
    "Out until Friday",
    "away until",
    "off till",
    "on vacation",
    "out sick",
    "back Mon, Jul 6",
    "Back on Tue, Jul 7 9",
    "until Mon, Jul 6 2026",
    "Till Fri, Jul 3 1",
    "untIl Mon, Jul 6",
    "closing as duplicate",
    "CANCELLING this",
    "won't do",
    "dropping this",
    "Break it into subtasks",
    "the dependency closed",
    "Waiting on the previous task",
    "now that the earlier piece is done",
    "about the budget",
    "throughout the week",
    "\n",
)


def test_claims_agree_with_validates_patterns():
    texts = [" ".join(c) for n in (1, 2, 3) for c in itertools.permutations(PIECES, n)]
    assert len(texts) > 10_000
    found = {claims(t) for t in texts}
    assert (None, False) in found and ("closing", True) in found  # both families are hit
    for text in texts:
        assert claims(text) == _as_validate_reads(text), text
