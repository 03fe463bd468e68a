"""The in-VPC probe runner (live/runner.py) against an emulator with its network boundary on
(emulator/netns.py): the cluster's servers are unreachable from here by TCP, as a private Aurora
cluster is from a CI runner, and `smoke --target aws` (through AWS_ENDPOINT_URL) reaches them only
through the Lambda function it makes in the stack's subnets and security group.

Each test checks that nothing of the runner is left: no function, no role under /tapcheck-runner/,
no handler process, no namespace beyond the clusters' own; the module's teardown checks that
stopping the emulator removes every namespace and server.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from test_faults import BrokenStack, Smoke, data_probes

ROOT = Path(__file__).resolve().parents[2]
PORT = 5432


@pytest.fixture(scope="module")
def boundary_emulator(tmp_path_factory: pytest.TempPathFactory, live_options: Any) -> Any:
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
        assert set(netns.existing()) <= before, f"namespaces left: {set(netns.existing()) - before}"
        assert not Path(st["root"]).exists()
        assert not control.processes_under(st["root"]), "PostgreSQL left behind"


@pytest.fixture(scope="module")
def aws_env(boundary_emulator: Any) -> dict[str, str]:
    from tapcheck.emulator import control

    env = dict(os.environ, **control.environment(boundary_emulator["state"]))
    env.pop("AWS_PROFILE", None)
    return env


@pytest.fixture
def aws_path(boundary_emulator: Any, aws_code_path_to: Any) -> Any:
    """The AWS code path in this process, pointed at the boundary emulator (AWS_ENDPOINT_URL)."""
    from tapcheck.live.target import Target

    aws_code_path_to(boundary_emulator["state"])
    return Target("aws", "us-east-1")


@pytest.fixture(scope="module")
def boundary_stack(boundary_emulator: Any, live_options: Any) -> Any:
    from tapcheck.live import deploy
    from tapcheck.live.target import resolve

    tgt = resolve("local", state=boundary_emulator["state"])
    name = f"tapcheck-rnr-{uuid.uuid4().hex[:6]}"
    deploy.deploy(tgt, live_options.template, name, {"EnvironmentSuffix": "rnr" + uuid.uuid4().hex[:6]})
    broken = BrokenStack(tgt, name, boundary_emulator["root"])
    yield broken
    _ingress(broken, allow=False)
    deploy.destroy(tgt, name)


def _group(stack: BrokenStack) -> str:
    return stack.ctx.parameters["VpcSecurityGroupId"]


def _ingress(stack: BrokenStack, allow: bool) -> None:
    """The stack's security group admitting (or no longer admitting) the cluster port from itself."""
    group = _group(stack)
    rule = [{"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, "UserIdGroupPairs": [{"GroupId": group}]}]
    ec2 = stack.client("ec2")
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0].get("IpPermissions") or []
    has = any(any(p.get("GroupId") == group for p in perm.get("UserIdGroupPairs") or []) for perm in perms)
    if allow and not has:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=rule)
    elif not allow and has:
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=rule)


