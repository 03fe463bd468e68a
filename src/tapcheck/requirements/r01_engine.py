"""R1 — Aurora Serverless v2, PostgreSQL 15."""

from __future__ import annotations

import re

from tapcheck.model import Model, Resource, as_str
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, instances_of, props, of_the_cluster
from tapcheck.requirements.engine_versions import deprecated_versions, known_versions, supported_15_minors

SPEC = "Aurora Serverless v2 with PostgreSQL 15.4 (seed R1; 15.4 is deprecated, so a supported 15.x minor is pinned)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    engine = cluster.get("Engine")
    if engine != "aurora-postgresql":
        yield violation(cluster, ("Engine",), f"Engine is {engine!r}, not 'aurora-postgresql'",
                        "Set Engine to aurora-postgresql", "engine")
    mode = cluster.get("EngineMode", "provisioned")
    if mode != "provisioned":
        yield violation(cluster, ("EngineMode",), f"EngineMode is {mode!r}; Serverless v2 runs in provisioned mode",
                        "Remove EngineMode or set it to provisioned", "engine-mode")
    if cluster.get("ServerlessV2ScalingConfiguration") is None:
        yield violation(cluster, ("ServerlessV2ScalingConfiguration",),
                        "No ServerlessV2ScalingConfiguration: the cluster is not Aurora Serverless v2",
                        "Add ServerlessV2ScalingConfiguration", "serverless-v2")
    if cluster.get("DBClusterInstanceClass") is not None:
        yield violation(cluster, ("DBClusterInstanceClass",),
                        "DBClusterInstanceClass makes this a Multi-AZ DB cluster, not Aurora Serverless v2",
                        "Remove DBClusterInstanceClass", "engine-mode")
    yield from _check_version(cluster)
    instances = instances_of(model, cluster)
    if not instances:
        yield violation(cluster, "", "The cluster has no DB instances: Serverless v2 capacity runs in db.serverless instances",
                        "Add AWS::RDS::DBInstance resources with DBClusterIdentifier Ref to the cluster", "instances")
    for instance in instances:
        if instance.get("DBInstanceClass") != "db.serverless":
            yield violation(instance, ("DBInstanceClass",),
                            f"DBInstanceClass is {instance.get('DBInstanceClass')!r}, not db.serverless",
                            "Set DBInstanceClass to db.serverless", "instance-class")
        if instance.get("Engine", engine) != engine:
            yield violation(instance, ("Engine",), f"Instance engine {instance.get('Engine')!r} differs from the cluster's",
                            "Set the instance Engine to aurora-postgresql", "engine")


def _check_version(cluster):
    version = as_str(cluster.get("EngineVersion"))
    usable = ", ".join(supported_15_minors())
    if version is None:
        yield violation(cluster, ("EngineVersion",),
                        "EngineVersion is not set: RDS would pick its default major version, not PostgreSQL 15",
                        f"Pin EngineVersion to a supported 15.x minor ({usable})", "engine-version")
        return
    if not re.fullmatch(r"15\.\d+", version):
        yield violation(cluster, ("EngineVersion",), f"EngineVersion {version!r} is not a PostgreSQL 15 minor version",
                        f"Use one of {usable}", "engine-version")
    elif version in deprecated_versions():
        yield violation(cluster, ("EngineVersion",),
                        f"EngineVersion {version} is deprecated and can no longer create clusters (cfn-lint W3690)",
                        f"Use one of {usable}", "engine-version")
    elif version not in known_versions():
        yield violation(cluster, ("EngineVersion",), f"EngineVersion {version} is not an Aurora PostgreSQL version",
                        f"Use one of {usable}", "engine-version")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EngineVersion"] = supported_15_minors()[0]   # another supported minor


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["EngineVersion"] = "15.4"                     # the seed's deprecated pin


REQUIREMENT = Requirement("R1", "Aurora Serverless v2, PostgreSQL 15", SPEC, check, passing_example, failing_example)
