"""S7 — the seed's outputs kept, each exported as ${AWS::StackName}-<name>, reading the right value."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, PseudoRef, ResourceRef, Str, Text
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import ALARM, SUBNET_GROUP, parameter_of, single, the_cluster

SPEC = "Outputs ClusterEndpoint, ClusterReaderEndpoint, ClusterPort, DatabaseSecretArn, ClusterIdentifier, " \
       "DBSubnetGroupName, CPUAlarmName and EnvironmentSuffix, exported for other stacks"
OUTPUT_NAMES = ("ClusterEndpoint", "ClusterReaderEndpoint", "ClusterPort", "DatabaseSecretArn", "ClusterIdentifier",
                "DBSubnetGroupName", "CPUAlarmName", "EnvironmentSuffix")


def check(model: Model):
    for name in OUTPUT_NAMES:
        output = model.outputs.get(name)
        if output is None:
            yield violation(None, f"/Outputs/{name}", f"Output {name} is missing", f"Add output {name}", "missing")
            continue
        if output.export_name != Text((PseudoRef("AWS::StackName"), Str(f"-{name}"))):
            yield violation(None, f"/Outputs/{name}/Export/Name", f"Output {name} is not exported as ${{AWS::StackName}}-{name}",
                            f"Set Export.Name to Fn::Sub '${{AWS::StackName}}-{name}'", "export")
    cluster, _ = the_cluster(model)
    group, _ = single(model, SUBNET_GROUP, "the DB subnet group", "subnet-group")
    alarms = model.of_type(ALARM)
    expected = {
        "ClusterPort": AttrRef(cluster.logical_id, "Endpoint.Port") if cluster else None,
        "ClusterIdentifier": ResourceRef(cluster.logical_id) if cluster else None,
        "DBSubnetGroupName": ResourceRef(group.logical_id) if group else None,
        "CPUAlarmName": ResourceRef(alarms[0].logical_id) if len(alarms) == 1 else None,
    }
    for name, wanted in expected.items():
        output = model.outputs.get(name)
        if output is not None and wanted is not None and output.value != wanted:
            yield violation(None, f"/Outputs/{name}/Value", f"Output {name} does not read {wanted}",
                            "Point it back at the right resource or attribute", "value")
    output = model.outputs.get("EnvironmentSuffix")
    if output is not None and parameter_of(model, output.value) != "EnvironmentSuffix":
        yield violation(None, "/Outputs/EnvironmentSuffix/Value", "Output EnvironmentSuffix does not read the parameter",
                        "Set its Value to Ref EnvironmentSuffix", "value")


def passing_example(template: dict) -> None:
    template["Outputs"]["ClusterPort"]["Export"]["Name"] = {
        "Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "ClusterPort"]]}


def failing_example(template: dict) -> None:
    template["Outputs"]["ClusterPort"]["Export"]["Name"] = "ClusterPort"


REQUIREMENT = Requirement("S7", "Outputs kept and exported", SPEC, check, passing_example, failing_example)
