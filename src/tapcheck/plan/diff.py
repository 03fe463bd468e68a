"""Which resources an update adds, removes, modifies or replaces, and through which properties.

Two models (old and new template, resolved with the same parameter values) are compared
resource by resource, by logical id as CloudFormation matches them. A replaced resource gets a
new physical id, so every property that reads it (Ref, or a GetAtt that may change) changes
too; that can replace the reader in turn, so replacement is propagated until nothing new is
replaced.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from tapcheck.model import AttrRef, Model, Resource, ResourceRef, Text
from tapcheck.plan import schema as schemas
from tapcheck.plan.replacement import behaviour
from tapcheck.plan.values import MISSING, Renewed, canonical, contains_unknown, plain
from tapcheck.value_paths import values_at

UPDATE_BEHAVIORS = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html"
)


@dataclass
class PropertyChange:
    name: str
    old: Any
    new: Any
    replacement: str  # "true" | "false" | "conditional"
    why: str
    interruption: str | None = None
    maybe: bool = False  # only "may change": it reads a value an update may leave as it is


@dataclass
class Risk:
    name: str  # data-loss | update-fails | credentials-diverge | interruption | pending-reboot
    detail: str
    certain: bool = True  # False: it depends on something only AWS knows ("unknown")
    source: str = ""  # the page that documents the behaviour


@dataclass
class Change:
    resource: str
    type: str
    action: str  # add | remove | modify | replace
    replacement: str  # "true" | "false" | "conditional"
    old: Resource | None
    new: Resource | None
    properties: list[PropertyChange] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    allowed_by: str | None = None

    def add_risk(self, name: str, detail: str, certain: bool = True, source: str = "") -> None:
        self.risks.append(Risk(name, detail, certain, source))


def diff_models(old: Model, new: Model) -> list[Change]:
    common = [lid for lid in new.resources if lid in old.resources]
    retyped = {lid for lid in common if old.resources[lid].type != new.resources[lid].type}
    added = [lid for lid in new.resources if lid not in old.resources]
    removed = [lid for lid in old.resources if lid not in new.resources]
    fresh = set(retyped) | set(added)  # physical ids that are new whatever else happens

    # A resource that may be replaced (conditional) makes its readers' values "may change" too:
    # CloudFormation evaluates "a reference to a resource that is conditionally recreated" as
    # Dynamic (ResourceChangeDetail, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html).
    replaced: set[str] = set()
    maybe: set[str] = set()
    while True:
        updates = {
            lid: _compare(old.resources[lid], new.resources[lid], fresh | replaced, maybe - replaced)
            for lid in common
            if lid not in retyped
        }
        now_replaced = {lid for lid, props in updates.items() if _replacement(props) == "true"}
        now_maybe = {lid for lid, props in updates.items() if _replacement(props) == "conditional"}
        if now_replaced <= replaced and now_maybe <= maybe:
            break
        replaced |= now_replaced
        maybe |= now_maybe

    changes: list[Change] = []
    for lid in added:
        resource = new.resources[lid]
        changes.append(Change(lid, resource.type, "add", "false", None, resource))
    for lid in removed:
        resource = old.resources[lid]
        changes.append(Change(lid, resource.type, "remove", "false", resource, None))
    for lid in sorted(retyped):
        before, after = old.resources[lid], new.resources[lid]
        change = Change(
            lid,
            after.type,
            "replace",
            "true",
            before,
            after,
            [PropertyChange("Type", before.type, after.type, "true", "the resource type changes")],
        )
        changes.append(change)
    for lid, props in updates.items():
        if props:
            replacement = _replacement(props)
            action = "replace" if replacement == "true" else "modify"
            changes.append(
                Change(lid, new.resources[lid].type, action, replacement, old.resources[lid], new.resources[lid], props)
            )
    return changes


def _replacement(props: list[PropertyChange]) -> str:
    kinds = {p.replacement for p in props}
    return "true" if "true" in kinds else ("conditional" if "conditional" in kinds else "false")


def _compare(
    old: Resource, new: Resource, renewed_ids: set[str], maybe_ids: AbstractSet[str] = frozenset()
) -> list[PropertyChange]:
    changes = []
    names = list(old.properties) + [n for n in new.properties if n not in old.properties]
    for name in names:
        change = _compare_property(new.type, name, old, new, renewed_ids, maybe_ids)
        if change is not None:
            changes.append(change)
    changes.extend(_policy_changes(old, new))
    return changes


def _compare_property(
    resource_type: str,
    name: str,
    old: Resource,
    new: Resource,
    renewed_ids: set[str],
    maybe_ids: AbstractSet[str] = frozenset(),
) -> PropertyChange | None:
    before, after = old.properties.get(name, MISSING), new.properties.get(name, MISSING)
    node, root = schemas.comparison_node(resource_type, name)
    refs_only, with_attributes = Renewed(renewed_ids), Renewed(set(renewed_ids) | set(maybe_ids), attributes=True)

    if contains_unknown(before) or contains_unknown(after):
        # Not knowable statically (Fn::ImportValue, an undecidable Fn::If...): compare the text.
        raw_before = plain((old.raw.get("Properties") or {}).get(name, MISSING))
        raw_after = plain((new.raw.get("Properties") or {}).get(name, MISSING))
        if raw_before == raw_after and not _mentions(after, renewed_ids):
            return None
        found = behaviour(resource_type, name, before, after, lambda path: True)
        return PropertyChange(
            name,
            before,
            after,
            _at_most_conditional(found.replacement),
            found.why + "; its value is only known at deploy time",
            found.interruption,
        )

    old_form = canonical(before, node, root)
    if old_form == canonical(after, node, root, refs_only):
        if old_form == canonical(after, node, root, with_attributes):
            return None
        # Only a GetAtt of a replaced resource, or a value read from a resource that may be
        # replaced, differs: it may or may not take a new value.
        found = behaviour(
            resource_type, name, before, after, lambda path: _differs(before, after, path, with_attributes)
        )
        why = found.why + _because(after, renewed_ids, "may change: it reads an attribute of")
        why += _because(after, set(maybe_ids) - set(renewed_ids), "may change: it reads", "which may be replaced")
        return PropertyChange(
            name, before, after, _at_most_conditional(found.replacement), why, found.interruption, maybe=True
        )

    found = behaviour(resource_type, name, before, after, lambda path: _differs(before, after, path, refs_only))
    reason = found.why + _because(after, renewed_ids, "changes: it reads the physical id of")
    return PropertyChange(name, before, after, found.replacement, reason, found.interruption)


def _at_most_conditional(replacement: str) -> str:
    return "conditional" if replacement == "true" else replacement


def _differs(before: Any, after: Any, path: tuple[str, ...], renewed: Renewed) -> bool:
    old_values, new_values = values_at(before, path[1:]), values_at(after, path[1:])
    return [canonical(v, {}, {}) for v in old_values] != [canonical(v, {}, {}, renewed) for v in new_values]


def _mentions(value: Any, logical_ids: set[str]) -> bool:
    return bool(_referenced(value) & logical_ids)


def _referenced(value: Any) -> set[str]:
    if isinstance(value, (ResourceRef, AttrRef)):
        return {value.logical_id}
    if isinstance(value, Text):
        return set().union(*(_referenced(p) for p in value.parts)) if value.parts else set()
    if isinstance(value, dict):
        return set().union(*(_referenced(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_referenced(v) for v in value)) if value else set()
    return set()


def _because(value: Any, renewed_ids: set[str], verb: str, what: str = "which gets a new physical id") -> str:
    renewed = sorted(_referenced(value) & renewed_ids)
    return f"; {verb} {', '.join(renewed)}, {what}" if renewed else ""


def update_replace_policy(resource: Resource) -> str:
    # "By default, if you don't specify an UpdateReplacePolicy, CloudFormation deletes your
    # resources" -- no exception for RDS, unlike DeletionPolicy:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html
    return str(resource.update_replace_policy) if "UpdateReplacePolicy" in resource.raw else "Delete"


def _policy_changes(old: Resource, new: Resource) -> list[PropertyChange]:
    changes = []
    pairs = (
        ("DeletionPolicy", str(old.deletion_policy), str(new.deletion_policy)),
        ("UpdateReplacePolicy", update_replace_policy(old), update_replace_policy(new)),
    )
    for name, before, after in pairs:
        if before != after:
            changes.append(
                PropertyChange(
                    name, before, after, "false", f"{name} {before} -> {after}: an attribute, no update of the resource"
                )
            )
    return changes
