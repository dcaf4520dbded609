"""Measure whether task text belongs to its context, on generated files.

    python scripts/context_realism.py                   # all industries x us/global, default scale
    python scripts/context_realism.py --files a.sqlite b.sqlite   # files made elsewhere

For each file, pooled over all: theme-tagged task names citing a theme not their project's;
descriptions that paste the task's imperative name into a noun slot ("the review the memo");
duration claims
("less than a day", "a quick one", "a few hours") on work that took longer than a day; "not
urgent" / "no rush" on High or Urgent priority and "urgent" / "ASAP" on Low; industry custom
fields switched on for teams whose function they do not fit (as the industry files declare
them); subtasks of a parent of a known kind that come from its kind's checklist; and the
share of descriptions that stay distinct once task and project names are removed.  Claims are
read as `validate`'s context rules read them (src/checks/context_claims.py).
"""

from __future__ import annotations

import re
import sqlite3
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from status_realism import arguments, generated_files, measure, print_pooled  # noqa: E402

from src import INDUSTRIES  # noqa: E402
from src.checks.context_claims import prepare  # noqa: E402
from src.checks.scorecard import _DESCRIPTION_SKELETONS  # noqa: E402
from src.text import load_vocabulary, task_kind, team_function  # noqa: E402

_ACTION_BEFORE = ("to ", "please ", ": ", "- ", "\n")  # what may precede an imperative
_PRIORITY = """JOIN custom_field_values v ON v.task_id = t.id
               JOIN custom_fields f ON f.id = v.custom_field_id AND f.name = 'Priority'"""


def noun_slot(notes: str | None, name: str | None) -> int:
    """1 if the description pastes the lower-cased (imperative) task name anywhere but after
    "to", "please", a colon or a list dash: into a noun slot ("flagged review the memo")."""
    if not notes or not name:
        return 0
    low = name[:1].lower() + name[1:]
    for m in re.finditer(re.escape(low), notes):
        before = notes[: m.start()].lower()
        if before and not before.endswith(_ACTION_BEFORE):
            return 1
    return 0


@lru_cache(maxsize=1)
def _declared() -> tuple[dict[str, str], dict[str, tuple[str, ...]], list]:
    """Team name -> function, industry field name -> functions, and every task kind."""
    teams, fields = {}, {}
    for industry in INDUSTRIES:
        vocab = load_vocabulary(industry)
        teams |= {t["name"]: team_function(t) for t in vocab.teams}
        for f in vocab.industry["custom_fields"]:
            fields[f["name"]] = tuple(f.get("functions", ()))
    return teams, fields, list(load_vocabulary(INDUSTRIES[0]).kinds)


def field_misfit(team: str, field: str) -> int | None:
    """1 if an industry field is on a project of a team whose function it does not fit, 0 if
    it fits, None for a core field."""
    teams, fields, _ = _declared()
    if field not in fields:
        return None
    return int(teams.get(team) not in fields[field])


def kind_of(name: str | None) -> str | None:
    """The kind of a task name, read back from its verb and object (theme and approval
    prefixes and the theme suffix taken off)."""
    if not name:
        return None
    _, _, kinds = _declared()
    name = re.sub(r"^(?:Approve: )?(?:[A-Z][^:]{3,60}: )?", "", name)
    name = re.sub(r" \([^()]*\)$", "", name)
    name = re.sub(r" for [A-Z][a-z].*$", "", name)  # "... for Theme" (themes are capitalised)
    verbs = sorted((v for k in kinds for v in k.verbs), key=len, reverse=True)
    verb = next((v for v in verbs if name.lower().startswith(v.lower() + " ")), "")
    kind = task_kind(tuple(kinds), verb, name[len(verb) :].strip() if verb else name)
    return kind.kind if kind else None


def in_checklist(parent: str | None, name: str | None) -> int | None:
    """1 if a subtask's name is on its parent's kind's checklist, 0 if not, None if the parent
    has no kind."""
    kind = kind_of(parent)
    if kind is None:
        return None
    _, _, kinds = _declared()
    return int(name in next(k.subtasks for k in kinds if k.kind == kind))


