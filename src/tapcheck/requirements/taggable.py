"""Which resource types take tags, from the CloudFormation resource schemas cfn-lint ships."""

from __future__ import annotations

from functools import lru_cache

SCHEMA_REGION = "us-east-1"


@lru_cache(maxsize=None)
def tag_property(resource_type: str) -> str | None:
    """The property that holds tags for a taggable type; None if the type takes none (or is unknown)."""
    if not resource_type.startswith("AWS::"):
        return None
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except Exception:      # unknown type: cfn-lint reports it (E3006)
        return None
    tagging = schema.get("tagging") or {}
    if not tagging.get("taggable", False):
        return None
    pointer = tagging.get("tagProperty", "/properties/Tags")
    return pointer.rsplit("/", 1)[-1]
