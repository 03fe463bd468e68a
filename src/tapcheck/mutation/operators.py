"""Mutation operators: each breaks one requirement of the gate, on a copy of a compliant template.

An operator is a small named function tagged with the requirement id it breaks. It takes a
template (a JSON-like dict, already deep-copied) and one *choice* — the value drawn for it —
and edits the template in place. ``Operator.choices(template)`` lists the deterministic
choices (near misses first) that ``tapcheck score`` enumerates; hypothesis draws from the same
list, plus a wider ``strategy`` where one is given.

Operators find what they change by type and by meaning — "the parameter group the cluster's
DBClusterParameterGroupName refers to", "the alarm watching this cluster's CPUUtilization" —
never by logical id, so they work on any rendering of the design (renamed ids, YAML).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

ALARM = "AWS::CloudWatch::Alarm"
CLUSTER = "AWS::RDS::DBCluster"
CLUSTER_PARAMETER_GROUP = "AWS::RDS::DBClusterParameterGroup"
DB_PARAMETER_GROUP = "AWS::RDS::DBParameterGroup"
INSTANCE = "AWS::RDS::DBInstance"
KMS_KEY = "AWS::KMS::Key"
ROLE = "AWS::IAM::Role"
SECRET = "AWS::SecretsManager::Secret"
SECRET_ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"
SUBNET_GROUP = "AWS::RDS::DBSubnetGroup"
TOPIC = "AWS::SNS::Topic"

REQUIRED_TAGS = {"Environment": "Production", "ManagedBy": "CloudFormation"}
SUFFIX = "EnvironmentSuffix"


class NotApplicable(LookupError):
    """The template lacks what the operator changes (say, no alarm to mutate)."""


@dataclass(frozen=True)
class Operator:
    name: str
    requirement: str
    apply: Callable[[dict, Any], None]
    choices_of: Callable[[dict], list]
    tools: bool = False                      # needs the full gate (cfn-lint / cfn-guard) to be killed
    strategy: Callable[[dict], Any] | None = None   # hypothesis strategy for a wider range of choices
    doc: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return f"<{self.requirement} {self.name}>"

    def choices(self, template: dict) -> list:
        try:
            return list(self.choices_of(template))
        except NotApplicable:
            return []

    def __call__(self, template: dict, choice: Any) -> dict:
        mutant = copy.deepcopy(template)
        self.apply(mutant, choice)
        return mutant


OPERATORS: list[Operator] = []
# Mutants the gate does not catch yet: gate bugs reported to its owner. Kept out of the score
# (which must be 100 %); tests/unit/test_score.py expects them to survive (strict xfail), so
# the day the gate is fixed the test says so and they move into OPERATORS.
KNOWN_GAPS: list[Operator] = []


def set_or_remove(body: dict, key: str, value) -> None:
    """Set the property; value None removes it, so that AWS's default applies."""
    if value is None:
        if key not in body:
            raise NotApplicable(f"{key} is already absent")
        del body[key]
    else:
        body[key] = value


def operator(requirement: str, choices: Iterable | Callable[[dict], Iterable] = (None,), *, tools: bool = False,
             strategy: Callable[[dict], Any] | None = None, gap: str = ""):
    """Register an operator breaking `requirement`; choices: a list, or a function of the template.

    gap: why the gate does not catch it yet (a known gate bug): registered in KNOWN_GAPS instead.
    """
    def register(fn: Callable[[dict, Any], None]) -> Callable[[dict, Any], None]:
        choices_of = choices if callable(choices) else (lambda _t, fixed=list(choices): fixed)
        (KNOWN_GAPS if gap else OPERATORS).append(
            Operator(fn.__name__, requirement, fn, choices_of, tools, strategy, gap or (fn.__doc__ or "").strip()))
        return fn
    return register


def by_requirement() -> dict[str, list[Operator]]:
    table: dict[str, list[Operator]] = {}
    for op in OPERATORS:
        table.setdefault(op.requirement, []).append(op)
    return table


# --- finding things by type and meaning ------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


def referenced_ids(node: Any) -> set[str]:
    """Logical ids and parameter names a value refers to (Ref, Fn::GetAtt, Fn::Sub variables)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, arg in node.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else None)
                if isinstance(target, str):
                    found.add(target)
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                local = set(arg[1]) if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else set()
                if isinstance(text, str):
                    found |= {v.split(".", 1)[0] for v in _SUB_VARIABLE.findall(text) if v not in local}
                if local:
                    found |= referenced_ids(arg[1])
            else:
                found |= referenced_ids(arg)
    elif isinstance(node, list):
        for item in node:
            found |= referenced_ids(item)
    return found


def resources(template: dict, resource_type: str | None = None) -> list[tuple[str, dict]]:
    return [(k, r) for k, r in template.get("Resources", {}).items()
            if isinstance(r, dict) and (resource_type is None or r.get("Type") == resource_type)]


def one(template: dict, resource_type: str) -> tuple[str, dict]:
    found = resources(template, resource_type)
    if not found:
        raise NotApplicable(resource_type)
    return found[0]


def properties(resource: dict) -> dict:
    return resource.setdefault("Properties", {})


def cluster(template: dict) -> tuple[str, dict]:
    return one(template, CLUSTER)


def cluster_props(template: dict) -> dict:
    return properties(cluster(template)[1])


def referred(template: dict, value: Any, resource_type: str) -> tuple[str, dict]:
    """The resource of a type that a property value refers to."""
    ids = referenced_ids(value)
    for key, resource in resources(template, resource_type):
        if key in ids:
            return key, resource
    raise NotApplicable(f"{resource_type} referred to by {value!r}")


def cluster_instances(template: dict) -> list[tuple[str, dict]]:
    cluster_id, _ = cluster(template)
    found = [(k, r) for k, r in resources(template, INSTANCE)
             if cluster_id in referenced_ids(properties(r).get("DBClusterIdentifier"))]
    if not found:
        raise NotApplicable("instances of the cluster")
    return found


def attached_parameter_group(template: dict) -> tuple[str, dict]:
    return referred(template, cluster_props(template).get("DBClusterParameterGroupName"), CLUSTER_PARAMETER_GROUP)


def attached_subnet_group(template: dict) -> tuple[str, dict]:
    return referred(template, cluster_props(template).get("DBSubnetGroupName"), SUBNET_GROUP)


def credential_secret(template: dict) -> tuple[str, dict]:
    return referred(template, cluster_props(template).get("MasterUserPassword"), SECRET)


def secret_attachment(template: dict) -> tuple[str, dict]:
    secret_id, _ = credential_secret(template)
    for key, resource in resources(template, SECRET_ATTACHMENT):
        if secret_id in referenced_ids(properties(resource).get("SecretId")):
            return key, resource
    raise NotApplicable("secret attachment")


def cpu_alarm(template: dict) -> tuple[str, dict]:
    """The alarm watching this cluster's CPUUtilization (classic or Metrics form)."""
    cluster_id, _ = cluster(template)
    for key, alarm in resources(template, ALARM):
        p = properties(alarm)
        metric = p
        if "Metrics" in p:
            stats = [m.get("MetricStat") for m in p["Metrics"] if isinstance(m, dict) and m.get("MetricStat")]
            metric = (stats[0].get("Metric") or {}) if stats else {}
        if metric.get("MetricName") == "CPUUtilization" and cluster_id in referenced_ids(metric.get("Dimensions")):
            return key, alarm
    raise NotApplicable("CPU alarm")


