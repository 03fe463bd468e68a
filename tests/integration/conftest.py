"""Integration suite: deploy the template to a target, probe the live stack, destroy it.

Default target: the local emulator (moto + real PostgreSQL 15), started for the session
and stopped at the end, with a check that nothing is left (no stack, no PostgreSQL
process, no data directory). `--target aws` deploys to AWS; `--stack-name NAME`
attaches to an existing stack (probes only). Options: src/tapcheck/live/pytest_plugin.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tapcheck.errors import UsageError


def pg_processes_under(root: str) -> list[int]:
    from tapcheck.emulator.control import processes_under

    return processes_under(root)


def parse_params(items: tuple[str, ...]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items)


@pytest.fixture(scope="session")
def emulator(live_options: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any] | None]:
    if live_options.target != "local" or live_options.stack_name:
        # AWS, or attaching to a stack on an emulator the user started (default state file
        # or $TAPCHECK_EMULATOR_STATE): nothing to start here.
        yield None
        return
    from tapcheck.emulator import control
    from tapcheck.emulator.pgcluster import pg_available

    problem = pg_available()
    if problem:
        pytest.fail(f"local target needs PostgreSQL 15: {problem} (run scripts/bootstrap.sh)")
    state = tmp_path_factory.mktemp("emulator") / "state.json"
    st = control.start(port=0, path=state, tie_to_caller=True)
    try:
        yield {**st, "state": str(state)}
    finally:
        control.stop(state)
        assert not Path(st["root"]).exists(), f"emulator data directory {st['root']} left behind"
        assert not pg_processes_under(st["root"]), "PostgreSQL processes left behind after emulator stop"


@pytest.fixture(scope="session")
def target(live_options: Any, emulator: dict[str, Any] | None) -> Any:
    from tapcheck.live.target import resolve

    try:
        if live_options.target == "local":
            state = emulator["state"] if emulator else None
            return resolve("local", region=live_options.region, state=state)
        return resolve("aws", region=live_options.region)
    except UsageError as e:
        pytest.fail(e.line())


@pytest.fixture(scope="session")
def local_target(live_options: Any, target: Any, emulator: dict[str, Any] | None) -> Any:
    """The target, for tests that deploy stacks of their own or disrupt them: the local emulator
    only (on AWS they would create or break real resources)."""
    if live_options.target != "local" or emulator is None:
        pytest.skip("deploys or disrupts stacks of its own: local target only")
    return target


@pytest.fixture
def aws_code_path_to(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Points the `--target aws` code path in this process at an emulator: its endpoint and the API
    credentials of its state file in the environment, and a fresh default boto3 session (botocore
    keeps the credentials it first found: another emulator's would be refused). Undone after the test."""

    def point(state: str) -> dict[str, str]:
        import boto3

        from tapcheck.emulator import control

        env = control.environment(state)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        return env

    return point


def unique_suffix(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def live_stack(live_options: Any, target: Any) -> Iterator[Any]:
    """The stack under test: deployed once for the session (or attached with --stack-name),
    destroyed at the end with a check that it is gone."""
    from tapcheck.live import deploy
    from tapcheck.live.context import Context

    db = {
        "db_host": live_options.db_host,
        "db_port": live_options.db_port,
        "db_reader_host": live_options.db_reader_host,
        "db_reader_port": live_options.db_reader_port,
    }
    if live_options.stack_name:
        try:
            deploy.describe(target, live_options.stack_name)
        except UsageError as e:
            pytest.fail(e.line())
        yield Context(target, live_options.stack_name, **db)
        return
    params = parse_params(live_options.params)
    _, doc = deploy.read_template(live_options.template)
    if "EnvironmentSuffix" in (doc.get("Parameters") or {}):
        params.setdefault("EnvironmentSuffix", unique_suffix("it"))
    name = f"tapcheck-it-{uuid.uuid4().hex[:8]}"
    try:
        deploy.deploy(target, live_options.template, name, params)
    except UsageError as e:
        pytest.fail(e.line())
    except deploy.DeployFailed as e:
        pytest.fail(f"deploy failed ({e.status}): resource {e.resource}: {e.reason}")
    ctx = Context(target, name, **db)
    cluster_id = ctx.cluster["DBClusterIdentifier"]
    secret_arn = ctx.secret_arn
    try:
        yield ctx
    finally:
        deploy.destroy(target, name)
        with pytest.raises(UsageError):
            deploy.describe(target, name)
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError):
            target.client("rds").describe_db_clusters(DBClusterIdentifier=cluster_id)
        with pytest.raises(ClientError):
            target.client("secretsmanager").get_secret_value(SecretId=secret_arn)


