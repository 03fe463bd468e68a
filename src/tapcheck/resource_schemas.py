"""The CloudFormation resource schemas cfn-lint ships: one place to read them for the loader,
the rendering for cfn-guard, the tag lookup and the plan.

One region's copy serves every check. Checked against cfn-lint's data: the schemas of the 11
resource types lib/TapStack.json uses are identical in us-east-1, us-west-2, eu-west-1,
eu-central-1 and ap-southeast-2; for other types a region may differ, and us-east-1 is read.
"""

from __future__ import annotations

from functools import cache
from typing import Any

SCHEMA_REGION = "us-east-1"


@cache
def resource_schema(resource_type: Any) -> dict | None:
    """The schema of an AWS:: type; None for Custom:: and other non-AWS types and for unknown
    types (the loader refuses those with one line before anything reads their schema)."""
    if not isinstance(resource_type, str) or not resource_type.startswith("AWS::"):
        return None
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except Exception:  # noqa: BLE001 - cfn-lint raises ResourceNotFoundError (and others) for unknown types
        return None


def resolve_ref(node: Any, root: dict) -> dict:
    """Follow local "$ref" pointers ("#/definitions/X") to the node they name; {} for a pointer
    that leads nowhere or out of the document. Bounded, so a cycle of references ends."""
    depth = 0
    while isinstance(node, dict) and "$ref" in node and depth < 20:
        pointer = node["$ref"]
        if not isinstance(pointer, str) or not pointer.startswith("#/"):
            return {}
        target: Any = root
        for part in pointer[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node if isinstance(node, dict) else {}
