"""What a stack update does to one resource, decided the way CloudFormation decides it.

The rule is the resource schema's, read through tapcheck.plan.schema (the schemas cfn-lint
ships), never a list of our own:

- a changed `createOnlyProperties` path replaces the resource: RequiresRecreation `Always`;
- a changed `conditionalCreateOnlyProperties` path is `Conditionally`: the resource's handler
  updates it in place unless it refuses the change as NotUpdatable, and each emulator model says
  when its AWS handler does (`not_updatable`);
- any other change is `Never`: made in place by the model's `update_in_place`, which fails the
  update (rolled back) for a property the emulator cannot change, never ignores it silently.
  "The update will happen even if the real value of the property doesn't change" for an added or
  removed create-only property
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html).

Values are compared as resolved (intrinsic functions evaluated, dynamic references left as text:
CloudFormation resolves those only for a resource it updates) and by meaning, with the same
canonical form `tapcheck plan` uses (schema types, unordered Tags and `insertionOrder: false`
arrays). A value that reads the physical id or an attribute of a resource the update creates or
replaces is not known before the update runs: the change set calls that evaluation `Dynamic`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tapcheck.plan import schema as schemas
from tapcheck.plan.values import canonical
from tapcheck.value_paths import MISSING, values_at

ALWAYS, CONDITIONALLY, NEVER = "Always", "Conditionally", "Never"
STATIC, DYNAMIC = "Static", "Dynamic"
# Stands for a physical id (or attribute) not known before the update runs.
PENDING_PREFIX = "tapcheck-pending-"


class Pending:
    """In a dry run (a change set), the resource an update will create or replace."""

    def __init__(self, logical_id: str) -> None:
        self.logical_id = logical_id
        self.physical_resource_id = f"{PENDING_PREFIX}{logical_id}"

    def get_cfn_attribute(self, attribute: str) -> str:
        return f"{PENDING_PREFIX}{self.logical_id}.{attribute}"


def mentions_pending(value: Any) -> bool:
    if isinstance(value, str):
        return PENDING_PREFIX in value
    if isinstance(value, dict):
        return any(mentions_pending(v) for v in value.values())
    if isinstance(value, list):
        return any(mentions_pending(v) for v in value)
    return False


def pending_sources(value: Any) -> set[str]:
    """Logical ids whose pending physical id or attribute `value` reads."""
    import re

    found: set[str] = set()
    if isinstance(value, str):
        found |= {m for m in re.findall(PENDING_PREFIX + r"([A-Za-z0-9]+)", value)}
    elif isinstance(value, dict):
        for v in value.values():
            found |= pending_sources(v)
    elif isinstance(value, list):
        for v in value:
            found |= pending_sources(v)
    return found


@dataclass(frozen=True)
class PropertyChange:
    name: str
    requires_recreation: str  # Always | Conditionally | Never
    evaluation: str  # Static | Dynamic
    causes: tuple[str, ...] = ()  # logical ids whose new physical id or attribute makes it Dynamic


@dataclass
class Verdict:
    """What the update does to one existing resource."""

    properties: list[PropertyChange] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)  # DeletionPolicy / UpdateReplacePolicy changes

    @property
    def changed(self) -> bool:
        return bool(self.properties or self.attributes)

    @property
    def replacement(self) -> str:
        """The change set's ResourceChange.Replacement: "if the RequiresRecreation field is Always
        and the Evaluation field is Static, Replacement is True. If the RequiresRecreation field is
        Always and the Evaluation field is Dynamic, Replacement is Conditionally [Conditional]";
        with several changes "the Replacement value depends on the change with the most impact"
        (Always, then Conditionally, then Never) -- ResourceChange in the CloudFormation API
        reference (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html,
        text as returned from https://docs.rs/aws-sdk-cloudformation/0.21.0/aws_sdk_cloudformation/model/struct.ResourceChange.html)."""
        kinds = {(p.requires_recreation, p.evaluation) for p in self.properties}
        if (ALWAYS, STATIC) in kinds:
            return "True"
        if any(r in (ALWAYS, CONDITIONALLY) for r, _ in kinds):
            return "Conditional"
        return "False"

    def names(self, recreation: str | None = None) -> list[str]:
        return [p.name for p in self.properties if recreation is None or p.requires_recreation == recreation]


def _comparable(resource_type: str, name: str, value: Any) -> Any:
    node, root = schemas.comparison_node(resource_type, name)
    return canonical(value, node, root)


def _path_differs(old: Any, new: Any, path: tuple[str, ...]) -> bool:
    return [canonical(v, {}, {}) for v in values_at(old, path)] != [canonical(v, {}, {}) for v in values_at(new, path)]


def recreation(resource_type: str, name: str, old: Any, new: Any) -> str:
    """Always / Conditionally / Never for a top-level property whose value changed."""
    for path in schemas.create_only(resource_type):
        if path[0] == name and _path_differs(old, new, path[1:]):
            return ALWAYS
    for path in schemas.conditional_create_only(resource_type):
        if path[0] == name and _path_differs(old, new, path[1:]):
            return CONDITIONALLY
    return NEVER


def compare(resource_type: str, old: dict[str, Any], new: dict[str, Any]) -> list[PropertyChange]:
    """The top-level properties whose resolved values differ, with their update behaviour."""
    changes = []
    for name in list(old) + [n for n in new if n not in old]:
        before, after = old.get(name, MISSING), new.get(name, MISSING)
        if _comparable(resource_type, name, before) == _comparable(resource_type, name, after):
            continue
        causes = tuple(sorted(pending_sources(after)))
        evaluation = DYNAMIC if causes else STATIC
        changes.append(PropertyChange(name, recreation(resource_type, name, before, after), evaluation, causes))
    return changes


def policy_changes(old_body: dict[str, Any], new_body: dict[str, Any]) -> list[str]:
    """DeletionPolicy / UpdateReplacePolicy attributes that changed: no call to the resource."""
    return [attr for attr in ("DeletionPolicy", "UpdateReplacePolicy") if old_body.get(attr) != new_body.get(attr)]


def update_replace_policy(body: dict[str, Any]) -> str:
    # "By default, if you don't specify an UpdateReplacePolicy, CloudFormation deletes your
    # resources" -- for every type, no RDS exception as DeletionPolicy has:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html
    return str(body.get("UpdateReplacePolicy") or "Delete")


def same_custom_name(resource_type: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The custom name a replacement would keep, if the template sets one and it stays the same
    (RDS identifiers compare case-insensitively: they are "stored as a lowercase string",
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html)."""
    prop = schemas.name_property(resource_type)
    if prop is None or prop not in new or prop not in old:
        return None
    before, after = str(old[prop]), str(new[prop])
    if resource_type.startswith("AWS::RDS::"):
        before, after = before.lower(), after.lower()
    return str(new[prop]) if before == after else None
