"""Equivalence rewrites: changes that keep the template's meaning, so the gate must still pass.

Each rewrite is a small named function taking a template (a deep copy) and a
``random.Random`` (seeded from a hypothesis-drawn integer, so shrinking goes towards seed 0)
and editing it in place. Rewrites compose in any order: each finds what it changes by type
and meaning, like the mutation operators. ``to_yaml`` (yaml_emit) is the last step when a
rewrite is rendered as YAML with short-form tags.
"""

from __future__ import annotations

import copy
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tapcheck.mutation.locate import (
    NotApplicable,
    alarm_metric_fields,
    alarm_topic,
    cluster,
    cluster_instances,
    cluster_props,
    cpu_alarm,
    credential_secret,
    new_id,
    properties,
    referred,
    rename_references,
    resources,
    taggable,
)
from tapcheck.requirements.common import CLUSTER, CLUSTER_PARAMETER_GROUP, KMS_KEY, ROLE, SUBNET_GROUP, TOPIC
from tapcheck.template_refs import referenced_ids

KMS_ALIAS = "AWS::KMS::Alias"

PSEUDO = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}


@dataclass(frozen=True)
class Rewrite:
    name: str
    apply: Callable[[dict, random.Random], None]
    doc: str = ""

    def __repr__(self) -> str:
        return f"<rewrite {self.name}>"

    def __call__(self, template: dict, seed: int = 0) -> dict:
        """The rewritten copy; the template unchanged when the rewrite does not apply to it."""
        result = copy.deepcopy(template)
        try:
            self.apply(result, random.Random(seed))
        except NotApplicable:
            return copy.deepcopy(template)
        return result


REWRITES: list[Rewrite] = []


def rewrite(fn: Callable[[dict, random.Random], None]) -> Callable[[dict, random.Random], None]:
    REWRITES.append(Rewrite(fn.__name__, fn, (fn.__doc__ or "").strip()))
    return fn


BY_NAME: dict[str, Rewrite] = {}


def compose(template: dict, steps: list[tuple[str, int]]) -> dict:
    """Apply named rewrites in order, each with its seed."""
    for name, seed in steps:
        template = BY_NAME[name](template, seed)
    return template


def _walk(node: Any, fn: Callable[[Any], Any]) -> Any:
    """Rebuild node bottom-up, letting fn replace any dict or list."""
    if isinstance(node, dict):
        return fn({k: _walk(v, fn) for k, v in node.items()})
    if isinstance(node, list):
        return fn([_walk(v, fn) for v in node])
    return node


def _is_intrinsic(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and len(node) == 1
        and next(iter(node)) in ("Ref", "Condition")
        or isinstance(node, dict)
        and len(node) == 1
        and next(iter(node)).startswith("Fn::")
    )


# --- the rewrites ------------------------------------------------------------------------------


@rewrite
def shuffle_keys(t: dict, rnd: random.Random) -> None:
    """Key order of every mapping (JSON objects are unordered)."""

    def shuffle(node):
        if isinstance(node, dict):
            items = list(node.items())
            rnd.shuffle(items)
            return dict(items)
        return node

    shuffled = _walk(t, shuffle)
    t.clear()
    t.update(shuffled)


@rewrite
def rename_logical_ids(t: dict, rnd: random.Random) -> None:
    """Logical ids renamed, every Ref, GetAtt, Sub variable and DependsOn following."""
    ids = [i for i in t["Resources"] if not i.startswith("Fn::ForEach::")]
    chosen = [i for i in ids if rnd.random() < 0.7] or [rnd.choice(ids)]
    for old in chosen:
        new = new_id(
            t,
            "".join(rnd.choice(string.ascii_uppercase) for _ in range(1))
            + "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(rnd.randint(3, 12))),
        )
        if new in PSEUDO:
            continue
        resources_ = {}
        for key, resource in t["Resources"].items():
            resource = rename_references(resource, old, new)
            depends = resource.get("DependsOn") if isinstance(resource, dict) else None
            if depends == old:
                resource["DependsOn"] = new
            elif isinstance(depends, list):
                resource["DependsOn"] = [new if d == old else d for d in depends]
            resources_[new if key == old else key] = resource
        t["Resources"] = resources_
        if "Outputs" in t:
            t["Outputs"] = rename_references(t["Outputs"], old, new)


