"""`tapcheck deploy` on a stack that exists (issue 9 §2-§3): the plan runs first, blocking changes
are refused unless allowed, and the emulator updates as CloudFormation does -- in place keeps the
same PostgreSQL servers and rows, a replacement makes a new, empty database before the old one goes,
a custom-named replacement fails and rolls back, a static parameter waits for a reboot, and a
regenerated secret leaves the cluster on its old password. Local target (and the `--target aws`
code path run against the emulator through AWS_ENDPOINT_URL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _suffix() -> str:
    return "up" + uuid.uuid4().hex[:6]


class Stack:
    """A stack deployed for one test, with what the assertions read from it."""

    def __init__(self, target: Any, template: str, suffix: str | None = None) -> None:
        from tapcheck.live import deploy

        self.target, self.suffix = target, suffix or _suffix()
        self.name = f"tapcheck-up-{self.suffix}"
        self.template = json.loads(Path(template).read_text())
        deploy.deploy(target, template, self.name, {"EnvironmentSuffix": self.suffix})

    # --- reading the live stack ------------------------------------------------------------
    def outputs(self) -> dict[str, str]:
        from tapcheck.live import deploy

        return deploy.outputs_of(deploy.describe(self.target, self.name))

    def physical_ids(self) -> dict[str, str]:
        cfn = self.target.client("cloudformation")
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.list_stack_resources(StackName=self.name)["StackResourceSummaries"]
        }

    def secret(self) -> dict[str, Any]:
        arn = self.outputs()["DatabaseSecretArn"]
        return json.loads(self.target.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])

    def connect(
        self,
        user: str | None = None,
        password: str | None = None,
        host_key: str = "ClusterEndpoint",
        dbname: str | None = None,
    ) -> Any:
        import psycopg

        out, secret = self.outputs(), self.secret()
        return psycopg.connect(
            host=out[host_key],
            port=int(out["ClusterPort"]),
            user=user or secret["username"],
            password=password or secret["password"],
            dbname=dbname or self.database(),
            sslmode="require",
            connect_timeout=5,
            autocommit=True,
        )

    def operator(self, role: str) -> Any:
        """The emulator's own superuser on the server playing `role` (unix socket): what the machine's
        operator reads, which Aurora's master user may not."""
        from tapcheck.emulator.pgcluster import cluster_dirs, operator_connect

        cid = self.outputs()["ClusterIdentifier"]
        return operator_connect(cluster_dirs(self.emulator_root, cid)[0], role, int(self.outputs()["ClusterPort"]))

    def database(self) -> str:
        cid = self.outputs()["ClusterIdentifier"]
        return self.target.client("rds").describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]["DatabaseName"]

    def start_times(self, user: str | None = None, password: str | None = None) -> tuple[Any, Any]:
        """pg_postmaster_start_time() of the writer and the reader: the same servers or not."""
        times = []
        for key in ("ClusterEndpoint", "ClusterReaderEndpoint"):
            with self.connect(user, password, host_key=key) as conn:
                times.append(conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0])
        return times[0], times[1]

    def write_rows(self) -> None:
        with self.connect() as conn:
            conn.execute("CREATE TABLE ledger (id int PRIMARY KEY, note text)")
            conn.execute("INSERT INTO ledger VALUES (1, 'one'), (2, 'two'), (3, 'three')")

    def rows(self) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute("SELECT id, note FROM ledger ORDER BY id").fetchall()

    def has_ledger(self) -> bool:
        with self.connect() as conn:
            return conn.execute("SELECT to_regclass('public.ledger') IS NOT NULL").fetchone()[0]

    def last_event(self) -> dict[str, Any]:
        return self.target.client("cloudformation").describe_stack_events(StackName=self.name)["StackEvents"][0]

    # --- editing the template by resource type, never by logical id --------------------------
    def edited(self, tmp_path: Path, edit: Any) -> str:
        doc = json.loads(json.dumps(self.template))
        edit(doc)
        path = tmp_path / f"edit-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(doc, indent=1))
        return str(path)

    def destroy(self) -> None:
        from tapcheck.live import deploy

        if deploy.stack_status(self.target, self.name) not in (None, "DELETE_COMPLETE"):
            deploy.destroy(self.target, self.name)


