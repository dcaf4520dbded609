"""Task descriptions (src/generators/descriptions.py): pieces drawn only when the record makes
their claims true, slots of the right grammatical kind, pools of the team's own function; and
on generated files of every industry, descriptions stay distinct once names are removed."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import industries_with_data, q

from src.checks.context_claims import duration_claim, urgency_claim
from src.checks.scorecard import _DESCRIPTION_SKELETONS
from src.generators.descriptions import Pools, describe
from src.text import Picker, TaskName, load_vocabulary, team_function

SUBJECT = TaskName("Patch the core banking servers", "Patch", "core banking servers")
SLOTS = {"project": "Core upgrade", "team": "Technology", "theme": "Core banking"}


def _draw(facts: frozenset[str], slots: dict[str, str], n: int = 300) -> list[str]:
    vocab = load_vocabulary("Finance")
    team = next(t for t in vocab.teams if team_function(t) == "it")
    pools = Pools.of(vocab, "it", team)
    pick = Picker(np.random.default_rng(3))
    return [describe(pick, pools, facts, slots, subject=SUBJECT, form="task") for _ in range(n)]


def test_only_subtask_and_specific_pieces_declare_claims() -> None:
    # the other pools are drawn without a look at the facts: a claim there would go unchecked
    common = load_vocabulary("Finance").common
    pools = [("generic", common["descriptions"])]
    pools += [(f, p["descriptions"]) for f, p in common["functions"].items()]
    for owner, parts in pools:
        for key, items in parts.items():
            if key not in ("subtask", "specifics"):
                assert all(isinstance(x, str) for x in items), (owner, key)


def test_no_claim_without_its_fact() -> None:
    texts = _draw(frozenset(), SLOTS)
    assert not [t for t in texts if duration_claim(t, None) or urgency_claim(t, None)]
    assert not [t for t in texts if "{" in t or "Due " in t or "Priority:" in t]


def test_claims_come_when_the_record_makes_them_true() -> None:
    texts = _draw(frozenset({"quick", "urgent", "due"}), {**SLOTS, "due": "Jun 5"})
    assert any(duration_claim(t, None) == "quick" for t in texts)
    assert any(urgency_claim(t, None) == "urgent" for t in texts)
    assert any("Jun 5" in t for t in texts)
    assert not [t for t in texts if urgency_claim(t, None) == "calm"]


def test_slots_keep_their_grammatical_kind() -> None:
    texts = _draw(frozenset(), SLOTS)
    # the noun phrase goes where a noun goes, the imperative where an action goes
    assert any("the core banking servers" in t for t in texts)
    assert any("We need to patch core banking servers." in t for t in texts)
    assert not [t for t in texts if "the patch the" in t.lower()]


def _patterns(pools: dict) -> list[re.Pattern]:
    out = []
    for key in ("openers", "bodies", "closers"):
        for text in pools[key]:
            pattern = re.escape(text)
            pattern = re.sub(r"\\\{[a-zA-Z]+\\\}", ".+?", pattern)
            out.append(re.compile(pattern))
    return out


@pytest.mark.parametrize("industry", industries_with_data())
def test_generated_descriptions_fit_their_team(databases, industry: str) -> None:
    # setup
    vocab = load_vocabulary(industry)
    functions = {t["name"]: team_function(t) for t in vocab.teams}
    own = {f: _patterns(p["descriptions"]) for f, p in vocab.common["functions"].items()}
    path = databases.small(3, industry=industry).path
    # run
    rows = q(
        path,
        """SELECT t.name, t.notes, tm.name FROM tasks t
           JOIN task_memberships m ON m.task_id = t.id AND m.is_primary = 1
           JOIN projects p ON p.id = m.project_id JOIN teams tm ON tm.id = p.team_id
           WHERE t.parent_id IS NULL AND t.notes != ''""",
    )
    # assert: no sentence from another function's pool; no name pasted into a noun slot
    assert rows
    for name, notes, team in rows:
        fn = functions[team]
        foreign = [f for f, ps in own.items() if f != fn and any(p.search(notes) for p in ps)]
        assert not foreign, (team, foreign, notes)
        assert f"the {name[:1].lower()}{name[1:]}" not in notes
    (variety,) = q(path, _DESCRIPTION_SKELETONS)[0]
    assert variety >= 0.25
