"""What the resource schemas cfn-lint ships say about updating a resource type.

- createOnlyProperties: changing (adding or removing) one replaces the resource;
- conditionalCreateOnlyProperties: "properties that can only be updated under certain
  conditions ... the resource will be replaced if it cannot be updated" (the resource schema
  meta-schema, https://github.com/aws-cloudformation/cloudformation-cli/blob/master/src/rpdk/core/data/schema/provider.definition.schema.v1.json);
- the type of each property, so "7" and 7 compare equal where the schema says number;
- insertionOrder: false, so reordering such an array is no change (the default is true: order
  matters; base.definition.schema.v1.json in the same directory);
- which property holds the resource's custom name.
"""

from __future__ import annotations

from tapcheck.resource_schemas import resolve_ref, resource_schema  # the plan modules read them here too


def _pointers(resource_type: str, key: str) -> tuple[tuple[str, ...], ...]:
    schema = resource_schema(resource_type) or {}
    return tuple(tuple(p.split("/")[2:]) for p in schema.get(key) or () if p.startswith("/properties/"))


def create_only(resource_type: str) -> tuple[tuple[str, ...], ...]:
    """Property paths (top-level name first; "*" for every list item) whose change replaces."""
    return _pointers(resource_type, "createOnlyProperties")


def conditional_create_only(resource_type: str) -> tuple[tuple[str, ...], ...]:
    return _pointers(resource_type, "conditionalCreateOnlyProperties")


def name_property(resource_type: str) -> str | None:
    """The property that holds a custom name, if the type has one.

    Each type names its own name property (https://docs.aws.amazon.com/AWSCloudFormation/latest/
    TemplateReference/aws-properties-name.html); the schemas do not flag it, so: the primary
    identifier when the template sets it (DBClusterIdentifier, RoleName, AlarmName), else a
    create-only `Name` or `<Type>Name` (Secret Name, Topic TopicName), else the one create-only
    property whose name ends in "Name" (SecurityGroup GroupName).
    """
    schema = resource_schema(resource_type)
    if schema is None:
        return None
    read_only = set(schema.get("readOnlyProperties") or ())
    create_only_names = {path[0] for path in create_only(resource_type) if len(path) == 1}
    primary = schema.get("primaryIdentifier") or []
    if len(primary) == 1 and primary[0] not in read_only and primary[0].startswith("/properties/"):
        name = primary[0].split("/")[2]
        if name in create_only_names:
            return name
    suffix = resource_type.rsplit("::", 1)[-1]
    for candidate in ("Name", f"{suffix}Name"):
        if candidate in create_only_names:
            return candidate
    ending_in_name = [name for name in create_only_names if name.endswith("Name")]
    return ending_in_name[0] if len(ending_in_name) == 1 else None


def property_node(resource_type: str, name: str) -> tuple[dict, dict]:
    """The schema node of a top-level property and the schema root (for $ref)."""
    schema = resource_schema(resource_type) or {}
    properties = schema.get("properties") or {}
    node = properties.get(name) if isinstance(properties, dict) else None
    return (node if isinstance(node, dict) else {}), schema


def comparison_node(resource_type: str, name: str) -> tuple[dict, dict]:
    """The schema node two values of a top-level property are compared under (and the root).
    Tags are key-value pairs, whatever their order
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html);
    a few schemas (CloudWatch Alarm) omit insertionOrder: false."""
    node, root = property_node(resource_type, name)
    if name == "Tags":
        node = {**resolve_ref(node, root), "insertionOrder": False}
    return node, root


def child(node: dict, root: dict, key: str | None) -> dict:
    """Schema of a key of an object node (key) or of the items of an array node (None)."""
    node = resolve_ref(node, root)
    if key is None:
        items = node.get("items")
        return items if isinstance(items, dict) else {}
    properties = node.get("properties")
    if isinstance(properties, dict) and isinstance(properties.get(key), dict):
        return properties[key]
    return {}