def of_type(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    found = [r for r in doc["Resources"].values() if r["Type"] == rtype]
    assert len(found) == 1, f"expected one {rtype}"
    return found[0].setdefault("Properties", {})


@pytest.fixture
def stack(local_target, live_options, emulator):
    s = Stack(local_target, live_options.template)
    s.emulator_root = Path(emulator["root"])
    yield s
    s.destroy()


ROWS = [(1, "one"), (2, "two"), (3, "three")]
RDS_LOWER = ("AWS::RDS::",)


# --- in place ------------------------------------------------------------------------------------
def test_in_place_edits_keep_the_servers_and_the_rows(stack, tmp_path) -> None:
    from tapcheck.live import deploy

    stack.write_rows()
    ids, times = stack.physical_ids(), stack.start_times()

    def edit(doc: dict[str, Any]) -> None:
        of_type(doc, "AWS::RDS::DBCluster")["Tags"].append({"Key": "CostCentre", "Value": "ledger"})
        of_type(doc, "AWS::RDS::DBCluster")["AutoMinorVersionUpgrade"] = False
        of_type(doc, "AWS::CloudWatch::Alarm")["Threshold"] = 75
        of_type(doc, "AWS::RDS::DBClusterParameterGroup")["Parameters"]["log_statement"] = "ddl"

    result = deploy.deploy(stack.target, stack.edited(tmp_path, edit), stack.name)
    assert result.action == "update" and result.changed
    assert {c.resource: c.action for c in result.plan.changes} == {
        "AuroraCluster": "modify",
        "CPUUtilizationAlarm": "modify",
        "DBClusterParameterGroup": "modify",
    }
    assert deploy.stack_status(stack.target, stack.name) == "UPDATE_COMPLETE"
    assert stack.rows() == ROWS
    assert stack.start_times() == times, "an in-place update restarted the PostgreSQL servers"
    assert stack.physical_ids() == ids
    with stack.connect() as conn:
        assert conn.execute("SHOW log_statement").fetchone()[0] == "ddl"
    cw, rds = stack.target.client("cloudwatch"), stack.target.client("rds")
    assert cw.describe_alarms(AlarmNames=[ids["CPUUtilizationAlarm"]])["MetricAlarms"][0]["Threshold"] == 75
    cluster = rds.describe_db_clusters(DBClusterIdentifier=ids["AuroraCluster"])["DBClusters"][0]
    assert cluster["AutoMinorVersionUpgrade"] is False  # ModifyDBCluster takes it for an Aurora cluster
    arn = cluster["DBClusterArn"]
    assert {"Key": "CostCentre", "Value": "ledger"} in rds.list_tags_for_resource(ResourceName=arn)["TagList"]
    again = deploy.deploy(stack.target, stack.edited(tmp_path, edit), stack.name)
    assert not again.changed and stack.last_event()["ResourceStatus"] == "UPDATE_COMPLETE"


def test_a_changed_default_is_kept_at_the_stacks_value_and_deploy_says_how_to_apply_it(stack, tmp_path) -> None:
    """The edit `plan --head` blocks (MasterUsername's Default: the credentials would diverge) deploys as no
    change to an existing stack, because parameters not given keep their values: deploy says so."""
    import io

    from tapcheck.live import deploy
    from tapcheck.plan.planner import make_plan
    from tapcheck.plan.sources import Version

    def edit(doc: dict[str, Any]) -> None:
        doc["Parameters"]["MasterUsername"]["Default"] = "ledgeradmin"

    edited = stack.edited(tmp_path, edit)
    offline = make_plan(Version("old", stack.template), Version("new", json.loads(Path(edited).read_text())), {}, [])
    assert not offline.safe  # what the hook's plan says of the same edit
    out = io.StringIO()
    result = deploy.deploy(stack.target, edited, stack.name, out=out)
    assert result.action == "update" and result.plan.safe and result.plan.changes == []
    notes = [line for line in out.getvalue().splitlines() if line.startswith("NOTE    parameter")]
    assert notes == [
        (
            "NOTE    parameter MasterUsername: the template's Default is now 'ledgeradmin', but the stack "
            "keeps 'dbadmin' (parameters not given keep their values on an update, as `aws cloudformation "
            "deploy` does). To apply the new Default: --param MasterUsername=ledgeradmin"
        )
    ]
    assert stack.secret()["username"] == "dbadmin"


# --- replacement ---------------------------------------------------------------------------------
def test_a_replacing_edit_is_refused_and_changes_nothing(stack, tmp_path, emulator) -> None:
    from tapcheck.live import deploy, update

    stack.write_rows()
    ids, times, last = stack.physical_ids(), stack.start_times(), stack.last_event()["EventId"]
    with pytest.raises(update.UpdateRefused) as renamed:
        deploy.deploy(stack.target, ROOT / "lib" / "TapStack.json", stack.name, {"EnvironmentSuffix": _suffix()})
    assert {"AuroraCluster", "DatabaseSecret"} <= set(renamed.value.blocked)

    def rename_database(doc: dict[str, Any]) -> None:
        of_type(doc, "AWS::RDS::DBCluster")["DatabaseName"] = "ledgerdb"

    with pytest.raises(update.UpdateRefused) as database:
        deploy.deploy(stack.target, stack.edited(tmp_path, rename_database), stack.name)
    cluster_change = next(c for c in database.value.plan.changes if c.resource == "AuroraCluster")
    assert {r.name for r in cluster_change.risks if r.certain} >= {"data-loss", "update-fails"}
    assert stack.last_event()["EventId"] == last, "a refused deploy started an update"
    assert stack.physical_ids() == ids and stack.start_times() == times and stack.rows() == ROWS
    cli = _cli(emulator, "deploy", "--stack-name", stack.name, "--param", f"EnvironmentSuffix={_suffix()}")
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 1 and "BLOCK   replace AuroraCluster" in out, (out, err)
    assert "refused: blocking change(s) to AuroraCluster" in err and "nothing was changed" in err
    cancel = _cli(emulator, "cancel-update", "--stack-name", stack.name)
    _, err = cancel.communicate(timeout=60)
    assert cancel.returncode == 2 and "there is no update in progress to cancel" in err, err
    assert stack.last_event()["EventId"] == last


def test_a_forced_replacement_makes_a_new_empty_database_as_the_plan_predicts(stack) -> None:
    from tapcheck.emulator.pgcluster import cluster_dirs
    from tapcheck.live import deploy, update

    stack.write_rows()
    ids = stack.physical_ids()
    template, new_suffix = ROOT / "lib" / "TapStack.json", _suffix()
    with pytest.raises(update.UpdateRefused) as refused:
        deploy.deploy(stack.target, template, stack.name, {"EnvironmentSuffix": new_suffix})
    result = deploy.deploy(
        stack.target, template, stack.name, {"EnvironmentSuffix": new_suffix}, allows=refused.value.blocked
    )
    predicted = {c.resource for c in result.plan.changes if c.action == "replace"}
    after = stack.physical_ids()
    replaced = {lid for lid in ids if after[lid] != ids[lid]}
    assert replaced == predicted, f"plan predicted {sorted(predicted)}, the emulator replaced {sorted(replaced)}"
    assert "AuroraCluster" in replaced and after["AuroraCluster"] == f"aurora-postgres-cluster-{new_suffix}"
    assert not stack.has_ledger(), "the replacement cluster should be a new, empty database"
    rds = stack.target.client("rds")
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_clusters(DBClusterIdentifier=ids["AuroraCluster"])  # UpdateReplacePolicy Delete
    assert not cluster_dirs(Path(stack.target.emulator_root), ids["AuroraCluster"]), "old PostgreSQL data left"
    events = stack.target.client("cloudformation").describe_stack_events(StackName=stack.name)["StackEvents"]
    order = [(e["LogicalResourceId"], e["ResourceStatus"], e["PhysicalResourceId"]) for e in reversed(events)]
    created = order.index(("AuroraCluster", "UPDATE_COMPLETE", after["AuroraCluster"]))
    deleted = order.index(("AuroraCluster", "DELETE_COMPLETE", ids["AuroraCluster"]))
    assert created < deleted, "the new cluster must exist before the old one is deleted"


def test_update_replace_policy_retain_keeps_and_snapshot_snapshots_the_replaced_resource(stack, tmp_path) -> None:
    from tapcheck.live import deploy

    ids = stack.physical_ids()

    def policies(doc: dict[str, Any]) -> None:
        for r in doc["Resources"].values():
            if r["Type"] == "AWS::CloudWatch::Alarm":
                r["UpdateReplacePolicy"] = "Retain"
            if r["Type"] == "AWS::RDS::DBCluster":
                r["UpdateReplacePolicy"] = "Snapshot"

    # First the policies (an attribute change: no call to the resources), then the replacement: the
    # plan counts Delete in either version when one edit does both (which applies is undocumented).
    first = deploy.deploy(stack.target, stack.edited(tmp_path, policies), stack.name)
    assert first.changed and stack.physical_ids() == ids
    stack.template = json.loads(Path(stack.edited(tmp_path, policies)).read_text())

    def rename(doc: dict[str, Any]) -> None:
        for r in doc["Resources"].values():
            if r["Type"] == "AWS::CloudWatch::Alarm":
                r["Properties"]["AlarmName"] = {"Fn::Sub": "aurora-cpu-high-${EnvironmentSuffix}-v2"}
            if r["Type"] == "AWS::RDS::DBCluster":
                r["Properties"]["DBClusterIdentifier"] = {"Fn::Sub": "aurora-postgres-cluster-${EnvironmentSuffix}-v2"}
            if r["Type"] == "AWS::RDS::DBInstance":
                r["Properties"]["DBInstanceIdentifier"]["Fn::Sub"] += "-v2"
            if r["Type"] == "AWS::Logs::LogGroup":
                r["Properties"]["LogGroupName"] = {
                    "Fn::Sub": "/aws/rds/cluster/aurora-postgres-cluster-${EnvironmentSuffix}-v2/postgresql"
                }

    result = deploy.deploy(stack.target, stack.edited(tmp_path, rename), stack.name)
    cluster = next(c for c in result.plan.changes if c.resource == "AuroraCluster")
    assert cluster.action == "replace" and "data-loss" not in {r.name for r in cluster.risks}  # Snapshot keeps it
    after = stack.physical_ids()
    assert after["CPUUtilizationAlarm"] != ids["CPUUtilizationAlarm"]
    cw, rds = stack.target.client("cloudwatch"), stack.target.client("rds")
    assert cw.describe_alarms(AlarmNames=[ids["CPUUtilizationAlarm"]])["MetricAlarms"], "Retain: the old alarm stays"
    snapshots = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    taken = [s for s in snapshots if s["DBClusterIdentifier"] == ids["AuroraCluster"]]
    assert len(taken) == 1, "Snapshot: the replaced cluster leaves a final snapshot"
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_clusters(DBClusterIdentifier=ids["AuroraCluster"])
    cw.delete_alarms(AlarmNames=[ids["CPUUtilizationAlarm"]])
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=taken[0]["DBClusterSnapshotIdentifier"])


