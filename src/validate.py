"""The public entry of `validate`; the rules live in `src/checks/` (one module per family)."""

from __future__ import annotations

from .checks import validate
from .checks.core import ERROR, WARNING, Check, RuleResult, ValidationReport
from .inputs import SCHEMA_TABLES, NotADatabaseError

__all__ = [
    "ERROR",
    "SCHEMA_TABLES",
    "WARNING",
    "Check",
    "NotADatabaseError",
    "RuleResult",
    "ValidationReport",
    "validate",
]