def alarm_metric_fields(alarm: dict) -> tuple[dict, dict]:
    """(dict holding MetricName/Namespace/Dimensions, dict holding Statistic/Period) of an alarm in either form."""
    p = properties(alarm)
    if "Metrics" in p:
        stat = next(m["MetricStat"] for m in p["Metrics"] if isinstance(m, dict) and m.get("MetricStat"))
        return stat["Metric"], stat
    return p, p


def alarm_topic(template: dict) -> tuple[str, dict]:
    return referred(template, properties(cpu_alarm(template)[1]).get("AlarmActions"), TOPIC)


def monitoring_role(template: dict) -> tuple[str, dict]:
    return referred(template, properties(cluster_instances(template)[0][1]).get("MonitoringRoleArn"), ROLE)


def taggable(template: dict) -> list[tuple[str, dict]]:
    """Resources carrying a Tags list (the design tags every taggable resource)."""
    return [(k, r) for k, r in resources(template) if isinstance(properties(r).get("Tags"), list)]


def new_id(template: dict, base: str) -> str:
    taken = set(template.get("Resources", {})) | set(template.get("Parameters", {})) | set(template.get("Outputs", {}))
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def standard_tags(name: str) -> list[dict]:
    return [{"Key": "Environment", "Value": "Production"}, {"Key": "ManagedBy", "Value": "CloudFormation"},
            {"Key": "Name", "Value": {"Fn::Sub": f"{name}-${{{SUFFIX}}}"}}]


def add_resource(template: dict, base: str, resource_type: str, props: dict, tagged: bool = True) -> str:
    key = new_id(template, base)
    body = dict(props)
    if tagged:
        body["Tags"] = standard_tags(base.lower())
    template["Resources"][key] = {"Type": resource_type, "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
                                  "Properties": body}
    return key


def rename_references(node: Any, old: str, new: str) -> Any:
    """A copy of node with every reference to `old` pointing at `new`."""
    if isinstance(node, dict):
        out = {}
        for key, arg in node.items():
            if key == "Ref" and arg == old:
                out[key] = new
            elif key == "Fn::GetAtt" and isinstance(arg, list) and arg and arg[0] == old:
                out[key] = [new] + arg[1:]
            elif key == "Fn::GetAtt" and isinstance(arg, str) and arg.split(".", 1)[0] == old:
                out[key] = new + arg[len(old):]
            elif key == "Fn::Sub":
                def swap(text):
                    return _SUB_VARIABLE.sub(lambda m: "${" + (new + m.group(1)[len(old):]
                                             if m.group(1) == old or m.group(1).startswith(old + ".") else m.group(1))
                                             + "}", text) if isinstance(text, str) else text
                if isinstance(arg, list):
                    out[key] = [swap(arg[0])] + [rename_references(a, old, new) for a in arg[1:]]
                else:
                    out[key] = swap(arg)
            else:
                out[key] = rename_references(arg, old, new)
        return out
    if isinstance(node, list):
        return [rename_references(item, old, new) for item in node]
    return node


def duplicate(template: dict, key: str, base: str) -> str:
    """Add a copy of resource `key` under a new id, its names still carrying the suffix."""
    clone = copy.deepcopy(template["Resources"][key])
    new = new_id(template, base)
    template["Resources"][new] = clone
    return new


def _names(template: dict, resource_type: str) -> list[int]:
    return list(range(len(resources(template, resource_type))))


# =============================================================================================
# R1 — Aurora Serverless v2, PostgreSQL 15
# =============================================================================================

@operator("R1", ["15.4", "14.9", "16.4", "15", "15.99", "13.12", "15.4.1", 15.4, "15.x"])
def engine_version_changed(t, version):
    """A deprecated 15 minor (15.4), another major, or no real version."""
    cluster_props(t)["EngineVersion"] = version


@operator("R1")
def engine_version_removed(t, _):
    """No EngineVersion: RDS picks its default major."""
    cluster_props(t).pop("EngineVersion")


@operator("R1", ["aurora-mysql", "postgres", "aurora-postgresql "])
def engine_changed(t, engine):
    cluster_props(t)["Engine"] = engine


@operator("R1", ["serverless", "parallelquery", "global"])
def engine_mode_changed(t, mode):
    cluster_props(t)["EngineMode"] = mode


@operator("R1")
def serverless_v2_scaling_removed(t, _):
    """Without ServerlessV2ScalingConfiguration the cluster is not Serverless v2."""
    cluster_props(t).pop("ServerlessV2ScalingConfiguration")


@operator("R1", ["db.r6gd.large"])
def multi_az_cluster_instance_class(t, value):
    cluster_props(t)["DBClusterInstanceClass"] = value


@operator("R1", lambda t: [(i, c) for i in range(len(cluster_instances(t))) for c in ("db.r6g.large", "db.t4g.medium")])
def instance_class_provisioned(t, choice):
    index, klass = choice
    properties(cluster_instances(t)[index][1])["DBInstanceClass"] = klass


@operator("R1", lambda t: [(i, e) for i in range(len(cluster_instances(t))) for e in ("postgres", "aurora-mysql")])
def instance_engine_differs(t, choice):
    index, engine = choice
    properties(cluster_instances(t)[index][1])["Engine"] = engine


@operator("R1")
def cluster_instances_removed(t, _):
    """No instance at all: Serverless v2 capacity has nowhere to run."""
    for key, _ in cluster_instances(t):
        del t["Resources"][key]


@operator("R1")
def cluster_duplicated(t, _):
    """A second DBCluster: the design has exactly one."""
    duplicate(t, cluster(t)[0], "SecondCluster")