def test_a_custom_named_replacement_fails_and_rolls_back(stack, tmp_path) -> None:
    from tapcheck.live import deploy, update

    stack.write_rows()
    ids, times = stack.physical_ids(), stack.start_times()

    def rename_database(doc: dict[str, Any]) -> None:
        of_type(doc, "AWS::RDS::DBCluster")["DatabaseName"] = "ledgerdb"
        of_type(doc, "AWS::CloudWatch::Alarm")["Threshold"] = 70  # made in place, then rolled back

    path = stack.edited(tmp_path, rename_database)
    with pytest.raises(update.UpdateRefused) as refused:
        deploy.deploy(stack.target, path, stack.name)
    with pytest.raises(deploy.DeployFailed) as failed:
        deploy.deploy(stack.target, path, stack.name, allows=refused.value.blocked)
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE" and failed.value.resource == "AuroraCluster"
    assert failed.value.reason == (
        "CloudFormation cannot update a stack when a custom-named resource requires "
        f"replacing. Rename {ids['AuroraCluster']} and update the stack again."
    )
    assert failed.value.survey is not None and failed.value.survey.clean
    assert stack.physical_ids() == ids and stack.start_times() == times and stack.rows() == ROWS
    assert stack.database() == "transactiondb"
    cw = stack.target.client("cloudwatch")
    assert cw.describe_alarms(AlarmNames=[ids["CPUUtilizationAlarm"]])["MetricAlarms"][0]["Threshold"] == 80


