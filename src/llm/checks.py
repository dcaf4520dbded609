"""Checks every reply item passes before its text is used; a failing item keeps its template.

Each check names a reason, and the stage counts fallbacks by reason.  Names and dates are
checked against what the item's context allows: the model may restate the draft's facts, not
add people or dates of its own.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Longest accepted text per field (characters); templates are far shorter.
MAX_CHARS = {"descriptions": 1500, "briefs": 1000, "comments": 600, "status_updates": 1000}
MAX_TITLE = 80

_FENCE = re.compile(r"```|~~~")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|^\s{0,3}#{1,6}\s", re.M)
_PREAMBLE = re.compile(
    r"^\W*(here(?:'s| is| are)\b[^.:\n]{0,40}?\b(rewrit\w*|version|descriptions?|comments?|"
    r"updates?|texts?|briefs?|json|reply|response)\b|(sure|certainly|of course)[,!]? here\b|"
    r"(rewritten|description|comment|title|text|status update)\s*:)"
    r"|\bas an ai\b|\bi am an ai\b|\bi'm an ai\b|\blanguage model\b",
    re.I,
)
_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    (re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I), "md"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b", re.I), "dm"),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])"), "slash"),
)
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z'-]+\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)
# First names that are also common words: a capitalised "Will" or "May" is not a person.
_COMMON_WORDS = frozenset(
    re.findall(
        r"\w+",
        "will may june april august mark grant bill chase hope joy faith rose art drew jack sue "
        "frank max page dawn summer autumn ray guy dean rich lane paris victoria",
    )
)


def dates_in(text: str) -> tuple[set[tuple[int, int]], set[str]]:
    """(month, day) pairs and weekday names that ``text`` mentions."""
    days: set[tuple[int, int]] = set()
    for pattern, form in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if form == "iso":
                month, day = int(m[2]), int(m[3])
            elif form == "md":
                month, day = _MONTHS[m[1].lower()], int(m[2])
            elif form == "dm":
                month, day = _MONTHS[m[2].lower()], int(m[1])
            else:
                month, day = int(m[1]), int(m[2])
            if 1 <= month <= 12 and 1 <= day <= 31:
                days.add((month, day))
    weekdays = {w.lower() for w in _WEEKDAY.findall(text)}
    # "Wed, Jun 3": an abbreviated weekday right before a date is part of that date
    for m in re.finditer(rf"\b(mon|tue|wed|thu|fri|sat|sun)\w*,?\s+(?:{_MONTH})\b", text, re.I):
        weekdays.add(next(w for w in _WEEKDAYS if w.startswith(m[1].lower())))
    return days, weekdays


@dataclass(frozen=True)
class Allowed:
    """What a reply may mention: people (full names), days (month, day), weekdays, numbers."""

    names: frozenset[str]
    days: frozenset[tuple[int, int]]
    weekdays: frozenset[str]
    numbers: frozenset[str] = frozenset()


def allowed(
    names: Iterable[str],
    texts: Iterable[str],
    iso_dates: Iterable[str],
    context: Iterable[str] = (),
) -> Allowed:
    """What an item may mention: ``names``; the dates and numbers of its draft ``texts``;
    ``iso_dates`` (YYYY-MM-DD, e.g. a due date); and the numbers of its ``context`` strings
    (a task named "Q3 launch" may say 3)."""
    days: set[tuple[int, int]] = set()
    weekdays: set[str] = set()
    numbers: set[str] = set()
    for text in texts:
        d, w = dates_in(text)
        days |= d
        weekdays |= w
        numbers |= numbers_in(text)
    for iso in iso_dates:
        d = dt.date.fromisoformat(iso[:10])
        days.add((d.month, d.day))
        weekdays.add(_WEEKDAYS[d.weekday()])
        numbers |= {str(d.year), str(d.month), str(d.day)}
    for text in context:
        numbers |= numbers_in(text)
    for month, day in days:
        numbers |= {str(month), str(day)}
    return Allowed(frozenset(names), frozenset(days), frozenset(weekdays), frozenset(numbers))


_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[str]:
    """The numbers ``text`` writes in digits (not part of a word like P1 or v2), normalised:
    "1,200" is 1200 and "05" is 5."""
    out = set()
    for m in _NUMBER.findall(text):
        digits = m.replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        out.add(str(int(value)) if value.is_integer() else str(value))
    return out


class People:
    """The workspace's people, to find names in a reply (built once per run)."""

    def __init__(self, names: Iterable[str]):
        self.full = sorted(set(names))
        self.first: dict[str, set[str]] = {}
        for n in self.full:
            self.first.setdefault(n.split()[0], set()).add(n)

    def named(self, text: str) -> set[str]:
        """Full names of people ``text`` names, by full name or by a capitalised first name
        (ambiguous first names count as every person who has it)."""
        found: set[str] = set()
        for word in set(_CAPITALISED.findall(text)):
            people = self.first.get(word)
            if people is None:
                continue
            if word.lower() in _COMMON_WORDS:
                found |= {n for n in people if n in text}  # "Will" alone is a word
            else:
                found |= people
        return found


def check_text(
    text: object, field: str, ok: Allowed, people: People, *, title: bool = False
) -> str | None:
    """The reason ``text`` may not be used, or None.  Reasons: type, empty, length, control,
    fence, markup, preamble, name, date, number (one the draft and context do not give)."""
    if not isinstance(text, str):
        return "type"
    text = text.strip()
    if len(text) < 2:
        return "empty"
    if len(text) > (MAX_TITLE if title else MAX_CHARS[field]):
        return "length"
    for ch in text:
        cat = unicodedata.category(ch)
        if (cat == "Cc" and not (ch == "\n" and not title)) or (
            cat in ("Cf", "Cs", "Co") and ch not in "\u200d\ufe0f"
        ):
            return "control"
    if _FENCE.search(text):
        return "fence"
    if _MARKUP.search(text):
        return "markup"
    if _PREAMBLE.search(text):
        return "preamble"
    ok_names = ok.names
    ok_first = {n.split()[0] for n in ok_names}
    for n in people.named(text):
        if n not in ok_names and not (n.split()[0] in ok_first and n not in text):
            return "name"
    days, weekdays = dates_in(text)
    if not days <= ok.days or not weekdays <= ok.weekdays:
        return "date"
    if not numbers_in(text) <= ok.numbers:
        return "number"
    return None
