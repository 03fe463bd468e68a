"""S6 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import NotApplicable, cluster_props
from tapcheck.requirements.unit import operator

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


@operator("parameters-declared", S6_BREAKS)
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


@operator("database-name-from-parameter", ["literal", "other-parameter"])
def database_name_not_from_parameter(t, how):
    cluster_props(t)["DatabaseName"] = "transactiondb" if how == "literal" else {"Ref": "MasterUsername"}


@operator(
    "names-at-parameter-extremes",
    [
        "no-max-length",
        "max-length-40",
        "subnet-group-colon",
        "role-name-space",
        "topic-name-dot",
        "parameter-group-underscore",
        "cluster-id-double-hyphen",
    ],
)
def name_refused_at_some_value(t, how):
    """A name AWS refuses, at the parameters' defaults or at a value they admit."""
    suffix = t.get("Parameters", {}).get("EnvironmentSuffix")
    if how in ("no-max-length", "max-length-40"):
        if suffix is None or "MaxLength" not in suffix:
            raise NotApplicable("EnvironmentSuffix has no MaxLength")
        if how == "no-max-length":
            suffix.pop("MaxLength")
        else:
            suffix["MaxLength"] = "40"
        return
    kind, prop, value = {
        "subnet-group-colon": ("AWS::RDS::DBSubnetGroup", "DBSubnetGroupName", "aurora:subnets-${EnvironmentSuffix}"),
        "role-name-space": ("AWS::IAM::Role", "RoleName", "aurora monitoring ${EnvironmentSuffix}"),
        "topic-name-dot": ("AWS::SNS::Topic", "TopicName", "aurora.alarms-${EnvironmentSuffix}"),
        "parameter-group-underscore": (
            "AWS::RDS::DBClusterParameterGroup",
            "DBClusterParameterGroupName",
            "aurora_pg_params-${EnvironmentSuffix}",
        ),
        "cluster-id-double-hyphen": (
            "AWS::RDS::DBCluster",
            "DBClusterIdentifier",
            "aurora--cluster-${EnvironmentSuffix}",
        ),
    }[how]
    found = [r for r in t["Resources"].values() if r.get("Type") == kind and prop in r.get("Properties", {})]
    if not found:
        raise NotApplicable(f"no {kind} with {prop}")
    found[0]["Properties"][prop] = {"Fn::Sub": value}