# --- parameters ----------------------------------------------------------------------------------
def test_a_static_parameter_waits_for_a_reboot_and_a_dynamic_one_does_not(stack, tmp_path) -> None:
    from tapcheck.live import deploy

    times = stack.start_times()

    def edit(doc: dict[str, Any]) -> None:
        params = of_type(doc, "AWS::RDS::DBClusterParameterGroup")["Parameters"]
        params["shared_preload_libraries"] = "pg_stat_statements"  # postmaster context: static
        params["log_statement"] = "mod"  # sighup/superuser: dynamic

    result = deploy.deploy(stack.target, stack.edited(tmp_path, edit), stack.name)
    group = next(c for c in result.plan.changes if c.type == "AWS::RDS::DBClusterParameterGroup")
    assert any(r.name == "pending-reboot" and r.certain and "shared_preload_libraries" in r.detail for r in group.risks)
    rds = stack.target.client("rds")
    cid = stack.physical_ids()["AuroraCluster"]
    cluster = rds.describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]
    assert {m["DBClusterParameterGroupStatus"] for m in cluster["DBClusterMembers"]} == {"pending-reboot"}
    params = {
        p["ParameterName"]: p
        for p in rds.describe_db_cluster_parameters(DBClusterParameterGroupName=cluster["DBClusterParameterGroup"])[
            "Parameters"
        ]
    }
    assert (params["shared_preload_libraries"]["ApplyType"], params["shared_preload_libraries"]["ApplyMethod"]) == (
        "static",
        "pending-reboot",
    )
    assert params["log_statement"]["ApplyType"] == "dynamic"
    with stack.connect() as conn:
        assert conn.execute("SHOW log_statement").fetchone()[0] == "mod"
    # shared_preload_libraries needs pg_read_all_settings, which the master user has through
    # rds_superuser's pg_monitor, as on Aurora
    with stack.connect() as conn:
        assert conn.execute("SHOW shared_preload_libraries").fetchone()[0] == ""
    assert stack.start_times() == times, "CloudFormation never reboots: the servers must not restart"
    writer = next(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"])
    rds.reboot_db_instance(DBInstanceIdentifier=writer)
    with stack.operator("writer") as conn:
        assert conn.execute("SHOW shared_preload_libraries").fetchone()[0] == "pg_stat_statements"
    members = rds.describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]["DBClusterMembers"]
    assert {m["IsClusterWriter"]: m["DBClusterParameterGroupStatus"] for m in members} == {
        True: "in-sync",
        False: "pending-reboot",
    }