def smoke_cli(env: dict[str, str], name: str, *extra: str) -> Smoke:
    proc = subprocess.run([sys.executable, "-m", "tapcheck.cli", "smoke", "--target", "aws", "--stack-name", name,
                           *extra], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    return Smoke(proc.returncode, proc.stdout + proc.stderr)


def assert_nothing_left(stack: BrokenStack, boundary_emulator: Any) -> None:
    from tapcheck.emulator import netns
    from tapcheck.live.runner import ROLE_PATH

    assert stack.client("lambda").list_functions()["Functions"] == []
    assert stack.client("iam").list_roles(PathPrefix=ROLE_PATH)["Roles"] == []
    ours = {json.loads(p.read_text()).get("netns") for p in Path(boundary_emulator["root"]).glob("*/cluster.json")}
    assert set(netns.existing()) - boundary_emulator["before"] == {n for n in ours if n}
    left = subprocess.run(["pgrep", "-f", "tapcheck.live.runner_handler"], capture_output=True, text=True).stdout
    assert not left.strip(), f"handler processes left: {left}"


def test_host_cannot_reach_the_servers_behind_the_boundary(boundary_stack) -> None:
    import psycopg

    host, port = boundary_stack.endpoints["writer"]
    with pytest.raises(psycopg.OperationalError, match="refused"):
        psycopg.connect(host=host, port=port, user="x", password="x", connect_timeout=2)
    # the emulator's own administration crosses the boundary over the unix socket
    assert boundary_stack.run("writer", "SELECT 1") == (1,)


def _zip(source: str) -> bytes:
    import zipfile

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("h.py", source)
    return code.getvalue()


PROBE_TCP = """import socket
def handler(event, context):
    try:
        socket.create_connection((event["host"], event["port"]), timeout=3).close()
        return "connected"
    except OSError as e:
        return f"{type(e).__name__}: {e}"
"""


def test_the_emulator_lets_a_function_reach_the_cluster_only_as_its_security_groups_do(
        boundary_stack, boundary_emulator) -> None:
    """A function placed as the runner places itself (the cluster's subnets and groups) opens a TCP
    connection to the writer only while the group admits the port from itself; a function outside
    any VPC never does. The emulator reads the rules as security_groups.py does."""
    from tapcheck.live.runner import placement

    where = placement(boundary_stack.ctx)
    host, port = boundary_stack.endpoints["writer"]
    lam, iam = boundary_stack.client("lambda"), boundary_stack.client("iam")
    role = iam.create_role(RoleName="tcp-probe", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                                     "Statement": []}))["Role"]["Arn"]
    made = []
    try:
        for name, vpc in (("tcp-in-vpc", {"SubnetIds": where.subnet_ids, "SecurityGroupIds": where.group_ids}),
                          ("tcp-no-vpc", None)):
            lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="h.handler",
                                Code={"ZipFile": _zip(PROBE_TCP)}, Timeout=10, **({"VpcConfig": vpc} if vpc else {}))
            made.append(name)

        def reach(name: str) -> str:
            out = lam.invoke(FunctionName=name, Payload=json.dumps({"host": host, "port": port}).encode())
            return json.loads(out["Payload"].read())

        _ingress(boundary_stack, allow=False)
        assert reach("tcp-in-vpc").startswith("ConnectionRefusedError"), "reached without an ingress rule"
        _ingress(boundary_stack, allow=True)
        assert reach("tcp-in-vpc") == "connected"
        assert reach("tcp-no-vpc").startswith("ConnectionRefusedError")
    finally:
        for name in made:
            lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName="tcp-probe")
        _ingress(boundary_stack, allow=False)


def test_without_ingress_from_the_group_the_runner_skips_naming_the_rule(boundary_stack, aws_env,
                                                                         boundary_emulator) -> None:
    _ingress(boundary_stack, allow=False)
    smoke = smoke_cli(aws_env, boundary_stack.name)
    assert smoke.rc == 0, smoke.out
    assert set(smoke.skipped) == data_probes(), smoke.out
    assert f"authorize-security-group-ingress --group-id {_group(boundary_stack)} --protocol tcp --port {PORT}" \
        in smoke.out
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_through_the_runner_every_probe_runs_and_without_it_the_data_plane_has_no_path(
        boundary_stack, aws_env, boundary_emulator) -> None:
    _ingress(boundary_stack, allow=True)
    through = smoke_cli(aws_env, boundary_stack.name)
    assert through.rc == 0 and through.skipped == [], through.out
    assert " 0 skipped" in through.out
    assert_nothing_left(boundary_stack, boundary_emulator)

    direct = smoke_cli(aws_env, boundary_stack.name, "--no-runner")
    assert direct.rc == 0, direct.out
    assert set(direct.skipped) == data_probes(), direct.out
    assert all("no network path" in line for line in direct.out.splitlines() if line.startswith("SKIP"))
    strict = smoke_cli(aws_env, boundary_stack.name, "--no-runner", "--strict")
    assert strict.rc == 1, strict.out


def _run_smoke(target: Any, name: str, runner: bool) -> Smoke:
    from tapcheck.live.commands import run_smoke
    from tapcheck.report import live

    report = run_smoke(target, name, runner=runner)
    return Smoke(report.exit_code, live.text(report))


FAULTS = {
    "writer made read-only": (
        lambda s: (s.run("writer", "ALTER SYSTEM SET default_transaction_read_only = on"), s.reload("writer")),
        lambda s: (s.run("writer", "ALTER SYSTEM RESET default_transaction_read_only"), s.reload("writer"))),
    "WAL replay paused on the standby": (
        lambda s: s.run("reader", "SELECT pg_wal_replay_pause()"),
        lambda s: s.run("reader", "SELECT pg_wal_replay_resume()")),
    "master password changed": (
        lambda s: _password(s, "Changed-by-hand-" + uuid.uuid4().hex),
        lambda s: _password(s, s.creds["password"])),
}


def _password(stack: BrokenStack, password: str) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER ROLE {} PASSWORD {}").format(stack.master, sql.Literal(password)))


