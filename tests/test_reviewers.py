"""Who signs a team's work off: each department's executive sponsor comes from the
leadership's own people in turn, so every executive sponsors some department."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import END_DATE

from src import Config
from src.generators.reviewers import EXECUTIVE_LABEL, designated_reviewers
from src.pipeline import build_world


@pytest.mark.parametrize(("seed", "industry"), [(42, "Technology"), (1, "Media"), (7, "Finance")])
def test_every_executive_sponsors_a_department(seed: int, industry: str) -> None:
    # setup: the organization of a default file
    org = build_world(Config(seed=seed, industry=industry, end_date=END_DATE)).org
    lead = next(t for t in org.teams if t.is_leadership)
    executives = {
        u for u in lead.members if org.users[u].team == lead.index and org.users[u].leave is None
    }
    departments = [t for t in org.teams if not t.is_leadership]
    # run
    sponsors = Counter(
        u
        for chosen in designated_reviewers(seed, org).values()
        for _, u, label in chosen
        if label == EXECUTIVE_LABEL
    )
    # assert: one sponsor per department, each an executive; with at least as many
    # departments as executives, every executive sponsors one, none more than their turn
    assert sum(sponsors.values()) == len(departments)
    assert set(sponsors) <= executives
    assert len(departments) >= len(executives) >= 2
    assert set(sponsors) == executives
    assert max(sponsors.values()) - min(sponsors.values()) <= 1