# --- credentials ---------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["MasterUsername", "PasswordLength"])
def test_a_regenerated_secret_leaves_the_cluster_on_its_old_password(stack, tmp_path, how) -> None:
    import psycopg

    from tapcheck.live import deploy, update

    stack.write_rows()
    old, ids, times = stack.secret(), stack.physical_ids(), stack.start_times()
    if how == "MasterUsername":
        path, params = str(ROOT / "lib" / "TapStack.json"), {"MasterUsername": "ledgeradmin"}
    else:
        path = stack.edited(
            tmp_path,
            lambda doc: of_type(doc, "AWS::SecretsManager::Secret")["GenerateSecretString"].__setitem__(
                "PasswordLength", 40
            ),
        )
        params = {}
    with pytest.raises(update.UpdateRefused) as refused:
        deploy.deploy(stack.target, path, stack.name, params)
    assert refused.value.blocked == ["DatabaseSecret"]
    secret_change = next(c for c in refused.value.plan.changes if c.resource == "DatabaseSecret")
    assert [r.name for r in secret_change.risks if r.certain] == ["credentials-diverge"]
    deploy.deploy(stack.target, path, stack.name, params, allows=["DatabaseSecret"])
    new = stack.secret()
    assert new["password"] != old["password"], "the secret was not regenerated"
    if how == "PasswordLength":
        assert len(new["password"]) == 40
    else:
        assert new["username"] == "ledgeradmin"
    assert stack.physical_ids() == ids and stack.start_times(old["username"], old["password"]) == times
    with pytest.raises(psycopg.OperationalError, match="authentication failed"):
        stack.connect(user=new["username"], password=new["password"], dbname="postgres")
    with stack.connect(user=old["username"], password=old["password"]) as conn:
        assert conn.execute("SELECT count(*) FROM ledger").fetchone()[0] == 3


