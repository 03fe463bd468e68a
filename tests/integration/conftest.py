"""Integration suite: deploy the template to a target, probe the live stack, destroy it.

Default target: the local emulator (moto + real PostgreSQL 15), started for the session
and stopped at the end, with a check that nothing is left (no stack, no PostgreSQL
process, no data directory). `--target aws` deploys to AWS; `--stack-name NAME`
attaches to an existing stack (probes only). Options: src/tapcheck/live/pytest_plugin.py.
"""

from __future__ import annotations

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

    db = dict(
        db_host=live_options.db_host,
        db_port=live_options.db_port,
        db_reader_host=live_options.db_reader_host,
        db_reader_port=live_options.db_reader_port,
    )
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
