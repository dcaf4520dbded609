"""The context-claim rules (src/checks/context_claims.py): the hand-built valid file with true
duration, urgency and theme claims passes every one of them, and each claim broken with SQL
makes its rule fire (mutation tests); generated files of every industry pass them all.

In the valid file (tests/test_validate.py) task 101 was created 2026-03-02T15:00Z and completed
03-05T16:00Z (3.04 days) with Priority High; task 102 is open since 03-10 (the anchor is
06-30) with no Priority value; project 31 "Spring launch" is team 21's, project 32 "Budget
2026" team 22's.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import broken, declared_claims, industries_with_data
from test_validate import build_valid_db, result

from src.checks.context_claims import RULES, duration_claim, name_theme, urgency_claim
from src.validate import validate

RULE_IDS = [rule for rule, *_ in RULES]


@pytest.fixture(scope="module")
def claims_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_valid_db(tmp_path_factory.mktemp("context") / "org.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tasks SET notes = 'Urgent request from sales.' WHERE id = 101")
        conn.execute("UPDATE tasks SET notes = 'Expect this to take a few weeks.' WHERE id = 102")
        conn.execute("UPDATE tasks SET name = 'Spring launch: approve onboarding' WHERE id = 103")
    return path


def notes(task: int, text: str) -> str:
    return f"UPDATE tasks SET notes = '{text}' WHERE id = {task}"


def test_true_claims_pass_every_context_rule(claims_db: Path) -> None:
    report = validate(claims_db)
    failed = [(r.rule, r.examples) for r in report.rules if not r.passed]
    assert failed == []
    assert set(RULE_IDS) <= {r.rule for r in report.rules}
    assert all(result(report, rule).severity == "warning" for rule in RULE_IDS)


MUTATIONS = [
    # "less than a day" on work open for months (held against the anchor)
    ("context.quick_claim", 102, (notes(102, "Should take less than a day."),)),
    # "a quick one" on work that took 3.04 days
    ("context.quick_claim", 101, (notes(101, "A quick one, a few hours at most."),)),
    # "multi-week" on work done in 3 days
    ("context.long_claim", 101, (notes(101, "This is multi-week work."),)),
    # "no rush" on High priority
    ("context.urgency_claim", 101, (notes(101, "No rush on this one."),)),
    # "urgent" on Low priority
    (
        "context.urgency_claim",
        101,
        (
            "UPDATE custom_field_values SET enum_option_id = 61, display_value = 'Low' "
            "WHERE task_id = 101 AND custom_field_id = 51",
        ),
    ),
    # a task of "Spring launch" citing "Budget 2026", another project of its team
    (
        "context.task_theme",
        102,
        (
            "UPDATE projects SET team_id = 21 WHERE id = 32",
            "UPDATE tasks SET name = 'Review vendor contracts (Budget 2026)' WHERE id = 102",
        ),
    ),
]


@pytest.mark.parametrize(
    ("rule", "task", "statements"),
    MUTATIONS,
    ids=[f"{r}-{i}" for i, (r, *_) in enumerate(MUTATIONS)],
)
def test_each_broken_claim_fires_its_rule(
    claims_db: Path, tmp_path: Path, rule: str, task: int, statements: tuple[str, ...]
) -> None:
    # setup
    path = broken(claims_db, tmp_path, *statements)
    # run
    found = result(validate(path), rule)
    # assert
    assert found.offending == 1 and found.examples == (task,)
    assert found.severity == "warning"


def test_every_context_rule_has_a_mutation() -> None:
    assert {rule for rule, *_ in MUTATIONS} == set(RULE_IDS)


# Each claim kind the description templates declare, and the rule that reads it back (the
# mutations above break each one).
CLAIM_RULES = {
    "quick": "context.quick_claim",
    "long": "context.long_claim",
    "urgent": "context.urgency_claim",
    "not_urgent": "context.urgency_claim",
}
# Declared and true when drawn, but read back by no rule: the values "Due Jul 26.", "Priority:
# High." and 'Step of "<parent>"' state are the task's at the horizon (a file at an earlier
# clock may not show them yet), and "Needs a yes or no from ..." (an approval) has no wording
# general enough to find on any file.
UNCHECKED = {"due", "priority", "parent", "approval"}


def test_every_declared_description_claim_has_a_rule() -> None:
    declared = declared_claims("descriptions")
    assert declared - UNCHECKED == set(CLAIM_RULES)
    assert set(CLAIM_RULES.values()) <= set(RULE_IDS)


def test_open_work_is_not_judged_without_an_anchor(claims_db: Path, tmp_path: Path) -> None:
    # setup: "less than a day" on the open task, and no run record to say when "now" is
    path = broken(
        claims_db,
        tmp_path,
        notes(102, "Should take less than a day."),
        "DELETE FROM generation_runs",
    )
    # run / assert
    assert result(validate(path), "context.quick_claim").passed


# --- the patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "claim"),
    [
        ("Should take less than a day.", None, "quick"),
        ("Quick one ahead of the ALCO meeting.", None, "quick"),
        ("Expect a multi-week effort.", None, "long"),
        ("Part of the quarterly plan.", None, None),
        ("Less than a day of work. Took a few weeks to agree.", None, "quick"),
        # a letter that matches case-blind without lowering to ASCII (Kelvin sign)
        ("A quic\u212a one.", None, "quick"),
        ("Café plan, a few weeks.", None, "long"),
    ],
)
def test_duration_pattern(text: str, name: str | None, claim: str | None) -> None:
    assert duration_claim(text, name) == claim


@pytest.mark.parametrize(
    ("text", "name", "claim"),
    [
        ("Not urgent; fit it in.", None, "calm"),
        ("No rush on this one.", None, "calm"),
        ("This is urgent: it holds up the release.", None, "urgent"),
        ("Needed ASAP.", None, "urgent"),
        ("Review the urgent care wait time display.", None, None),
        ("Urgent: fix login. Part of Q2.", "Urgent: fix login", None),
        ("No ru\u017fh.", None, "calm"),
    ],
)
def test_urgency_pattern(text: str, name: str | None, claim: str | None) -> None:
    assert urgency_claim(text, name) == claim


@pytest.mark.parametrize(
    ("name", "theme"),
    [
        ("Mortgage origination: Review appraisal workflow", "Mortgage origination"),
        ("Review appraisal workflow (Mortgage origination)", "Mortgage origination"),
        ("Approve: review appraisal workflow", None),
        ("Review appraisal workflow (2)", None),
        ("Review appraisal workflow for Mortgage origination", None),
    ],
)
def test_name_theme_pattern(name: str, theme: str | None) -> None:
    assert name_theme(name) == theme


# --- generated files ------------------------------------------------------------------------


@pytest.mark.parametrize("industry", industries_with_data())
def test_generated_files_pass_every_context_rule(databases, industry: str) -> None:
    # setup: the small files status_claims checks too (seed 3)
    path = databases.small(3, industry=industry).path
    # run
    report = validate(path)
    # assert
    for rule in RULE_IDS:
        found = result(report, rule)
        assert found.passed, (rule, found.examples)