# --- the AWS code path, against the emulator -----------------------------------------------------
@pytest.fixture
def aws_path(local_target, emulator, aws_code_path_to):
    """`--target aws` resolved through botocore's AWS_ENDPOINT_URL to the emulator."""
    from tapcheck.live import deploy
    from tapcheck.live.target import resolve

    aws_code_path_to(emulator["state"])
    target = resolve("aws", region="us-east-1")
    assert not target.local
    name = f"tapcheck-aws-{uuid.uuid4().hex[:6]}"
    network = deploy.ensure_network(local_target, name)
    yield target, {k: v for k, v in network.items() if k != "VpcId"}
    deploy.delete_network_ids(local_target, network)


def test_the_aws_path_updates_through_a_change_set_checked_against_the_plan(aws_path, tmp_path) -> None:
    from tapcheck.live import deploy, update

    target, network = aws_path
    suffix = _suffix()
    name = f"tapcheck-cs-{suffix}"
    template = ROOT / "lib" / "TapStack.json"
    deploy.deploy(target, template, name, {"EnvironmentSuffix": suffix, **network})
    try:
        doc = json.loads(template.read_text())
        of_type(doc, "AWS::CloudWatch::Alarm")["Threshold"] = 75
        of_type(doc, "AWS::RDS::DBCluster")["DatabaseName"] = "ledgerdb"
        path = tmp_path / "edit.json"
        path.write_text(json.dumps(doc))
        cfn = target.client("cloudformation")
        created = cfn.create_change_set(
            StackName=name,
            ChangeSetName="look",
            TemplateBody=path.read_text(),
            ChangeSetType="UPDATE",
            Capabilities=["CAPABILITY_NAMED_IAM"],
            Parameters=[{"ParameterKey": k, "UsePreviousValue": True} for k in ("EnvironmentSuffix", *network)],
        )
        changes = {
            c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]
            for c in cfn.describe_change_set(ChangeSetName=created["Id"])["Changes"]
        }
        cluster = changes["AuroraCluster"]
        assert (cluster["Action"], cluster["Replacement"]) == ("Modify", "True")
        detail = next(d for d in cluster["Details"] if d["Target"]["Name"] == "DatabaseName")
        assert (detail["Target"]["RequiresRecreation"], detail["Evaluation"]) == ("Always", "Static")
        instance = changes["AuroraInstance1"]
        assert instance["Replacement"] == "Conditional"  # DBClusterIdentifier reads the new cluster: Dynamic
        assert changes["CPUUtilizationAlarm"]["Replacement"] == "False"
        cfn.delete_change_set(ChangeSetName=created["Id"])

        with pytest.raises(update.UpdateRefused):
            deploy.deploy(target, path, name)
        allows = ["AuroraCluster", "AuroraInstance1", "AuroraInstance2"]
        with pytest.raises(deploy.DeployFailed) as failed:
            deploy.deploy(target, path, name, allows=allows)
        assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE" and failed.value.resource == "AuroraCluster"

        of_type(doc, "AWS::RDS::DBCluster")["DatabaseName"] = "transactiondb"
        path.write_text(json.dumps(doc))
        result = deploy.deploy(target, path, name)
        assert [(r.resource, r.cloudformation, r.agree) for r in result.verdicts] == [
            ("CPUUtilizationAlarm", "Modify, Replacement False", True)
        ]
        sets = cfn.list_change_sets(StackName=name)["Summaries"]
        executed = [
            s["ExecutionStatus"] for s in sets if s["StackName"] == name and s["ChangeSetName"].startswith("tapcheck-")
        ]
        assert executed and executed[-1] == "EXECUTE_COMPLETE"
        assert deploy.stack_status(target, name) == "UPDATE_COMPLETE"
    finally:
        deploy.destroy(target, name)


