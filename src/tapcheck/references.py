"""The one resolver of references between resources: which resource of this stack a resolved
value names, in every form CloudFormation resolves.

The model (model.py) has already folded parameters (their defaults), mappings, Fn::If on
decidable conditions, Fn::Sub and Fn::Join; what is left is to say which resource a value
such as ``!Ref KeyAlias``, ``!GetAtt Key.Arn`` or
``!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}`` points at. Checks call
``key_of``, ``role_of`` and ``topic_of`` and never walk references themselves.

Return values, as documented for each type:
- AWS::KMS::Key: Ref the key id; GetAtt Arn, KeyId.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
- AWS::KMS::Alias: Ref the alias name (alias/...); TargetKeyId is the key id or key ARN.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-alias.html
  Wherever a key is named (SNS KmsMasterKeyId among them) the key id, key ARN, alias name
  or alias ARN may be given: https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id
- AWS::IAM::Role: Ref the role name; GetAtt Arn; its ARN is arn:<partition>:iam::<account>:role<path><name>
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
- AWS::SNS::Topic: Ref the topic ARN; GetAtt TopicArn, TopicName; ARN arn:<partition>:sns:<region>:<account>:<name>
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html

An ARN only counts as this stack's when its account and region are the stack's own
(${AWS::AccountId}, ${AWS::Region}): a literal account id may be anyone's.
"""

from __future__ import annotations

import re
from typing import Any

from tapcheck.model import AttrRef, Model, PseudoRef, Resource, ResourceRef, Str, Text, _concat, params_in

KMS_KEY = "AWS::KMS::Key"
KMS_ALIAS = "AWS::KMS::Alias"
ROLE = "AWS::IAM::Role"
TOPIC = "AWS::SNS::Topic"

_KEPT = ("AWS::Partition", "AWS::Region", "AWS::AccountId")
_PARTITION = r"(?:\$\{AWS::Partition\}|aws(?:-[a-z]+)*)"
_KMS_ARN = re.compile(rf"arn:{_PARTITION}:kms:\$\{{AWS::Region\}}:\$\{{AWS::AccountId\}}:(key|alias)/(.+)", re.DOTALL)
_ROLE_ARN = re.compile(rf"arn:{_PARTITION}:iam::\$\{{AWS::AccountId\}}:role/(.+)", re.DOTALL)
_TOPIC_ARN = re.compile(rf"arn:{_PARTITION}:sns:\$\{{AWS::Region\}}:\$\{{AWS::AccountId\}}:(.+)", re.DOTALL)


def _pattern_text(value: Any) -> tuple[str, list] | None:
    """value as a string in which the stack's partition, region and account read ${AWS::...}
    and every other symbol is a placeholder \\x00<n>\\x00 (n indexes the returned list)."""
    parts = value.parts if isinstance(value, Text) else (value,)
    out, symbols = [], []
    for part in parts:
        if isinstance(part, str):
            out.append(str(part))
        elif isinstance(part, PseudoRef) and part.name in _KEPT:
            out.append("${" + part.name + "}")
        elif isinstance(part, (ResourceRef, AttrRef, PseudoRef)):
            symbols.append(part)
            out.append(f"\x00{len(symbols) - 1}\x00")
        else:
            return None
    return "".join(out), symbols


def _restore(text: str, symbols: list, params: frozenset = frozenset()) -> Any:
    """The inverse of _pattern_text for a piece of it; its literal text keeps the parameters the
    whole value was built from."""
    pieces: list = []
    for index, piece in enumerate(text.split("\x00")):
        if index % 2:
            pieces.append(symbols[int(piece)])
        elif piece:
            pieces.append(Str(piece, params))
    return _concat(pieces)


def arn_tail(value: Any, pattern: re.Pattern) -> tuple | None:
    """The groups of an ARN of this stack's account (and region) matching pattern, each as a
    resolved value (a Str, a symbol, or Text); None when value is no such ARN."""
    if not isinstance(value, (str, Text)):
        return None
    found = _pattern_text(value)
    if found is None:
        return None
    text, symbols = found
    match = pattern.fullmatch(text)
    params = params_in(value)
    return tuple(_restore(group, symbols, params) for group in match.groups()) if match else None


def _same(a: Any, b: Any) -> bool:
    """The same name in every deployment: equal, and built from the same parameters (the literal
    'alias/alarms-dev' equals alias/alarms-${Suffix} at the default 'dev' alone)."""
    return a is not None and b is not None and a == b and params_in(a) == params_in(b)


# --- resources named by Ref or by their name -----------------------------------------------------

# The property that names each resource type; Ref returns this name for these types.
NAME_PROPERTY = {
    "AWS::RDS::DBCluster": "DBClusterIdentifier",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::RDS::DBSubnetGroup": "DBSubnetGroupName",
    "AWS::RDS::DBClusterParameterGroup": "DBClusterParameterGroupName",
    "AWS::RDS::DBParameterGroup": "DBParameterGroupName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
    TOPIC: "TopicName",
    ROLE: "RoleName",
    "AWS::Logs::LogGroup": "LogGroupName",
}


def names(model: Model, value: Any, resource: Resource, referrer: Resource | None = None) -> bool:
    """True when value identifies resource: Ref to it, or its literal name.

    A literal name does not order creation, so when the referrer is created from it
    (referrer given) the name only counts with an explicit DependsOn on the resource.

    A name built from parameters (aurora-postgres-cluster-${EnvironmentSuffix}) is only matched
    by a value built from the same parameters: the literal 'aurora-postgres-cluster-prod' equals
    it at the parameter's default alone, and names another stack's resource in every other
    deployment.
    """
    if isinstance(value, ResourceRef):
        return value.logical_id == resource.logical_id
    name_property = NAME_PROPERTY.get(resource.type)
    own_name = resource.get(name_property) if name_property else None
    if own_name is None or value is None or value != own_name or params_in(value) != params_in(own_name):
        return False
    return referrer is None or resource.logical_id in referrer.depends_on


