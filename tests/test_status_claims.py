"""The status-claim rules (src/checks/status_claims.py): the hand-built valid file with a status
update whose claims hold passes every one of them, and each claim broken with SQL makes its
rule fire (mutation tests); generated files of every industry pass them all.

In the valid file (tests/test_validate.py) at the update's instant, 2026-03-16T15:00Z, project
31 holds task 101 (completed 03-05), task 102 (open, assigned to 11, due 2026-06-15 since
03-10) and no task 103 yet (created 04-07); its due date is 2026-07-31.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import broken, declared_claims, industries_with_data
from test_validate import build_valid_db, result

from src.checks.status_claims import (
    NAMES_SEP,
    RULES,
    claims_counts,
    count_mismatch,
    grammar_flaw,
    milestone_tense,
    owned_claim,
    past_due_named,
)
from src.validate import validate

RULE_IDS = [rule for rule, *_ in RULES]
TRUE_TEXT = (
    "Plan done. 1 task closed, 1 open and nothing overdue. Every open task has an owner and a date."
)


@pytest.fixture(scope="module")
def claims_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_valid_db(tmp_path_factory.mktemp("claims") / "org.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE status_updates SET text = ? WHERE id = 301", (TRUE_TEXT,))
    return path


def text_is(text: str) -> str:
    return f"UPDATE status_updates SET text = '{text}' WHERE id = 301"


def test_true_claims_pass_every_status_rule(claims_db: Path) -> None:
    report = validate(claims_db)
    failed = [(r.rule, r.examples) for r in report.rules if not r.passed]
    assert failed == []
    assert set(RULE_IDS) <= {r.rule for r in report.rules}
    assert all(result(report, rule).severity == "warning" for rule in RULE_IDS)


MUTATIONS = [
    # on track while the project is past its due date with task 102 open
    ("status.on_track_past_due", ("UPDATE projects SET due_on = '2026-03-12' WHERE id = 31",)),
    # complete while the project is not completed
    ("status.complete_open_work", ("UPDATE status_updates SET status_type = 'complete'",)),
    # complete after the project's completion, but task 102 is still open
    (
        "status.complete_open_work",
        (
            "UPDATE status_updates SET status_type = 'complete'",
            "UPDATE projects SET completed = 1, completed_at = '2026-03-13T15:00:00.000Z', "
            "completed_by_id = 11 WHERE id = 31",
        ),
    ),
    # only subtask 104 (of task 102) is open: still not done
    (
        "status.complete_open_work",
        (
            "UPDATE status_updates SET status_type = 'complete'",
            "UPDATE projects SET completed = 1, completed_at = '2026-03-13T15:00:00.000Z', "
            "completed_by_id = 11 WHERE id = 31",
            "UPDATE tasks SET completed = 1, completed_at = '2026-03-12T15:00:00.000Z', "
            "completed_by_id = 11 WHERE id = 102",
        ),
    ),
    # past its due date: the project is due 07-31 ...
    ("status.past_due_claim", (text_is("Spring launch is past its due date."),)),
    # ... or was, but had been completed before the update
    (
        "status.past_due_claim",
        (
            "UPDATE projects SET due_on = '2026-03-12', completed = 1, "
            "completed_at = '2026-03-13T15:00:00.000Z', completed_by_id = 11 WHERE id = 31",
            text_is("Spring launch is past its due date."),
        ),
    ),
    # a milestone due 06-15 since 03-10, called past its due date on 03-16
    (
        "status.past_due_claim",
        (
            "UPDATE tasks SET resource_subtype = 'milestone' WHERE id = 102",
            text_is("Review vendor contracts is now past its due date."),
        ),
    ),
    ("status.claimed_counts", (text_is("Plan done. 2 tasks are still open."),)),
    ("status.claimed_counts", (text_is("Open: 3, done: 1."),)),
    ("status.claimed_counts", (text_is("We closed 4 tasks."),)),
    ("status.claimed_counts", (text_is("1 task is overdue."),)),
    ("status.claimed_counts", (text_is("Overdue: 2."),)),
    # the due date as it stood then: moved to 03-12 before the update, so 1 is overdue
    (
        "status.claimed_counts",
        (
            "UPDATE stories SET new_due_on = '2026-03-12' WHERE id = 212",
            text_is("Nothing to add. Overdue: 0."),
        ),
    ),
    ("status.all_open_owned", (text_is("All 2 open items have owners and dates."),)),
    # task 102 had no due date at the update
    (
        "status.all_open_owned",
        ("UPDATE stories SET created_at = '2026-03-20T15:00:00.000Z' WHERE id = 212",),
    ),
    # task 102 was not yet assigned at the update
    (
        "status.all_open_owned",
        ("UPDATE stories SET created_at = '2026-03-20T15:00:00.000Z' WHERE id = 211",),
    ),
    # a finished milestone announced as next, an open one as done
    (
        "status.milestone_tense",
        (
            "UPDATE tasks SET resource_subtype = 'milestone' WHERE id = 101",
            text_is("Good week. Next up: Draft launch plan."),
        ),
    ),
    (
        "status.milestone_tense",
        (
            "UPDATE tasks SET resource_subtype = 'milestone' WHERE id = 102",
            text_is("Review vendor contracts is done and signed."),
        ),
    ),
    # a finished milestone called late
    (
        "status.milestone_tense",
        (
            "UPDATE tasks SET resource_subtype = 'milestone' WHERE id = 101",
            text_is("Off track. Draft launch plan is already late."),
        ),
    ),
    # cancelled while the project is not archived and task 102 is open
    ("status.cancelled", (text_is("Plan done. The project is cancelled."),)),
    (
        "status.cancelled",
        (
            "UPDATE status_updates SET status_type = 'dropped'",
            "UPDATE projects SET archived = 1 WHERE id = 31",
        ),
    ),
    # archived, nothing open, but no work moved anywhere
    (
        "status.cancelled",
        (
            text_is("We are cancelling the project; the open work now lives in Backlog."),
            "UPDATE projects SET archived = 1 WHERE id = 31",
            "UPDATE tasks SET completed = 1, completed_at = '2026-03-12T15:00:00.000Z', "
            "completed_by_id = 11 WHERE id IN (102, 104)",
        ),
    ),
    ("status.number_grammar", (text_is("Plan done. 1 tasks closed."),)),
    ("status.number_grammar", (text_is("Plan done. Only 0 items are overdue."),)),
    ("status.number_grammar", ("UPDATE status_updates SET title = '1 open items'",)),
    ("status.sentence_case", (text_is("Plan done. next up is the review."),)),
    ("status.sentence_case", (text_is("plan done."),)),
    ("status.sentence_case", ("UPDATE status_updates SET title = 'on track'",)),
]


@pytest.mark.parametrize(
    ("rule", "statements"), MUTATIONS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(MUTATIONS)]
)
def test_each_broken_claim_fires_its_rule(
    claims_db: Path, tmp_path: Path, rule: str, statements: tuple[str, ...]
) -> None:
    # setup
    path = broken(claims_db, tmp_path, *statements)
    # run
    found = result(validate(path), rule)
    # assert
    assert found.offending == 1 and found.examples == (301,)
    assert found.severity == "warning"


def test_a_milestone_named_only_inside_a_longer_one_is_not_named(
    claims_db: Path, tmp_path: Path
) -> None:
    """Energy at seed 42: "Milestone reached: Schedule ... for Winter readiness (Winter
    readiness program)" named a finished milestone, and an open milestone called "Winter
    readiness" was read as announced done.  Here: finished milestone 101 "Draft launch plan"
    and open milestone 102 renamed "launch plan"."""
    path = broken(
        claims_db,
        tmp_path,
        "UPDATE tasks SET resource_subtype = 'milestone' WHERE id IN (101, 102)",
        "UPDATE tasks SET name = 'launch plan' WHERE id = 102",
        text_is("Milestone reached: Draft launch plan. 1 task closed."),
    )
    assert result(validate(path), "status.milestone_tense").offending == 0
    # named on its own as well, the open one is still read
    (tmp_path / "again").mkdir()
    again = broken(
        path,
        tmp_path / "again",
        text_is("Milestone reached: Draft launch plan. Also launch plan is done and signed."),
    )
    assert result(validate(again), "status.milestone_tense").offending == 1


def test_every_status_rule_has_a_mutation() -> None:
    assert {rule for rule, _ in MUTATIONS} == set(RULE_IDS)


# Each claim kind the status templates declare, and the rule that reads it back (the
# mutations above break each: counts stated in text, owners, a milestone next, done or late).
CLAIM_RULES = {
    "open>0": "status.claimed_counts",
    "open>1": "status.claimed_counts",
    "done>0": "status.claimed_counts",
    "overdue>0": "status.claimed_counts",
    "overdue=0": "status.claimed_counts",
    "all_open_owned": "status.all_open_owned",
    "past_due": "status.past_due_claim",
    "milestone_done": "status.milestone_tense",
    "milestone_next": "status.milestone_tense",
    "milestone_late": "status.milestone_tense",
    "moved>0": "status.cancelled",
    "moved=0": "status.cancelled",
}
# Declared, true when drawn, but read back by no rule yet: "the wrap-up tidied up N loose ends".
UNCHECKED = {"wrapped>0"}


def test_every_declared_status_claim_has_a_rule() -> None:
    declared = declared_claims("status_updates")
    assert declared - UNCHECKED == set(CLAIM_RULES)
    assert set(CLAIM_RULES.values()) <= set(RULE_IDS)


# --- the patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "open_", "overdue", "done", "mismatch"),
    [
        ("Good week: 4 tasks done, 3 tasks open, and nothing is overdue.", 3, 0, 4, 0),
        ("Good week: 4 tasks done, 3 tasks open.", 2, 0, 4, 1),
        ("Red this week. With 9 tasks open and 3 of them overdue, we cut scope.", 9, 3, 0, 0),
        ("Red this week. With 9 tasks open and 3 of them overdue, we cut scope.", 9, 2, 0, 1),
        ("OEE is up 3 points and only 2 actions are overdue.", 0, 2, 0, 0),
        ("We closed 11 tasks and have 1 task remaining.", 1, 0, 11, 0),
        ("We closed 11 tasks and have 1 task remaining.", 2, 0, 11, 1),
        ("17 planned items are complete and the rest are in progress.", 0, 0, 16, 1),
        ("4 remediation items are past due on the audit tracker.", 0, 4, 0, 0),
        ("2 tickets slipped past their due dates.", 0, 3, 0, 1),
        ("Done: 27, open: 4, overdue: 1.", 4, 1, 27, 0),
        ("Flag at 100% and compliance held for 30 days.", 0, 0, 0, 0),
    ],
)
def test_count_patterns(text: str, open_: int, overdue: int, done: int, mismatch: int) -> None:
    assert count_mismatch(text, None, open_, overdue, done) == mismatch


def test_a_number_in_a_milestone_name_is_no_claim() -> None:
    # the rule passes the project's name, then its milestones', separated by NAMES_SEP
    text = "Control plans is complete. ISO 9001 recertification audit is done."
    assert count_mismatch(text, "Control plans", 0, 0, 5) == 1  # "9001 ... done"
    names = NAMES_SEP.join(("Control plans", "ISO 9001 recertification audit"))
    assert count_mismatch(text, names, 0, 0, 5) == 0


def test_a_number_in_the_project_name_is_no_claim() -> None:
    text = "Support tooling 2026 goals remains green."
    assert claims_counts(text, None) == 1  # "2026 goals remains": read as a count alone
    assert claims_counts(text, "Support tooling 2026 goals") == 0


def test_past_due_pattern() -> None:
    assert past_due_named(
        "Risk is rising: Beta launch is past its due date with 3 open.", "Beta launch"
    )
    assert past_due_named("Beta launch is now past the due date.", "Beta launch")
    assert not past_due_named("Beta launch is on schedule; nothing is past due.", "Beta launch")
    assert not past_due_named("Beta launch is past its due date.", "Pricing revamp")


def test_a_true_past_due_claim_passes(claims_db: Path, tmp_path: Path) -> None:
    # the project due 03-12 and open at the update (03-16): the claim holds
    path = broken(
        claims_db,
        tmp_path,
        "UPDATE projects SET due_on = '2026-03-12' WHERE id = 31",
        text_is("Spring launch is past its due date and 1 task is still open."),
    )
    assert result(validate(path), "status.past_due_claim").passed


def test_owned_claim_pattern() -> None:
    assert owned_claim("On track, and all 5 open items have owners and dates.") == 5
    assert owned_claim("Every open task has an owner and a date.") == -1
    assert owned_claim("Owners will be reconfirmed before we restart.") is None


@pytest.mark.parametrize(
    ("text", "tense"),
    [
        ("Next up: Beta launch.", "open"),
        ("We've missed Beta launch. New date soon.", "open"),
        ("Beta launch happened on schedule and the report is filed.", "done"),
        ("Milestone reached: Beta launch.", "done"),
        ("Beta launch planning. Budget is next.", None),
        ("Nothing about milestones.", None),
    ],
)
def test_milestone_tense_pattern(text: str, tense: str | None) -> None:
    assert milestone_tense(text, "Beta launch", "Pricing revamp") == tense


def test_a_project_named_like_its_milestone_does_not_count_as_a_mention() -> None:
    text = "Beta launch rollout is on schedule."
    assert milestone_tense(text, "Beta launch", "Beta launch rollout") is None


@pytest.mark.parametrize(
    ("text", "flaw"),
    [
        ("1 tasks closed", 1),
        ("Only 0 actions are overdue.", 1),
        ("1 open items", 1),
        ("1 task is overdue, 2 tasks open.", 0),
        ("1 status update, 1 process, 1 analysis.", 0),
        ("Flag at 100% and 11 tasks closed.", 0),
        # a number that ends a project's name is no count (seed 7, Energy us)
        ("Distribution design standards – phase 1 remains green.", 0),
        ("Grid upgrade stage 1 keeps its date; 1 items left.", 1),
    ],
)
def test_number_grammar_pattern(text: str, flaw: int) -> None:
    assert grammar_flaw(text) == flaw


# --- generated files ------------------------------------------------------------------------


@pytest.mark.parametrize("industry", industries_with_data())
def test_generated_files_pass_every_status_rule(databases, industry: str) -> None:
    # setup: a small file per industry (seed 3: other tests use 1 and 2)
    path = databases.small(3, industry=industry).path
    # run
    report = validate(path)
    # assert
    for rule in RULE_IDS:
        found = result(report, rule)
        assert found.passed, (rule, found.examples)


def test_a_true_cancellation_passes(claims_db: Path, tmp_path: Path) -> None:
    # setup: archived, with task 102 and its subtask 104 closed before the update
    path = broken(
        claims_db,
        tmp_path,
        "UPDATE status_updates SET status_type = 'dropped', text = 'The project is cancelled.'",
        "UPDATE projects SET archived = 1 WHERE id = 31",
        "UPDATE tasks SET completed = 1, completed_at = '2026-03-12T15:00:00.000Z', "
        "completed_by_id = 11 WHERE id IN (102, 104)",
    )
    # run
    found = result(validate(path), "status.cancelled")
    # assert
    assert found.passed
