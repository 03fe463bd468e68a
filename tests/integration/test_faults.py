"""A live stack broken in ways only a live probe sees, failed deploys, unreachable
databases, missing stacks, and an emulator whose server died midway. These deploy extra
stacks, so they run on the local target only."""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tapcheck.errors import UsageError



def pg_processes_under(root: str) -> list[int]:
    from tapcheck.emulator.control import processes_under

    return processes_under(root)


def unique_suffix(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:6]


@pytest.fixture
def local_target(live_options, target, emulator):
    if live_options.target != "local" or emulator is None:
        pytest.skip("deploys extra stacks: local target only")
    return target


@pytest.fixture
def template_doc(live_options) -> dict:
    return json.loads(Path(live_options.template).read_text())


def _deploy(target, path, suffix_prefix: str):
    from tapcheck.live import deploy

    name = f"tapcheck-{suffix_prefix}-{uuid.uuid4().hex[:6]}"
    deploy.deploy(target, path, name, {"EnvironmentSuffix": unique_suffix(suffix_prefix)})
    return name


def _smoke(target, name: str, only=None) -> tuple[int, str]:
    from tapcheck.live.commands import smoke

    out = io.StringIO()
    rc = smoke(target, name, out=out, only=only)
    return rc, out.getvalue()


def test_parameter_group_changed_then_detached_after_deploy_fails_r7(local_target, live_options) -> None:
    """The static gate cannot see a cluster modified after deploy; the probes must."""
    from tapcheck.live import deploy
    from tapcheck.live.context import Context

    name = _deploy(local_target, live_options.template, "mod")
    try:
        rc, out = _smoke(local_target, name)
        assert rc == 0, out
        rds = local_target.client("rds")
        cluster = Context(local_target, name).cluster
        group = cluster["DBClusterParameterGroup"]

        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=group,
            Parameters=[{"ParameterName": "log_statement", "ParameterValue": "none", "ApplyMethod": "immediate"}],
        )
        rc, out = _smoke(local_target, name)
        assert rc == 1, out
        failed = [line for line in out.splitlines() if line.startswith("FAIL")]
        assert any("R7" in line and "log_statement 'none'" in line for line in failed), out
        assert any("R7" in line and "[writer]" in line and "log_statement=none" in line for line in failed), out
        assert any("R7" in line and "[reader]" in line and "log_statement=none" in line for line in failed), out
        assert all("R7" in line for line in failed), out
        assert "failed requirements: C5, R7" in out

        rds.modify_db_cluster(DBClusterIdentifier=cluster["DBClusterIdentifier"],
                              DBClusterParameterGroupName="default.aurora-postgresql15", ApplyImmediately=True)
        rc, out = _smoke(local_target, name, only=["R7", "H1"])
        assert rc == 1, out
        assert "parameter_group - the cluster uses parameter group default.aurora-postgresql15, not the stack's" in out
        assert any(line.startswith("FAIL") and "force_ssl -" in line for line in out.splitlines()), out
        assert any(line.startswith("FAIL") and "tls[writer]" in line for line in out.splitlines()), out
    finally:
        deploy.destroy(local_target, name)