EXTRA_TAGS = ["CostCenter", "Team", "Project", "Owner", "DataClassification"]


@rewrite
def reorder_and_extend_tags(t: dict, rnd: random.Random) -> None:
    """Tags in another order, plus tags the design does not ask for."""
    for _, resource in taggable(t):
        tags = properties(resource)["Tags"]
        for key in rnd.sample(EXTRA_TAGS, rnd.randint(0, 2)):
            tags.append({"Key": key, "Value": "".join(rnd.choice(string.ascii_lowercase) for _ in range(6))})
        rnd.shuffle(tags)


def _stringify(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, bool):
        return rnd.choice(["true", "True"]) if value else rnd.choice(["false", "False"])
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


@rewrite
def scalars_as_strings(t: dict, rnd: random.Random) -> None:
    """Numbers and booleans of resource properties written as strings, as CloudFormation allows."""

    def convert(node):
        if _is_intrinsic(node):
            return node
        if isinstance(node, dict):
            return {
                k: convert(v) if isinstance(v, (dict, list)) else (_stringify(v, rnd) if rnd.random() < 0.8 else v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [
                convert(v) if isinstance(v, (dict, list)) else (_stringify(v, rnd) if rnd.random() < 0.8 else v)
                for v in node
            ]
        return node

    for _, resource in resources(t):
        if "Properties" in resource:
            resource["Properties"] = convert(resource["Properties"])


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _sub_to_join(text: str) -> dict | None:
    parts: list = []
    position = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        name = match.group(1)
        if name.startswith("!"):
            parts.append("${" + name[1:] + "}")
        elif "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            parts.append({"Fn::GetAtt": [logical_id, attribute]})
        else:
            parts.append({"Ref": name})
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    if not any(isinstance(p, dict) for p in parts):
        return None
    return {"Fn::Join": ["", parts]}


def _join_to_sub(arg: Any) -> dict | None:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list)):
        return None
    pieces = []
    for part in arg[1]:
        if isinstance(part, str):
            pieces.append(part.replace("${", "${!"))
        elif isinstance(part, dict) and list(part) == ["Ref"] and isinstance(part["Ref"], str):
            pieces.append("${" + part["Ref"] + "}")
        elif (
            isinstance(part, dict)
            and list(part) == ["Fn::GetAtt"]
            and isinstance(part["Fn::GetAtt"], list)
            and len(part["Fn::GetAtt"]) == 2
            and all(isinstance(x, str) for x in part["Fn::GetAtt"])
        ):
            pieces.append("${" + ".".join(part["Fn::GetAtt"]) + "}")
        else:
            return None
    return {"Fn::Sub": arg[0].replace("${", "${!").join(pieces)}


@rewrite
def sub_join_swapped(t: dict, rnd: random.Random) -> None:
    """Fn::Sub written as Fn::Join (and Fn::Join as Fn::Sub)."""

    def swap(node):
        if isinstance(node, dict) and len(node) == 1 and rnd.random() < 0.75:
            ((key, arg),) = node.items()
            if key == "Fn::Sub" and isinstance(arg, str):
                return _sub_to_join(arg) or node
            if key == "Fn::Join":
                return _join_to_sub(arg) or node
        return node

    for section in ("Resources", "Outputs"):
        if section in t:
            t[section] = _walk(t[section], swap)


@rewrite
def getatt_dotted(t: dict, rnd: random.Random) -> None:
    """Fn::GetAtt [X, Attr] written as the string "X.Attr"."""

    def dotted(node):
        if (
            isinstance(node, dict)
            and list(node) == ["Fn::GetAtt"]
            and isinstance(node["Fn::GetAtt"], list)
            and len(node["Fn::GetAtt"]) == 2
            and all(isinstance(x, str) for x in node["Fn::GetAtt"])
            and rnd.random() < 0.8
        ):
            return {"Fn::GetAtt": ".".join(node["Fn::GetAtt"])}
        return node

    for section in ("Resources", "Outputs"):
        if section in t:
            t[section] = _walk(t[section], dotted)


