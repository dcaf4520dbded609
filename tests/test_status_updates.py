"""Status updates (src/generators/status_updates.py): the type follows the project's state, every
template declares the claims its text makes, and generated updates tell the record's truth.
"""

from __future__ import annotations

import re
import string
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import industries_with_data, q

from src.checks.status_claims import count_mismatch, grammar_flaw, milestone_tense
from src.generators.status_updates import (
    CLAIMS,
    PLACEHOLDERS,
    Count,
    Facts,
    fact_values,
    sentence_case,
    status_type,
)
from src.text import load_vocabulary

STATUSES = ("on_track", "at_risk", "off_track", "on_hold", "complete")
CALM = Facts(
    done=5,
    open=4,
    overdue=0,
    unowned=1,
    wrapped=0,
    next_milestone="Beta launch",
    late_milestone=None,
    done_milestone=None,
    days_past_due=None,
    lag=0.0,
    quiet=False,
)


def test_count_formats_its_noun_and_verb() -> None:
    assert f"{Count(1):task}" == "1 task"
    assert f"{Count(3):task}" == "3 tasks"
    assert f"{Count(0):task}" == "0 tasks"
    assert f"{Count(1):activity/activities} {Count(1):~is/are}" == "1 activity is"
    assert f"{Count(2):activity/activities} {Count(2):~is/are}" == "2 activities are"
    assert f"{Count(7)}" == "7"


def test_sentence_case_capitalises_each_sentence() -> None:
    assert sentence_case("beta is next. the rest waits! ok? fine") == (
        "Beta is next. The rest waits! Ok? Fine"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "on_track"),
        ({"quiet": True}, "on_hold"),
        ({"quiet": True, "open": 0}, "on_track"),  # nothing open is not "on hold"
        ({"days_past_due": 3.0}, "at_risk"),  # past due with open work: never on track
        ({"days_past_due": 20.0}, "off_track"),
        ({"days_past_due": 3.0, "overdue": 2}, "off_track"),  # 2 of 4 overdue
        ({"overdue": 1}, "at_risk"),  # 1 of 4
        ({"overdue": 2}, "off_track"),
        ({"lag": 0.35}, "at_risk"),  # behind the elapsed schedule
        ({"lag": 0.6}, "off_track"),
        ({"days_past_due": 30.0, "open": 0}, "on_track"),  # late but nothing open
    ],
)
def test_status_type_follows_the_state(changes: dict, expected: str) -> None:
    assert status_type(replace(CALM, **changes)) == expected


def all_templates() -> list[tuple[str, str, dict]]:
    """(source, status, template) of common.json and every industry file."""
    out = []
    for industry in industries_with_data():
        vocab = load_vocabulary(industry)
        for status in STATUSES:
            for t in vocab.industry["status_updates"][status]:
                out.append((industry, status, t))
    for status in STATUSES:
        for t in load_vocabulary("Technology").common["status_updates"][status]:
            out.append(("common", status, t))
    return out


TEMPLATES = all_templates()


def fields(text: str) -> list[tuple[str, str]]:
    return [(name, spec) for _, name, spec, _ in string.Formatter().parse(text) if name]


@pytest.mark.parametrize(("source", "status", "template"), TEMPLATES)
def test_every_template_declares_known_claims_that_cover_its_placeholders(
    source: str, status: str, template: dict
) -> None:
    assert set(template) == {"text", "claims"}
    claims = set(template["claims"])
    assert claims <= set(CLAIMS), claims - set(CLAIMS)
    for name, spec in fields(template["text"]):
        assert name in PLACEHOLDERS, name
        needed = PLACEHOLDERS[name]
        assert needed is None or needed in claims, (name, template["text"])
        assert not spec or name in ("done", "open", "overdue", "wrapped"), (name, spec)


def facts_for(claims: list[str], n: int) -> Facts:
    """Facts that make the claims true, with every count ``n`` (1 or 2) where it can be."""
    f = replace(CALM, done=n, open=n, overdue=n, unowned=n, wrapped=n)
    if "overdue=0" in claims:
        f = replace(f, overdue=0)
    if "all_open_owned" in claims:
        f = replace(f, unowned=0)
    if "open>1" in claims:
        f = replace(f, open=2)
    if "past_due" in claims:
        f = replace(f, days_past_due=5.0)
    if "milestone_late" in claims:
        f = replace(f, late_milestone="Pilot go-live")
    if "milestone_done" in claims:
        f = replace(f, done_milestone="Kickoff held")
    return f


