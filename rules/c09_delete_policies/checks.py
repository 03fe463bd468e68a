"""C9 — Delete, never Retain or Snapshot, for the DeletionPolicy and UpdateReplacePolicy of every resource.

AWS's defaults count when an attribute is absent (the model applies them, with their pages):
DeletionPolicy defaults to Snapshot for a DB cluster and a stand-alone DB instance, Delete
otherwise; UpdateReplacePolicy defaults to Delete for every resource.
"""

from __future__ import annotations

from tapcheck.model import Model, show
from tapcheck.requirements.unit import check, values, violation

POLICY = values(__file__)["policy"]


@check("delete-policies")
def delete_policies(model: Model):
    """Every resource's effective DeletionPolicy and UpdateReplacePolicy is Delete."""
    for resource in model.resources.values():
        for attribute, value, explicit in (
            ("DeletionPolicy", resource.deletion_policy, resource.deletion_policy_explicit),
            ("UpdateReplacePolicy", resource.update_replace_policy, resource.update_replace_policy_explicit),
        ):
            if value != POLICY:
                origin = "" if explicit else " (CloudFormation's default when the attribute is absent)"
                yield violation(
                    resource,
                    f"/Resources/{resource.logical_id}/{attribute}",
                    f"{attribute} is {show(value)}{origin}",
                    f"Set {attribute}: {POLICY}",
                )
