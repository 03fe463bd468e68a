"""CloudFormation change sets and CancelUpdateStack on the emulator, patched into moto by install().

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

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult

from tapcheck.emulator.models import stack_update
from tapcheck.emulator.models import update_rules as rules

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
        details.append({"Target": {"Attribute": attribute, "RequiresRecreation": rules.NEVER},
                        "Evaluation": rules.STATIC, "ChangeSource": "DirectModification"})
    return sorted(set(scope)), details


def _change(preview: stack_update.Preview) -> Change:
    change = Change(action=preview.action, logical_resource_id=preview.logical, resource_type=preview.rtype)
    if preview.physical:
        change.physical_resource_id = preview.physical  # type: ignore[attr-defined]
    if preview.action == "Modify":
        change.replacement = (preview.verdict or rules.Verdict()).replacement  # type: ignore[attr-defined]
        change.scope, change.details = _details(preview)  # type: ignore[attr-defined]
    return change


def _diff(self: ChangeSet) -> list[Change]:
    if self.change_set_type != "UPDATE":
        return _moto_diff(self)
    return [_change(p) for p in stack_update.preview(self.stack, self.template_dict, self._tapcheck_parameters())]


def _parameters(self: ChangeSet) -> dict[str, Any]:
    """The change set's parameter values; the ones not given keep the stack's (UsePreviousValue
    is resolved by moto's response code already)."""
    return {**(self.stack.parameters or {}), **(self.parameters or {})}


def _execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = self.describe_change_set(change_set_name)
    if change_set.change_set_type != "UPDATE":
        return _moto_execute(self, change_set_name, stack_name)
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                                      f"execution status of [{change_set.execution_status}]")
    stack = self.stacks[change_set.stack_id]
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    stack.update(change_set.template, change_set.role_arn, parameters=change_set._tapcheck_parameters(),
                 tags=change_set.tags or None)
    change_set.execution_status = "EXECUTE_COMPLETE" if stack.status == "UPDATE_COMPLETE" else "EXECUTE_FAILED"


def _cancel_update_stack(self: CloudFormationResponse) -> ActionResult:
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack_update.request_cancel(stack)
    return EmptyResult()


_moto_diff = ChangeSet.diff
_moto_execute = CloudFormationBackend.execute_change_set


def install() -> None:
    if getattr(ChangeSet, "_tapcheck_change_sets", False):
        return
    ChangeSet._tapcheck_change_sets = True  # type: ignore[attr-defined]
    ChangeSet._tapcheck_parameters = _parameters  # type: ignore[attr-defined]
    ChangeSet.diff = _diff  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    CloudFormationResponse.cancel_update_stack = _cancel_update_stack  # type: ignore[attr-defined]