@pytest.mark.parametrize(("source", "status", "template"), TEMPLATES)
def test_filled_templates_read_right_and_state_the_facts(
    source: str, status: str, template: dict
) -> None:
    from src.generators.status_updates import draw_text

    class First:
        def pick(self, items):
            return items[0]

    for n in (1, 2):
        f = facts_for(template["claims"], n)
        assert all(f.holds(c) for c in template["claims"])
        text = draw_text(First(), [template], f, **fact_values(f, "Pricing revamp"))
        # what validate reads back from the text matches the facts
        assert grammar_flaw(text) == 0, text
        assert count_mismatch(text, "Pricing revamp", f.open, f.overdue, f.done) == 0, text
        assert not re.search(r"(^|[.!?] )[a-z]", text), text
        if f.next_milestone in text:
            assert milestone_tense(text, f.next_milestone, "Pricing revamp") != "done", text
        if f.done_milestone and f.done_milestone in text:
            assert milestone_tense(text, f.done_milestone, "Pricing revamp") == "done", text


def milestone_names(source: str) -> set[str]:
    """The milestone names a project of ``source``'s industry may have (common: any)."""
    industries = industries_with_data() if source == "common" else [source]
    return {m for i in industries for team in load_vocabulary(i).teams for m in team["milestones"]}


@pytest.mark.parametrize(("source", "status", "template"), TEMPLATES)
def test_a_template_names_a_milestone_only_through_a_claim(
    source: str, status: str, template: dict
) -> None:
    # a milestone named in the text itself is one a project may have, open or done: what the
    # text says of it ("until the EHR upgrade go-live is behind us") is then checked against
    # that milestone's record (status.milestone_tense), so only a declared claim may name one
    named = {m for m in milestone_names(source) if m in template["text"]}
    assert not named, (named, template["text"])


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_has_a_claim_free_common_template(status: str) -> None:
    common = load_vocabulary("Technology").common["status_updates"][status]
    assert any(not t["claims"] for t in common)


def test_only_templates_whose_claims_hold_are_drawn() -> None:
    from src.generators.status_updates import draw_text

    class Each:
        """Picks each item in turn, to see every candidate."""

        def __init__(self) -> None:
            self.seen: list[str] = []

        def pick(self, items):
            self.seen += [t["text"] for t in items]
            return items[0]

    templates = [
        {"text": "A: {overdue:task} overdue.", "claims": ["overdue>0"]},
        {"text": "B: nothing overdue.", "claims": ["overdue=0"]},
        {"text": "C: next is {next_milestone}.", "claims": ["milestone_next"]},
        {"text": "D: steady.", "claims": []},
    ]
    calm = Each()
    draw_text(calm, templates, CALM, **fact_values(CALM, "P"))
    assert calm.seen == ["B: nothing overdue.", "C: next is {next_milestone}.", "D: steady."]
    # nothing holds but the claim-free one
    bare = replace(CALM, open=0, next_milestone=None)
    none = Each()
    drawn = draw_text(none, templates[:1] + templates[3:], bare, **fact_values(bare, "P"))
    assert drawn == "D: steady."


# --- generated files ------------------------------------------------------------------------


def test_past_due_projects_with_open_work_are_never_on_track(default_seed42) -> None:
    path: Path = default_seed42.path
    rows = q(
        path,
        """SELECT x.id FROM status_updates x JOIN projects p ON p.id = x.project_id
           WHERE x.status_type = 'on_track' AND p.due_on < substr(x.created_at, 1, 10)
             AND EXISTS (SELECT 1 FROM task_memberships tm JOIN tasks t ON t.id = tm.task_id
                         WHERE tm.project_id = p.id AND tm.is_primary = 1
                           AND t.created_at <= x.created_at
                           AND (t.completed_at IS NULL OR t.completed_at > x.created_at))""",
    )
    assert rows == []
    kinds = dict(q(path, "SELECT status_type, count(*) FROM status_updates GROUP BY 1"))
    assert {"on_track", "at_risk", "off_track", "complete"} <= set(kinds)
    assert kinds["on_track"] > kinds.get("on_hold", 0)
