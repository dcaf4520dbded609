"""Validating objects against Asana's API schemas (vendored in `asana_schemas.json`).

The schemas are JSON Schema 2020-12 converted from Asana's official OpenAPI spec by
`scripts/vendor_asana_schemas.py` (provenance and licence in `ASANA_SCHEMAS.md`): a nullable
reference accepts ``null``, and every object is closed, so a bad enum, a wrong type and an
undeclared field all fail.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..errors import SeedError

SCHEMAS_PATH = Path(__file__).resolve().parent / "asana_schemas.json"


class AsanaSchemaError(SeedError):
    """An object does not follow Asana's API schema: the data breaks the API's contract, so
    nothing is written (an integrity finding: exit code 1)."""

    exit_code = 1


@lru_cache(maxsize=1)
def schemas() -> dict[str, Any]:
    return json.loads(SCHEMAS_PATH.read_text(encoding="utf-8"))


APPLICATORS = ("allOf", "anyOf", "oneOf", "$ref", "if", "dependentSchemas")


def _compiled(node: Any, defs: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """The same schema, cheaper to evaluate, with the same verdicts: references inlined (but
    not recursive ones), ``format`` dropped (an annotation in Draft 2020-12 unless a format
    checker is asked for, which it is not), and ``unevaluatedProperties: false`` on an object
    with no applicator beside it written as ``additionalProperties: false``, which then means
    the same and costs half as much in jsonschema."""
    if isinstance(node, list):
        return [_compiled(x, defs, stack) for x in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"$ref"}:
        name = node["$ref"].rsplit("/", 1)[1]
        return node if name in stack else _compiled(defs[name], defs, (*stack, name))
    out = {
        k: _compiled(v, defs, stack) for k, v in node.items() if k not in ("format", "properties")
    }
    if "properties" in node:  # a map of names to schemas: a property may be called "format"
        out["properties"] = {k: _compiled(v, defs, stack) for k, v in node["properties"].items()}
    if out.get("unevaluatedProperties") is False and not any(k in out for k in APPLICATORS):
        del out["unevaluatedProperties"]
        out["additionalProperties"] = False
    return out


@cache
def validator(kind: str, direction: str = "responses") -> Draft202012Validator:
    """The validator of one resource type's response (``kind`` as in `schemas()["responses"]`)
    or of one request body's ``data`` (``direction="requests"``, kind = the schema's name)."""
    doc = schemas()
    ref = doc[direction].get(kind)
    if ref is None:
        raise KeyError(f"no vendored Asana schema for {direction} {kind!r}")
    defs = doc["$defs"]
    return Draft202012Validator({"$defs": defs, **_compiled({"$ref": ref}, defs)})


def check(kind: str, obj: Any, direction: str = "responses") -> None:
    """Raise AsanaSchemaError naming the object, the field and the rule it breaks."""
    v = validator(kind, direction)
    if v.is_valid(obj):
        return
    error = best_match(v.iter_errors(obj))
    where = "/".join(str(p) for p in error.absolute_path) or "(the object)"
    gid = obj.get("gid", "?") if isinstance(obj, dict) else "?"
    what = f"{kind} {gid}" if direction == "responses" else f"request {kind}"
    raise AsanaSchemaError(
        f"{what} breaks Asana's schema at field {where}: {error.message} "
        f"(rule {error.validator}); nothing was written"
    )
