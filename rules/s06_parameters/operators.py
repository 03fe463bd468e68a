"""S6 — mutation operators: each breaks one check of this folder (or one it shares), on a copy of a compliant template."""

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
