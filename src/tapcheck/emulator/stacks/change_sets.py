"""CloudFormation change sets and CancelUpdateStack on the emulator (moto_patches/cloudformation.py
hooks these into moto).

moto 5.2.5's change set lists Add/Modify/Remove per logical id only (no Replacement, Scope or
Details), marks a resource modified whenever its template text differs, and executes through a
path of its own. Here DescribeChangeSet reports, per resource, what stack_update.preview() finds
with the update's own rules (update_rules.py): for a Modify, Replacement True/False/Conditional,
the Scope, and one Details entry per changed property with Target {Attribute, Name,
RequiresRecreation}, Evaluation Static/Dynamic, ChangeSource and CausingEntity -- the fields of
ResourceChange and ResourceChangeDetail in the CloudFormation API reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html; text
as returned from https://docs.rs/aws-sdk-cloudformation/latest/aws_sdk_cloudformation/types/struct.ResourceChangeDetail.html).
ExecuteChangeSet runs the same update as UpdateStack (stack_update.run).

Limits: a CREATE change set keeps moto's behaviour; the change set is computed when it is
created (AWS computes it asynchronously: CREATE_PENDING, CREATE_IN_PROGRESS); `BeforeContext` /
`AfterContext` and hook invocations are not reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend

from tapcheck.emulator.stacks import update as stack_update
from tapcheck.emulator.stacks import update_rules as rules

# ResourceAttribute of a change to one of these, rather than "Properties"
_ATTRIBUTE_OF = {"Tags": "Tags"}


def _details(preview: stack_update.Preview) -> tuple[list[str], list[dict[str, Any]]]:
    verdict = preview.verdict or rules.Verdict()
    details, scope = [], []
    for prop in verdict.properties:
        attribute = _ATTRIBUTE_OF.get(prop.name, "Properties")
        scope.append(attribute)
        detail: dict[str, Any] = {
            "Target": {"Attribute": attribute, "Name": prop.name, "RequiresRecreation": prop.requires_recreation},
            "Evaluation": prop.evaluation,
            # ResourceReference: the value reads a resource whose physical id the update renews;
            # DirectModification otherwise (a parameter's new value included: telling the two apart
            # needs the template text, which the resolved values no longer carry).
            "ChangeSource": "ResourceReference" if prop.causes else "DirectModification",
        }
        if prop.causes:
            detail["CausingEntity"] = prop.causes[0]
        details.append(detail)
    for attribute in verdict.attributes:
        scope.append(attribute)
        details.append(
            {
                "Target": {"Attribute": attribute, "RequiresRecreation": rules.NEVER},
                "Evaluation": rules.STATIC,
                "ChangeSource": "DirectModification",
            }
        )
    return sorted(set(scope)), details


class DetailedChange(Change):
    """One ResourceChange with the fields moto's Change lacks (its serializer reads them by name)."""

    def __init__(self, preview: stack_update.Preview) -> None:
        super().__init__(action=preview.action, logical_resource_id=preview.logical, resource_type=preview.rtype)
        # None is left out of the response, as AWS leaves out what an Add or Remove lacks
        self.physical_resource_id = preview.physical or None
        self.replacement: str | None = None
        self.scope: list[str] | None = None
        self.details: list[dict[str, Any]] | None = None
        if preview.action == "Modify":
            self.replacement = (preview.verdict or rules.Verdict()).replacement
            self.scope, self.details = _details(preview)


def parameters_of(change_set: ChangeSet) -> dict[str, Any]:
    """The change set's parameter values; the ones not given keep the stack's (UsePreviousValue
    is resolved by moto's response code already)."""
    return {**(change_set.stack.parameters or {}), **(change_set.parameters or {})}


def changes(change_set: ChangeSet) -> list[DetailedChange]:
    """ChangeSet.diff for an UPDATE change set: what stack_update.preview finds."""
    return [
        DetailedChange(p)
        for p in stack_update.preview(change_set.stack, change_set.template_dict, parameters_of(change_set))
    ]


def execute(
    self: CloudFormationBackend,
    change_set_name: str,
    stack_name: str | None,
    moto_execute: Callable[[CloudFormationBackend, str, str | None], None],
) -> None:
    """ExecuteChangeSet of an UPDATE change set runs the same update as UpdateStack; a CREATE
    change set keeps moto's behaviour (`moto_execute`)."""
    change_set = self.describe_change_set(change_set_name)  # refuses an unknown name itself
    assert change_set is not None
    if change_set.change_set_type != "UPDATE":
        moto_execute(self, change_set_name, stack_name)
        return
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(
            message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
            f"execution status of [{change_set.execution_status}]"
        )
    stack = self.stacks[change_set.stack_id]
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    stack.update(
        change_set.template, change_set.role_arn, parameters=parameters_of(change_set), tags=change_set.tags or None
    )
    change_set.execution_status = "EXECUTE_COMPLETE" if stack.status == "UPDATE_COMPLETE" else "EXECUTE_FAILED"
