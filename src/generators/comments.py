"""Comment text from the facts of the record: the lifecycle decides what happened (the kind of
each comment, who wrote it to whom, when), and this module draws a text whose claims those facts
make true.

- A claim-bearing pool is drawn only when its claim holds: ``start_dep`` / ``unblocked_dep``
  once a task the task depends on was completed, ``blocked_dep`` while one is still open,
  ``start_subtasks`` when the author goes on to create subtasks of this (top-level) task.
- A thread is a conversation: a question is drawn from a topic not yet asked on the task, and
  the answer (addressed to the asker) answers that topic; a nudge by someone whose question is
  still open follows it up, and a nudge names the days since the task's previous story.
- Pools are the common ones plus the team function's (``functions.<fn>.comments``) and, for the
  industry's line teams, the industry's own; a text is composed of an optional opener, the body
  and an optional sign-off, with specifics from the record (the task's object, a date, a person).
- An out-of-office note (``ooo``) says only what the absence it announces shows: each
  template declares its reason (the time_off kind it needs, or none) and its length class (or
  none), and only those that fit the absence's kind and working days are drawn (OOO_LENGTH_WD;
  sick leave is never announced, and no template gives it as a reason: privacy).
- No text appears twice on one task.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase, translate
from typing import Any

from ..checks.absence_claims import OOO_GLOB, OOO_LIKE, ooo_length, ooo_reason
from ..checks.comment_claims import CLAIM_WORDS, comment_claim
from ..checks.core import may_match
from ..text import Picker, Slots, Vocabulary
from ..worktime import DAY_MS

# Functions whose teams talk like their function in any industry (IT in a bank is IT): the
# industry's own comment flavour is for its line teams.
SUPPORT_FUNCTIONS = frozenset({"it", "hr", "software", "product", "marketing", "finance"})

P_OPENER = 0.5
P_SIGNOFF = 0.45
P_CLAIM = 0.5  # a comment whose claim the record allows makes it this often
P_ELAPSED = 0.6  # a nudge after two quiet days names the wait this often
MIN_ELAPSED_DAYS = 2.0
SUBTASK_CLAIM_DAYS = 7  # "break it into subtasks": the author creates one within this many days
# Working days of an absence for which an out-of-office note may state each length class
# (design); validate reads the same phrases against the row's calendar days
# (absence_claims.LENGTHS, wider by the weekends and holidays inside).
OOO_LENGTH_WD = {
    "day": (1, 1),
    "couple": (2, 3),
    "few": (2, 4),
    "week": (5, 6),
    "two_weeks": (8, 12),
    "weeks": (15, 10_000),
}


@dataclass
class TaskFacts:
    """What the record shows about one task, as the comments of it may claim."""

    name: str
    obj: str
    is_sub: bool
    deps_completed: list[int | None] = field(default_factory=list)  # None: still open
    subtasks: list[tuple[int, int]] = field(default_factory=list)  # (creator user id, created)


def _threads(pools: dict[str, Any]) -> list[dict[str, Any]]:
    threads = list(pools.get("threads", ()))
    q, a = pools.get("question", ()), pools.get("answer", ())
    # an industry's questions and answers are written in pairs, one topic each
    threads += [
        {"topic": f"industry-{i}", "q": [qq], "a": [aa]}
        for i, (qq, aa) in enumerate(zip(q, a, strict=False))
    ]
    return threads


class CommentWriter:
    """Draws the comment texts of one project's tasks, task by task, in story order."""

    def __init__(self, pick: Picker, vocab: Vocabulary, function: str, project: str):
        self.pick = pick
        self.project = project
        common = vocab.common["comments"]
        own = vocab.function_text(function).get("comments", {})
        industry = {} if function in SUPPORT_FUNCTIONS else vocab.industry.get("comments", {})
        sources = (common, own, industry)
        kinds = {k for src in sources for k, v in src.items() if isinstance(v, list)}
        self.pools: dict[str, list[str]] = {
            k: [x for src in sources for x in src.get(k, ()) if isinstance(x, str)] for k in kinds
        }
        self.threads = _threads(common) + _threads(own) + _threads(industry)
        # out-of-office templates: {"text", "reason", "length"}, each claim declared
        self.ooo: list[dict[str, str | None]] = [
            x for src in sources for x in src.get("ooo", ()) if isinstance(x, dict)
        ]
        self.openers: dict[str, list[str]] = common["openers"]
        self.signoffs: dict[str, list[str]] = common["signoffs"]

    def task(self, facts: TaskFacts, owner: str) -> None:
        """Start a task: its facts, and a fresh memory of what was said on it."""
        self.facts = facts
        self.owner = owner
        self.used: set[str] = set()
        self.asked: set[int] = set()
        self.open_q: dict[int, int] = {}  # asker's user id -> thread index
        self.prev_t: int | None = None
        self.last_t: int | None = None

    def seen(self, t: int) -> None:
        """A story of the task at t (stories come in time order): a nudge says how long it
        has been since the latest one before it."""
        if self.last_t is None or t > self.last_t:
            self.prev_t, self.last_t = self.last_t, t

    def _before(self, t: int) -> int | None:
        """The latest story time strictly before t."""
        if self.last_t is not None and self.last_t < t:
            return self.last_t
        return self.prev_t

    def text(self, ev: Any, human_date: Any) -> str:
        facts, kind = self.facts, ev.kind
        values = {
            "name": ev.addressee.first_name if ev.addressee else "",
            "task": facts.name,
            "project": self.project,
            "date": human_date(ev.date_arg),
            "object": facts.obj,
            "owner": self.owner if ev.actor.first_name != self.owner else "all",
        }
        uid = ev.actor.user_id
        thread = self._thread(ev, kind, uid)
        for attempt in range(8):
            body, group = self._body(ev, kind, uid, values, thread)
            text = self._compose(body, group, values, attempt)
            if text not in self.used:
                break
        else:
            text = f"{human_date(ev.t)}: {text}"
            n = 2
            while text in self.used:
                text, n = f"{text} ({n})", n + 1
        self.used.add(text)
        self.seen(ev.t)
        return text

    def _thread(self, ev: Any, kind: str, uid: int) -> int | None:
        """The topic of a question (one not yet asked on the task) or of the answer (the
        question its addressee asked)."""
        if kind == "question":
            # a topic not asked yet: the j-th of them, found without listing them (asked
            # topics are few); as ``pick`` from that list would draw it
            n, asked = len(self.threads), self.asked
            free = n - len(asked)
            i = int(self.pick.u() * (free or n))
            if free:
                for a in sorted(asked):
                    if a <= i:
                        i += 1
            asked.add(i)
            self.open_q[uid] = i
            return i
        if kind == "answer":
            i = self.open_q.pop(ev.addressee.user_id, None) if ev.addressee else None
            return i if i is not None else int(self.pick.u() * len(self.threads))
        return None

    def _body(
        self, ev: Any, kind: str, uid: int, values: dict[str, str], thread: int | None
    ) -> tuple[str, str]:
        """The body template of the comment and the pool group its opener comes from."""
        facts, pick, t = self.facts, self.pick, ev.t
        u = pick.u()
        if thread is not None:
            return pick.pick(self.threads[thread]["q" if kind == "question" else "a"]), kind
        if kind == "nudge":
            before = self._before(t)
            days = (t - before) / DAY_MS if before is not None else 0.0
            if days >= MIN_ELAPSED_DAYS and u < P_ELAPSED:
                n = int(days + 0.5)
                values["elapsed"] = f"{n} days"
                pool = "followup" if uid in self.open_q else "nudge_elapsed"
                return pick.pick(self.pools[pool]), "nudge"
        elif kind in ("start", "unblocked") and u < P_CLAIM:
            if any(c is not None and c <= t for c in facts.deps_completed):
                return pick.pick(self.pools[f"{kind}_dep"]), kind
            # subtasks within the week after: a claim validate can judge at any clock
            authored = any(
                by == uid and t <= at <= t + SUBTASK_CLAIM_DAYS * DAY_MS
                for by, at in facts.subtasks
            )
            if kind == "start" and not facts.is_sub and authored:
                return pick.pick(self.pools["start_subtasks"]), kind
        elif (
            kind == "blocked"
            and u < P_CLAIM
            and any(c is None or c > t for c in facts.deps_completed)
        ):
            return pick.pick(self.pools["blocked_dep"]), kind
        elif kind == "ooo":
            fitting = self._ooo_fitting(ev)
            told = [x["text"] for x in fitting if x["reason"] or x["length"]]
            if told and u < P_CLAIM:  # says why or how long, as often as the others claim
                return pick.pick(told), kind
            return pick.pick([x["text"] for x in fitting]), kind
        return pick.pick(self.pools[kind]), kind

    def _ooo_fitting(self, ev: Any) -> list[dict[str, str | None]]:
        """The out-of-office templates whose declared reason and length the announced absence
        (the one the author returns from on the day the note names) bears out."""
        absence = ev.actor.cal.absence_back(ev.date_arg) if ev.date_arg is not None else None
        kind, days = absence if absence is not None else (None, 0)
        return [x for x in self.ooo if ooo_fits(x, kind, days)]

    def _compose(self, body: str, group: str, values: dict[str, str], attempt: int) -> str:
        """The body with an optional opener and sign-off, unless they change what it claims."""
        pick = self.pick
        boost = 0.15 * attempt  # a redraw (the text was said already) varies more
        slots = Slots(values)  # what `fill` reads, made once for the parts
        plain = body.format_map(slots)
        parts = [plain]  # each part filled once: no slot spans two parts
        openers = self.openers.get(group)
        if openers and pick.u() < P_OPENER + boost:
            parts.insert(0, pick.pick(openers).format_map(slots))
        signoffs = self.signoffs.get(group)
        if signoffs and pick.u() < P_SIGNOFF + boost:
            parts.append(pick.pick(signoffs).format_map(slots))
        if len(parts) == 1:
            return plain
        text = " ".join(parts)
        if may_claim(text) and claims(text) != claims(plain):
            return plain  # a task name in an opener ("About sick leave policy") claims nothing
        return text[:1].upper() + text[1:]


