"""Comment texts (src/generators/comments.py): the cheap pre-test of `claims` covers every
claim pattern `validate` reads; every out-of-office template declares the reason and length
it claims, exactly as validate's patterns read them; a declared length class stays inside
validate's tolerance for every absence it may be drawn for; and a template is drawn only for
an absence whose kind and length bear out its claims."""

from __future__ import annotations

import itertools
import json
import math
import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from conftest import DATA_INDUSTRIES

from src.checks import absence_claims
from src.checks.absence_claims import KINDS, LENGTHS, OOO_GLOB, OOO_LIKE, ooo_length, ooo_reason
from src.checks.comment_claims import CLAIM_PATTERNS, comment_claim
from src.generators import comments
from src.generators.comments import OOO_LENGTH_WD, claims, ooo_fits

try:  # the regular-expression parser: re._parser from 3.11, sre_parse before
    from re import _parser as sre
except ImportError:  # pragma: no cover
    import sre_parse as sre  # type: ignore[no-redef]

COMMON = Path(__file__).resolve().parents[1] / "src" / "data" / "common.json"
DAY = "Mon, Jul 6"


def _expand(parsed) -> list[str]:
    """Every branch of a parsed pattern as one text it matches (a class by its first
    member, an optional part both with and without)."""
    out = [""]
    for op, av in parsed:
        name = str(op)
        if name == "LITERAL":
            alts = [chr(av)]
        elif name == "IN":
            first = av[0]
            alts = [chr(first[1]) if str(first[0]) == "LITERAL" else "a"]
            if str(first[0]) == "CATEGORY":
                alts = ["1" if "DIGIT" in str(first[1]) else "a"]
        elif name == "BRANCH":
            alts = [x for branch in av[1] for x in _expand(branch)]
        elif name == "SUBPATTERN":
            alts = _expand(av[-1])
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, _, sub = av
            once = _expand(sub)
            alts = [x * max(low, 1) for x in once] + ([""] if low == 0 else [])
        elif name == "AT":
            alts = [""]
        elif name == "CATEGORY":
            alts = ["1" if "DIGIT" in str(av) else "a"]
        else:  # ANY, NOT_LITERAL
            alts = ["x"]
        out = [a + b for a in out for b in alts]
    return out


def regex_texts(pattern: re.Pattern[str]) -> list[str]:
    return _expand(sre.parse(pattern.pattern))


def ooo_texts() -> list[str]:
    """The literal wording of each out-of-office pattern (LIKE: case-blind, GLOB: a day in
    the day's slot, * and classes read as one character)."""
    likes = [p.replace("%", " ") for p in OOO_LIKE]
    globs = [
        g.replace(absence_claims._DAY, DAY).replace("[Uu]", "u").replace("[Tt]", "t")
        for g in OOO_GLOB
    ]
    return likes + [g.replace("[Bb]", "b").replace("*", " ") for g in globs]


def test_the_expansion_finds_every_branch() -> None:
    # the helper itself: a pattern's branches, and text that the pattern matches
    pattern = re.compile(r"\b(?:break|split) (?:it|this) (?:up )?into subtasks\b")
    texts = regex_texts(pattern)
    assert len(texts) == 8 and all(pattern.search(t) for t in texts)


def test_every_claim_pattern_has_a_hint() -> None:
    # setup: what each claim pattern matches, one text per branch
    texts = [(claim, t) for claim, p in CLAIM_PATTERNS for t in regex_texts(p)]
    texts += [("ooo", t) for t in ooo_texts()]
    # run: the pre-tests of claims (the generator) and of ooo_condition (validate's SQL)
    missing = [(c, t) for c, t in texts if not any(h in t.lower() for h in comments._HINTS)]
    sql_hints = [h.strip("%") for h in absence_claims._HINTS]
    missing_sql = [t for c, t in texts if c == "ooo" and not any(h in t.lower() for h in sql_hints)]
    # assert: none is skipped by a pre-test; claims reads each claim back
    assert texts and missing == [] and missing_sql == []
    for claim, text in texts:
        found, ooo = claims(text)
        assert (ooo is not None) if claim == "ooo" else found == claim, (claim, text)


def _ooo_templates() -> list[tuple[str, dict]]:
    out = []
    for path in [COMMON, *sorted(DATA_INDUSTRIES.glob("*.json"))]:
        data = json.loads(path.read_text(encoding="utf-8"))
        out += [(path.name, x) for x in data["comments"]["ooo"]]
    return out