@operator("R1")
def cluster_removed(t, _):
    key, _ = cluster(t)
    del t["Resources"][key]
    t["Resources"] = {k: v for k, v in t["Resources"].items() if key not in referenced_ids(v)}
    t["Outputs"] = {k: v for k, v in t.get("Outputs", {}).items() if key not in referenced_ids(v)}


# =============================================================================================
# R2 / C1 — capacity 0.5–1 ACU, auto-scaling
# =============================================================================================

def _numbers_around(wanted: float):
    def strategy(_t):
        from hypothesis import strategies as st
        return st.one_of(st.floats(0, 256, allow_nan=False, allow_infinity=False).filter(lambda v: v != wanted),
                         st.integers(0, 256).filter(lambda v: v != wanted))
    return strategy


@operator("R2", [1, 0, 0.25, 1.5, "1", "0"], strategy=_numbers_around(0.5))
def min_capacity_changed(t, value):
    cluster_props(t)["ServerlessV2ScalingConfiguration"]["MinCapacity"] = value


@operator("R2", [2, 0.5, 1.5, 128, "2", 16], strategy=_numbers_around(1.0))
def max_capacity_changed(t, value):
    cluster_props(t)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] = value


@operator("R2", ["MinCapacity", "MaxCapacity"])
def capacity_bound_removed(t, key):
    cluster_props(t)["ServerlessV2ScalingConfiguration"].pop(key)


@operator("C1", [(0.5, 2), (1, 1), (0.5, 64), (0, 1)])
def scaling_range_changed(t, bounds):
    cluster_props(t)["ServerlessV2ScalingConfiguration"] = {"MinCapacity": bounds[0], "MaxCapacity": bounds[1]}


@operator("C1")
def scaling_configuration_removed(t, _):
    cluster_props(t).pop("ServerlessV2ScalingConfiguration")


@operator("C1", lambda t: [(i, c) for i in range(len(cluster_instances(t))) for c in ("db.r6g.large", "db.serverless2")])
def instance_not_serverless(t, choice):
    index, klass = choice
    properties(cluster_instances(t)[index][1])["DBInstanceClass"] = klass


# =============================================================================================
# R3 / C2 / C7 — deletion protection off, storage encrypted with the AWS managed key
# =============================================================================================

@operator("R3", [False, "false", "False", None])
def storage_not_encrypted(t, value):
    """StorageEncrypted false, or absent (Aurora's default: unencrypted)."""
    set_or_remove(cluster_props(t), "StorageEncrypted", value)


@operator("R3", [True, "true", "True"])
def deletion_protection_on(t, value):
    cluster_props(t)["DeletionProtection"] = value


@operator("C2", [True, "true", "TRUE"])
def cluster_deletion_protection_on(t, value):
    cluster_props(t)["DeletionProtection"] = value


@operator("C2", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (True, "true")])
def instance_deletion_protection_on(t, choice):
    index, value = choice
    properties(cluster_instances(t)[index][1])["DeletionProtection"] = value


@operator("C7", [False, "false", None])
def encryption_off(t, value):
    set_or_remove(cluster_props(t), "StorageEncrypted", value)