_OOO_IN = tuple(p.strip("%").lower() for p in OOO_LIKE if p.startswith("%"))
# Substrings one of which every absence pattern (absence_claims' OOO_LIKE and OOO_GLOB) needs;
# with comment_claims' CLAIM_WORDS, a cheap first test of `claims` (tests/test_comments.py
# checks it covers every pattern).  An absence's reason and length are read only on texts
# that announce one.
_OOO_HINTS = ("til", "off", "ooo", "vacation", "sick", "out", "back")
_HINTS = _OOO_HINTS + CLAIM_WORDS
_OOO_START = tuple(p.rstrip("%").lower() for p in OOO_LIKE if not p.startswith("%"))


def ooo_fits(template: dict[str, Any], kind: str | None, days: int) -> bool:
    """Whether an out-of-office template's declared claims hold for an absence of ``kind``
    lasting ``days`` working days: no reason or that kind (never sick leave: privacy), no
    length or one whose class covers ``days``."""
    reason, length = template["reason"], template["length"]
    if reason is not None and (reason != kind or reason == "sick"):
        return False
    if length is None:
        return True
    lo, hi = OOO_LENGTH_WD[length]
    return lo <= days <= hi


def _glob_search(glob: str) -> tuple[tuple[str, ...], Callable[[str], bool]]:
    """``fnmatchcase(text, glob)`` as a test, and words one of which a text it passes
    holds: a ``*...*`` glob with no other star is a search for its middle (no backtracking
    over the leading star: several times faster), which a few ``in`` rule out cheaper still."""
    body = translate(glob[1:-1]) if glob[:1] == glob[-1:] == "*" else ""
    if "*" in glob[1:-1] or not (body.startswith("(?s:") and body.endswith(")\\Z")):
        return ("",), lambda text: fnmatchcase(text, glob)
    search = re.compile(body[: -len("\\Z")]).search
    return _needed_words(glob[1:-1]), lambda text: search(text) is not None


