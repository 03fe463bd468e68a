"""CloudFormation update and delete on the emulator behave as on AWS: in-place updates
reach the live database, a failed update rolls back, DeletionPolicy is honoured.
Local target only (these deploy extra stacks)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import uuid
from pathlib import Path

import pytest

from tapcheck.errors import UsageError


@pytest.fixture
def stack(local_target, live_options):
    from tapcheck.live import deploy

    suffix = "lc" + uuid.uuid4().hex[:6]
    name = f"tapcheck-lc-{suffix}"
    deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": suffix})
    doc = json.loads(Path(live_options.template).read_text())
    yield name, suffix, doc
    with contextlib.suppress(UsageError):  # the test destroyed it already: there is no stack to describe
        deploy.destroy(local_target, name)


def _update(target, name: str, doc: dict) -> dict:
    cfn = target.client("cloudformation")
    previous = cfn.describe_stacks(StackName=name)["Stacks"][0]["Parameters"]
    cfn.update_stack(
        StackName=name,
        TemplateBody=json.dumps(doc),
        Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True} for p in previous],
    )
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def _smoke(target, name: str, only: list[str]) -> tuple[int, str]:
    from tapcheck.live.smoke import smoke

    out = io.StringIO()
    return smoke(target, name, out=out, only=only), out.getvalue()


def test_update_in_place_reaches_the_live_database(local_target, stack) -> None:
    name, suffix, doc = stack
    changed = copy.deepcopy(doc)
    changed["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["log_statement"] = "ddl"
    changed["Resources"]["AuroraCluster"]["Properties"]["BackupRetentionPeriod"] = 14
    before = local_target.client("rds").describe_db_clusters()["DBClusters"]
    endpoint = next(c["Endpoint"] for c in before if suffix in c["DBClusterIdentifier"])
    result = _update(local_target, name, changed)
    assert result["StackStatus"] == "UPDATE_COMPLETE"
    rc, out = _smoke(local_target, name, ["R4", "R7"])
    assert rc == 1
    assert "DescribeDBClusters says BackupRetentionPeriod 14" in out
    assert "the writer reports log_statement=ddl" in out
    after = local_target.client("rds").describe_db_clusters()["DBClusters"]
    assert next(c["Endpoint"] for c in after if suffix in c["DBClusterIdentifier"]) == endpoint  # not replaced


def test_failed_update_rolls_back(local_target, stack) -> None:
    name, _, doc = stack
    changed = copy.deepcopy(doc)
    changed["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["log_statement"] = "ddl"
    changed["Resources"]["Unsupported"] = {"Type": "AWS::NoSuch::Thing", "Properties": {}}
    result = _update(local_target, name, changed)
    assert result["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    events = local_target.client("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"].endswith("_FAILED")]
    assert failed and failed[0]["LogicalResourceId"] == "Unsupported"
    assert "AWS::NoSuch::Thing" in failed[0]["ResourceStatusReason"]
    rc, out = _smoke(local_target, name, ["R7"])
    assert rc == 0, out  # log_statement is back to all, on the API and on the writer


def test_deletion_policy_snapshot_and_retain(local_target, stack) -> None:
    from tapcheck.live import deploy

    name, suffix, doc = stack
    changed = copy.deepcopy(doc)
    changed["Resources"]["AuroraCluster"]["DeletionPolicy"] = "Snapshot"
    changed["Resources"]["AlarmTopic"]["DeletionPolicy"] = "Retain"
    assert _update(local_target, name, changed)["StackStatus"] == "UPDATE_COMPLETE"
    deploy.destroy(local_target, name)
    rds, sns = local_target.client("rds"), local_target.client("sns")
    snaps = [
        s
        for s in rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
        if suffix in s["DBClusterIdentifier"]
    ]
    assert len(snaps) == 1
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if suffix in c["DBClusterIdentifier"]]
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(f"aurora-alarms-{suffix}")]
    assert len(topics) == 1  # retained
    sns.delete_topic(TopicArn=topics[0])
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snaps[0]["DBClusterSnapshotIdentifier"])


def test_a_cluster_without_deletion_policy_leaves_a_snapshot_and_without_storage_encrypted_has_no_kms_key(
    local_target, live_options, tmp_path
) -> None:
    """CloudFormation's defaults, shared by the gate's model and the emulator: an absent DeletionPolicy
    on a DB cluster is Snapshot; an absent StorageEncrypted encrypts with an AWS owned key, not KMS."""
    from tapcheck.findings import Status
    from tapcheck.live import deploy
    from tapcheck.live.context import Context
    from tapcheck.live.probing import run_probe, runs

    doc = json.loads(Path(live_options.template).read_text())
    cluster = next(r for r in doc["Resources"].values() if r["Type"] == "AWS::RDS::DBCluster")
    del cluster["DeletionPolicy"]
    del cluster["Properties"]["StorageEncrypted"]
    path = tmp_path / "defaults.json"
    path.write_text(json.dumps(doc))
    suffix = "dflt" + uuid.uuid4().hex[:6]
    name = f"tapcheck-{suffix}"
    deploy.deploy(local_target, path, name, {"EnvironmentSuffix": suffix})
    try:
        run = next(r for r in runs() if r.probe.name == "storage_encrypted")
        result = run_probe(run, Context(local_target, name))
        assert result.status is Status.FAIL and "not under a KMS key" in result.detail, result.line()
    finally:
        deploy.destroy(local_target, name)
    rds = local_target.client("rds")
    snaps = [
        s
        for s in rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
        if suffix in s["DBClusterIdentifier"]
    ]
    assert len(snaps) == 1
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snaps[0]["DBClusterSnapshotIdentifier"])


def test_destroying_the_stack_schedules_its_kms_key_for_deletion_after_the_pending_window(
    local_target, live_options, tmp_path
) -> None:
    """AWS::KMS::Key with DeletionPolicy Delete: the key is scheduled for deletion, not deleted at once."""
    from tapcheck.live import deploy

    suffix = "kms" + uuid.uuid4().hex[:6]
    name = f"tapcheck-{suffix}"
    deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": suffix})
    cfn = local_target.client("cloudformation")
    key_id = next(
        r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::KMS::Key"
    )
    kms = local_target.client("kms")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    deploy.destroy(local_target, name)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion"
    assert meta.get("PendingDeletionWindowInDays", 7) == 7


def test_the_network_deploy_makes_admits_the_database_port_from_its_own_group(live_stack, local_target) -> None:
    """The local network deploy creates lets the group's members (the in-VPC runner) reach the cluster."""
    group = live_stack.parameters["VpcSecurityGroupId"]
    rules = local_target.client("ec2").describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], [p["GroupId"] for p in r["UserIdGroupPairs"]]) for r in rules
    ] == [("tcp", 5432, 5432, [group])]


