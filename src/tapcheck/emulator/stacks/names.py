"""Stack names and logical ids that CloudFormation refuses, refused here with its words, before
anything is created.

Stack name (CreateStack): "A stack name can contain only alphanumeric characters (case sensitive)
and hyphens. It must start with an alphabetical character and can't be longer than 128
characters." (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html,
StackName). The page gives no pattern and no error text; CloudFormation's refusal is its request
validation's ("1 validation error detected: Value 'a_b' at 'stackName' failed to satisfy
constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", as reported
from CreateStack in https://github.com/hashicorp/terraform-provider-aws/issues/42668 and
https://github.com/ansible/ansible/issues/13210; a length refusal reads "Member must have length
less than or equal to 128", several are joined with "; " under "N validation errors detected").
CreateChangeSet names the stack by name or ARN: its pattern adds "|arn:[-a-zA-Z0-9:/._+]*"
(https://github.com/aws/aws-toolkit-vscode/issues/1427).

Logical ids: "The logical ID must be alphanumeric (A-Za-z0-9) and unique within the template"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html);
a resource name is at most 255 characters (Resource name, "Maximum size of a resource name",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
CloudFormation's refusal reads "Template format error: Resource name my-bucket is non
alphanumeric." (reported verbatim in https://github.com/aws-cloudformation/cfn-lint/pull/160 and
https://github.com/serverless/serverless/issues/1924); the wording for a name over 255 characters
is undocumented (the emulator's says which limit).

Pure logic (no moto).
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation.exceptions import ValidationError

STACK_NAME_PATTERN = "[a-zA-Z][-a-zA-Z0-9]*"
STACK_NAME_OR_ARN_PATTERN = "[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*"
STACK_NAME_MAX = 128
LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
LOGICAL_ID_MAX = 255


def stack_name_problems(
    name: str, pattern: str = STACK_NAME_PATTERN, max_length: int | None = STACK_NAME_MAX
) -> list[str]:
    """CloudFormation's constraint failures for a StackName, in its words (empty when accepted)."""
    problems = []
    if not re.fullmatch(pattern, name):
        problems.append(
            f"Value '{name}' at 'stackName' failed to satisfy constraint: Member must satisfy "
            f"regular expression pattern: {pattern}"
        )
    if len(name) < 1:
        problems.append(
            f"Value '{name}' at 'stackName' failed to satisfy constraint: Member must have length "
            "greater than or equal to 1"
        )
    if max_length is not None and len(name) > max_length:
        problems.append(
            f"Value '{name}' at 'stackName' failed to satisfy constraint: Member must have length "
            f"less than or equal to {max_length}"
        )
    return problems


def _refuse(problems: list[str]) -> None:
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected"
        raise ValidationError(message=f"{count}: {'; '.join(problems)}")


def check_stack_name(name: str) -> None:
    """CreateStack's StackName."""
    _refuse(stack_name_problems(str(name)))


def check_change_set_stack_name(name: str) -> None:
    """CreateChangeSet's StackName: a stack's name or its ARN."""
    _refuse(stack_name_problems(str(name), STACK_NAME_OR_ARN_PATTERN, None))


def logical_id_problem(logical_id: Any) -> str | None:
    text = str(logical_id)
    if not LOGICAL_ID.fullmatch(text):
        return f"Template format error: Resource name {text} is non alphanumeric."
    if len(text) > LOGICAL_ID_MAX:
        return (
            f"Template format error: Resource name {text} is longer than {LOGICAL_ID_MAX} characters "
            "(emulator wording: AWS's is undocumented)"
        )
    return None


def check_logical_ids(template: Any) -> None:
    """Every logical id of the template's Resources section."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    for logical_id in resources or {}:
        problem = logical_id_problem(logical_id)
        if problem:
            raise ValidationError(message=problem)