def _customer_key(t) -> str:
    return add_resource(t, "CustomerKey", KMS_KEY, {"EnableKeyRotation": True, "KeyPolicy": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*", "Resource": "*"}]}})


KEY_REFERENCES = ["getatt-arn", "ref-key", "literal-key-arn", "alias/my-key", "alias/aws/s3", "alias/aws/rdss",
                  "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs", "parameter"]


def _key_value(t, how: str):
    """A KMS key reference; "parameter": Ref to a parameter defaulting to alias/aws/rds (any key at deploy time)."""
    if how == "getatt-arn":
        return {"Fn::GetAtt": [_customer_key(t), "Arn"]}
    if how == "ref-key":
        return {"Ref": _customer_key(t)}
    if how == "literal-key-arn":
        return "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    if how == "parameter":
        name = new_id(t, "KmsKeyArn")
        t.setdefault("Parameters", {})[name] = {"Type": "String", "Default": "alias/aws/rds",
                                                "Description": "KMS key for the cluster"}
        return {"Ref": name}
    return how


@operator("C7", KEY_REFERENCES)
def cluster_customer_key(t, how):
    """KmsKeyId naming a customer key (or the AWS managed key of another service)."""
    cluster_props(t)["KmsKeyId"] = _key_value(t, how)


@operator("C7", ["getatt-arn", "alias/aws/s3", "literal-key-arn"])
def performance_insights_customer_key(t, how):
    properties(cluster_instances(t)[0][1])["PerformanceInsightsKMSKeyId"] = _key_value(t, how)


@operator("C7", ["alias/aws/rds", "getatt-arn", "alias/mine"])
def secret_customer_key(t, how):
    """The credentials secret under a customer key — or under RDS's managed key, the wrong service."""
    properties(credential_secret(t)[1])["KmsKeyId"] = _key_value(t, how)


# =============================================================================================
# R4 / C3 — 7-day retention, backup window 03:00–04:00
# =============================================================================================

def _retention_strategy(_t):
    from hypothesis import strategies as st
    return st.one_of(st.integers(0, 35).filter(lambda d: d != 7), st.integers(0, 35).filter(lambda d: d != 7).map(str))


@operator("R4", [6, 8, 1, 35, "6", 7.5, None], strategy=_retention_strategy)
def backup_retention_changed(t, days):
    """6 or 8 days (near misses), a string, a fraction, or absent (RDS default: 1 day)."""
    set_or_remove(cluster_props(t), "BackupRetentionPeriod", days)


@operator("R4", ["04:00-05:00", "03:00-05:00", "02:00-03:00", "03:30-04:00", "15:00-16:00", None])
def backup_window_changed(t, window):
    set_or_remove(cluster_props(t), "PreferredBackupWindow", window)


@operator("C3", [6, 0, 1, 14, "8", None], strategy=_retention_strategy)
def automated_backup_retention_changed(t, days):
    set_or_remove(cluster_props(t), "BackupRetentionPeriod", days)


# =============================================================================================
# R5 / C6 — the subnet group from the two subnet parameters, two AZs
# =============================================================================================

@operator("R5", ["literal", "same-twice", "three", "one", "swapped-for-sg"])
def subnet_ids_changed(t, how):
    group = properties(attached_subnet_group(t)[1])
    ids = group["SubnetIds"]
    if how == "literal":
        ids[1] = "subnet-0123456789abcdef0"
    elif how == "same-twice":
        ids[1] = copy.deepcopy(ids[0])
    elif how == "three":
        ids.append("subnet-0123456789abcdef0")
    elif how == "one":
        del ids[1]
    else:
        ids[1] = {"Ref": "VpcSecurityGroupId"}


@operator("R5", ["default", "removed", "other-group"])
def subnet_group_detached(t, how):
    """The cluster no longer uses the template's subnet group."""
    if how == "default":
        cluster_props(t)["DBSubnetGroupName"] = "default"
    elif how == "removed":
        cluster_props(t).pop("DBSubnetGroupName")
    else:
        key, _ = attached_subnet_group(t)
        other = duplicate(t, key, "OtherSubnetGroup")
        properties(t["Resources"][other])["SubnetIds"] = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
        properties(t["Resources"][other])["DBSubnetGroupName"] = {"Fn::Sub": "other-subnets-${EnvironmentSuffix}"}
        cluster_props(t)["DBSubnetGroupName"] = {"Ref": other}


@operator("C6", ["same-twice", "three", "one"])
def subnets_not_two(t, how):
    ids = properties(attached_subnet_group(t)[1])["SubnetIds"]
    if how == "same-twice":
        ids[1] = copy.deepcopy(ids[0])
    elif how == "three":
        ids.append("subnet-0123456789abcdef0")
    else:
        del ids[1]


@operator("C6")
def instance_removed(t, _):
    """One instance: one AZ."""
    key, _ = cluster_instances(t)[-1]
    del t["Resources"][key]


@operator("C6")
def instance_added(t, _):
    key, _ = cluster_instances(t)[-1]
    new = duplicate(t, key, "ThirdInstance")
    properties(t["Resources"][new])["DBInstanceIdentifier"] = {"Fn::Sub": "aurora-instance-3-${EnvironmentSuffix}"}


@operator("C6", ["us-east-1a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}])
def instances_same_az(t, zone):
    for _, instance in cluster_instances(t):
        properties(instance)["AvailabilityZone"] = copy.deepcopy(zone)


@operator("C6", [1, 3])
def cluster_az_count(t, count):
    cluster_props(t)["AvailabilityZones"] = [{"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in range(count)]


@operator("C6")
def subnet_group_duplicated(t, _):
    key, _ = attached_subnet_group(t)
    new = duplicate(t, key, "SpareSubnetGroup")
    properties(t["Resources"][new])["DBSubnetGroupName"] = {"Fn::Sub": "spare-subnets-${EnvironmentSuffix}"}


# =============================================================================================
# R6 / C4 — credentials generated by Secrets Manager, feeding and attached to the cluster
# =============================================================================================

@operator("R6", [31, 16, 33, "31", 64, 8])
def password_length_changed(t, length):
    properties(credential_secret(t)[1])["GenerateSecretString"]["PasswordLength"] = length


@operator("R6", ["/", '"', "@", " "])
def password_alphabet_allows(t, char):
    """A character RDS rejects in a master password may be generated."""
    generator = properties(credential_secret(t)[1])["GenerateSecretString"]
    generator["ExcludeCharacters"] = generator.get("ExcludeCharacters", "").replace(char, "")
    if char == " ":
        generator["IncludeSpace"] = True


@operator("R6")
def password_alphabet_empty(t, _):
    generator = properties(credential_secret(t)[1])["GenerateSecretString"]
    generator.update(ExcludeLowercase=True, ExcludeUppercase=True, ExcludeNumbers=True, ExcludePunctuation=True)


@operator("R6", ["username", "pass", "Password"])
def password_reads_wrong_key(t, key):
    value = cluster_props(t)["MasterUserPassword"]
    cluster_props(t)["MasterUserPassword"] = rename_json_key(value, "password", key)


def rename_json_key(value, old: str, new: str):
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return {"Fn::Sub": value["Fn::Sub"].replace(f"SecretString:{old}", f"SecretString:{new}")}
    raise NotApplicable("MasterUserPassword form")


@operator("R6", ["admin", "dbadmin"])
def username_literal(t, name):
    """The cluster's username typed in, not read from the secret."""
    cluster_props(t)["MasterUsername"] = name


@operator("R6", ['{"username":"admin"}', '{"user":"${MasterUsername}"}', "not json"])
def secret_template_username(t, text):
    generator = properties(credential_secret(t)[1])["GenerateSecretString"]
    generator["SecretStringTemplate"] = {"Fn::Sub": text} if "${" in text else text


@operator("R6")
def secret_attachment_removed(t, _):
    del t["Resources"][secret_attachment(t)[0]]


@operator("R6", ["literal", "instance-type", "instance"])
def secret_attachment_retargeted(t, how):
    """The attachment points at something other than the cluster."""
    attachment = properties(secret_attachment(t)[1])
    if how == "literal":
        attachment["TargetId"] = "aurora-postgres-cluster-other"
    elif how == "instance-type":
        attachment["TargetType"] = "AWS::RDS::DBInstance"
    else:
        attachment["TargetId"] = {"Ref": cluster_instances(t)[0][0]}
        attachment["TargetType"] = "AWS::RDS::DBInstance"


@operator("R6")
def password_from_other_secret(t, _):
    """The password is read from a second, detached secret."""
    key, _ = credential_secret(t)
    other = duplicate(t, key, "OtherSecret")
    properties(t["Resources"][other])["Name"] = {"Fn::Sub": "other-credentials-${EnvironmentSuffix}"}
    cluster_props(t)["MasterUserPassword"] = rename_references(cluster_props(t)["MasterUserPassword"], key, other)
    cluster_props(t)["MasterUsername"] = rename_references(cluster_props(t)["MasterUsername"], key, other)


@operator("C4", ["Sup3rS3cretPassw0rd!", 12345678, {"Fn::Sub": "${EnvironmentSuffix}-pass-2024"},
                 "{{resolve:ssm:/aurora/master-password}}"])
def literal_master_password(t, value):
    """A password written into the template (or read from SSM, not Secrets Manager)."""
    cluster_props(t)["MasterUserPassword"] = value


@operator("C4", ["hunter2-hunter2-hunter2"])
def secret_string_literal(t, value):
    secret = properties(credential_secret(t)[1])
    secret.pop("GenerateSecretString")
    secret["SecretString"] = {"Fn::Sub": '{"username":"${MasterUsername}","password":"' + value + '"}'}


@operator("C4", ["referenced", "unused"])
def password_parameter_default(t, how):
    """A password parameter with a default value."""
    name = new_id(t, "MasterUserPassword")
    t.setdefault("Parameters", {})[name] = {"Type": "String", "NoEcho": True, "Default": "ChangeMe12345678",
                                            "Description": "Master password"}
    if how == "referenced":
        cluster_props(t)["MasterUserPassword"] = {"Ref": name}


# =============================================================================================
# R7 / C5 — custom parameter group, log_statement=all in effect, family 15
# =============================================================================================

@operator("R7", ["ddl", "mod", "none", None])
def log_statement_changed(t, value):
    params = properties(attached_parameter_group(t)[1])["Parameters"]
    set_or_remove(params, "log_statement", value)


@operator("R7", ["aurora-postgresql14", "aurora-postgresql16", "postgres15", "aurora-mysql8.0"])
def parameter_group_family_changed(t, family):
    properties(attached_parameter_group(t)[1])["Family"] = family


def attach_group_copy_without(t, parameter: str, new_id: str, name: str) -> None:
    """The cluster moves to a copy of its parameter group that lacks one parameter."""
    key, _ = attached_parameter_group(t)
    other = duplicate(t, key, new_id)
    body = properties(t["Resources"][other])
    body["Parameters"] = {k: v for k, v in body["Parameters"].items() if k != parameter}
    body["DBClusterParameterGroupName"] = {"Fn::Sub": name + "-${EnvironmentSuffix}"}
    cluster_props(t)["DBClusterParameterGroupName"] = {"Ref": other}


@operator("R7", ["default.aurora-postgresql15", "removed", "detached-copy"])
def parameter_group_detached(t, how):
    """The cluster uses the default group, or a second group without log_statement."""
    if how == "removed":
        cluster_props(t).pop("DBClusterParameterGroupName")
    elif how == "detached-copy":
        attach_group_copy_without(t, "log_statement", "PlainParameterGroup", "aurora-plain-params")
    else:
        cluster_props(t)["DBClusterParameterGroupName"] = how


def _instance_override(t, value):
    group = add_resource(t, "InstanceParameterGroup", DB_PARAMETER_GROUP, {
        "DBParameterGroupName": {"Fn::Sub": "aurora-instance-params-${EnvironmentSuffix}"},
        "Description": "Instance parameters", "Family": "aurora-postgresql15",
        "Parameters": {"log_statement": value}})
    properties(cluster_instances(t)[0][1])["DBParameterGroupName"] = {"Ref": group}


@operator("R7", ["none", "ddl"])
def instance_overrides_log_statement(t, value):
    """An instance-level DB parameter group overriding log_statement."""
    _instance_override(t, value)


@operator("C5", ["mod", "none", "ddl", None])
def query_logging_reduced(t, value):
    params = properties(attached_parameter_group(t)[1])["Parameters"]
    set_or_remove(params, "log_statement", value)


@operator("C5", ["removed", "default.aurora-postgresql15"])
def query_logging_group_detached(t, how):
    if how == "removed":
        cluster_props(t).pop("DBClusterParameterGroupName")
    else:
        cluster_props(t)["DBClusterParameterGroupName"] = how


@operator("C5", ["none"])
def query_logging_instance_override(t, value):
    _instance_override(t, value)


# =============================================================================================
# R8 / C8 — CPU alarm above 80 % for 5 minutes
# =============================================================================================

def _threshold_strategy(_t):
    from hypothesis import strategies as st
    return st.one_of(st.integers(0, 100).filter(lambda v: v != 80),
                     st.floats(0, 100, allow_nan=False).filter(lambda v: v != 80))


@operator("R8", [85, 79, 90, 80.5, "85", 8, 800], strategy=_threshold_strategy)
def alarm_threshold_changed(t, value):
    properties(cpu_alarm(t)[1])["Threshold"] = value


@operator("R8", ["GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"])
def alarm_comparison_changed(t, value):
    properties(cpu_alarm(t)[1])["ComparisonOperator"] = value


@operator("R8", [(60, 1, None), (600, 1, None), (900, 1, None), (300, 2, None), (60, 5, 1), (60, 5, 3), (60, 3, None),
                 (10, 30, None), (30, 10, None)])
def alarm_duration_changed(t, choice):
    """Not a sustained 5 minutes: 1 minute, 10 minutes, 2 × 5 minutes, 1 datapoint of 5, or sub-minute periods
    of a metric RDS publishes every 60 s (most periods would have no data)."""
    period, periods, datapoints = choice
    alarm = properties(cpu_alarm(t)[1])
    _, stat = alarm_metric_fields(cpu_alarm(t)[1])
    stat["Period"] = period
    alarm["EvaluationPeriods"] = periods
    if datapoints is None:
        alarm.pop("DatapointsToAlarm", None)
    else:
        alarm["DatapointsToAlarm"] = datapoints


@operator("R8", ["Maximum", "Minimum", "Sum", "SampleCount", "p99"])
def alarm_statistic_changed(t, value):
    _, stat = alarm_metric_fields(cpu_alarm(t)[1])
    stat["Stat" if "Stat" in stat else "Statistic"] = value


@operator("R8", ["Seconds", "Count", "Bytes"])
def alarm_unit_changed(t, value):
    """A Unit other than CPUUtilization's Percent: the alarm matches no datapoints at all."""
    _, stat = alarm_metric_fields(cpu_alarm(t)[1])
    stat["Unit"] = value


@operator("R8", ["name:FreeableMemory", "name:CPUCreditUsage", "namespace:AWS/EC2", "dimension:DBInstanceIdentifier",
                 "value:another-cluster", "dimensions:extra"])
def alarm_watches_something_else(t, how):
    """Another metric, namespace or resource than this cluster's CPU."""
    metric, _ = alarm_metric_fields(cpu_alarm(t)[1])
    kind, value = how.split(":", 1)
    if kind == "name":
        metric["MetricName"] = value
    elif kind == "namespace":
        metric["Namespace"] = value
    elif kind == "dimension":
        metric["Dimensions"][0]["Name"] = value
    elif kind == "value":
        metric["Dimensions"][0]["Value"] = value
    else:
        metric["Dimensions"].append({"Name": "Role", "Value": "WRITER"})


@operator("R8")
def cpu_alarm_removed(t, _):
    key, _ = cpu_alarm(t)
    del t["Resources"][key]
    t["Outputs"] = {k: v for k, v in t.get("Outputs", {}).items() if key not in referenced_ids(v)}


@operator("C8", [85, 81, 100, "90", 79])
def cpu_threshold_changed(t, value):
    properties(cpu_alarm(t)[1])["Threshold"] = value


@operator("C8", ["GreaterThanOrEqualToThreshold", "LessThanThreshold"])
def cpu_comparison_changed(t, value):
    properties(cpu_alarm(t)[1])["ComparisonOperator"] = value


# =============================================================================================
# R9 — outputs: writer endpoint, reader endpoint, secret ARN
# =============================================================================================

R9_OUTPUTS = ("ClusterEndpoint", "ClusterReaderEndpoint", "DatabaseSecretArn")


def _output(t, name) -> dict:
    output = t.get("Outputs", {}).get(name)
    if output is None:
        raise NotApplicable(f"output {name}")
    return output


@operator("R9", list(R9_OUTPUTS))
def required_output_removed(t, name):
    _output(t, name)
    del t["Outputs"][name]


@operator("R9", [("ClusterEndpoint", "ReadEndpoint.Address"), ("ClusterEndpoint", "Endpoint.Port"),
                 ("ClusterReaderEndpoint", "Endpoint.Address"), ("ClusterReaderEndpoint", "ReadEndpoint.Port")])
def endpoint_output_wrong_attribute(t, choice):
    """An endpoint output reading the wrong attribute."""
    name, attribute = choice
    _output(t, name)["Value"] = {"Fn::GetAtt": [cluster(t)[0], attribute]}


@operator("R9", ["attachment", "cluster", "other-secret", "literal"])
def secret_arn_output_wrong(t, how):
    output = _output(t, "DatabaseSecretArn")
    if how == "attachment":
        output["Value"] = {"Ref": secret_attachment(t)[0]}
    elif how == "cluster":
        output["Value"] = {"Ref": cluster(t)[0]}
    elif how == "other-secret":
        key, _ = credential_secret(t)
        other = duplicate(t, key, "SpareSecret")
        properties(t["Resources"][other])["Name"] = {"Fn::Sub": "spare-credentials-${EnvironmentSuffix}"}
        output["Value"] = {"Ref": other}
    else:
        output["Value"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aurora-credentials"


@operator("R9", ["other-cluster"])
def endpoint_output_other_cluster(t, _):
    """The writer endpoint of another cluster (the cluster duplicated, the output pointing at the copy)."""
    key, _ = cluster(t)
    other = duplicate(t, key, "OtherCluster")
    _output(t, "ClusterEndpoint")["Value"] = {"Fn::GetAtt": [other, "Endpoint.Address"]}


# =============================================================================================
# R10 — Environment=Production, ManagedBy=CloudFormation on every taggable resource
# =============================================================================================

TAG_BREAKS = ["Environment:removed", "ManagedBy:removed", "Environment:production", "Environment:Prod",
              "Environment:Production ", "ManagedBy:Terraform", "ManagedBy:cloudformation", "duplicate", "all-removed"]


@operator("R10", lambda t: [(i, how) for i in range(len(taggable(t))) for how in TAG_BREAKS])
def required_tag_broken(t, choice):
    """One taggable resource loses a required tag, has it misspelt (case too), or repeats a key."""
    index, how = choice
    body = properties(taggable(t)[index][1])
    tags = body["Tags"]
    if how == "duplicate":
        tags.append({"Key": "Environment", "Value": "Production"})
        return
    if how == "all-removed":
        body.pop("Tags")
        return
    key, value = how.split(":", 1)
    if value == "removed":
        body["Tags"] = [tag for tag in tags if tag.get("Key") != key]
    else:
        for tag in tags:
            if tag.get("Key") == key:
                tag["Value"] = value


# =============================================================================================
# C9 — Delete policies
# =============================================================================================

def _policy_choices(t):
    out = []
    for index, (_, resource) in enumerate(resources(t)):
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            out += [(index, attribute, "Retain"), (index, attribute, "RetainExceptOnCreate")]
        if resource.get("Type") in (CLUSTER, INSTANCE):
            out.append((index, "DeletionPolicy", "Snapshot"))
    cluster_index = next(i for i, (_, r) in enumerate(resources(t)) if r.get("Type") == CLUSTER)
    out.append((cluster_index, "DeletionPolicy", None))   # a DB cluster defaults to Snapshot
    return out


@operator("C9", _policy_choices)
def policy_not_delete(t, choice):
    """Retain, Snapshot, RetainExceptOnCreate, or the cluster's DeletionPolicy dropped (default Snapshot)."""
    index, attribute, value = choice
    resource = resources(t)[index][1]
    if value is None:
        resource.pop(attribute, None)
    else:
        resource[attribute] = value


# =============================================================================================
# C10 — references and dependencies
# =============================================================================================

@operator("C10", ["alarm-on-cluster", "instance-on-cluster", "attachment-on-secret"])
def redundant_depends_on(t, how):
    """A DependsOn that a Ref already implies (cfn-lint W3005)."""
    if how == "alarm-on-cluster":
        cpu_alarm(t)[1]["DependsOn"] = [cluster(t)[0]]
    elif how == "instance-on-cluster":
        cluster_instances(t)[0][1]["DependsOn"] = cluster(t)[0]
    else:
        secret_attachment(t)[1]["DependsOn"] = [credential_secret(t)[0]]


@operator("C10", ["resource", "output", "depends-on", "getatt"])
def dangling_reference(t, how):
    missing = new_id(t, "MissingResource")
    if how == "resource":
        properties(cpu_alarm(t)[1])["OKActions"] = [{"Ref": missing}]
    elif how == "output":
        t.setdefault("Outputs", {})["Dangling"] = {"Value": {"Ref": missing}}
    elif how == "depends-on":
        cpu_alarm(t)[1]["DependsOn"] = [missing]
    else:
        t.setdefault("Outputs", {})["Dangling"] = {"Value": {"Fn::GetAtt": [missing, "Arn"]}}


@operator("C10")
def circular_dependency(t, _):
    """The secret waits for its own attachment."""
    secret_attachment(t)
    credential_secret(t)[1]["DependsOn"] = [secret_attachment(t)[0]]


# =============================================================================================
# S1 — maintenance window mon:04:00-mon:05:00, clear of backups
# =============================================================================================

@operator("S1", ["tue:04:00-tue:05:00", "mon:05:00-mon:06:00", "mon:03:30-mon:04:30", "sun:04:00-sun:05:00",
                 "mon:04:00-mon:04:30", None])
def maintenance_window_changed(t, window):
    set_or_remove(cluster_props(t), "PreferredMaintenanceWindow", window)


@operator("S1", ["mon:03:00-mon:04:00", "tue:03:30-tue:04:30"])
def instance_maintenance_overlaps_backup(t, window):
    properties(cluster_instances(t)[0][1])["PreferredMaintenanceWindow"] = window


# =============================================================================================
# S2 — PostgreSQL logs exported
# =============================================================================================

@operator("S2", [None, [], ["upgrade"], ["postgres"]])
def log_exports_changed(t, value):
    set_or_remove(cluster_props(t), "EnableCloudwatchLogsExports", value)


# =============================================================================================
# S3 — instances private and members of the cluster
# =============================================================================================

@operator("S3", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (True, "true", None)])
def instance_public(t, choice):
    """PubliclyAccessible true, or absent (public in a default VPC)."""
    index, value = choice
    body = properties(cluster_instances(t)[index][1])
    set_or_remove(body, "PubliclyAccessible", value)


@operator("S3", ["literal", "other-name"])
def instance_outside_cluster(t, how):
    """An instance naming the cluster by a literal name (no ordering) or another cluster."""
    body = properties(cluster_instances(t)[-1][1])
    body["DBClusterIdentifier"] = "aurora-postgres-cluster-prod" if how == "literal" else "some-other-cluster"


# =============================================================================================
# S4 — the given security group
# =============================================================================================

@operator("S4", ["removed", "literal", "extra", "empty"])
def security_group_changed(t, how):
    body = cluster_props(t)
    if how == "removed":
        body.pop("VpcSecurityGroupIds")
    elif how == "literal":
        body["VpcSecurityGroupIds"] = ["sg-0123456789abcdef0"]
    elif how == "extra":
        body["VpcSecurityGroupIds"].append("sg-0123456789abcdef0")
    else:
        body["VpcSecurityGroupIds"] = []


# =============================================================================================
# S5 — names carry EnvironmentSuffix
# =============================================================================================

NAME_PROPERTY = {CLUSTER: "DBClusterIdentifier", INSTANCE: "DBInstanceIdentifier", SUBNET_GROUP: "DBSubnetGroupName",
                 CLUSTER_PARAMETER_GROUP: "DBClusterParameterGroupName", SECRET: "Name", ALARM: "AlarmName",
                 TOPIC: "TopicName", ROLE: "RoleName"}
MUST_BE_NAMED = {CLUSTER, INSTANCE, SUBNET_GROUP, CLUSTER_PARAMETER_GROUP, SECRET, ALARM}


def _named(t):
    return [(i, k, r) for i, (k, r) in enumerate(resources(t)) if NAME_PROPERTY.get(r.get("Type")) in properties(r)]


def _name_choices(t):
    out = []
    for index, _, resource in _named(t):
        out += [(index, "literal"), (index, "other-parameter")]
        if resource["Type"] in MUST_BE_NAMED:
            out.append((index, "removed"))
    return out


@operator("S5", _name_choices)
def name_without_suffix(t, choice):
    """A resource name built without EnvironmentSuffix (or, where one is required, no name at all)."""
    index, how = choice
    _, key, resource = next(item for item in _named(t) if item[0] == index)
    prop = NAME_PROPERTY[resource["Type"]]
    if how == "literal":
        properties(resource)[prop] = f"{key.lower()}-prod"
    elif how == "other-parameter":
        properties(resource)[prop] = {"Fn::Sub": "x-${DatabaseName}"}
    else:
        properties(resource).pop(prop)


def _name_tag_choices(t):
    return [(i, how) for i, (_, r) in enumerate(taggable(t)) for how in ("literal", "removed")
            if any(tag.get("Key") == "Name" for tag in properties(r)["Tags"])
            and (how == "literal" or r["Type"] in MUST_BE_NAMED)]


@operator("S5", _name_tag_choices)
def name_tag_without_suffix(t, choice):
    index, how = choice
    body = properties(taggable(t)[index][1])
    if how == "removed":
        body["Tags"] = [tag for tag in body["Tags"] if tag.get("Key") != "Name"]
    else:
        for tag in body["Tags"]:
            if tag.get("Key") == "Name":
                tag["Value"] = "aurora-prod"


# =============================================================================================
# S6 — parameters typed and constrained as specified
# =============================================================================================

S6_BREAKS = [
    ("EnvironmentSuffix", "AllowedPattern", "^[a-zA-Z0-9-]+$"),
    ("EnvironmentSuffix", "AllowedPattern", "^[a-zA-Z0-9]*$"),
    ("EnvironmentSuffix", "AllowedPattern", None),
    ("EnvironmentSuffix", "Type", "Number"),
    ("SubnetId1", "Type", "String"),
    ("SubnetId2", "Type", "List<AWS::EC2::Subnet::Id>"),
    ("VpcSecurityGroupId", "Type", "String"),
    ("DatabaseName", "AllowedPattern", "^[a-zA-Z0-9_-]*$"),
    ("DatabaseName", "AllowedPattern", "[a-z]+"),
    ("MasterUsername", "AllowedPattern", "^[a-zA-Z0-9]+$"),
    ("MasterUsername", "MaxLength", "17"),
    ("MasterUsername", "MaxLength", None),
    ("MasterUsername", "AllowedPattern", "^[a-zA-Z][a-zA-Z0-9@]*$"),
    ("DatabaseName", "", None),
    ("SubnetId2", "", None),
]


@operator("S6", S6_BREAKS)
def parameter_constraint_changed(t, choice):
    """A parameter re-typed, its pattern loosened or tightened, its limit raised, or the parameter removed."""
    name, attribute, value = choice
    parameters = t.get("Parameters", {})
    if name not in parameters:
        raise NotApplicable(name)
    if attribute == "":
        del parameters[name]
        _unreference_parameter(t, name)
    elif value is None:
        parameters[name].pop(attribute, None)
    else:
        parameters[name][attribute] = value


def _unreference_parameter(t, name):
    """Replace references to a removed parameter by a literal, so only S6 (not C10) speaks."""
    literal = {"DatabaseName": "transactiondb", "SubnetId2": "subnet-0123456789abcdef0"}[name]

    def walk(node):
        if isinstance(node, dict):
            if node == {"Ref": name}:
                return literal
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    t["Resources"] = walk(t["Resources"])
    t["Outputs"] = walk(t.get("Outputs", {}))
    for group in t.get("Metadata", {}).get("AWS::CloudFormation::Interface", {}).get("ParameterGroups", []):
        group["Parameters"] = [p for p in group.get("Parameters", []) if p != name]


@operator("S6", ["literal", "other-parameter"])
def database_name_not_from_parameter(t, how):
    cluster_props(t)["DatabaseName"] = "transactiondb" if how == "literal" else {"Ref": "MasterUsername"}


# =============================================================================================
# S7 — outputs kept and exported
# =============================================================================================

S7_OUTPUTS = ("ClusterEndpoint", "ClusterReaderEndpoint", "ClusterPort", "DatabaseSecretArn", "ClusterIdentifier",
              "DBSubnetGroupName", "CPUAlarmName", "EnvironmentSuffix")


@operator("S7", [n for n in S7_OUTPUTS if n not in R9_OUTPUTS])
def output_removed(t, name):
    _output(t, name)
    del t["Outputs"][name]


@operator("S7", lambda t: [(n, how) for n in S7_OUTPUTS if n in t.get("Outputs", {})
                           for how in ("literal", "no-stack-name", "removed", "wrong-name")])
def output_export_changed(t, choice):
    name, how = choice
    output = _output(t, name)
    if how == "literal":
        output["Export"] = {"Name": name}
    elif how == "no-stack-name":
        output["Export"] = {"Name": {"Fn::Sub": f"${{{SUFFIX}}}-{name}"}}
    elif how == "removed":
        output.pop("Export")
    else:
        output["Export"] = {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{name}Export"}}


@operator("S7", ["port-is-address", "identifier-is-instance", "subnet-is-parameter-group", "alarm-is-topic",
                 "suffix-literal"])
def output_reads_wrong_value(t, how):
    if how == "port-is-address":
        _output(t, "ClusterPort")["Value"] = {"Fn::GetAtt": [cluster(t)[0], "Endpoint.Address"]}
    elif how == "identifier-is-instance":
        _output(t, "ClusterIdentifier")["Value"] = {"Ref": cluster_instances(t)[0][0]}
    elif how == "subnet-is-parameter-group":
        _output(t, "DBSubnetGroupName")["Value"] = {"Ref": attached_parameter_group(t)[0]}
    elif how == "alarm-is-topic":
        _output(t, "CPUAlarmName")["Value"] = {"Ref": alarm_topic(t)[0]}
    else:
        _output(t, "EnvironmentSuffix")["Value"] = "prod"


# =============================================================================================
# S8 — valid CloudFormation (cfn-lint clean): things only cfn-lint sees
# =============================================================================================

@operator("S8", ["unknown-property", "list-for-string", "bad-enum", "object-for-string", "bad-pattern",
                 "unknown-attribute-key"], tools=True)
def invalid_cloudformation(t, how):
    """An unknown property, a wrong type, a value outside an enum: the schema says no."""
    topic = properties(alarm_topic(t)[1])
    alarm = properties(cpu_alarm(t)[1])
    if how == "unknown-property":
        topic["Colour"] = "blue"
    elif how == "list-for-string":
        topic["DisplayName"] = ["Aurora", "alarms"]
    elif how == "bad-enum":
        alarm["TreatMissingData"] = "ignoreIt"
    elif how == "object-for-string":
        alarm["AlarmDescription"] = {"text": "cpu"}
    elif how == "bad-pattern":
        alarm["Unit"] = "Percentage"
    else:
        alarm_topic(t)[1]["Condition"] = "NoSuchCondition"


# =============================================================================================
# H1..H5 — hardening
# =============================================================================================

@operator("H1", ["0", 0, "false", "off", None])
def force_ssl_off(t, value):
    params = properties(attached_parameter_group(t)[1])["Parameters"]
    set_or_remove(params, "rds.force_ssl", value)


@operator("H1", ["detached-copy"])
def force_ssl_group_detached(t, _):
    attach_group_copy_without(t, "rds.force_ssl", "NoTlsParameterGroup", "aurora-notls-params")


@operator("H2", [False, "false", None])
def iam_auth_off(t, value):
    set_or_remove(cluster_props(t), "EnableIAMDatabaseAuthentication", value)


@operator("H3", [False, "false", None])
def copy_tags_off(t, value):
    set_or_remove(cluster_props(t), "CopyTagsToSnapshot", value)


@operator("H4", ["removed", "empty", "literal-arn", "secret", "ok-only"])
def alarm_action_not_topic(t, how):
    """The CPU alarm notifies no SNS topic of this stack."""
    alarm = properties(cpu_alarm(t)[1])
    if how == "removed":
        alarm.pop("AlarmActions")
    elif how == "empty":
        alarm["AlarmActions"] = []
    elif how == "literal-arn":
        alarm["AlarmActions"] = ["arn:aws:sns:us-east-1:123456789012:someone-elses-topic"]
    elif how == "secret":
        alarm["AlarmActions"] = [{"Ref": credential_secret(t)[0]}]
    else:
        topic = alarm_topic(t)[0]
        alarm.pop("AlarmActions")
        alarm["OKActions"] = [{"Ref": topic}]


@operator("H4", [False, "false"])
def alarm_actions_disabled(t, value):
    properties(cpu_alarm(t)[1])["ActionsEnabled"] = value


@operator("H5", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (0, 45, "0", None)])
def monitoring_interval_off(t, choice):
    index, value = choice
    body = properties(cluster_instances(t)[index][1])
    set_or_remove(body, "MonitoringInterval", value)


@operator("H5", ["ref-role", "literal-arn", "other-attribute"])
def monitoring_role_reference_wrong(t, how):
    """Ref of the role gives its name, not its ARN; a literal ARN is not this stack's role."""
    role, _ = monitoring_role(t)
    body = properties(cluster_instances(t)[0][1])
    if how == "ref-role":
        body["MonitoringRoleArn"] = {"Ref": role}
    elif how == "literal-arn":
        body["MonitoringRoleArn"] = "arn:aws:iam::123456789012:role/rds-monitoring"
    else:
        body["MonitoringRoleArn"] = {"Fn::GetAtt": [role, "RoleId"]}


@operator("H5", ["principal", "action", "effect"])
def monitoring_role_trust_wrong(t, how):
    statement = properties(monitoring_role(t)[1])["AssumeRolePolicyDocument"]["Statement"][0]
    if how == "principal":
        statement["Principal"] = {"Service": "rds.amazonaws.com"}
    elif how == "action":
        statement["Action"] = "sts:AssumeRoleWithWebIdentity"
    else:
        statement["Effect"] = "Deny"


# =============================================================================================
# H6 — the Control Tower proactive controls (full gate, cfn-guard)
# =============================================================================================

@operator("H6", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (False, "false")], tools=True)
def auto_minor_version_upgrade_off(t, choice):
    """CT.RDS.PR.5: no other requirement asks for minor version upgrades."""
    index, value = choice
    properties(cluster_instances(t)[index][1])["AutoMinorVersionUpgrade"] = value


@operator("H6", ["action-wildcard", "resource-wildcard-all"], tools=True)
def monitoring_role_inline_wildcard(t, how):
    """CT.IAM.PR.1 / PR.5: an inline policy granting everything."""
    statement = ({"Effect": "Allow", "Action": "*", "Resource": "*"} if how == "resource-wildcard-all"
                 else {"Effect": "Allow", "Action": "rds:*", "Resource": "*"})
    properties(monitoring_role(t)[1])["Policies"] = [{"PolicyName": "extra", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [statement]}}]