# --- KMS keys -------------------------------------------------------------------------------


def alias_of(model: Model, value: Any) -> Resource | None:
    """The AWS::KMS::Alias of this stack value names: Ref to it, its name, or its ARN."""
    aliases = model.of_type(KMS_ALIAS)
    if isinstance(value, ResourceRef):
        return next((a for a in aliases if a.logical_id == value.logical_id), None)
    tail = arn_tail(value, _KMS_ARN)
    if tail is not None:
        if str(tail[0]) != "alias":
            return None
        value = _concat([Str("alias/"), tail[1]])
    return next((a for a in aliases if _same(a.get("AliasName"), value)), None)


def key_of(model: Model, value: Any) -> Resource | None:
    """The AWS::KMS::Key of this stack a key reference names: Ref (the key id), GetAtt Arn or
    KeyId, a key ARN built from the key's id, or an alias of this stack (by Ref, name or ARN)
    whose TargetKeyId names the key."""
    keys = {k.logical_id: k for k in model.of_type(KMS_KEY)}
    if isinstance(value, ResourceRef) and value.logical_id in keys:
        return keys[value.logical_id]
    if isinstance(value, AttrRef) and value.attribute in ("Arn", "KeyId") and value.logical_id in keys:
        return keys[value.logical_id]
    tail = arn_tail(value, _KMS_ARN)
    if tail is not None and str(tail[0]) == "key":
        return key_of(model, tail[1]) if isinstance(tail[1], (ResourceRef, AttrRef)) else None
    alias = alias_of(model, value)
    if alias is not None:
        target = alias.get("TargetKeyId")
        # TargetKeyId takes a key id or key ARN, never another alias (aws-resource-kms-alias.html).
        return key_of(model, target) if alias_of(model, target) is None else None
    return None


def aws_managed_service(value: Any) -> str | None:
    """The service whose AWS managed key value names (alias/aws/<service>), by alias name, alias
    ARN (literal, or built with Fn::Sub/Fn::Join from pseudo parameters); None otherwise. (A value
    from a parameter's default counts here; a caller that must be sure of the key checks params_in.)
    https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key"""
    if isinstance(value, Text):
        if not all(isinstance(p, (str, PseudoRef)) for p in value.parts):
            return None
        text = "".join(str(p) if isinstance(p, str) else "${" + p.name + "}" for p in value.parts)
        pattern = (
            rf"arn:{_PARTITION}:kms:(?:\$\{{AWS::Region\}}|[a-z0-9-]+):"
            r"(?:\$\{AWS::AccountId\}|\d{12}):alias/aws/([a-z0-9-]+)"
        )
    elif isinstance(value, str):
        text = str(value)
        pattern = r"(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?alias/aws/([a-z0-9-]+)"
    else:
        return None
    match = re.fullmatch(pattern, text)
    return match.group(1) if match else None


# --- IAM roles --------------------------------------------------------------------------------


def role_of(model: Model, value: Any) -> Resource | None:
    """The AWS::IAM::Role of this stack a role ARN names: GetAtt Arn, or
    arn:${AWS::Partition}:iam::${AWS::AccountId}:role/<path><name> with the role's own name
    (literal, from its RoleName, or ${Role} since Ref gives the name)."""
    roles = model.of_type(ROLE)
    if isinstance(value, AttrRef) and value.attribute == "Arn":
        return next((r for r in roles if r.logical_id == value.logical_id), None)
    tail = arn_tail(value, _ROLE_ARN)
    if tail is None:
        return None
    for role in roles:
        path = role.get("Path", "/")
        path = str(path)[1:] if isinstance(path, str) and str(path).startswith("/") else None
        if path is None:
            continue
        for name in (ResourceRef(role.logical_id), role.get("RoleName")):
            if name is not None and _same(tail[0], _concat([Str(path), name]) if path else name):
                return role
    return None


# --- SNS topics -------------------------------------------------------------------------------


def topic_of(model: Model, value: Any) -> Resource | None:
    """The AWS::SNS::Topic of this stack a topic ARN names: Ref (the ARN), GetAtt TopicArn, or
    arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:<its TopicName or ${Topic.TopicName}>."""
    topics = model.of_type(TOPIC)
    if isinstance(value, ResourceRef) or isinstance(value, AttrRef) and value.attribute == "TopicArn":
        return next((t for t in topics if t.logical_id == value.logical_id), None)
    tail = arn_tail(value, _TOPIC_ARN)
    if tail is None:
        return None
    for topic in topics:
        if _same(tail[0], AttrRef(topic.logical_id, "TopicName")) or _same(tail[0], topic.get("TopicName")):
            return topic
    return None


# --- one spelling per meaning -----------------------------------------------------------------


def canonical(model: Model, value: Any) -> Any:
    """value with every ARN built by hand for a role or topic of this stack written as the
    reference CloudFormation gives for it (GetAtt Role.Arn, Ref Topic): tools that read the
    template's text (cfn-guard, Control Tower rules) then see one spelling per meaning."""
    if isinstance(value, dict):
        return {k: canonical(model, v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(model, v) for v in value]
    if isinstance(value, Text):
        role = role_of(model, value)
        if role is not None:
            return AttrRef(role.logical_id, "Arn")
        topic = topic_of(model, value)
        if topic is not None:
            return ResourceRef(topic.logical_id)
    return value