def test_faults_fail_the_same_requirements_and_probes_through_the_runner_as_direct(
        boundary_stack, aws_path, boundary_emulator, local_target, live_options) -> None:
    """The same faults on a stack behind the boundary (smoke through the runner) and on a stack on
    the direct emulator (smoke from here): the same failing requirements and probe runs."""
    from tapcheck.live import deploy

    _ingress(boundary_stack, allow=True)
    aws = aws_path
    name = f"tapcheck-rnd-{uuid.uuid4().hex[:6]}"
    deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": "rnd" + uuid.uuid4().hex[:6]})
    direct_stack = BrokenStack(local_target, name, local_target.emulator_root)
    try:
        for what, (break_it, mend_it) in FAULTS.items():
            break_it(boundary_stack)
            break_it(direct_stack)
            try:
                through = _run_smoke(aws, boundary_stack.name, runner=True)
                direct = _run_smoke(local_target, name, runner=False)
            finally:
                mend_it(boundary_stack)
                mend_it(direct_stack)
            assert through.rc == direct.rc == 1, f"{what}: {through.out}\n{direct.out}"
            assert through.skipped == [] and direct.skipped == [], what
            assert through.failed_requirements == direct.failed_requirements, f"{what}: {through.out}\n{direct.out}"
            assert set(through.failing) == set(direct.failing), f"{what}: {through.out}\n{direct.out}"
            assert_nothing_left(boundary_stack, boundary_emulator)
    finally:
        deploy.destroy(local_target, name)


def _policy_actions(name: str) -> set[str]:
    """The actions of a policy the README gives (docs/iam/NAME.json, shown verbatim in the README)."""
    text = (ROOT / "docs" / "iam" / f"{name}.json").read_text()
    assert text.strip() in (ROOT / "README.md").read_text(), f"README.md does not show docs/iam/{name}.json"
    return {a for st in json.loads(text)["Statement"] if st["Effect"] == "Allow" for a in st["Action"]}


@pytest.fixture
def calls(monkeypatch) -> set[str]:
    """Every IAM action the code calls through a Target's clients while the test runs."""
    from tapcheck.live.target import Target, permission

    made: set[str] = set()
    real = Target.client

    def client(self: Target, service: str) -> Any:
        fresh = service not in self._clients
        c = real(self, service)
        if fresh:
            c.meta.events.register("before-call", lambda model, **_: made.add(
                permission(model.service_model.service_name, model.name)))
        return c

    monkeypatch.setattr(Target, "client", client)
    return made