# --- the command line: events, timeout, Ctrl-C -----------------------------------------------------
def _cli(emulator: dict[str, Any], *args: str, **kwargs: Any) -> subprocess.Popen:
    env = {**os.environ, "TAPCHECK_EMULATOR_STATE": emulator["state"]}
    return subprocess.Popen(
        [sys.executable, "-m", "tapcheck.cli", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_deploy_streams_events_and_a_timeout_says_what_is_left_and_how_to_remove_it(local_target, emulator) -> None:
    from tapcheck.live import deploy

    suffix = _suffix()
    name = f"tapcheck-to-{suffix}"
    # a deploy takes about a second on the emulator: a fifth of one gives up while it runs
    proc = _cli(emulator, "deploy", "--stack-name", name, "--param", f"EnvironmentSuffix={suffix}", "--timeout", "0.2")
    out, err = proc.communicate(timeout=120)
    try:
        assert proc.returncode == 1, (out, err)
        assert "CREATE_IN_PROGRESS" in out and "s] " in out  # events, each with its elapsed time
        assert "did not finish within 0.2 s" in err and "left so far:" in err
        assert f"to remove it: tapcheck destroy --stack-name {name}" in err
    finally:
        done = _cli(emulator, "destroy", "--stack-name", name)
        d_out, d_err = done.communicate(timeout=120)
    assert done.returncode == 0, d_err
    assert "DELETE_COMPLETE" in d_out
    assert deploy.stack_status(local_target, name) is None


def test_ctrl_c_during_a_local_update_cancels_it_and_the_stack_is_as_before(stack, emulator) -> None:
    from tapcheck.live import deploy

    stack.write_rows()
    ids, times = stack.physical_ids(), stack.start_times()
    renamed = _suffix()
    proc = _cli(
        emulator,
        "deploy",
        "--stack-name",
        stack.name,
        "--param",
        f"EnvironmentSuffix={renamed}",
        "--allow",
        "AuroraCluster",
        "--allow",
        "DatabaseSecret",
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "UPDATE_IN_PROGRESS" in line and "AWS::CloudFormation::Stack" not in line:
            proc.send_signal(signal.SIGINT)  # a resource is being replaced: interrupt the update
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "cancelled the update" in err and "UPDATE_ROLLBACK_COMPLETE" in err, err
    assert "nothing the update created is left" in err, err
    assert deploy.stack_status(stack.target, stack.name) == "UPDATE_ROLLBACK_COMPLETE"
    assert stack.physical_ids() == ids and stack.start_times() == times and stack.rows() == ROWS
    clusters = [c["DBClusterIdentifier"] for c in stack.target.client("rds").describe_db_clusters()["DBClusters"]]
    assert ids["AuroraCluster"] in clusters and not [c for c in clusters if c.endswith(renamed)]
    secrets = [s["Name"] for s in stack.target.client("secretsmanager").list_secrets()["SecretList"]]
    assert f"aurora-credentials-{renamed}" not in secrets
