"""R1 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster, cluster_instances, cluster_props, duplicate, properties, referenced_ids
from tapcheck.requirements.unit import operator


@operator("engine-version", ["15.4", "14.9", "16.4", "15", "15.99", "13.12", "15.4.1", 15.4, "15.x"])
def engine_version_changed(t, version):
    """A deprecated 15 minor (15.4), another major, or no real version."""
    cluster_props(t)["EngineVersion"] = version


@operator("engine-version")
def engine_version_removed(t, _):
    """No EngineVersion: RDS picks its default major."""
    cluster_props(t).pop("EngineVersion")


@operator("aurora-postgresql-engine", ["aurora-mysql", "postgres", "aurora-postgresql "])
def engine_changed(t, engine):
    cluster_props(t)["Engine"] = engine


@operator("serverless-v2", ["serverless", "parallelquery", "global"])
def engine_mode_changed(t, mode):
    cluster_props(t)["EngineMode"] = mode


@operator("serverless-v2")
def serverless_v2_scaling_removed(t, _):
    """Without ServerlessV2ScalingConfiguration the cluster is not Serverless v2."""
    cluster_props(t).pop("ServerlessV2ScalingConfiguration")


@operator("serverless-v2", ["db.r6gd.large"])
def multi_az_cluster_instance_class(t, value):
    cluster_props(t)["DBClusterInstanceClass"] = value


@operator(
    "serverless-instances",
    lambda t: [(i, c) for i in range(len(cluster_instances(t))) for c in ("db.r6g.large", "db.t4g.medium")],
)
def instance_class_provisioned(t, choice):
    index, klass = choice
    properties(cluster_instances(t)[index][1])["DBInstanceClass"] = klass


@operator(
    "aurora-postgresql-engine",
    lambda t: [(i, e) for i in range(len(cluster_instances(t))) for e in ("postgres", "aurora-mysql")],
)
def instance_engine_differs(t, choice):
    index, engine = choice
    properties(cluster_instances(t)[index][1])["Engine"] = engine


@operator("serverless-instances")
def cluster_instances_removed(t, _):
    """No instance at all: Serverless v2 capacity has nowhere to run."""
    for key, _ in cluster_instances(t):
        del t["Resources"][key]


@operator("the-cluster")
def cluster_duplicated(t, _):
    """A second DBCluster: the design has exactly one."""
    duplicate(t, cluster(t)[0], "SecondCluster")


@operator("the-cluster")
def cluster_removed(t, _):
    key, _ = cluster(t)
    del t["Resources"][key]
    t["Resources"] = {k: v for k, v in t["Resources"].items() if key not in referenced_ids(v)}
    t["Outputs"] = {k: v for k, v in t.get("Outputs", {}).items() if key not in referenced_ids(v)}