def test_the_readme_policies_cover_every_call_smoke_and_the_runner_make(
        boundary_stack, aws_path, boundary_emulator, calls) -> None:
    """Smoke through the runner, smoke without it, and the cleanup command, on the AWS code path:
    every action they call is in the README's policy for that mode (smoke alone; smoke + runner)."""
    from tapcheck.live import runner
    from tapcheck.live.target import Target

    _ingress(boundary_stack, allow=True)
    smoke_policy, runner_policy = _policy_actions("smoke-policy"), _policy_actions("runner-policy")
    direct = _run_smoke(Target("aws", "us-east-1"), boundary_stack.name, runner=False)
    assert set(direct.skipped) == data_probes(), direct.out
    assert calls and calls <= smoke_policy, f"not in docs/iam/smoke-policy.json: {sorted(calls - smoke_policy)}"
    calls.clear()
    through = _run_smoke(Target("aws", "us-east-1"), boundary_stack.name, runner=True)
    assert through.skipped == [], through.out
    runner.cleanup(Target("aws", "us-east-1"), boundary_stack.name)
    both = smoke_policy | runner_policy
    assert calls <= both, f"not in docs/iam/{{smoke,runner}}-policy.json: {sorted(calls - both)}"
    assert {"lambda:CreateFunction", "lambda:InvokeFunction", "iam:CreateRole", "iam:PassRole"} & calls, calls
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_a_failed_create_removes_the_role_it_made(boundary_stack, aws_path, boundary_emulator) -> None:
    """CreateFunction refused by Lambda (injected with botocore's Stubber on the lambda client, the
    IAM calls going to the emulator): the error reaches the caller and the role made is removed."""
    from botocore.exceptions import ClientError
    from botocore.stub import Stubber

    from tapcheck.live import probing, runner
    from tapcheck.live.context import Context

    _ingress(boundary_stack, allow=True)
    aws = aws_path
    ctx = Context(aws, boundary_stack.name)
    data_runs = [r for r in probing.runs() if r.probe.plane == "data"]
    with Stubber(aws.client("lambda")) as stub:
        stub.add_client_error("create_function", service_error_code="CodeStorageExceededException",
                              http_status_code=400)
        with pytest.raises(ClientError, match="CodeStorageExceeded"):
            runner.run_remote(ctx, data_runs, out=io.StringIO())
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_a_function_timing_out_skips_its_probes_and_leaves_nothing(boundary_stack, aws_path, boundary_emulator,
                                                                   monkeypatch) -> None:
    """The writer frozen (SIGSTOP) holds the handler in a connect; with the function's timeout
    shorter than that, Lambda (here the emulator) ends the invocation: every data-plane probe is a
    SKIP saying so, never a pass, and the function, the role and the handler process are gone."""
    import signal

    from tapcheck.live import probing, runner
    from tapcheck.live.context import Context

    _ingress(boundary_stack, allow=True)
    monkeypatch.setattr(runner, "FUNCTION_TIMEOUT_S", 2)
    data_runs = [r for r in probing.runs() if r.probe.plane == "data"]
    pid = boundary_stack.signal_postmaster("writer", signal.SIGSTOP)
    try:
        results = runner.run_remote(Context(aws_path, boundary_stack.name), data_runs, out=io.StringIO())
    finally:
        os.kill(pid, signal.SIGCONT)
    assert {status for status, _, _ in results.values()} == {"skip"}, results
    assert all("Task timed out after 2.00 seconds" in detail for _, detail, _ in results.values()), results
    assert set(results) == {r.id for r in data_runs}
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_runner_cleanup_removes_leftovers_by_tag(boundary_stack, aws_env, boundary_emulator) -> None:
    """A function and role left by an interrupted earlier run (made here as the runner makes them)."""
    from tapcheck.live import runner
    from tapcheck.live.target import resolve

    aws_target = resolve("local", state=boundary_emulator["state"])
    tags = {runner.RUNNER_TAG: boundary_stack.name}
    iam, lam = aws_target.client("iam"), aws_target.client("lambda")
    role = iam.create_role(RoleName="tapcheck-runner-left", Path=runner.ROLE_PATH,
                           AssumeRolePolicyDocument=json.dumps(runner.TRUST),
                           Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Role"]["Arn"]
    iam.attach_role_policy(RoleName="tapcheck-runner-left", PolicyArn=runner.VPC_ACCESS_POLICY)
    lam.create_function(FunctionName="tapcheck-runner-left", Runtime="python3.11", Role=role, Handler="h.handler",
                        Code={"ZipFile": _zip("def handler(e, c):\n    return 1\n")}, Tags=tags)
    proc = subprocess.run([sys.executable, "-m", "tapcheck.cli", "runner", "cleanup", "--target", "aws",
                           "--stack-name", boundary_stack.name], capture_output=True, text=True, env=aws_env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "removed Lambda function tapcheck-runner-left" in proc.stdout
    assert "removed IAM role tapcheck-runner-left" in proc.stdout
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_ctrl_c_during_the_runners_invoke_exits_130_and_leaves_nothing(boundary_stack, aws_env,
                                                                       boundary_emulator) -> None:
    """The writer frozen (SIGSTOP) keeps the handler waiting out a connect timeout, so the SIGINT
    lands while the function runs; smoke removes the function and the role and exits 130."""
    import signal
    import time

    from tapcheck.live.runner import ROLE_PATH

    _ingress(boundary_stack, allow=True)
    lam = boundary_stack.client("lambda")
    pid = boundary_stack.signal_postmaster("writer", signal.SIGSTOP)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tapcheck.cli", "smoke", "--target", "aws", "--stack-name",
                                 boundary_stack.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=aws_env, cwd=ROOT)
        deadline = time.monotonic() + 120
        while not lam.list_functions()["Functions"]:
            assert proc.poll() is None and time.monotonic() < deadline, "smoke ended before its runner appeared"
            time.sleep(0.05)
        time.sleep(1.0)  # the invoke is under way: the handler waits on the frozen writer
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert proc.returncode == 130, out + err
    assert "interrupted" in err
    assert lam.list_functions()["Functions"] == []
    assert boundary_stack.client("iam").list_roles(PathPrefix=ROLE_PATH)["Roles"] == []
    deadline = time.monotonic() + 30  # the emulator's handler process ends once the writer answers again
    while subprocess.run(["pgrep", "-f", "tapcheck.live.runner_handler"], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "the handler process was left running"
        time.sleep(0.2)
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_the_functions_code_is_built_once_and_then_read_from_the_cache(boundary_stack, monkeypatch) -> None:
    """After the runs above, the same package and wheels give the cached zip: no wheel is read
    again; a changed package file gives a new build."""
    import zipfile

    from tapcheck.live import runner

    first = runner.build_zip()
    monkeypatch.setattr(runner, "wheels", lambda: pytest.fail("the cached build was not used"))
    assert runner.build_zip() == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        names = set(z.namelist())
    assert {"tapcheck/live/runner_handler.py", "psycopg/__init__.py"} <= names
    assert any(n.startswith("tapcheck/rules/r07_parameter_group/") for n in names)
    files = runner._package_files()
    monkeypatch.setattr(runner, "_package_files", lambda: files[:-1])
    with pytest.raises(pytest.fail.Exception, match="cached build was not used"):
        runner.build_zip()
