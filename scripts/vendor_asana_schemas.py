"""Vendor the Asana OpenAPI schemas that `export --format asana-json` and `push` use.

    python scripts/vendor_asana_schemas.py /work/shared/asana-openapi/asana_oas.yaml

Reads Asana's official OpenAPI 3.0 spec (github.com/Asana/openapi, defs/asana_oas.yaml, Apache
2.0 as the spec declares) and writes `src/export/asana_schemas.json`: JSON Schema 2020-12 for
the response objects the export writes and the request bodies push sends.  The program reads
only that JSON at run time (a user's clone has no copy of the spec); pyyaml is needed only here.

Conversion, so that `jsonschema` checks what the API really returns and sends:
- ``allOf: [$ref, {nullable: true}]`` (the spec's nullable reference) becomes
  ``anyOf: [{type: null}, the schema]``; ``nullable: true`` elsewhere adds ``null`` to ``type``;
- other ``allOf`` chains of objects (Compact -> Base -> Response) are merged into one object
  (properties united, a property defined twice must satisfy both), then closed with
  ``unevaluatedProperties: false``, so an undeclared field fails;
- response schemas drop writeOnly properties, request schemas drop readOnly ones (the API
  never returns the first nor accepts the second);
- descriptions, examples and ``x-`` extensions are dropped; other keywords kept as they are;
- one correction: request ``custom_fields`` values may be a string, number, array or object,
  as the spec's own description of the field says (its schema says string only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "export" / "asana_schemas.json"

# What the export writes (resource type -> the schema of `GET /<type>/{gid}`).
RESPONSES = {
    "workspace": "WorkspaceResponse",
    "user": "UserResponse",
    "team": "TeamResponse",
    "project": "ProjectResponse",
    "section": "SectionResponse",
    "task": "TaskResponse",
    "story": "StoryResponse",
    "status_update": "StatusUpdateResponse",
    "custom_field": "CustomFieldResponse",
    "tag": "TagResponse",
}
# What push sends (the `data` of each request body).
REQUESTS = (
    "TeamRequest",
    "ProjectRequest",
    "SectionRequest",
    "TaskCreateRequest",
    "TaskUpdateRequest",
    "TaskAddProjectRequest",
    "SectionTaskInsertRequest",
    "ModifyDependenciesRequest",
    "TaskAddFollowersRequest",
    "TaskAddTagRequest",
    "StoryRequest",
    "StatusUpdateRequest",
    "TagCreateRequest",
    "CustomFieldCreateRequest",
    "AddCustomFieldSettingRequest",
    "AddMembersRequest",
)
KEPT = (
    "type", "enum", "format", "required", "minimum", "maximum", "minLength", "maxLength",
    "pattern", "minItems", "maxItems", "uniqueItems", "const",
)  # fmt: skip


# A task's or project's custom-field values on create/update.  The spec's schema says each value
# is a string, while its own description (and Asana's custom-fields guide) says "an enum GID,
# string, number, object, or array (depending on the custom field type)": the description is
# what the API accepts (a multi_enum value is an array of option gids), so it is followed here.
CUSTOM_FIELD_VALUES = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": ["string", "number", "null"]},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
}


class Converter:
    def __init__(self, schemas: dict[str, Any]):
        self.schemas = schemas
        self.defs: dict[str, Any] = {}

    def ref(self, name: str, mode: str) -> dict[str, str]:
        key = name if mode == "response" else f"{name}.request"
        if key not in self.defs:
            self.defs[key] = {}  # placeholder: breaks cycles
            self.defs[key] = self.convert(self.schemas[name], mode)
        return {"$ref": f"#/$defs/{key}"}

    def target(self, node: dict[str, Any]) -> dict[str, Any]:
        """The spec's schema a node stands for (following $refs)."""
        while "$ref" in node:
            node = self.schemas[node["$ref"].rsplit("/", 1)[1]]
        return node

    def merge_all_of(self, parts: list[dict[str, Any]], mode: str) -> dict[str, Any]:
        """An allOf of objects as one object: the parents' properties and requirements."""
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        required: list[str] = []
        for part in parts:
            spec = self.target(part)
            if "allOf" in spec:
                spec = self.merge_all_of(spec["allOf"], mode)
                props, req = spec["properties"], spec.get("required", [])
            else:
                props = self.properties(spec, mode)
                req = spec.get("required", [])
            for k, v in props.items():
                old = merged["properties"].get(k)
                merged["properties"][k] = v if old in (None, v) else {"allOf": [old, v]}
            required += [r for r in req if r not in required]
        if required:
            merged["required"] = required
        return merged

    def properties(self, node: dict[str, Any], mode: str) -> dict[str, Any]:
        out = {
            k: self.convert(v, mode)
            for k, v in node.get("properties", {}).items()
            if not self.hidden(v, mode)
        }
        if mode == "request" and "custom_fields" in out:
            out["custom_fields"] = CUSTOM_FIELD_VALUES
        return out

    def is_object(self, node: dict[str, Any]) -> bool:
        spec = self.target(node)
        return "properties" in spec or "allOf" in spec or spec.get("type") == "object"

    def hidden(self, node: dict[str, Any], mode: str) -> bool:
        flag = "writeOnly" if mode == "response" else "readOnly"
        return bool(node.get(flag))

    def convert(self, node: dict[str, Any], mode: str) -> dict[str, Any]:
        if "$ref" in node:
            return self.ref(node["$ref"].rsplit("/", 1)[1], mode)
        if "allOf" in node:
            parts = node["allOf"]
            rest = [p for p in parts if not (p.get("nullable") and "properties" not in p)]
            if len(rest) < len(parts) or node.get("nullable"):
                inner = rest[0] if len(rest) == 1 else {"allOf": rest}
                return {"anyOf": [{"type": "null"}, self.convert(inner, mode)]}
            if not all(self.is_object(p) for p in parts):  # e.g. allOf: [{type: string}]
                converted = [self.convert(p, mode) for p in parts]
                return converted[0] if len(converted) == 1 else {"allOf": converted}
            out = self.merge_all_of(parts, mode)
            out["unevaluatedProperties"] = False
            return out
        out: dict[str, Any] = {k: node[k] for k in KEPT if k in node}
        for key in ("anyOf", "oneOf"):
            if key in node:
                out[key] = [self.convert(p, mode) for p in node[key]]
        if "items" in node:
            out["items"] = self.convert(node["items"], mode)
        if "properties" in node:
            out["properties"] = self.properties(node, mode)
            if "additionalProperties" not in node:
                out["unevaluatedProperties"] = False
        if isinstance(node.get("additionalProperties"), dict):
            out["additionalProperties"] = self.convert(node["additionalProperties"], mode)
        elif "additionalProperties" in node:
            out["additionalProperties"] = node["additionalProperties"]
        if node.get("nullable"):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
            if "type" not in out:
                out = {"anyOf": [{"type": "null"}, out]}
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="asana_oas.yaml")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args()
    raw = args.spec.read_bytes()
    spec = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    conv = Converter(spec["components"]["schemas"])
    responses = {k: conv.ref(v, "response")["$ref"] for k, v in RESPONSES.items()}
    requests = {k: conv.ref(k, "request")["$ref"] for k in REQUESTS}
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "source": {
            "title": spec["info"]["title"],
            "version": spec["info"]["version"],
            "license": spec["info"].get("license"),
            "repository": "https://github.com/Asana/openapi",
            "path": "defs/asana_oas.yaml",
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        "responses": responses,
        "requests": requests,
        "$defs": dict(sorted(conv.defs.items())),
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(conv.defs)} schemas, {args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
