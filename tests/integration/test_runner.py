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


def foreign_namespaces(root: str) -> set[str]:
    """Namespaces of another emulator running on this machine at the same time (another engineer's
    tests): every process in them serves a data directory outside `root`. A namespace of ours left
    empty has no process, so it is never counted foreign."""
    from tapcheck.emulator import netns

    found = set()
    for name in netns.existing():
        # check=False: a namespace removed since netns.existing() listed it has no processes
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False).stdout.split()
        commands = []
        for pid in pids:
            try:
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes())
            except OSError:
                pass
        if commands and not any(root.encode() in c for c in commands):
            found.add(name)
    return found


def handler_processes(emulator_pid: int) -> list[int]:
    """The emulator's Lambda handler processes still running: those `pgrep` finds whose ancestry
    includes this emulator (another emulator on the machine runs handlers of its own)."""
    found = subprocess.run(
        ["pgrep", "-f", "tapcheck.live.runner_handler"],
        capture_output=True,
        text=True,
        check=False,  # pgrep exits 1 when no process matches: none running is the usual answer
    ).stdout
    ours = []
    for pid in map(int, found.split()):
        current = pid
        while current > 1:
            try:
                current = int(Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                break
            if current == emulator_pid:
                ours.append(pid)
                break
    return ours


@pytest.fixture
def aws_path(boundary_emulator: Any, aws_code_path_to: Any) -> Any:
    """The AWS code path in this process, pointed at the boundary emulator (AWS_ENDPOINT_URL); its
    database connections verify the emulator's servers against the emulator's CA (--ca-bundle)."""
    from tapcheck.live.target import Target

    aws_code_path_to(boundary_emulator["state"])
    return Target("aws", "us-east-1", ca_bundle=boundary_emulator["ca_cert"])


def subscribe_on_call(stack: BrokenStack) -> str:
    """An SQS queue standing for on-call, subscribed to the alarm's topic (confirmed, as SQS
    subscriptions of the topic owner's account are); its URL."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url = sqs.create_queue(QueueName=f"on-call-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.one("AWS::SNS::Topic"), Protocol="sqs", Endpoint=arn)
    return url


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


def smoke_cli(env: dict[str, str], name: str, ca_bundle: str, *extra: str) -> Smoke:
    """`smoke --target aws` against the emulator, verifying its servers against the emulator's CA."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tapcheck.cli",
            "smoke",
            "--target",
            "aws",
            "--stack-name",
            name,
            "--ca-bundle",
            ca_bundle,
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    return Smoke(proc.returncode, proc.stdout + proc.stderr)


def assert_nothing_left(stack: BrokenStack, boundary_emulator: Any) -> None:
    from tapcheck.emulator import netns
    from tapcheck.live.runner import ROLE_PATH

    assert stack.client("lambda").list_functions()["Functions"] == []
    assert stack.client("iam").list_roles(PathPrefix=ROLE_PATH)["Roles"] == []
    runner_groups = stack.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/tapcheck-runner-")
    assert runner_groups["logGroups"] == [], "the runner's log group was left"
    ours = {json.loads(p.read_text()).get("netns") for p in Path(boundary_emulator["root"]).glob("*/cluster.json")}
    assert set(netns.existing()) - boundary_emulator["before"] - foreign_namespaces(boundary_emulator["root"]) == {
        n for n in ours if n
    }
    left = handler_processes(boundary_emulator["pid"])
    assert not left, f"handler processes left: {left}"


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
    boundary_stack, boundary_emulator
) -> None:
    """A function placed as the runner places itself (the cluster's subnets and groups) opens a TCP
    connection to the writer only while the group admits the port from itself; a function outside
    any VPC never does. The emulator reads the rules as security_groups.py does."""
    from tapcheck.live.runner import placement

    where = placement(boundary_stack.ctx)
    host, port = boundary_stack.endpoints["writer"]
    lam, iam = boundary_stack.client("lambda"), boundary_stack.client("iam")
    role = iam.create_role(
        RoleName="tcp-probe", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    made = []
    try:
        for name, vpc in (
            ("tcp-in-vpc", {"SubnetIds": where.subnet_ids, "SecurityGroupIds": where.group_ids}),
            ("tcp-no-vpc", None),
        ):
            lam.create_function(
                FunctionName=name,
                Runtime="python3.11",
                Role=role,
                Handler="h.handler",
                Code={"ZipFile": _zip(PROBE_TCP)},
                Timeout=10,
                **({"VpcConfig": vpc} if vpc else {}),
            )
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


def test_without_ingress_from_the_group_the_runner_skips_naming_the_rule(
    boundary_stack, aws_env, boundary_emulator
) -> None:
    _ingress(boundary_stack, allow=False)
    smoke = smoke_cli(aws_env, boundary_stack.name, boundary_emulator["ca_cert"])
    assert smoke.rc == 0, smoke.out
    assert set(smoke.skipped) == data_probes(), smoke.out
    assert (
        f"authorize-security-group-ingress --group-id {_group(boundary_stack)} --protocol tcp --port {PORT}"
        in smoke.out
    )
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_through_the_runner_every_probe_runs_and_without_it_the_data_plane_has_no_path(
    boundary_stack, aws_env, boundary_emulator
) -> None:
    _ingress(boundary_stack, allow=True)
    through = smoke_cli(aws_env, boundary_stack.name, boundary_emulator["ca_cert"])
    assert through.rc == 0 and through.skipped == [], through.out
    assert " 0 skipped" in through.out
    assert_nothing_left(boundary_stack, boundary_emulator)

    direct = smoke_cli(aws_env, boundary_stack.name, boundary_emulator["ca_cert"], "--no-runner")
    assert direct.rc == 0, direct.out
    assert set(direct.skipped) == data_probes(), direct.out
    assert all("no network path" in line for line in direct.out.splitlines() if line.startswith("SKIP"))
    strict = smoke_cli(aws_env, boundary_stack.name, boundary_emulator["ca_cert"], "--no-runner", "--strict")
    assert strict.rc == 1, strict.out


def _run_smoke(target: Any, name: str, runner: bool, **options: Any) -> Smoke:
    from tapcheck.live.smoke import run_smoke
    from tapcheck.report import live

    report = run_smoke(target, name, runner=runner, **options)
    return Smoke(report.exit_code, live.text(report))


FAULTS = {
    "writer made read-only": (
        lambda s: (s.run("writer", "ALTER SYSTEM SET default_transaction_read_only = on"), s.reload("writer")),
        lambda s: (s.run("writer", "ALTER SYSTEM RESET default_transaction_read_only"), s.reload("writer")),
    ),
    "WAL replay paused on the standby": (
        lambda s: s.run("reader", "SELECT pg_wal_replay_pause()"),
        lambda s: s.run("reader", "SELECT pg_wal_replay_resume()"),
    ),
    "master password changed": (
        lambda s: _password(s, "Changed-by-hand-" + uuid.uuid4().hex),
        lambda s: _password(s, s.creds["password"]),
    ),
}


def _password(stack: BrokenStack, password: str) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER ROLE {} PASSWORD {}").format(stack.master, sql.Literal(password)))


def test_faults_fail_the_same_requirements_and_probes_through_the_runner_as_direct(
    boundary_stack, aws_path, boundary_emulator, local_target, live_options
) -> None:
    """The same faults on a stack behind the boundary (smoke through the runner) and on a stack on
    the direct emulator (smoke from here): the same failing requirements and probe runs. Both runs
    write (--write-probes, the local target's default): the transport is compared, not the mode."""
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
                through = _run_smoke(aws, boundary_stack.name, runner=True, writes=True)
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


def _generated_policies(stack: BrokenStack, template: str, fire_alarm: bool) -> dict[str, dict]:
    """`tapcheck iam-policy --runner` for the stack, in the emulator's account and region."""
    from tapcheck.live import iam_policy

    account = stack.client("sts").get_caller_identity()["Account"]
    documents, notes = iam_policy.policies(
        template,
        iam_policy.Scope(stack.name, account, "us-east-1"),
        {"EnvironmentSuffix": stack.ctx.parameters["EnvironmentSuffix"]},
        runner=True,
        fire_alarm=fire_alarm,
    )
    assert notes == []
    return documents


@pytest.fixture
def recorder(monkeypatch, boundary_emulator) -> Any:
    """Every authorization request the AWS code path's calls imply (iam_requests.py)."""
    from iam_requests import Recorder, record_calls

    from tapcheck.live.target import resolve

    lookup = resolve("local", state=boundary_emulator["state"])
    account = lookup.client("sts").get_caller_identity()["Account"]
    made = Recorder(lookup, account, "us-east-1")
    record_calls(monkeypatch, made)
    return made


def _refused(requests: list, *policies: dict) -> list[str]:
    from iam_requests import allows

    return sorted({str(r) for r in requests if not any(allows(p, r) for p in policies)})


def test_the_generated_policies_allow_every_call_smoke_the_runner_and_cleanup_make(
    boundary_stack, aws_path, boundary_emulator, recorder, live_options
) -> None:
    """Smoke without the runner, smoke through it and `runner cleanup`, on the AWS code path: each
    call's action on the resource it targets, with its request context (iam_requests.py), is
    allowed by `tapcheck iam-policy` for this stack — smoke's policy alone without the runner, with
    the runner's policy beside it otherwise."""
    from tapcheck.live import runner
    from tapcheck.live.target import Target

    _ingress(boundary_stack, allow=True)
    documents = _generated_policies(boundary_stack, live_options.template, fire_alarm=False)
    smoke_policy, runner_policy = documents["smoke-policy"], documents["runner-policy"]
    direct = _run_smoke(Target("aws", "us-east-1", ca_bundle=aws_path.ca_bundle), boundary_stack.name, runner=False)
    assert set(direct.skipped) == data_probes(), direct.out
    assert recorder.requests, "nothing was recorded"
    assert _refused(recorder.requests, smoke_policy) == []
    recorder.requests.clear()
    through = _run_smoke(Target("aws", "us-east-1", ca_bundle=aws_path.ca_bundle), boundary_stack.name, runner=True)
    assert through.skipped == [], through.out
    runner.cleanup(aws_path, boundary_stack.name)
    actions = {r.action for r in recorder.requests}
    assert {
        "iam:CreateRole",
        "iam:PassRole",
        "iam:AttachRolePolicy",
        "lambda:CreateFunction",
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "lambda:ListFunctions",
        "iam:ListRoles",
    } <= actions, actions
    assert _refused(recorder.requests, smoke_policy, runner_policy) == []
    # the runner's own calls need the runner policy: smoke's alone refuses them
    assert any(r.startswith("iam:CreateRole") for r in _refused(recorder.requests, smoke_policy))
    # the opt-in firing needs --fire-alarm's statements, and they are enough
    from tapcheck.live.smoke import run_smoke

    recorder.requests.clear()
    run_smoke(
        Target("aws", "us-east-1", ca_bundle=aws_path.ca_bundle), boundary_stack.name, runner=False, fire_alarm=True
    )
    assert "cloudwatch:SetAlarmState" in {r.action for r in recorder.requests}
    assert any(r.startswith("cloudwatch:SetAlarmState") for r in _refused(recorder.requests, smoke_policy))
    fired = _generated_policies(boundary_stack, live_options.template, fire_alarm=True)["smoke-policy"]
    assert _refused(recorder.requests, fired) == []
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_the_matcher_refuses_what_the_generated_policy_does_not_grant(boundary_stack, live_options) -> None:
    """The coverage test above can fail: another stack's secret, a role passed to EC2, another
    policy attached and a role created without the boundary are refused; the stack's own are allowed."""
    from iam_requests import Request, allows

    from tapcheck.live import runner

    docs = _generated_policies(boundary_stack, live_options.template, fire_alarm=False)
    smoke, run = docs["smoke-policy"], docs["runner-policy"]
    account = boundary_stack.client("sts").get_caller_identity()["Account"]
    suffix = boundary_stack.ctx.parameters["EnvironmentSuffix"]
    secret = f"arn:aws:secretsmanager:us-east-1:{account}:secret:aurora-credentials-{suffix}-AbC123"
    assert allows(smoke, Request("secretsmanager:GetSecretValue", secret))
    assert not allows(smoke, Request("secretsmanager:GetSecretValue", secret.replace(suffix, "other")))
    assert not allows(smoke, Request("secretsmanager:GetSecretValue", secret + "x"))
    assert not allows(
        smoke,
        Request("cloudwatch:SetAlarmState", f"arn:aws:cloudwatch:us-east-1:{account}:alarm:aurora-cpu-high-{suffix}"),
    )
    role = f"arn:aws:iam::{account}:role{runner.ROLE_PATH}{runner.name_prefix(boundary_stack.name)}0a1b2c"
    boundary = runner.boundary_arn("aws", account)
    lam = (("iam:PassedToService", "lambda.amazonaws.com"),)
    assert allows(run, Request("iam:PassRole", role, lam))
    assert not allows(run, Request("iam:PassRole", role, (("iam:PassedToService", "ec2.amazonaws.com"),)))
    assert not allows(run, Request("iam:PassRole", role.replace("0a1b2c", "0a1b2c3"), lam))
    vpc = runner.vpc_access_policy("aws")
    attach = (("iam:PermissionsBoundary", boundary), ("iam:PolicyARN", vpc))
    assert allows(run, Request("iam:AttachRolePolicy", role, attach))
    assert not allows(
        run,
        Request(
            "iam:AttachRolePolicy",
            role,
            (("iam:PermissionsBoundary", boundary), ("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess")),
        ),
    )
    assert not allows(run, Request("iam:CreateRole", role))
    assert allows(run, Request("iam:CreateRole", role, (("iam:PermissionsBoundary", boundary),)))


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
        stub.add_client_error(
            "create_function", service_error_code="CodeStorageExceededException", http_status_code=400
        )
        with pytest.raises(ClientError, match="CodeStorageExceeded"):
            runner.run_remote(ctx, data_runs, out=io.StringIO())
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_a_function_timing_out_skips_its_probes_and_leaves_nothing(
    boundary_stack, aws_path, boundary_emulator, monkeypatch
) -> None:
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
    assert {case.status.value for case in results.values()} == {"skip"}, results
    assert all("Task timed out after 2.00 seconds" in case.detail for case in results.values()), results
    assert set(results) == {r.id for r in data_runs}
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_runner_cleanup_removes_only_the_stacks_runners_and_foreign_look_alikes_survive(
    boundary_stack, aws_env, boundary_emulator
) -> None:
    """Leftovers of an interrupted run (a function, its log group and its role, made as the runner
    makes them) are removed; beside them, resources carrying the runner's tag for this stack but not
    its name, or its name but not its tag, or not its path, are not touched: still there, the
    foreign role still holding its policy."""
    from tapcheck.live import runner
    from tapcheck.live.target import resolve

    emu = resolve("local", state=boundary_emulator["state"])
    iam, lam, logs = emu.client("iam"), emu.client("lambda"), emu.client("logs")
    tag = {runner.RUNNER_TAG: boundary_stack.name}
    ours = runner.name_prefix(boundary_stack.name) + "0a1b2c"
    longer_stack = runner.name_prefix(boundary_stack.name) + "x-0a1b2c"  # stack "<name>-x"'s runner

    def role(name: str, path: str, tags: dict) -> str:
        arn = iam.create_role(
            RoleName=name,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(runner.TRUST),
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["Role"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=runner.VPC_ACCESS_POLICY)
        return arn

    def function(name: str, role_arn: str, tags: dict) -> None:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role_arn,
            Handler="h.handler",
            Code={"ZipFile": _zip("def handler(e, c):\n    return 1\n")},
            Tags=tags,
        )

    our_role = role(ours, runner.ROLE_PATH, tag)
    function(ours, our_role, tag)
    logs.create_log_group(logGroupName=f"/aws/lambda/{ours}", tags=tag)
    foreign_roles = {
        "someone-elses-role": runner.ROLE_PATH,
        longer_stack: runner.ROLE_PATH,
        ours.replace("0a1b2c", "9f8e7d"): "/",
    }
    for name, path in foreign_roles.items():
        role(name, path, tag)
    untagged = ours.replace("0a1b2c", "1b2c3d")
    foreign_functions = {"someone-elses-function": tag, longer_stack: tag, untagged: {}}
    for name, tags in foreign_functions.items():
        function(name, our_role if name != "someone-elses-function" else role("fn-role", "/", {}), tags)
    foreign_groups = {f"/aws/lambda/{untagged}": {}, f"/aws/lambda/{longer_stack}": tag}
    for name, tags in foreign_groups.items():
        logs.create_log_group(logGroupName=name, **({"tags": tags} if tags else {}))
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "tapcheck.cli",
                "runner",
                "cleanup",
                "--target",
                "aws",
                "--stack-name",
                boundary_stack.name,
            ],
            capture_output=True,
            text=True,
            env=aws_env,
            cwd=ROOT,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.splitlines() == [
            f"removed Lambda function {ours}",
            f"removed CloudWatch Logs log group /aws/lambda/{ours}",
            f"removed IAM role {ours}",
        ], proc.stdout + proc.stderr
        assert {f["FunctionName"] for f in lam.list_functions()["Functions"]} == set(foreign_functions)
        assert {
            g["logGroupName"]
            for g in logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
            if g["logGroupName"] in foreign_groups or ours in g["logGroupName"]
        } == set(foreign_groups)
        for name in foreign_roles:
            held = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            assert [p["PolicyArn"] for p in held] == [runner.VPC_ACCESS_POLICY], name
    finally:
        for name in foreign_functions:
            lam.delete_function(FunctionName=name)
        for name in foreign_groups:
            logs.delete_log_group(logGroupName=name)
        for name in [*foreign_roles, "fn-role"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=runner.VPC_ACCESS_POLICY)
            iam.delete_role(RoleName=name)
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_a_run_creates_its_log_group_with_a_retention_and_removes_it(
    boundary_stack, aws_path, boundary_emulator, monkeypatch
) -> None:
    """While the function runs, its log group /aws/lambda/<name> exists, tagged for the stack, with
    a 1-day retention; after the run it is gone (assert_nothing_left)."""
    from tapcheck.live import probing, runner
    from tapcheck.live.context import Context

    _ingress(boundary_stack, allow=True)
    seen: list[dict] = []
    real_invoke = aws_path.client("lambda").invoke

    def invoke(**kwargs: Any) -> Any:
        logs = boundary_stack.client("logs")
        group = f"/aws/lambda/{kwargs['FunctionName']}"
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        seen.extend(found)
        seen.append(logs.list_tags_log_group(logGroupName=group)["tags"])
        return real_invoke(**kwargs)

    monkeypatch.setattr(aws_path.client("lambda"), "invoke", invoke)
    data_runs = [r for r in probing.runs() if r.probe.plane == "data"][:1]
    results = runner.run_remote(Context(aws_path, boundary_stack.name), data_runs, out=io.StringIO())
    assert {case.status.value for case in results.values()} == {"pass"}, results
    group, tags = seen
    assert group["retentionInDays"] == runner.LOG_RETENTION_DAYS
    assert tags[runner.RUNNER_TAG] == boundary_stack.name
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_ctrl_c_during_the_runners_invoke_exits_130_and_leaves_nothing(
    boundary_stack, aws_env, boundary_emulator
) -> None:
    """The writer frozen (SIGSTOP) keeps the handler waiting out a connect timeout, so the SIGINT
    lands while the function runs; smoke removes the function and the role and exits 130."""
    import signal
    import time

    from tapcheck.live.runner import ROLE_PATH

    _ingress(boundary_stack, allow=True)
    lam = boundary_stack.client("lambda")
    pid = boundary_stack.signal_postmaster("writer", signal.SIGSTOP)
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tapcheck.cli",
                "smoke",
                "--target",
                "aws",
                "--stack-name",
                boundary_stack.name,
                "--ca-bundle",
                boundary_emulator["ca_cert"],
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=aws_env,
            cwd=ROOT,
        )
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
    while handler_processes(boundary_emulator["pid"]):
        assert time.monotonic() < deadline, "the handler process was left running"
        time.sleep(0.2)
    assert_nothing_left(boundary_stack, boundary_emulator)


def test_the_functions_code_is_built_once_and_then_read_from_the_cache(
    boundary_stack, boundary_emulator, monkeypatch
) -> None:
    """After the runs above, the same package, wheels and CA bundle give the cached zip: no wheel is
    read again; a changed package file gives a new build. The bundle the function verifies the cluster
    against is in the package (live/tls.py)."""
    import zipfile

    from tapcheck.live import runner

    ca = boundary_emulator["ca_cert"]
    first = runner.build_zip(ca_bundle=ca)
    monkeypatch.setattr(runner, "wheels", lambda: pytest.fail("the cached build was not used"))
    assert runner.build_zip(ca_bundle=ca) == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        names = set(z.namelist())
        bundle = z.read("tapcheck/live/rds-ca-bundle.pem")
    assert {"tapcheck/live/runner_handler.py", "psycopg/__init__.py"} <= names
    assert any(n.startswith("tapcheck/rules/r07_parameter_group/") for n in names)
    assert bundle == Path(ca).read_bytes()
    files = runner._package_files()
    monkeypatch.setattr(runner, "_package_files", lambda: files[:-1])
    with pytest.raises(pytest.fail.Exception, match="cached build was not used"):
        runner.build_zip(ca_bundle=ca)