@rewrite
def alarm_periods_split(t: dict, rnd: random.Random) -> None:
    """The same 5 minutes: Period 300 × 1, or 60 × 5 with every datapoint breaching (DatapointsToAlarm spelt or not)."""
    _, alarm = cpu_alarm(t)
    _, stat = alarm_metric_fields(alarm)
    period, periods = rnd.choice([(300, 1), (60, 5)])
    stat["Period"] = period
    properties(alarm)["EvaluationPeriods"] = periods
    if rnd.random() < 0.5:
        properties(alarm)["DatapointsToAlarm"] = periods
    else:
        properties(alarm).pop("DatapointsToAlarm", None)


@rewrite
def alarm_metrics_form(t: dict, rnd: random.Random) -> None:
    """The CPU alarm written with Metrics/MetricStat instead of the classic metric fields."""
    _, alarm = cpu_alarm(t)
    body = properties(alarm)
    if "Metrics" in body:
        return
    metric = {k: body.pop(k) for k in ("Namespace", "MetricName", "Dimensions") if k in body}
    stat = {"Metric": metric, "Period": body.pop("Period"), "Stat": body.pop("Statistic")}
    entry: dict[str, Any] = {"Id": rnd.choice(["cpu", "m1", "clustercpu"]), "MetricStat": stat}
    if rnd.random() < 0.5:
        entry["ReturnData"] = True
    body["Metrics"] = [entry]


@rewrite
def aws_managed_key_named(t: dict, rnd: random.Random) -> None:
    """The AWS managed key named explicitly: alias/aws/rds (or its ARN, with Sub or Join), alias/aws/secretsmanager
    for the secret."""
    cluster_props(t)["KmsKeyId"] = rnd.choice(
        [
            "alias/aws/rds",
            {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/rds"},
            {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":kms:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":alias/aws/rds",
                    ],
                ]
            },
        ]
    )
    if rnd.random() < 0.5:
        properties(credential_secret(t)[1])["KmsKeyId"] = "alias/aws/secretsmanager"


@rewrite
def engine_minor_changed(t: dict, rnd: random.Random) -> None:
    """Another supported PostgreSQL 15 minor version."""
    from tapcheck.requirements.engine_versions import supported_minors

    cluster_props(t)["EngineVersion"] = rnd.choice(supported_minors("15"))


def _benign_topic(t: dict) -> tuple[str, dict]:
    return "AuditTopic", {
        "Type": TOPIC,
        "Properties": {
            "TopicName": {"Fn::Sub": "aurora-audit-${EnvironmentSuffix}"},
            "KmsMasterKeyId": "alias/aws/sns",
        },
    }


def _benign_ssm_parameter(t: dict) -> tuple[str, dict]:
    return "EndpointParameter", {
        "Type": "AWS::SSM::Parameter",
        "Properties": {
            "Name": {"Fn::Sub": "/aurora/${EnvironmentSuffix}/endpoint"},
            "Type": "String",
            "Value": {"Fn::GetAtt": [cluster(t)[0], "Endpoint.Address"]},
            "Tags": {"Environment": "Production", "ManagedBy": "CloudFormation"},
        },
    }


@rewrite
def benign_resource_added(t: dict, rnd: random.Random) -> None:
    """An extra resource that is itself compliant: tagged, named with the suffix, Delete policies."""
    base, resource = rnd.choice([_benign_topic, _benign_ssm_parameter])(t)
    body = resource["Properties"]
    if "Tags" not in body:
        body["Tags"] = [
            {"Key": "Environment", "Value": "Production"},
            {"Key": "ManagedBy", "Value": "CloudFormation"},
            {"Key": "Name", "Value": {"Fn::Sub": base.lower() + "-${EnvironmentSuffix}"}},
        ]
    if rnd.random() < 0.5:
        resource["DeletionPolicy"] = resource["UpdateReplacePolicy"] = "Delete"
    t["Resources"][new_id(t, base)] = resource


