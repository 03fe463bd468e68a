"""Finding things in a raw template by type and meaning, for mutation operators and rewrites.

"The parameter group the cluster's DBClusterParameterGroupName refers to", "the alarm watching
this cluster's CPUUtilization": operators and rewrites find what they change this way, never
by logical id, so they work on any rendering of the design (renamed ids, YAML). Resource types
and name properties come from tapcheck.requirements.common, references from
tapcheck.template_refs: nothing here declares them again.
"""

from __future__ import annotations

import copy
from typing import Any

from tapcheck.requirements.common import (
    ALARM,
    CLUSTER,
    CLUSTER_PARAMETER_GROUP,
    DB_PARAMETER_GROUP,
    INSTANCE,
    ROLE,
    SECRET,
    SECRET_ATTACHMENT,
    SUBNET_GROUP,
    TOPIC,
)
from tapcheck.requirements.registry import values_of
from tapcheck.template_refs import referenced_ids, sub_variables

SUFFIX = values_of("S5")["suffix_parameter"]


class NotApplicable(LookupError):
    """The template lacks what the operator changes (say, no alarm to mutate)."""


def set_or_remove(body: dict, key: str, value) -> None:
    """Set the property; value None removes it, so that AWS's default applies."""
    if value is None:
        if key not in body:
            raise NotApplicable(f"{key} is already absent")
        del body[key]
    else:
        body[key] = value


def resources(template: dict, resource_type: str | None = None) -> list[tuple[str, dict]]:
    return [
        (k, r)
        for k, r in template.get("Resources", {}).items()
        if isinstance(r, dict) and (resource_type is None or r.get("Type") == resource_type)
    ]


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
    found = [
        (k, r)
        for k, r in resources(template, INSTANCE)
        if cluster_id in referenced_ids(properties(r).get("DBClusterIdentifier"))
    ]
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
            stats = [m["MetricStat"] for m in p["Metrics"] if isinstance(m, dict) and m.get("MetricStat")]
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


def output(template: dict, name: str) -> dict:
    found = template.get("Outputs", {}).get(name)
    if found is None:
        raise NotApplicable(f"output {name}")
    return found


def new_id(template: dict, base: str) -> str:
    taken = set(template.get("Resources", {})) | set(template.get("Parameters", {})) | set(template.get("Outputs", {}))
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def standard_tags(name: str) -> list[dict]:
    """The tags the design puts on every resource: R10's required tags and a Name carrying the suffix."""
    required = [{"Key": k, "Value": v} for k, v in values_of("R10")["tags"].items()]
    return required + [{"Key": "Name", "Value": {"Fn::Sub": f"{name}-${{{SUFFIX}}}"}}]


def add_resource(template: dict, base: str, resource_type: str, props: dict, tagged: bool = True) -> str:
    key = new_id(template, base)
    body = dict(props)
    if tagged:
        body["Tags"] = standard_tags(base.lower())
    template["Resources"][key] = {
        "Type": resource_type,
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": body,
    }
    return key


def rename_references(node: Any, old: str, new: str) -> Any:
    """A copy of node with every reference to `old` pointing at `new`."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, arg in node.items():
            if key == "Ref" and arg == old:
                out[key] = new
            elif key == "Fn::GetAtt" and isinstance(arg, list) and arg and arg[0] == old:
                out[key] = [new] + arg[1:]
            elif key == "Fn::GetAtt" and isinstance(arg, str) and arg.split(".", 1)[0] == old:
                out[key] = new + arg[len(old) :]
            elif key == "Fn::Sub":
                out[key] = (
                    [_swap_sub(arg[0], old, new)] + [rename_references(a, old, new) for a in arg[1:]]
                    if isinstance(arg, list)
                    else _swap_sub(arg, old, new)
                )
            else:
                out[key] = rename_references(arg, old, new)
        return out
    if isinstance(node, list):
        return [rename_references(item, old, new) for item in node]
    return node


def _swap_sub(text: Any, old: str, new: str) -> Any:
    if not isinstance(text, str):
        return text
    for variable in set(sub_variables(text)):
        if variable == old or variable.startswith(old + "."):
            text = text.replace("${" + variable + "}", "${" + new + variable[len(old) :] + "}")
    return text


def duplicate(template: dict, key: str, base: str) -> str:
    """Add a copy of resource `key` under a new id, its names still carrying the suffix."""
    clone = copy.deepcopy(template["Resources"][key])
    new = new_id(template, base)
    template["Resources"][new] = clone
    return new


def attach_group_copy_without(t: dict, parameter: str, base: str, name: str) -> None:
    """The cluster moves to a copy of its parameter group that lacks one parameter."""
    key, _ = attached_parameter_group(t)
    other = duplicate(t, key, base)
    body = properties(t["Resources"][other])
    body["Parameters"] = {k: v for k, v in body["Parameters"].items() if k != parameter}
    body["DBClusterParameterGroupName"] = {"Fn::Sub": name + "-${" + SUFFIX + "}"}
    cluster_props(t)["DBClusterParameterGroupName"] = {"Ref": other}


def instance_parameter_override(t: dict, parameter: str, value: Any) -> None:
    """An instance-level DB parameter group setting one parameter, attached to the first instance."""
    family = values_of("R7")["family"]
    group = add_resource(
        t,
        "InstanceParameterGroup",
        DB_PARAMETER_GROUP,
        {
            "DBParameterGroupName": {"Fn::Sub": "aurora-instance-params-${" + SUFFIX + "}"},
            "Description": "Instance parameters",
            "Family": family,
            "Parameters": {parameter: value},
        },
    )
    properties(cluster_instances(t)[0][1])["DBParameterGroupName"] = {"Ref": group}
