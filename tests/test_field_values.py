"""Industry custom fields fit their task (src/generators/field_values.py, and the switching on
by team function in projects.py): checked with SQL on generated files.

A field is switched on only for projects of the team functions its industry file declares; a
field restricted to a kind of work (Severity: bugs) holds values only on tasks of that kind;
a field that follows priority (Severity, Patient safety risk, Risk rating) sits within one step
of the option matching the task's Priority.
"""

from __future__ import annotations

import pytest
from conftest import industries_with_data, q

from src.text import load_vocabulary, team_function

SEVERITY = ("S4 - Cosmetic", "S3 - Minor", "S2 - Major", "S1 - Critical")
PRIORITY = ("Low", "Medium", "High", "Urgent")


@pytest.mark.parametrize("industry", industries_with_data())
def test_industry_fields_are_on_projects_of_the_functions_they_declare(
    databases, industry: str
) -> None:
    # setup
    vocab = load_vocabulary(industry)
    functions = {t["name"]: team_function(t) for t in vocab.teams}
    declared = {f["name"]: set(f["functions"]) for f in vocab.industry["custom_fields"]}
    path = databases.small(3, industry=industry).path
    # run
    rows = q(
        path,
        """SELECT tm.name, f.name FROM custom_field_settings s
           JOIN projects p ON p.id = s.project_id JOIN teams tm ON tm.id = p.team_id
           JOIN custom_fields f ON f.id = s.custom_field_id""",
    )
    # assert
    industry_rows = [(team, field) for team, field in rows if field in declared]
    assert industry_rows  # the small file switches some on
    assert all(functions[team] in declared[field] for team, field in industry_rows)


@pytest.fixture(scope="module")
def technology(databases):
    # more projects than the small preset: enough engineering bugs to look at
    return databases.small(5, industry="Technology", projects=24).path


def test_severity_only_on_bugs(technology) -> None:
    vocab = load_vocabulary("technology")
    bug = next(k for k in vocab.kinds if k.kind == "bug")
    names = [
        name
        for (name,) in q(
            technology,
            """SELECT t.name FROM custom_field_values v JOIN tasks t ON t.id = v.task_id
               JOIN custom_fields f ON f.id = v.custom_field_id AND f.name = 'Severity'""",
        )
    ]
    assert len(names) >= 5
    words = [w.lower() for w in (*bug.verbs, *bug.keywords)]
    assert all(any(w in name.lower() for w in words) for name in names), names


def test_severity_follows_priority(technology) -> None:
    pairs = q(
        technology,
        """SELECT p.display_value, s.display_value FROM custom_field_values s
           JOIN custom_fields fs ON fs.id = s.custom_field_id AND fs.name = 'Severity'
           JOIN custom_field_values p ON p.task_id = s.task_id
           JOIN custom_fields fp ON fp.id = p.custom_field_id AND fp.name = 'Priority'""",
    )
    assert pairs
    # Low..Urgent map onto S4..S1, give or take one step
    assert all(abs(PRIORITY.index(p) - SEVERITY.index(s)) <= 1 for p, s in pairs), pairs