@rewrite
def default_policies_dropped(t: dict, rnd: random.Random) -> None:
    """DeletionPolicy/UpdateReplacePolicy Delete left out where Delete is AWS's default (not on the DB cluster)."""
    for _, resource in resources(t):
        if resource.get("Type") == CLUSTER:
            continue
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            if resource.get(attribute) == "Delete" and rnd.random() < 0.6:
                del resource[attribute]


@rewrite
def spelled_out_defaults_dropped(t: dict, rnd: random.Random) -> None:
    """Properties equal to AWS's default left out: EngineMode provisioned, DeletionProtection false,
    DatapointsToAlarm = EvaluationPeriods, PasswordLength 32."""
    body = cluster_props(t)
    if body.get("EngineMode") == "provisioned" and rnd.random() < 0.7:
        del body["EngineMode"]
    if body.get("DeletionProtection") is False and rnd.random() < 0.7:
        del body["DeletionProtection"]
    try:
        alarm = properties(cpu_alarm(t)[1])
        if alarm.get("DatapointsToAlarm") == alarm.get("EvaluationPeriods") and rnd.random() < 0.7:
            alarm.pop("DatapointsToAlarm", None)
        generator = properties(credential_secret(t)[1]).get("GenerateSecretString", {})
        if generator.get("PasswordLength") == 32 and rnd.random() < 0.7:
            del generator["PasswordLength"]
    except NotApplicable:
        pass


@rewrite
def instance_creation_ordered(t: dict, rnd: random.Random) -> None:
    """The second instance waits for the first (an ordering no reference already gives)."""
    instances = cluster_instances(t)
    if len(instances) >= 2:
        first, second = rnd.sample(instances, 2)
        second[1]["DependsOn"] = first[0] if rnd.random() < 0.5 else [first[0]]


@rewrite
def value_from_mapping(t: dict, rnd: random.Random) -> None:
    """The retention (and the backup window) read from Mappings with Fn::FindInMap."""
    body = cluster_props(t)
    mapping = t.setdefault("Mappings", {}).setdefault(new_id(t, "BackupPolicy"), {})
    top = mapping.setdefault(rnd.choice(["Production", "Default"]), {})
    for key in ("BackupRetentionPeriod", "PreferredBackupWindow"):
        if key in body and not isinstance(body[key], dict):
            top[key] = body[key]
            body[key] = {
                "Fn::FindInMap": [
                    next(k for k, v in t["Mappings"].items() if v is mapping),
                    next(k for k, v in mapping.items() if v is top),
                    key,
                ]
            }


@rewrite
def value_under_condition(t: dict, rnd: random.Random) -> None:
    """StorageEncrypted under an Fn::If on a condition that no allowed parameter value makes true:
    !If [PlainStorage, !Ref AWS::NoValue, <value>], PlainStorage being StorageMode = plain while
    StorageMode allows only encrypted."""
    body = cluster_props(t)
    if "StorageEncrypted" not in body:
        raise NotApplicable("StorageEncrypted")
    parameter, condition = new_id(t, "StorageMode"), new_id(t, "PlainStorage")
    t.setdefault("Parameters", {})[parameter] = {
        "Type": "String",
        "Default": "encrypted",
        "AllowedValues": ["encrypted"],
        "Description": "Storage mode",
    }
    t.setdefault("Conditions", {})[condition] = {"Fn::Equals": [{"Ref": parameter}, "plain"]}
    body["StorageEncrypted"] = {"Fn::If": [condition, {"Ref": "AWS::NoValue"}, body["StorageEncrypted"]]}


