"""The comment-claim rules (src/checks/comment_claims.py): the hand-built valid file with true
dependency, subtask, closing and elapsed-time claims passes every one of them, and each claim
broken with SQL makes its rule fire (mutation tests); generated files of every industry pass
them all, and their threads pair each answer with its question's topic.

In the valid file (tests/test_validate.py) task 102 depends on 101, completed 2026-03-05T16:00Z
by Ben (12); subtask 104 of 102 was created by Ben at 03-11T15:00Z; task 103 is open, its
stories 216 (04-07T19:00Z) and 217 (04-08T14:00Z).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import Summary, broken, industries_with_data, q
from test_validate import build_valid_db, result

from src.checks.comment_claims import RULES, comment_claim, elapsed_claim
from src.text import DATA_DIR
from src.validate import validate

RULE_IDS = [rule for rule, *_ in RULES]

SUBTASK_COMMENT = (
    "INSERT INTO stories (id, task_id, created_by_id, created_at, type, resource_subtype, text) "
    "VALUES (230, 102, 12, '2026-03-10T16:00:00.000Z', 'comment', 'comment_added', "
    "'Starting. I''ll break it into subtasks once I know the scope.')"
)


def text(story: int, value: str) -> str:
    return f"UPDATE stories SET text = '{value}' WHERE id = {story}"


@pytest.fixture(scope="module")
def claims_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_valid_db(tmp_path_factory.mktemp("comments") / "org.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute(text(215, "Unblocked — the dependency closed, picking this up again."))
        conn.execute(text(207, "Looks good. Closing this out once Ben marks it."))
        conn.execute(text(217, "Ana, it''s been 1 day — any news?"))
        conn.execute(SUBTASK_COMMENT)
    return path


def test_true_claims_pass_every_comment_rule(claims_db: Path) -> None:
    report = validate(claims_db)
    failed = [(r.rule, r.examples) for r in report.rules if not r.passed]
    assert failed == []
    assert set(RULE_IDS) <= {r.rule for r in report.rules}
    assert all(result(report, rule).severity == "warning" for rule in RULE_IDS)


MUTATIONS = [
    # "the dependency closed" on a task without a dependency
    ("comments.dependency_claim", 215, ("DELETE FROM task_dependencies WHERE task_id = 102",)),
    # "the dependency closed" before the task it depends on was completed
    (
        "comments.dependency_closed",
        215,
        ("UPDATE stories SET created_at = '2026-03-04T15:05:00.000Z' WHERE id = 215",),
    ),
    # "waiting on the previous task" after it was completed
    (
        "comments.dependency_closed",
        215,
        (text(215, "Waiting on the previous task before I can go further here."),),
    ),
    # "waiting on the previous task" on a task without a dependency
    (
        "comments.dependency_claim",
        215,
        (
            text(215, "Waiting on the previous task before I can go further here."),
            "DELETE FROM task_dependencies WHERE task_id = 102",
        ),
    ),
    # "Dependency is done." (no article) before the task it depends on was completed
    (
        "comments.dependency_closed",
        215,
        (
            text(215, "Dependency is done. Back on it."),
            "UPDATE stories SET created_at = '2026-03-04T15:05:00.000Z' WHERE id = 215",
        ),
    ),
    # "break it into subtasks", and the subtask is someone else's
    ("comments.subtask_claim", 230, ("UPDATE tasks SET created_by_id = 11 WHERE id = 104",)),
    # "break it into subtasks" on a subtask
    ("comments.subtask_claim", 230, ("UPDATE stories SET task_id = 104 WHERE id = 230",)),
    # "cancelling" on a task that stays open
    ("comments.closing_claim", 217, (text(217, "Cancelling, leadership decided against it."),)),
    ("comments.closing_claim", 217, (text(217, "Closing as duplicate of the intake task."),)),
    # "No longer needed" on task 101, which is then reopened
    (
        "comments.closing_claim",
        207,
        (
            text(207, "No longer needed; the vendor covers it."),
            "UPDATE tasks SET completed = 0, completed_at = NULL, completed_by_id = NULL "
            "WHERE id = 101",
        ),
    ),
    ("comments.closing_claim", 217, (text(217, "Deprioritized until after the survey."),)),
    # the same text twice on one task
    ("comments.repeated_text", 207, (text(207, "On it."),)),
    # "it's been 5 days" less than a day after the previous story
    ("comments.nudge_elapsed", 217, (text(217, "Ana, it''s been 5 days — any news?"),)),
]


@pytest.mark.parametrize(
    ("rule", "story", "statements"),
    MUTATIONS,
    ids=[f"{r}-{i}" for i, (r, *_) in enumerate(MUTATIONS)],
)
def test_each_broken_claim_fires_its_rule(
    claims_db: Path, tmp_path: Path, rule: str, story: int, statements: tuple[str, ...]
) -> None:
    # setup
    path = broken(claims_db, tmp_path, *statements)
    # run
    found = result(validate(path), rule)
    # assert
    assert found.offending == 1 and found.examples == (story,)
    assert found.severity == "warning"


def test_unreadable_comment_text_is_no_claim(claims_db: Path, tmp_path: Path) -> None:
    # setup: bytes where a comment's text belongs, as an editor may leave
    path = broken(claims_db, tmp_path, "UPDATE stories SET text = x'00ff' WHERE id = 207")
    # run
    report = validate(path)
    # assert: the comment rules still run, and format.types names the value
    assert result(report, "format.types").offending >= 1
    assert all(result(report, rule).passed for rule in RULE_IDS)


def test_every_comment_rule_has_a_mutation() -> None:
    assert {rule for rule, *_ in MUTATIONS} == set(RULE_IDS)


# --- the patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "claim"),
    [
        ("Unblocked, the dependency closed yesterday.", "dep_closed"),
        ("Starting on X now that the earlier piece is closed.", "dep_closed"),
        ("Blocked on a dependency: the previous task hasn't been closed yet.", "dep_waiting"),
        ("Getting started. I'll break it into subtasks once I know the scope.", "subtasks"),
        ("Closing as duplicate.", "closing"),
        ("Cancelling. Leadership decided not to go ahead.", "closing"),
        ("Dropping this. The approach changed.", "closing"),
        ("Can we split this into two tasks?", None),
        ("Looks good to me. Approved.", None),
        ("I’ll break it into subtasks — José", "subtasks"),  # not ASCII
        ("CANCELLING this one.", "closing"),
        # letters that match case-blind without lowering to ASCII (re's İ ı ſ K): the
        # shortcut for texts with none of the patterns' words must not skip these
        ("Clo\u017fing as duplicate.", "closing"),
        ("Brea\u212a it into subtasks.", "subtasks"),
        ("The prev\u0131ous task closed.", "dep_closed"),
        ("Ça avance, merci.", None),
        ("", None),
    ],
)
def test_claim_pattern(value: str, claim: str | None) -> None:
    assert comment_claim(value) == claim


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ("it's been 3 days", 3.0),
        ("It's been a week.", 7.0),
        ("it's been 2 weeks", 14.0),
        ("It'\u017f been 2 days", 2.0),  # ſ matches s case-blind
    ],
)
def test_elapsed_pattern(value: str, days: float) -> None:
    assert elapsed_claim(value) == days
    assert elapsed_claim("any update?") is None


# The comment pools whose texts make a claim, and the claim each must read back as: a
# template the pattern cannot read is a claim the rule can never check.
CLAIM_POOLS = {
    "start_dep": "dep_closed",
    "unblocked_dep": "dep_closed",
    "blocked_dep": "dep_waiting",
    "start_subtasks": "subtasks",
}
ELAPSED_POOLS = ("followup", "nudge_elapsed")


def _comment_pools() -> list[tuple[str, str, list[str]]]:
    """(file, pool, texts) of every comment pool: common, industry and team-function ones."""
    out = []
    for path in [DATA_DIR / "common.json", *sorted((DATA_DIR / "industries").glob("*.json"))]:
        data = json.loads(path.read_text(encoding="utf-8"))
        groups = [data.get("comments", {})]
        groups += [fn.get("comments", {}) for fn in data.get("functions", {}).values()]
        for group in groups:
            for pool, texts in group.items():
                if isinstance(texts, list) and all(isinstance(t, str) for t in texts):
                    out.append((path.name, pool, texts))
    return out


def _filled(template: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "Draft plan", template)


def test_every_claiming_template_reads_back_as_its_claim() -> None:
    pools = _comment_pools()
    seen = {pool for _, pool, _ in pools}
    assert set(CLAIM_POOLS) | set(ELAPSED_POOLS) <= seen
    wrong = [
        (name, pool, t)
        for name, pool, texts in pools
        for t in texts
        if pool in CLAIM_POOLS and comment_claim(_filled(t)) != CLAIM_POOLS[pool]
    ]
    wrong += [
        (name, pool, t)
        for name, pool, texts in pools
        for t in texts
        if pool in ELAPSED_POOLS and elapsed_claim(t.replace("{elapsed}", "4 days")) != 4.0
    ]
    assert wrong == []


def test_no_other_template_reads_as_a_claim() -> None:
    # a start or progress note read as "closing" would make the rule judge a claim never made;
    # a done or cancelled note may read as closing ("All items addressed, closing.", "Closing
    # this out: X is cancelled."): each follows the task's completion
    closed = ("done", "cancelled")
    wrong = [
        (name, pool, t)
        for name, pool, texts in _comment_pools()
        for t in texts
        if pool not in (*CLAIM_POOLS, "dropped")
        and comment_claim(_filled(t)) not in ((None, "closing") if pool in closed else (None,))
    ]
    assert wrong == []


def test_every_dropped_template_reads_as_closing() -> None:
    # the dropped pool's every wording ("No longer needed", "Deprioritized", "Scrapped", ...)
    wrong = [
        (name, t)
        for name, pool, texts in _comment_pools()
        for t in texts
        if pool == "dropped" and comment_claim(_filled(t)) != "closing"
    ]
    assert wrong == []


# --- generated files ------------------------------------------------------------------------


@pytest.mark.parametrize("industry", industries_with_data())
def test_generated_files_make_only_true_comment_claims(databases, industry: str) -> None:
    summary = databases.small(seed=3, industry=industry)
    report = validate(summary.path)
    assert [r.rule for r in report.rules if r.rule in RULE_IDS and not r.passed] == []


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z]+\}", template)
    return re.compile(".*".join(re.escape(p) for p in parts))


def test_answers_answer_the_question_asked(default_seed42: Summary) -> None:
    """Each answer follows a question of its topic: the common threads' templates match the
    answer and the question the answerer was asked last on the task."""
    threads = json.loads((DATA_DIR / "common.json").read_text())["comments"]["threads"]
    questions = [(t["topic"], _pattern(x)) for t in threads for x in t["q"]]
    answers = [(t["topic"], _pattern(x)) for t in threads for x in t["a"]]

    def topic(value: str, patterns: list) -> set[str]:
        return {name for name, p in patterns if p.search(value)}

    rows = q(
        default_seed42.path,
        """SELECT task_id, created_by_id, text FROM stories
           WHERE resource_subtype = 'comment_added' ORDER BY task_id, created_at, id""",
    )
    asked: dict[int, set[str]] = {}
    paired = matched = 0
    last_task = None
    for task, _, value in rows:
        if task != last_task:
            asked, last_task = {}, task
        qt = topic(value, questions)
        at = topic(value, answers)
        if qt and not at:
            asked = {0: qt}
        elif at and asked:
            paired += 1
            matched += bool(at & asked[0])
            asked = {}
    assert paired > 50
    assert matched / paired > 0.9


@pytest.mark.parametrize(("anchor", "fires"), [("2026-03-15", False), ("2026-03-20", True)])
def test_a_subtask_claim_in_the_files_last_week_is_pending(
    claims_db: Path, tmp_path: Path, anchor: str, fires: bool
) -> None:
    # setup: the claim of 03-10 has no subtask by its author yet; the file ends 5 or 10 days
    # later (continuous mode's lives run past the clock: the subtask may still come)
    path = broken(
        claims_db,
        tmp_path,
        "UPDATE tasks SET created_by_id = 11 WHERE id = 104",
        f"UPDATE generation_runs SET anchor = '{anchor}T00:00:00.000Z'",
    )
    # run
    found = result(validate(path), "comments.subtask_claim")
    # assert
    assert found.passed is not fires
    assert found.examples == ((230,) if fires else ())
