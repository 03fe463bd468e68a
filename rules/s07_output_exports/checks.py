"""S7 — the seed's outputs kept, each exported as ${AWS::StackName}-<name>, reading the right value."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, PseudoRef, ResourceRef, Str, Text, show
from tapcheck.requirements.common import ALARM, SUBNET_GROUP, only, parameter_of, the_cluster
from tapcheck.requirements.unit import check, values, violation

OUTPUT_NAMES = values(__file__)["outputs"]


@check("output-exports")
def output_exports(model: Model):
    """Every seed output exists, is exported as ${AWS::StackName}-<name>, and reads its resource or attribute."""
    for name in OUTPUT_NAMES:
        output = model.outputs.get(name)
        if output is None:
            yield violation(None, f"/Outputs/{name}", f"Output {name} is missing", f"Add output {name}", "missing")
            continue
        if output.export_name != Text((PseudoRef("AWS::StackName"), Str(f"-{name}"))):
            yield violation(
                None,
                f"/Outputs/{name}/Export/Name",
                f"Output {name} is exported as {show(output.export_name)}, not ${{AWS::StackName}}-{name}",
                f"Set Export.Name to Fn::Sub '${{AWS::StackName}}-{name}'",
                "export",
            )
    cluster, group = the_cluster(model), only(model, SUBNET_GROUP)
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
            yield violation(
                None,
                f"/Outputs/{name}/Value",
                f"Output {name} reads {show(output.value)}, not {show(wanted)}",
                "Point it back at the right resource or attribute",
                "value",
            )
    output = model.outputs.get("EnvironmentSuffix")
    if output is not None and parameter_of(model, output.value) != "EnvironmentSuffix":
        yield violation(
            None,
            "/Outputs/EnvironmentSuffix/Value",
            f"Output EnvironmentSuffix reads {show(output.value)}, not the parameter",
            "Set its Value to !Ref EnvironmentSuffix",
            "value",
        )
