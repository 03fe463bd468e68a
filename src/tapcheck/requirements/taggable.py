"""Which resource types take tags, from the CloudFormation resource schemas cfn-lint ships."""

from __future__ import annotations

from functools import cache

from tapcheck.resource_schemas import resource_schema


@cache
def tag_property(resource_type: str) -> str | None:
    """The property that holds tags for a taggable type; None if the type takes none (or is unknown)."""
    schema = resource_schema(resource_type)
    if schema is None:
        return None
    tagging = schema.get("tagging") or {}
    if not tagging.get("taggable", False):
        return None
    pointer = tagging.get("tagProperty", "/properties/Tags")
    return pointer.rsplit("/", 1)[-1]
