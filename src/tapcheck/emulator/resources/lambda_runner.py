"""Lambda Invoke without Docker (moto_patches/lambda_.py hooks it into moto's Lambda).

moto runs an invoked function in a Docker container (moto.awslambda.models.LambdaFunction.
_invoke_lambda); these machines have no Docker. For a python runtime that one method runs
run_handler instead (moto's Docker path stays for the others): the function's uploaded zip is
unpacked into a fresh directory, and its handler runs in a
subprocess of this machine's Python with that directory alone on sys.path (isolated mode, no
site-packages: what the zip lacks, the handler lacks, as on Lambda), the event on standard input
and the handler's JSON result on standard output. CreateFunction, DeleteFunction and the rest
stay moto's.

Network: a VPC-attached function gets an elastic network interface in its subnets and reaches
what its security groups allow there
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html). Here the subprocess runs
inside the network namespace of the emulated cluster its security groups and the cluster's let
it reach (same VPC; an inbound rule of the cluster's groups admitting the function's group or
subnets on the cluster port, an outbound rule of the function's groups letting it out:
tapcheck.security_groups, the reading the runner also uses before it creates anything), so it
reaches that cluster's endpoints by TCP, which the host cannot. Otherwise (or with the boundary
off) it runs on the host's network: behind the boundary, no cluster listens there, and the
connection is refused where on AWS it would time out. The subprocess gets no AWS credentials and
no endpoint: as a function in private subnets without a NAT gateway or VPC endpoints, it cannot call AWS APIs.

Timeout: the function's Timeout (default 3 s) bounds the run; past it the process group is
killed and the invoke reports "Task timed out after N seconds" as Lambda does (the wording
Lambda writes for a timed-out invocation; https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from typing import Any

log = logging.getLogger("tapcheck.emulator.lambda")

# Runs inside the subprocess: import the handler from the unpacked zip, call it with the event
# read from stdin, write {"ok": result} or {"error": {...}} as one JSON document on stdout.
_BOOTSTRAP = r"""
import importlib, json, sys, traceback
sys.path.insert(0, sys.argv[1])
module_name, _, function_name = sys.argv[2].rpartition(".")
event = json.loads(sys.stdin.read() or "{}")
try:
    result = getattr(importlib.import_module(module_name), function_name)(event, None)
    out = {"ok": result}
except Exception as e:
    out = {"error": {"errorMessage": str(e), "errorType": type(e).__name__,
                     "stackTrace": traceback.format_exc().splitlines()}}
sys.stdout.write("\n" + json.dumps(out))
"""


def _python() -> str:
    # the base interpreter, not the emulator's virtualenv: with -I -S it sees the zip and the
    # standard library only
    return getattr(sys, "_base_executable", None) or sys.executable


def _as_api(group: Any) -> dict[str, Any]:
    """A moto security group in DescribeSecurityGroups' shape (what security_groups.py reads)."""
    def perms(rules: list[Any]) -> list[dict[str, Any]]:
        return [{"IpProtocol": r.ip_protocol, "FromPort": r.from_port, "ToPort": r.to_port,
                 "IpRanges": [r.ip_range] if r.ip_range.get("CidrIp") else [],
                 "UserIdGroupPairs": [r.source_group] if r.source_group.get("GroupId") else []} for r in rules]
    return {"GroupId": group.id, "IpPermissions": perms(group.ingress_rules),
            "IpPermissionsEgress": perms(group.egress_rules)}


def namespace_for(fn: Any) -> str | None:
    """The network namespace of the emulated cluster function `fn` can reach: in the same VPC, with
    security groups that let TCP to the cluster port through (security_groups.missing_rule), as a
    VPC function reaches only what its groups and the target's allow. None: no cluster is reachable,
    and the function runs on the host's network, where no boundary cluster listens."""
    from moto.ec2.models import ec2_backends
    from moto.rds.models import rds_backends

    from tapcheck import security_groups
    from tapcheck.emulator.resources import clusters

    config = fn._vpc_config or {}
    group_ids, subnet_ids = config.get("SecurityGroupIds") or [], config.get("SubnetIds") or []
    if not group_ids or not subnet_ids:
        return None  # not attached to a VPC: no path into one
    ec2 = ec2_backends[fn.account_id][fn.region]
    try:
        fn_groups = [_as_api(ec2.get_security_group_from_id(g)) for g in group_ids]
        fn_subnets = [ec2.get_subnet(s) for s in subnet_ids]
    except Exception:  # noqa: BLE001 - a group or subnet that does not exist gives no path
        return None
    for (account, region, cluster_id), pgc in clusters.registered():
        if account != fn.account_id or region != fn.region or not pgc.netns:
            continue
        rds = rds_backends[account][region]
        cluster = rds.clusters.get(cluster_id)
        subnet_group = rds.subnet_groups.get(cluster.db_subnet_group_name or "") if cluster else None
        if cluster is None or subnet_group is None or subnet_group.vpc_id != fn_subnets[0].vpc_id:
            continue
        groups = [ec2.get_security_group_from_id(g) for g in cluster.vpc_security_group_ids or []]
        if security_groups.missing_rule(fn_groups, [s.cidr_block for s in fn_subnets],
                                        [_as_api(g) for g in groups if g is not None],
                                        [s.cidr_block for s in subnet_group._subnets], int(cluster.port)) is None:
            return pgc.netns
    return None


def run_handler(fn: Any, event: Any) -> tuple[str, bool, str]:
    """(payload, errored, log text) of one invocation of python function `fn`."""
    from tapcheck.emulator import netns

    workdir = tempfile.mkdtemp(prefix="tapcheck-lambda-")
    try:
        with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as z:
            z.extractall(workdir)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(fn.environment_vars or {}),
               "AWS_LAMBDA_FUNCTION_NAME": fn.function_name, "AWS_REGION": fn.region,
               "AWS_LAMBDA_FUNCTION_TIMEOUT": str(fn.timeout)}
        cmd = netns.inside(namespace_for(fn), [_python(), "-I", "-S", "-c", _BOOTSTRAP, workdir, fn.handler])
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, cwd=workdir, start_new_session=True, text=True)
        try:
            out, err = proc.communicate(json.dumps(event if event is not None else {}), timeout=float(fn.timeout))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            message = f"Task timed out after {float(fn.timeout):.2f} seconds"
            return json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"}), True, err + message
        last = out.strip().splitlines()[-1] if out.strip() else ""
        try:
            document = json.loads(last)
        except ValueError:
            document = {"error": {"errorMessage": f"Runtime exited with exit status {proc.returncode}",
                                  "errorType": "Runtime.ExitError"}}
        if "error" in document:
            return json.dumps(document["error"]), True, err
        return json.dumps(document["ok"]), False, err
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
