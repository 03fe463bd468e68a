"""C9 — Delete, never Retain or Snapshot, for DeletionPolicy and UpdateReplacePolicy of every resource."""

from __future__ import annotations

from tapcheck.model import Model
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, first

SPEC = "All resources have Delete policies (no Retain) (seed C9)"


def check(model: Model):
    for resource in model.resources.values():
        for attribute, value, explicit in (
                ("DeletionPolicy", resource.deletion_policy, resource.deletion_policy_explicit),
                ("UpdateReplacePolicy", resource.update_replace_policy, resource.update_replace_policy_explicit)):
            if value != "Delete":
                origin = "" if explicit else " (AWS's default when the attribute is absent)"
                yield violation(resource, f"/Resources/{resource.logical_id}/{attribute}",
                                f"{attribute} is {value!r}{origin}", f"Set {attribute}: Delete",
                                attribute.lower())


def passing_example(template: dict) -> None:
    for resource in template["Resources"].values():
        if resource["Type"] not in (CLUSTER, "AWS::RDS::DBInstance"):
            resource.pop("DeletionPolicy", None)          # Delete is the default for these types
            resource.pop("UpdateReplacePolicy", None)


def failing_example(template: dict) -> None:
    first(template, CLUSTER).pop("DeletionPolicy")          # a DB cluster defaults to Snapshot


REQUIREMENT = Requirement("C9", "Delete policies on every resource", SPEC, check, passing_example, failing_example)
