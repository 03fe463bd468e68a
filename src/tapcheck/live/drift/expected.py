"""What the deployed template sets: the stack's own template (GetTemplate, stage Original) resolved by
the gate's resolver (model.build_model) at the stack's parameter values, and its deploy-time symbols
bound to the stack's live ids.

The model leaves Ref to a resource, Fn::GetAtt and pseudo parameters symbolic; here they take the
values CloudFormation gave them:
- Ref to a resource: its physical id (ListStackResources). For every type a row covers, Ref returns
  the physical id (the "Return values" section of each type's page, e.g.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html);
- Fn::GetAtt: read from the resource (the attributes in ATTRIBUTES; any other one leaves the value unknown);
- AWS::Partition, AWS::Region, AWS::AccountId, AWS::StackName, AWS::StackId: from the stack's ARN
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tapcheck.live.context import Context
from tapcheck.live.drift.reader import Reader
from tapcheck.model import AttrRef, Model, ParamRef, PseudoRef, ResourceRef, Text, Unknown, show

# (type, attribute) -> its value, read from the resource
ATTRIBUTES: dict[tuple[str, str], Callable[[Reader, str], Any]] = {
    ("AWS::IAM::Role", "Arn"): lambda r, pid: r.role(pid)["Arn"],
    ("AWS::IAM::Role", "RoleId"): lambda r, pid: r.role(pid)["RoleId"],
    ("AWS::KMS::Key", "Arn"): lambda r, pid: r.key(pid)["Arn"],
    ("AWS::KMS::Key", "KeyId"): lambda r, pid: r.key(pid)["KeyId"],
    ("AWS::SNS::Topic", "TopicArn"): lambda r, pid: pid,
    ("AWS::SNS::Topic", "TopicName"): lambda r, pid: pid.rsplit(":", 1)[-1],
    ("AWS::SecretsManager::Secret", "Id"): lambda r, pid: pid,
    ("AWS::RDS::DBCluster", "DBClusterArn"): lambda r, pid: r.cluster(pid)["DBClusterArn"],
    ("AWS::Logs::LogGroup", "Arn"): lambda r, pid: r.log_group(pid)["arn"],
    ("AWS::CloudWatch::Alarm", "Arn"): lambda r, pid: r.alarm(pid)["AlarmArn"],
}


class Unbound(Exception):
    """A value of the template that cannot be known from the live stack (the message says which)."""


@dataclass
class Deployed:
    model: Model
    physical: dict[str, str]  # logical id -> physical id
    pseudo: dict[str, Any]


def deployed(ctx: Context) -> Deployed:
    """The stack's deployed template as the gate would resolve it at the stack's parameter values, read once."""
    memo = ctx._memo
    if "drift deployed" not in memo:
        from tapcheck.model import build_model

        label = f"stack {ctx.stack_name} (deployed)"
        body = ctx.target.client("cloudformation").get_template(
            StackName=ctx.stack["StackId"], TemplateStage="Original"
        )["TemplateBody"]
        if isinstance(body, dict):
            tree = body  # boto3 hands a JSON template back parsed: no need to load cfn-lint's decoder
        else:
            from tapcheck.loader import parse_text

            tree = parse_text(body, label)  # YAML, short forms included, as the gate reads it
        model = build_model(label, tree, ctx.parameters)
        physical = {
            r["LogicalResourceId"]: r["PhysicalResourceId"] for r in ctx.resources if r.get("PhysicalResourceId")
        }
        memo["drift deployed"] = Deployed(model, physical, pseudo_parameters(ctx.stack))
    return memo["drift deployed"]


def pseudo_parameters(stack: dict[str, Any]) -> dict[str, Any]:
    """arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>"""
    _, partition, _, region, account, _ = str(stack["StackId"]).split(":", 5)
    return {
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::StackName": stack["StackName"],
        "AWS::StackId": stack["StackId"],
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": list(stack.get("NotificationARNs") or []),
    }


def bind(value: Any, deployed: Deployed, reader: Reader) -> Any:
    """value with every symbol replaced by what CloudFormation gave it; Unbound when one cannot be known."""
    if isinstance(value, dict):
        return {k: bind(v, deployed, reader) for k, v in value.items()}
    if isinstance(value, list):
        return [bind(v, deployed, reader) for v in value]
    if isinstance(value, ResourceRef):
        if value.logical_id not in deployed.physical:
            raise Unbound(f"{show(value)}: the stack lists no such resource")
        return deployed.physical[value.logical_id]
    if isinstance(value, AttrRef):
        resource = deployed.model.resources.get(value.logical_id)
        reader_of = ATTRIBUTES.get((resource.type, value.attribute)) if resource else None
        if reader_of is None or value.logical_id not in deployed.physical:
            raise Unbound(f"{show(value)}: tapcheck does not read that attribute back")
        return reader_of(reader, deployed.physical[value.logical_id])
    if isinstance(value, PseudoRef):
        if value.name not in deployed.pseudo:
            raise Unbound(f"{show(value)}: not known from the stack")
        return deployed.pseudo[value.name]
    if isinstance(value, Text):
        return "".join(str(bind(part, deployed, reader)) for part in value.parts)
    if isinstance(value, (ParamRef, Unknown)):
        raise Unbound(show(value))
    if isinstance(value, str):
        return str(value)
    return value
