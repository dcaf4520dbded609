"""src/text.py: team functions, task kinds and task names built from their grammatical parts;
and, on generated files, that names cite their project's theme and that subtasks come from
their parent's kind."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import industries_with_data, q

from src.text import (
    DEFAULT_FUNCTION,
    Picker,
    draw_task_name,
    load_vocabulary,
    task_kind,
    team_function,
)


def test_every_team_declares_a_function_with_its_own_pools() -> None:
    for industry in industries_with_data():
        vocab = load_vocabulary(industry)
        for team in vocab.teams:
            assert team["function"] in vocab.common["functions"], (industry, team["name"])
    assert team_function({"name": "Leadership"}) == DEFAULT_FUNCTION


@pytest.mark.parametrize(
    ("verb", "obj", "kind"),
    [
        ("Fix", "password reset flow", "bug"),
        ("Review", "login error on the mobile app", "bug"),  # a keyword of the object
        ("Roll out", "new intake form", "launch"),
        ("Review", "vendor contract renewals", "contract review"),
        ("Review", "file uploads", None),  # "ads" starts no word here
        ("Walk through", "closing workflow", None),
    ],
)
def test_task_kind_from_verb_then_object(verb: str, obj: str, kind: str | None) -> None:
    found = task_kind(load_vocabulary("Technology").kinds, verb, obj)
    assert (found.kind if found else None) == kind


def test_a_drawn_name_cites_only_its_project_theme() -> None:
    # setup
    team = load_vocabulary("Finance").teams[0]
    pick = Picker(np.random.default_rng(7))
    taken: set[str] = set()
    # run
    names = [draw_task_name(pick, team, "Mortgage origination", taken) for _ in range(200)]
    # assert: other themes never appear; the parts rebuild the imperative
    others = [t for t in team["themes"] if t != "Mortgage origination"]
    assert not [n.name for n in names if any(t in n.name for t in others)]
    assert all(n.object in n.name and n.action.startswith(n.verb[:1].lower()) for n in names)
    assert len(taken) == 200


def test_generated_names_cite_their_own_project_theme(small_seed1) -> None:
    rows = q(
        small_seed1.path,
        """SELECT t.name, p.name FROM tasks t
           JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
           JOIN projects p ON p.id = tm.project_id
           WHERE t.parent_id IS NULL AND t.name LIKE '%: %' AND t.name NOT LIKE 'Approve: %'""",
    )
    assert rows
    assert all(name.split(": ")[0] in project for name, project in rows), rows[:5]


def test_subtasks_of_a_bug_come_from_the_bug_checklist(default_seed42) -> None:
    # setup: parents named "Fix ..." are bugs whatever their object (Technology)
    path = default_seed42.path
    bug = next(k for k in load_vocabulary("Technology").kinds if k.kind == "bug")
    # run
    rows = q(
        path,
        """SELECT s.name FROM tasks s JOIN tasks p ON p.id = s.parent_id
           WHERE p.name LIKE 'Fix %' OR p.name LIKE 'Debug %'""",
    )
    # assert
    assert rows
    assert all(name in bug.subtasks for (name,) in rows), rows