@rewrite
def value_from_constrained_parameter(t: dict, rnd: random.Random) -> None:
    """log_statement from a parameter whose only allowed value is the required one."""
    group = properties(referred(t, cluster_props(t).get("DBClusterParameterGroupName"), CLUSTER_PARAMETER_GROUP)[1])
    value = group.get("Parameters", {}).get("log_statement")
    if not isinstance(value, str):
        raise NotApplicable("log_statement")
    name = new_id(t, "QueryLogging")
    t.setdefault("Parameters", {})[name] = {
        "Type": "String",
        "Default": value,
        "AllowedValues": [value],
        "Description": "Statements the database logs",
    }
    group["Parameters"]["log_statement"] = {"Ref": name}


@rewrite
def subnets_through_split(t: dict, rnd: random.Random) -> None:
    """SubnetIds written as Fn::Split of an Fn::Join of the two subnet parameters."""
    group = properties(referred(t, cluster_props(t).get("DBSubnetGroupName"), SUBNET_GROUP)[1])
    ids = group.get("SubnetIds")
    if not isinstance(ids, list):
        raise NotApplicable("SubnetIds")
    delimiter = rnd.choice([",", "|"])
    group["SubnetIds"] = {"Fn::Split": [delimiter, {"Fn::Join": [delimiter, ids]}]}


@rewrite
def instances_from_foreach(t: dict, rnd: random.Random) -> None:
    """The cluster's instances generated by one Fn::ForEach loop (AWS::LanguageExtensions)."""
    instances = cluster_instances(t)
    ids = {key for key, _ in instances}
    others = {k: r for k, r in t["Resources"].items() if k not in ids}
    if any(ids & referenced_ids(r) for r in others.values()) or any(
        ids & referenced_ids(o) for o in t.get("Outputs", {}).values()
    ):
        raise NotApplicable("something refers to an instance")
    if any(isinstance(r, dict) and r.get("DependsOn") for _, r in instances):
        raise NotApplicable("ordered instances")
    fragment = copy.deepcopy(instances[0][1])
    body = properties(fragment)
    body["DBInstanceIdentifier"] = {"Fn::Sub": "aurora-instance-${Index}-${EnvironmentSuffix}"}
    for tag in body.get("Tags", []):
        if tag.get("Key") == "Name":
            tag["Value"] = {"Fn::Sub": "aurora-instance-${Index}-${EnvironmentSuffix}"}
    for key in ids:
        del t["Resources"][key]
    indices = [str(n) for n in range(1, len(instances) + 1)]
    t["Resources"][f"Fn::ForEach::{new_id(t, 'Instances')}"] = ["Index", indices, {"DBInstance${Index}": fragment}]
    transform = t.get("Transform")
    names = transform if isinstance(transform, list) else ([transform] if transform else [])
    if "AWS::LanguageExtensions" not in names:
        t["Transform"] = names + ["AWS::LanguageExtensions"] if names else "AWS::LanguageExtensions"


# --- the same key, role or topic, named another way (tapcheck.references resolves them) -------