def test_template_with_log_statement_none_deploys_and_smoke_cli_names_r7(
        local_target, emulator, template_doc, tmp_path) -> None:
    """Deploy never gates on the static checks; `tapcheck smoke` exits 1 naming R7."""
    from tapcheck.live import deploy

    doc = copy.deepcopy(template_doc)
    doc["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["log_statement"] = "none"
    path = tmp_path / "log-none.json"
    path.write_text(json.dumps(doc))
    name = _deploy(local_target, path, "brk")
    try:
        env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
        proc = subprocess.run([sys.executable, "-m", "tapcheck.cli", "smoke", "--stack-name", name],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "failed requirements: C5, R7" in proc.stdout
        assert "log_statement_in_effect[writer] - the writer reports log_statement=none" in proc.stdout
        assert "PASS R1 " in proc.stdout  # only the broken requirement fails
    finally:
        deploy.destroy(local_target, name)


def test_failed_deploy_names_resource_and_reason_and_leaves_nothing(local_target, emulator, template_doc, tmp_path) -> None:
    from tapcheck.live import deploy

    doc = copy.deepcopy(template_doc)
    doc["Resources"]["MonitoringRole"]["Properties"]["ManagedPolicyArns"] = [
        "arn:aws:iam::aws:policy/service-role/NoSuchPolicyForTapcheck"]
    path = tmp_path / "bad-role.json"
    path.write_text(json.dumps(doc))
    suffix = unique_suffix("bad")
    name = f"tapcheck-bad-{suffix}"
    started = time.monotonic()
    with pytest.raises(deploy.DeployFailed) as info:
        deploy.deploy(local_target, path, name, {"EnvironmentSuffix": suffix})
    assert time.monotonic() - started < 30
    err = info.value
    assert err.resource == "MonitoringRole"
    assert "NoSuchPolicyForTapcheck does not exist or is not attachable" in err.reason
    assert err.status == "ROLLBACK_COMPLETE"
    # Nothing left: no stack, no cluster, no secret, no PostgreSQL for the cluster, no network.
    with pytest.raises(UsageError):
        deploy.describe(local_target, name)
    clusters = local_target.client("rds").describe_db_clusters()["DBClusters"]
    assert not [c for c in clusters if suffix in c["DBClusterIdentifier"]]
    secrets = local_target.client("secretsmanager").list_secrets()["SecretList"]
    assert not [s for s in secrets if suffix in s["Name"]]
    from tapcheck.emulator.pgcluster import cluster_dirs  # data directories are named by generated ids

    assert not cluster_dirs(Path(emulator["root"]), f"aurora-postgres-cluster-{suffix}")
    vpcs = local_target.client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:tapcheck:network-for", "Values": [name]}])["Vpcs"]
    assert vpcs == []


def test_failed_deploy_cli_prints_resource_and_reason(local_target, emulator, template_doc, tmp_path) -> None:
    doc = copy.deepcopy(template_doc)
    doc["Resources"]["AuroraCluster"]["Properties"]["DBSubnetGroupName"] = "no-such-subnet-group"
    path = tmp_path / "bad-subnet-group.json"
    path.write_text(json.dumps(doc))
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    proc = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "deploy", str(path), "--stack-name", f"tapcheck-sg-{uuid.uuid4().hex[:6]}",
         "--param", f"EnvironmentSuffix={unique_suffix('sg')}"],
        capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "resource AuroraCluster" in proc.stderr
    assert "no-such-subnet-group" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreachable_database_fails_within_the_bound_on_the_local_target(live_stack) -> None:
    """On the local target nothing is outside the stack: a database that does not answer is a FAIL
    quoting the error, never a pass or a skip, and the probe gives up quickly."""
    import socket

    from tapcheck.findings import Status
    from tapcheck.live.context import CONNECT_TIMEOUT_S, Context
    from tapcheck.live.probing import run_probe, runs

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = Context(live_stack.target, live_stack.stack_name, db_host="127.0.0.1", db_port=port,
                  db_reader_host="127.0.0.1", db_reader_port=port)
    for run in [r for r in runs() if r.probe.plane == "data"]:
        result = run_probe(run, ctx)
        assert result.status is Status.FAIL, result.line()
        assert "does not answer" in result.detail and "Connection refused" in result.detail, result.line()
        assert result.seconds <= CONNECT_TIMEOUT_S + 1


def test_writer_override_without_reader_override_skips_reader_probes(live_stack) -> None:
    from tapcheck.findings import Status
    from tapcheck.live.context import Context
    from tapcheck.live.probing import run_probe, runs

    host, port = live_stack.endpoint()
    ctx = Context(live_stack.target, live_stack.stack_name, db_host=host, db_port=port)
    run = next(r for r in runs() if r.probe.name == "replication")
    result = run_probe(run, ctx)
    assert result.status is Status.SKIP and "--db-reader-host" in result.detail


def test_missing_stack_is_a_clear_error(target) -> None:
    from tapcheck.live.commands import smoke

    with pytest.raises(UsageError) as info:
        smoke(target, "tapcheck-no-such-stack-" + uuid.uuid4().hex[:6], out=io.StringIO())
    assert "does not exist" in info.value.line()


def test_stop_after_server_died_midway_leaves_nothing(local_target, live_options, tmp_path) -> None:
    """A run that failed midway: the server is killed with clusters running. stop still
    removes every PostgreSQL process and the data directory."""
    from tapcheck.emulator import control
    from tapcheck.live import deploy
    from tapcheck.live.target import resolve

    state = tmp_path / "state.json"
    st = control.start(port=0, path=state, tie_to_caller=True)
    try:
        tgt = resolve("local", state=str(state))
        deploy.deploy(tgt, live_options.template, "tapcheck-crash", {"EnvironmentSuffix": unique_suffix("cr")})
        assert len(pg_processes_under(st["root"])) >= 2  # writer and reader postmasters
        os.kill(st["pid"], signal.SIGKILL)
        time.sleep(0.2)
    finally:
        done = control.stop(state)
    assert any("stopped PostgreSQL" in d for d in done), done
    assert not Path(st["root"]).exists()
    assert not pg_processes_under(st["root"])
    assert not state.exists()
