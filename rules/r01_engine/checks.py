"""R1 — one Aurora cluster, engine aurora-postgresql 15.x, Serverless v2 with db.serverless instances."""

from __future__ import annotations

import re

from tapcheck.model import Model, Resource, as_str, show
from tapcheck.requirements.common import CLUSTER, exactly_one, instances_of, of_the_cluster
from tapcheck.requirements.engine_versions import deprecated_versions, known_versions, supported_minors
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)


@check("the-cluster")
def the_cluster(model: Model):
    """Exactly one AWS::RDS::DBCluster: every cluster requirement is about it."""
    yield from exactly_one(model, CLUSTER, "the Aurora cluster")


@check("aurora-postgresql-engine")
@of_the_cluster
def engine(model: Model, cluster: Resource):
    """The cluster and its instances run aurora-postgresql."""
    wanted = V["engine"]
    if cluster.get("Engine") != wanted:
        yield violation(
            cluster, ("Engine",), f"Engine is {show(cluster.get('Engine'))}, not '{wanted}'", f"Set Engine to {wanted}"
        )
    for instance in instances_of(model, cluster):
        if instance.get("Engine", wanted) != wanted:
            yield violation(
                instance,
                ("Engine",),
                f"Instance engine {show(instance.get('Engine'))} differs from the cluster's",
                f"Set the instance Engine to {wanted}",
            )


@check("serverless-v2")
@of_the_cluster
def serverless_v2(model: Model, cluster: Resource):
    """Aurora Serverless v2: provisioned engine mode with a Serverless v2 scaling configuration."""
    mode = cluster.get("EngineMode", "provisioned")
    if mode != "provisioned":
        yield violation(
            cluster,
            ("EngineMode",),
            f"EngineMode is {show(mode)}; Serverless v2 runs in provisioned mode",
            "Remove EngineMode or set it to provisioned",
        )
    if cluster.get("ServerlessV2ScalingConfiguration") is None:
        yield violation(
            cluster,
            ("ServerlessV2ScalingConfiguration",),
            "No ServerlessV2ScalingConfiguration: the cluster is not Aurora Serverless v2",
            "Add ServerlessV2ScalingConfiguration",
        )
    if cluster.get("DBClusterInstanceClass") is not None:
        yield violation(
            cluster,
            ("DBClusterInstanceClass",),
            "DBClusterInstanceClass makes this a Multi-AZ DB cluster, not Aurora Serverless v2",
            "Remove DBClusterInstanceClass",
        )


@check("engine-version")
@of_the_cluster
def engine_version(model: Model, cluster: Resource):
    """A PostgreSQL 15 minor that cfn-lint's data knows and does not list as deprecated."""
    version = as_str(cluster.get("EngineVersion"))
    major = V["major_version"]
    usable = ", ".join(supported_minors(major))
    if version is None:
        yield violation(
            cluster,
            ("EngineVersion",),
            f"EngineVersion is {show(cluster.get('EngineVersion'))}: RDS would pick its default major "
            f"version, not PostgreSQL {major}",
            f"Pin EngineVersion to a supported {major}.x minor ({usable})",
        )
    elif not re.fullmatch(rf"{major}\.\d+", version):
        yield violation(
            cluster,
            ("EngineVersion",),
            f"EngineVersion '{version}' is not a PostgreSQL {major} minor version",
            f"Use one of {usable}",
        )
    elif version in deprecated_versions():
        yield violation(
            cluster,
            ("EngineVersion",),
            f"EngineVersion {version} is deprecated and can no longer create clusters (cfn-lint W3690)",
            f"Use one of {usable}",
        )
    elif version not in known_versions():
        yield violation(
            cluster,
            ("EngineVersion",),
            f"EngineVersion {version} is not an Aurora PostgreSQL version",
            f"Use one of {usable}",
        )


@check("serverless-instances")
@of_the_cluster
def serverless_instances(model: Model, cluster: Resource):
    """Serverless v2 capacity runs in the cluster's db.serverless instances: there must be some, all of that class."""
    wanted = V["instance_class"]
    instances = instances_of(model, cluster)
    if not instances:
        yield violation(
            cluster,
            "",
            f"The cluster has no DB instances: Serverless v2 capacity runs in {wanted} instances",
            "Add AWS::RDS::DBInstance resources with DBClusterIdentifier Ref to the cluster",
        )
    for instance in instances:
        if instance.get("DBInstanceClass") != wanted:
            yield violation(
                instance,
                ("DBInstanceClass",),
                f"DBInstanceClass is {show(instance.get('DBInstanceClass'))}, not {wanted}: only {wanted} "
                "instances scale in ACUs",
                f"Set DBInstanceClass to {wanted}",
            )
