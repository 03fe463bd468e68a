"""Scalars typed as CloudFormation types them, for the tools that compare raw values.

CloudFormation turns "true" into true and "7" into 7 wherever a resource schema says the
property is a boolean or a number, so `StorageEncrypted: "true"` and `StorageEncrypted: true`
deploy the same cluster. cfn-guard rules compare the raw template (`StorageEncrypted == true`),
so the guard packs are fed this normalized copy: scalars change type only where the
resource schema (from cfn-lint's provider schemas) says so, and intrinsic functions stay
untouched unless they are constants (Fn::Sub, Fn::Join, Fn::Split over literals only).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

SCHEMA_REGION = "us-east-1"


def normalize_template(tree: dict) -> dict:
    """A plain-JSON copy of tree with schema-typed scalars coerced."""
    plain = _plain(tree)
    resources = plain.get("Resources")
    if isinstance(resources, dict):
        for resource in resources.values():
            if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict):
                schema = _schema(resource.get("Type"))
                if schema is not None:
                    resource["Properties"] = _coerce(resource["Properties"], schema, schema)
    return plain


# cfn-guard reads JSON with a YAML parser: it rejects \uD800-style surrogate-pair escapes and
# raw characters YAML does not allow (DEL, C1 controls, U+FFFE/U+FFFF) or reads as line breaks
# (NEL, U+2028, U+2029). JSON's structure is ASCII, so these can only be inside strings, where
# a \u escape means the same character.
_YAML_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def guard_json(tree: Any) -> str:
    text = json.dumps(tree, indent=1, ensure_ascii=False)
    return _YAML_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_typed_copy(tree: dict, directory: str) -> str:
    """The normalized template as a JSON file cfn-guard can read; its path."""
    path = os.path.join(directory, "template.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(guard_json(normalize_template(tree)))
    return path


def _schema(resource_type: Any) -> dict | None:
    if not isinstance(resource_type, str) or not resource_type.startswith("AWS::"):
        return None
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except Exception:
        return None


def _resolve(node: dict, root: dict, depth: int = 0) -> dict:
    while isinstance(node, dict) and "$ref" in node and depth < 20:
        pointer = node["$ref"]
        if not isinstance(pointer, str) or not pointer.startswith("#/"):
            return {}
        target: Any = root
        for part in pointer[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node if isinstance(node, dict) else {}


def _coerce(value: Any, node: dict, root: dict) -> Any:
    node = _resolve(node, root)
    kind = node.get("type")
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            literal = _literal_function(value)
            if literal is None:
                return _canonical_function(value)
            # an intrinsic function: the tools see its value only when it is a constant
            return _coerce(literal, node, root)
        properties = node.get("properties") or {}
        return {k: _coerce(v, properties.get(k, {}), root) if isinstance(properties, dict) else v
                for k, v in value.items()}
    if isinstance(value, list):
        items = node.get("items", {})
        return [_coerce(v, items if isinstance(items, dict) else {}, root) for v in value]
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


def _canonical_function(value: dict) -> dict:
    """One spelling per meaning, so rules written for one form see every form:
    Fn::GetAtt "X.Attr" -> ["X", "Attr"], and Fn::Join over literals, Refs and GetAtts
    -> the equivalent Fn::Sub string."""
    (name, argument), = value.items()
    if name == "Fn::GetAtt" and isinstance(argument, str) and "." in argument:
        return {"Fn::GetAtt": argument.split(".", 1)}
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
            and isinstance(argument[1], list):
        pieces = []
        for part in argument[1]:
            if isinstance(part, str):
                pieces.append(part.replace("${", "${!"))
            elif isinstance(part, dict) and list(part) == ["Ref"] and isinstance(part["Ref"], str):
                pieces.append("${" + part["Ref"] + "}")
            elif isinstance(part, dict) and list(part) == ["Fn::GetAtt"] and isinstance(part["Fn::GetAtt"], list) \
                    and all(isinstance(x, str) for x in part["Fn::GetAtt"]):
                pieces.append("${" + ".".join(part["Fn::GetAtt"]) + "}")
            else:
                return value
        return {"Fn::Sub": argument[0].replace("${", "${!").join(pieces)}
    return value


def _literal_function(value: dict) -> Any:
    """The value of Fn::Sub / Fn::Join / Fn::Split over literals only, else None."""
    (name, argument), = value.items()
    if name == "Fn::Sub" and isinstance(argument, str) and "${" not in argument.replace("${!", ""):
        return argument.replace("${!", "${")
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
            and isinstance(argument[1], list) and all(isinstance(p, str) for p in argument[1]):
        return argument[0].join(argument[1])
    if name == "Fn::Split" and isinstance(argument, list) and len(argument) == 2 \
            and all(isinstance(p, str) for p in argument):
        return argument[1].split(argument[0])
    return None


def _plain(value: Any) -> Any:
    """Drop cfn-lint's node classes: plain dicts, lists, str, numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