def _prepare(conn: sqlite3.Connection) -> None:
    prepare(conn)
    conn.create_function("noun_slot", 2, noun_slot, deterministic=True)
    conn.create_function("field_misfit", 2, field_misfit, deterministic=True)
    conn.create_function("in_checklist", 2, in_checklist, deterministic=True)


_THEMED = """SELECT t.id, name_theme(t.name) AS theme, p.name AS project FROM tasks t
              JOIN task_memberships tm ON tm.task_id = t.id AND tm.is_primary = 1
              JOIN projects p ON p.id = tm.project_id
              WHERE t.parent_id IS NULL AND name_theme(t.name) IS NOT NULL"""
_QUICK = """SELECT id, created_at, completed_at FROM tasks
            WHERE duration_claim(notes, name) = 'quick'"""
_ANCHOR = "(SELECT anchor FROM generation_runs ORDER BY id DESC LIMIT 1)"
_SETTINGS = """SELECT field_misfit(tm.name, f.name) AS x FROM custom_field_settings s
               JOIN projects p ON p.id = s.project_id JOIN teams tm ON tm.id = p.team_id
               JOIN custom_fields f ON f.id = s.custom_field_id"""
_SUBTASKS = """SELECT in_checklist(p.name, t.name) AS x FROM tasks t
               JOIN tasks p ON p.id = t.parent_id"""
FIGURES = (
    (
        "theme-tagged task names citing another theme",
        f"SELECT id FROM ({_THEMED}) WHERE instr(project, theme) = 0",
        _THEMED,
    ),
    (
        "descriptions pasting the name into a noun slot",
        "SELECT id FROM tasks WHERE parent_id IS NULL AND noun_slot(notes, name)",
        "SELECT id FROM tasks WHERE parent_id IS NULL AND notes != ''",
    ),
    (
        "'less than a day' claims on longer work",
        f"""SELECT id FROM ({_QUICK})
            WHERE julianday(COALESCE(completed_at, {_ANCHOR})) - julianday(created_at) > 1""",
        _QUICK,
    ),
    (
        "'not urgent' claims on High/Urgent priority",
        f"""SELECT t.id FROM tasks t {_PRIORITY} WHERE urgency_claim(t.notes, t.name) = 'calm'
            AND v.display_value IN ('High', 'Urgent')""",
        f"SELECT t.id FROM tasks t {_PRIORITY} WHERE urgency_claim(t.notes, t.name) = 'calm'",
    ),
    (
        "'urgent' claims on Low priority",
        f"""SELECT t.id FROM tasks t {_PRIORITY} WHERE urgency_claim(t.notes, t.name) = 'urgent'
            AND v.display_value = 'Low'""",
        f"SELECT t.id FROM tasks t {_PRIORITY} WHERE urgency_claim(t.notes, t.name) = 'urgent'",
    ),
    (
        "industry fields on teams they do not fit",
        f"SELECT x FROM ({_SETTINGS}) WHERE x = 1",
        f"SELECT x FROM ({_SETTINGS}) WHERE x IS NOT NULL",
    ),
    (
        "subtasks from their parent's kind checklist",
        f"SELECT x FROM ({_SUBTASKS}) WHERE x = 1",
        f"SELECT x FROM ({_SUBTASKS}) WHERE x IS NOT NULL",
    ),
)


def main() -> None:
    args = arguments(__doc__).parse_args()
    with tempfile.TemporaryDirectory() as d:
        paths = args.files or generated_files(Path(d), args.seed)
        results = [measure(p, FIGURES, _prepare) for p in paths]
        variety = []
        for p in paths:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
            variety.append(conn.execute(_DESCRIPTION_SKELETONS).fetchone()[0] or 0.0)
            conn.close()
    print_pooled(FIGURES, results, 46)
    print(f"  {'distinct descriptions, names removed':<46} {min(variety):.2f}-{max(variety):.2f}")


if __name__ == "__main__":
    main()
