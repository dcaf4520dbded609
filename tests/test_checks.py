"""The layout of src/checks/: every family registered in FAMILIES contributes its rules, each
module imports on its own (no import cycle), and none outgrows ~600 lines."""

from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from src.checks import FAMILIES, families
from src.validate import validate

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "src" / "checks").glob("*.py")) + [ROOT / "src" / "inputs.py"]


def test_every_family_has_rules_that_validate_runs(small_seed1) -> None:
    # setup
    conn = sqlite3.connect(f"file:{small_seed1.path}?mode=ro", uri=True)
    try:
        per_family = {m.__name__.rsplit(".", 1)[1]: m.checks(conn) for m in families()}
    finally:
        conn.close()
    # run
    ran = {r.rule for r in validate(small_seed1.path).rules}
    # assert
    assert list(per_family) == list(FAMILIES)
    for name, checks in per_family.items():
        assert checks, name
        assert {c.rule for c in checks} <= ran, name


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_module_imports_alone_and_stays_small(module: Path) -> None:
    # setup
    dotted = ".".join(module.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    # run: a fresh interpreter, so an import cycle cannot hide behind an earlier import
    done = subprocess.run(
        [sys.executable, "-c", f"import {dotted}"], cwd=ROOT, capture_output=True, text=True
    )
    # assert
    assert done.returncode == 0, done.stderr
    assert len(module.read_text().splitlines()) <= 600


def test_no_module_of_checks_imports_the_package_entry() -> None:
    """Families import core and inputs, never src.checks or src.validate (that would cycle)."""
    for module in MODULES:
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and module.name != "__init__.py":
                assert not (node.level == 1 and node.module is None), module
                assert node.module not in ("validate", "checks"), module