def _needed_words(middle: str) -> tuple[str, ...]:
    """Words one of which a text must hold for the glob ``*middle*`` to match it: the
    longest run of plain characters and two-way classes (``[Uu]``) in ``middle``, spelled
    every way ("Until ", "until ")."""
    tokens = re.findall(r"\[[^\]]+\]|.", middle)
    if "[" in tokens or "]" in tokens:  # a class this reading does not follow: no pre-test
        return ("",)
    best: list[list[str]] = []
    run: list[list[str]] = []
    for tok in tokens + ["?"]:  # "?" (any character) ends the last run
        options = list(tok[1:-1]) if tok.startswith("[") else [tok]
        if tok in "*?" or not 0 < len(options) <= 2 or "-" in options or "!" in options:
            if len("".join(o[0] for o in run)) > len("".join(o[0] for o in best)):
                best = run
            run = []
        else:
            run.append(options)
    words = [""]
    for options in best:
        words = [w + o for w in words for o in options]
    return tuple(words)


_OOO_GLOBS = tuple(_glob_search(g) for g in OOO_GLOB)
_OOO_GLOB_WORDS = tuple(w for needs, _ in _OOO_GLOBS for w in needs)


def _any_ooo_glob(text: str) -> bool:
    """Whether any of the absence GLOBs matches ``text`` (most texts hold none of their
    words: one pass of ``in`` answers for all of them)."""
    has = text.__contains__
    return any(map(has, _OOO_GLOB_WORDS)) and any(
        any(map(has, needs)) and test(text) for needs, test in _OOO_GLOBS
    )


def may_claim(text: str) -> bool:
    """False only when `claims` of ``text``, and of any part of it, is (None, None): it holds
    none of the words every pattern needs (``_HINTS``) nor a character that folds to one.
    Most comments hold none, and this one test costs a third of `claims`."""
    return may_match(text, _HINTS)


def claims(text: str) -> tuple[str | None, tuple[str | None, str | None] | None]:
    """What a text claims as `validate` reads it: a comment claim, and, if it announces an
    absence (the patterns of src/checks/absence_claims.py, LIKE case-blind, GLOB as is), the
    reason and the length it gives (None when it announces none)."""
    low = text.lower()
    has = low.__contains__
    ooo = any(map(has, _OOO_HINTS)) and (
        any(map(has, _OOO_IN)) or low.startswith(_OOO_START) or _any_ooo_glob(text)
    )

    return comment_claim(text), (ooo_reason(text), ooo_length(text)) if ooo else None