def test_may_claim_passes_every_claim_and_only_skips_texts_that_claim_nothing() -> None:
    # setup: one text per branch of every pattern, framed by an opener and a sign-off as a
    # composed comment is; and texts that hold none of the words
    texts = [t for _, p in CLAIM_PATTERNS for t in regex_texts(p)] + ooo_texts()
    framed = [f"Hi Ana, {t} Thanks!" for t in texts]
    plain = ["Hi Ana, the draft is attached. Thanks!", "Looks good to me.", ""]
    # run / assert: the pre-test lets every claim through (in any case), and skips only
    # claimless texts
    assert all(claims(t) != (None, None) for t in texts)
    assert all(comments.may_claim(t) and comments.may_claim(t.upper()) for t in framed)
    assert [comments.may_claim(t) for t in plain] == [False, False, False]
    assert [claims(t) for t in plain] == [(None, None)] * 3
    # a character that folds to an ASCII letter case-blind goes to the patterns
    assert comments.may_claim("\u212aeep going")


def test_every_ooo_template_declares_what_validate_reads() -> None:
    # run: each template with its return date, read by validate's patterns
    wrong = [
        (name, x)
        for name, x in _ooo_templates()
        if set(x) != {"text", "reason", "length"}
        or x["reason"] not in (None, *KINDS)
        or x["length"] not in (None, *OOO_LENGTH_WD)
        or ooo_reason(x["text"].replace("{date}", DAY)) != x["reason"]
        or ooo_length(x["text"].replace("{date}", DAY)) != x["length"]
    ]
    # assert: every declaration is what the text says; reasons and lengths are used
    assert wrong == []
    declared = [x for _, x in _ooo_templates()]
    assert {x["reason"] for x in declared} == {None, "vacation", "training", "parental"}
    assert {x["length"] for x in declared} == {None, *OOO_LENGTH_WD}


def test_a_length_class_fits_validate_for_every_absence_it_is_drawn_for() -> None:
    # setup: n working days span n calendar days plus a weekend per five inside, and up to
    # two public holidays
    bounds = {name: (lo, hi) for name, _, lo, hi in LENGTHS}
    assert set(bounds) == set(OOO_LENGTH_WD)
    for name, (lo_wd, hi_wd) in OOO_LENGTH_WD.items():
        for n in range(lo_wd, min(hi_wd, 80) + 1):
            shortest = n + 2 * ((n - 1) // 5)
            longest = n + 2 * math.ceil((n - 1) / 5) + (2 if n > 1 else 0)
            lo, hi = bounds[name]
            # assert
            assert lo <= shortest and (hi is None or longest <= hi), (name, n)


@pytest.mark.parametrize(
    ("reason", "length", "kind", "days", "fits"),
    [
        (None, None, "vacation", 3, True),
        (None, None, "training", 1, True),
        ("vacation", None, "vacation", 7, True),
        ("vacation", None, "training", 2, False),
        ("training", "couple", "training", 2, True),
        ("training", "couple", "training", 1, False),
        (None, "week", "vacation", 5, True),
        (None, "week", "vacation", 10, False),
        (None, "two_weeks", "vacation", 10, True),
        ("parental", "weeks", "parental", 40, True),
        ("parental", None, "vacation", 40, False),
        ("sick", None, "sick", 2, False),  # sick leave is never given as a reason
        (None, "day", None, 0, False),  # no absence known: no length claim
    ],
)
def test_ooo_fits(reason, length, kind, days, fits) -> None:
    template = {"text": "Out until {date}.", "reason": reason, "length": length}
    assert ooo_fits(template, kind, days) is fits


# --- the writer's cheap gates against validate's own patterns ------------------------------


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
    "No longer needed",
    "Break it into subtasks",
    "the dependency closed",
    "Waiting on the previous task",
    "now that the earlier piece is done",
    "about the budget",
    "throughout the week",
    "\n",
)


@pytest.mark.parametrize("glob", OOO_GLOB)
def test_each_glob_pretest_word_is_in_every_text_it_matches(glob) -> None:
    # setup: texts the glob matches (from the claim wordings) and their case variants
    texts = [" ".join(c) for n in (1, 2) for c in itertools.permutations(PIECES, n)]
    matched = [t for t in texts + [t.swapcase() for t in texts] if fnmatchcase(t, glob)]
    # run
    needs = comments._needed_words(glob[1:-1])
    # assert: the pre-test passes each of them; an odd class gives a word that is no bar
    assert matched and all(any(w in t for w in needs) for t in matched)
    assert comments._needed_words("a[]]b") == ("",)


def test_claims_agree_with_validates_patterns() -> None:
    # setup: every arrangement of up to three pieces of claim wording and plain text
    texts = [" ".join(c) for n in (1, 2, 3) for c in itertools.permutations(PIECES, n)]
    assert len(texts) > 10_000
    # run: the writer's gated reading, as (claim, announces an absence)
    read = {t: (lambda c: (c[0], c[1] is not None))(claims(t)) for t in texts}
    # assert: both families are hit, and the gates never hide or invent a claim
    assert (None, False) in read.values() and ("closing", True) in read.values()
    for text, got in read.items():
        assert got == _as_validate_reads(text), text
