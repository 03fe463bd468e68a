"""Which capability acknowledgement a template needs before CloudFormation creates it.

CreateStack / UpdateStack / CreateChangeSet, Capabilities
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html):
"If you have IAM resources, you can specify either capability. If you have IAM resources with
custom names, you must specify CAPABILITY_NAMED_IAM. If you don't specify either of these
capabilities, CloudFormation returns an InsufficientCapabilities error." The resources are
listed there: AWS::IAM::AccessKey, Group, InstanceProfile, ManagedPolicy, Policy, Role, User
and UserToGroupAddition. The error's text, commonly reported and not documented, is
"Requires capabilities : [CAPABILITY_NAMED_IAM]".

Pure logic (no moto).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

IAM = "CAPABILITY_IAM"
NAMED_IAM = "CAPABILITY_NAMED_IAM"

# IAM resource type -> the property that gives it a custom name ("" when it has none)
IAM_RESOURCES = {
    "AWS::IAM::AccessKey": "",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": "",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": "",
}


def required(template: Mapping[str, Any]) -> str | None:
    """NAMED_IAM, IAM, or None for a template's resources. Every declared resource counts,
    whatever its Condition: the page speaks of the template's resources, not the created
    ones (it is silent on conditions)."""
    need = None
    resources = template.get("Resources") if isinstance(template, Mapping) else None
    for body in (resources or {}).values():
        if not isinstance(body, Mapping):
            continue
        name_property = IAM_RESOURCES.get(str(body.get("Type")))
        if name_property is None:
            continue
        props = body.get("Properties") or {}
        if name_property and isinstance(props, Mapping) and props.get(name_property) not in (None, ""):
            return NAMED_IAM
        need = IAM
    return need


def missing(template: Mapping[str, Any], given: Iterable[str] | None) -> str | None:
    """The capability the caller failed to acknowledge, or None."""
    need = required(template)
    have = set(given or ())
    if need == NAMED_IAM and NAMED_IAM not in have:
        return NAMED_IAM
    if need == IAM and not have & {IAM, NAMED_IAM}:
        return IAM
    return None


def refusal(capability: str) -> str:
    return f"Requires capabilities : [{capability}]"