# --- fixtures more than one module uses: defined here once, not imported into each module ----------
# `stack` serves test_faults.py and test_smoke_safety.py; a module wanting another stack defines its
# own `stack`, which takes precedence. The boundary fixtures are module-scoped, as they were: each
# module requesting them starts an emulator of its own.
@pytest.fixture
def stack(local_target, live_options, emulator):
    """A stack of its own for one drill, destroyed afterwards: the destroy must succeed after the
    fault and leave no stack, cluster, data directory or PostgreSQL process behind."""
    from botocore.exceptions import ClientError
    from test_faults import BrokenStack, _deploy, _interlock_segments

    from tapcheck.live import deploy

    name = _deploy(local_target, live_options.template, "flt")
    broken = BrokenStack(local_target, name, emulator["root"])
    yield broken
    segments = _interlock_segments(broken.cluster_dir)
    try:
        deploy.destroy(local_target, name)
    except deploy.DeployFailed as e:
        pytest.fail(f"destroy after the fault failed ({e.status}): resource {e.resource}: {e.reason}")
    with pytest.raises(UsageError):
        deploy.describe(local_target, name)
    with pytest.raises(ClientError):
        local_target.client("rds").describe_db_clusters(DBClusterIdentifier=broken.cluster_id)
    assert not broken.cluster_dir.exists(), f"{broken.cluster_dir} left behind"
    assert not pg_processes_under(str(broken.cluster_dir)), "PostgreSQL processes left behind"
    left = segments & {int(row.split()[1]) for row in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]}
    assert not left, f"System V shared memory segments of the stack's servers left behind: {left}"
    assert (
        local_target.client("ec2").describe_vpcs(Filters=[{"Name": f"tag:{deploy.NETWORK_TAG}", "Values": [name]}])[
            "Vpcs"
        ]
        == []
    ), "the stack's VPC left behind"


@pytest.fixture(scope="module")
def boundary_emulator(tmp_path_factory: pytest.TempPathFactory, live_options: Any) -> Any:
    from test_runner import foreign_namespaces

    from tapcheck.emulator import control, netns

    if live_options.target != "local" or live_options.stack_name:
        pytest.skip("starts an emulator of its own: local target only")
    if netns.unavailable():
        if os.geteuid() == 0:  # CI runs as root: the runner path must be exercised there
            pytest.fail(netns.unavailable())
        pytest.skip(netns.unavailable())
    before = set(netns.existing())
    state = tmp_path_factory.mktemp("boundary") / "state.json"
    st = control.start(port=0, path=state, tie_to_caller=True, network_boundary=True)
    assert st["network_boundary"] is True
    try:
        yield {**st, "state": str(state), "before": before}
    finally:
        control.stop(state)
        left = set(netns.existing()) - before - foreign_namespaces(st["root"])
        assert not left, f"namespaces left: {left}"
        assert not Path(st["root"]).exists()
        assert not control.processes_under(st["root"]), "PostgreSQL left behind"


@pytest.fixture(scope="module")
def aws_env(boundary_emulator: Any) -> dict[str, str]:
    from tapcheck.emulator import control

    env = dict(os.environ, **control.environment(boundary_emulator["state"]))
    env["TAPCHECK_CA_BUNDLE"] = boundary_emulator["ca_cert"]  # the servers verify against the emulator's CA
    env.pop("AWS_PROFILE", None)
    return env


@pytest.fixture(scope="module")
def boundary_stack(boundary_emulator: Any, live_options: Any) -> Any:
    from test_faults import BrokenStack
    from test_runner import _ingress, subscribe_on_call

    from tapcheck.live import deploy
    from tapcheck.live.target import resolve

    tgt = resolve("local", state=boundary_emulator["state"])
    name = f"tapcheck-rnr-{uuid.uuid4().hex[:6]}"
    deploy.deploy(tgt, live_options.template, name, {"EnvironmentSuffix": "rnr" + uuid.uuid4().hex[:6]})
    broken = BrokenStack(tgt, name, boundary_emulator["root"])
    subscribe_on_call(broken)  # a production stack has someone to page: smoke's read-only H4 requires it
    yield broken
    _ingress(broken, allow=False)
    deploy.destroy(tgt, name)
