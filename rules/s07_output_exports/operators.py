"""S7 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import SUFFIX, alarm_topic, attached_parameter_group, cluster, cluster_instances, output
from tapcheck.requirements.registry import values_of
from tapcheck.requirements.unit import operator, values

S7_OUTPUTS = values(__file__)["outputs"]
R9_OUTPUTS = [v for k, v in values_of("R9").items() if k.endswith("_output")]


@operator("output-exports", [n for n in S7_OUTPUTS if n not in R9_OUTPUTS])
def output_removed(t, name):
    output(t, name)
    del t["Outputs"][name]


@operator(
    "output-exports",
    lambda t: [
        (n, how)
        for n in S7_OUTPUTS
        if n in t.get("Outputs", {})
        for how in ("literal", "no-stack-name", "removed", "wrong-name")
    ],
)
def output_export_changed(t, choice):
    name, how = choice
    found = output(t, name)
    if how == "literal":
        found["Export"] = {"Name": name}
    elif how == "no-stack-name":
        found["Export"] = {"Name": {"Fn::Sub": f"${{{SUFFIX}}}-{name}"}}
    elif how == "removed":
        found.pop("Export")
    else:
        found["Export"] = {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{name}Export"}}


@operator(
    "output-exports",
    ["port-is-address", "identifier-is-instance", "subnet-is-parameter-group", "alarm-is-topic", "suffix-literal"],
)
def output_reads_wrong_value(t, how):
    if how == "port-is-address":
        output(t, "ClusterPort")["Value"] = {"Fn::GetAtt": [cluster(t)[0], "Endpoint.Address"]}
    elif how == "identifier-is-instance":
        output(t, "ClusterIdentifier")["Value"] = {"Ref": cluster_instances(t)[0][0]}
    elif how == "subnet-is-parameter-group":
        output(t, "DBSubnetGroupName")["Value"] = {"Ref": attached_parameter_group(t)[0]}
    elif how == "alarm-is-topic":
        output(t, "CPUAlarmName")["Value"] = {"Ref": alarm_topic(t)[0]}
    else:
        output(t, "EnvironmentSuffix")["Value"] = "prod"