def test_generated_password_honours_generate_secret_string(live_stack) -> None:
    """GenerateSecretString: length, excluded characters and RequireEachIncludedType."""
    import string

    pw = live_stack.secret["password"]
    assert len(pw) == 32
    assert not set(pw) & set('"@/\\ ')
    for kind in (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation):
        assert set(pw) & set(kind), f"no character from {kind!r} in the generated password"


def test_the_template_as_short_form_yaml_deploys_and_passes_smoke(local_target, live_options, tmp_path) -> None:
    """deploy reads a template with the gate's loader: YAML short forms (!Ref, !Sub, !GetAtt) deploy
    as the JSON does, and the live stack passes every probe."""
    from tapcheck.live import deploy
    from tapcheck.live.smoke import smoke
    from tapcheck.mutation.yaml_emit import to_yaml

    text = to_yaml(json.loads(Path(live_options.template).read_text()))
    assert "!Ref " in text and "!Sub " in text and "!GetAtt " in text
    path = tmp_path / "TapStack.yaml"
    path.write_text(text)
    suffix = "yml" + uuid.uuid4().hex[:6]
    name = f"tapcheck-{suffix}"
    deploy.deploy(local_target, path, name, {"EnvironmentSuffix": suffix})
    try:
        out = io.StringIO()
        assert smoke(local_target, name, out=out) == 0, out.getvalue()
    finally:
        deploy.destroy(local_target, name)