@rewrite
def topic_key_through_alias(t: dict, rnd: random.Random) -> None:
    """The alarm topic names its key through an AWS::KMS::Alias of the stack (Ref, name or alias ARN), or by
    the key's ARN built with Fn::Sub: CloudFormation and KMS resolve each to the same key."""
    topic = properties(alarm_topic(t)[1])
    key, _ = referred(t, topic.get("KmsMasterKeyId"), KMS_KEY)
    if topic.get("KmsMasterKeyId") not in ({"Ref": key}, {"Fn::GetAtt": [key, "Arn"]}, {"Fn::GetAtt": f"{key}.Arn"}):
        raise NotApplicable("the topic's key is not named by Ref or Arn")
    alias = new_id(t, "AlarmTopicKeyAlias")
    name = "alias/aurora-alarms-${EnvironmentSuffix}"
    t["Resources"][alias] = {
        "Type": KMS_ALIAS,
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "AliasName": {"Fn::Sub": name},
            "TargetKeyId": rnd.choice([{"Ref": key}, {"Fn::GetAtt": [key, "Arn"]}]),
        },
    }
    topic["KmsMasterKeyId"] = rnd.choice(
        [
            {"Ref": alias},
            {"Fn::Sub": name},
            {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:" + name},
            {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${" + key + "}"},
        ]
    )


@rewrite
def monitoring_role_arn_by_sub(t: dict, rnd: random.Random) -> None:
    """MonitoringRoleArn written as arn:${AWS::Partition}:iam::${AWS::AccountId}:role/<the role's name>."""
    changed = False
    for _, instance in cluster_instances(t):
        body = properties(instance)
        arn = body.get("MonitoringRoleArn")
        role = arn.get("Fn::GetAtt") if isinstance(arn, dict) else None
        role = (
            role.split(".")[0]
            if isinstance(role, str) and role.endswith(".Arn")
            else (role[0] if isinstance(role, list) and role[1:] == ["Arn"] else None)
        )
        if (
            role is None
            or t["Resources"].get(role, {}).get("Type") != ROLE
            or properties(t["Resources"][role]).get("Path", "/") != "/"
        ):
            continue
        body["MonitoringRoleArn"] = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${" + role + "}"}
        changed = True
    if not changed:
        raise NotApplicable("no MonitoringRoleArn by GetAtt Arn")


@rewrite
def alarm_topic_arn_by_sub(t: dict, rnd: random.Random) -> None:
    """The alarm's actions name the topic by an ARN built with Fn::Sub from its TopicName, or by GetAtt TopicArn."""
    alarm = properties(cpu_alarm(t)[1])
    topics = {key for key, _ in resources(t, TOPIC)}
    changed = False
    for prop in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        actions = alarm.get(prop)
        if not isinstance(actions, list):
            continue
        for index, action in enumerate(actions):
            if isinstance(action, dict) and action.get("Ref") in topics:
                topic = action["Ref"]
                by_name = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${" + topic + ".TopicName}"
                actions[index] = rnd.choice([{"Fn::Sub": by_name}, {"Fn::GetAtt": [topic, "TopicArn"]}])
                changed = True
    if not changed:
        raise NotApplicable("no action by Ref of a topic")


@rewrite
def service_grants_conditioned(t: dict, rnd: random.Random) -> None:
    """The grants to AWS services limited as AWS recommends against the confused deputy: the topic key's
    CloudWatch statement to this account's alarm (aws:SourceAccount, aws:SourceArn), the monitoring
    role's trust to this account's DB instances. Every request the stack's services make still matches
    (tapcheck.policies evaluates them)."""
    key, _ = referred(t, properties(alarm_topic(t)[1]).get("KmsMasterKeyId"), KMS_KEY)
    changed = False
    for statement in properties(t["Resources"][key]).get("KeyPolicy", {}).get("Statement", []):
        if (
            "cloudwatch.amazonaws.com" in str(statement.get("Principal"))
            and statement.get("Effect") == "Allow"
            and "Condition" not in statement
        ):
            account = rnd.choice([{"Ref": "AWS::AccountId"}, {"Fn::Sub": "${AWS::AccountId}"}])
            # by pattern, not GetAtt: the alarm depends on the topic, which depends on the key
            arn = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
            source = {rnd.choice(["ArnLike", "StringLike"]): {"aws:SourceArn": {"Fn::Sub": arn}}}
            statement["Condition"] = {
                "StringEquals": {rnd.choice(["aws:SourceAccount", "AWS:SourceAccount"]): account},
                **source,
            }
            changed = True
    for _, role in resources(t, ROLE):
        for statement in properties(role).get("AssumeRolePolicyDocument", {}).get("Statement", []):
            if "monitoring.rds.amazonaws.com" in str(statement.get("Principal")) and "Condition" not in statement:
                statement["Condition"] = {
                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                    "ArnLike": {
                        "aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:*"}
                    },
                }
                changed = True
    if not changed:
        raise NotApplicable("no unconditioned service grant")


BY_NAME.update({r.name: r for r in REWRITES})

__all__ = ["BY_NAME", "REWRITES", "Rewrite", "compose"]
