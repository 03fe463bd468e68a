"""The resolved model, rendered back as a template, for the tools that read templates (cfn-guard).

Guard rules (the project's and AWS Control Tower's) must see what the checks see, so they read
this rendering instead of the raw file: parameters at their defaults (or the values given),
conditions evaluated (resources they remove are gone), Fn::If / FindInMap / Select / Split /
Join / Sub folded, AWS::NoValue removed, AWS's default DeletionPolicy and UpdateReplacePolicy
written out, and scalars typed as the resource schemas type them ("true" -> true where the
schema says boolean), as CloudFormation does on deploy.

What stays unknown until deploy keeps one spelling per meaning: !Ref X, !GetAtt X.Y, a !Sub
string, or {"Tapcheck::Unknown": reason} (never a false or an empty value).

The requirement folders' [values] ride along under the top-level key `Tapcheck`, so a guard
rule reads its expected value from the data (`Tapcheck.R4.retention_days`) instead of
writing it a second time; `Tapcheck.taggable_types` lists the template's resource types
whose schema takes a Tags list.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from tapcheck.model import AttrRef, Model, ParamRef, PseudoRef, ResourceRef, Text, Unknown, sub_text
from tapcheck.references import canonical
from tapcheck.requirements.taggable import tag_property
from tapcheck.resource_schemas import resolve_ref, resource_schema

UNKNOWN_KEY = "Tapcheck::Unknown"


def render(model: Model, values: dict[str, dict] | None = None) -> dict:
    """A plain-JSON template of the resolved model."""
    resources: dict[str, Any] = {}
    for logical_id, resource in model.resources.items():
        body: dict[str, Any] = {"Type": resource.type}
        schema = resource_schema(resource.type)
        properties = _plain(canonical(model, resource.properties))
        if isinstance(properties.get("Tags"), dict) and tag_property(resource.type) == "Tags":
            # one shape for tags: the map form some types take, as the list of Key/Value pairs
            properties["Tags"] = [{"Key": k, "Value": v} for k, v in properties["Tags"].items()]
            schema = None
        body["Properties"] = _coerce(properties, schema, schema) if schema else properties
        body["DeletionPolicy"] = _plain(resource.deletion_policy)
        body["UpdateReplacePolicy"] = _plain(resource.update_replace_policy)
        if resource.depends_on:
            body["DependsOn"] = list(resource.depends_on)
        # No Metadata: cfn-guard would honour Metadata.guard.SuppressedRules in it, and a
        # suppression must never change the verdict silently (tapcheck reports them instead).
        resources[logical_id] = body
    rendered: dict[str, Any] = {"Resources": resources}
    if model.parameters:
        rendered["Parameters"] = _plain_raw(model.parameters)
    if values is not None:
        types = sorted({r.type for r in model.resources.values() if tag_property(r.type) == "Tags"})
        rendered["Tapcheck"] = {**values, "taggable_types": types}
    return rendered


# cfn-guard reads JSON with a YAML parser: it rejects raw characters YAML does not allow (DEL,
# C1 controls, U+FFFE/U+FFFF) or reads as line breaks (NEL, U+2028, U+2029). JSON's structure is
# ASCII, so these can only be inside strings, where a \u escape means the same character.
_YAML_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def guard_json(tree: Any) -> str:
    text = json.dumps(tree, indent=1, ensure_ascii=False)
    return _YAML_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_rendering(model: Model, directory: str, values: dict[str, dict] | None = None) -> str:
    """The rendering as a JSON file cfn-guard can read; its path."""
    path = os.path.join(directory, "template.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(guard_json(render(model, values)))
    return path


def _plain(value: Any) -> Any:
    """Resolved values as JSON: symbols as the one intrinsic spelling of their meaning."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (ParamRef, PseudoRef)):
        return {"Ref": value.name}
    if isinstance(value, ResourceRef):
        return {"Ref": value.logical_id}
    if isinstance(value, AttrRef):
        return {"Fn::GetAtt": [value.logical_id, value.attribute]}
    if isinstance(value, Text):
        return {"Fn::Sub": sub_text(value)}
    if isinstance(value, Unknown):
        return {UNKNOWN_KEY: value.reason}
    if isinstance(value, str):
        return str(value)
    return value


def _plain_raw(value: Any) -> Any:
    """A raw template node without the loader's node classes (dates as the text they were)."""
    if isinstance(value, dict):
        return {str(k): _plain_raw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_raw(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return str(value) if isinstance(value, str) else value
    return str(value)


def _coerce(value: Any, node: dict, root: dict) -> Any:
    """Scalars typed where the schema types them: CloudFormation turns "true" into true and "7" into 7."""
    node = resolve_ref(node, root)
    kind = node.get("type")
    if isinstance(value, dict):
        if len(value) == 1 and (next(iter(value)) in ("Ref", UNKNOWN_KEY) or next(iter(value)).startswith("Fn::")):
            return value  # a value known only at deploy time
        properties = node.get("properties") or {}
        return {
            k: _coerce(v, properties.get(k, {}), root) if isinstance(properties, dict) else v for k, v in value.items()
        }
    if isinstance(value, list):
        items = node.get("items", {})
        return [_coerce(v, items if isinstance(items, dict) else {}, root) for v in value]
    if isinstance(value, float) and not isinstance(value, bool) and kind == "integer" and value.is_integer():
        return int(value)
    if isinstance(value, str) and isinstance(kind, str):
        text = value.strip()
        if kind == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind in ("integer", "number"):
            try:
                number = float(text)
            except ValueError:
                return value
            if kind == "integer" and number.is_integer():
                return int(number)
            if kind == "number":
                return int(number) if number.is_integer() and "." not in text else number
    return value
