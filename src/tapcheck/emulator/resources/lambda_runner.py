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

User: when the emulator runs as root, the handler does not. It runs as the unprivileged user
`nobody` (setpriv: its own uid and gid, no supplementary groups, no new privileges), as
PostgreSQL runs as `postgres`: a function anyone may invoke cannot act as root on this machine.
Its code is unpacked into the emulator's private directory (0700), which that user cannot enter;
in a mount namespace of its own the package is bound, read-only, at /var/task, where Lambda puts
a function's code (LAMBDA_TASK_ROOT, "The path to your Lambda function code",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html; the page does not give the
value, /var/task is what Lambda environments show), with a writable /tmp of its own, so the
handler reads its own package and nothing of the emulator's. The interpreter is one that
user can run, of the function's runtime version (pythonX.Y), found once. Not root (a developer's
own emulator), the handler runs as that user from its directory, as PostgreSQL does.

Timeout: the function's Timeout (default 3 s) bounds the run; past it the process group is
killed and the invoke reports "Task timed out after N seconds" as Lambda does (the wording
Lambda writes for a timed-out invocation; https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

log = logging.getLogger("tapcheck.emulator.lambda")

HANDLER_USER = "nobody"
TASK_ROOT = "/var/task"
# Run by root in the handler's own mount namespace, then exec'd into the unprivileged handler:
# a /var and a /tmp of its own, the package bound read-only at /var/task. $1 is the package's
# directory; the rest is the command.
_MOUNTS = (
    "set -e; mount -t tmpfs -o mode=0755,size=1m tapcheck-lambda /var; mkdir /var/task; "
    'mount --bind "$1" /var/task; mount -o remount,bind,ro /var/task; '
    'mount -t tmpfs -o mode=1777,size=512m tapcheck-lambda /tmp; cd /var/task; shift; exec "$@"'
)

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


class NoRuntime(RuntimeError):
    """No interpreter of the function's runtime that the handler's user can run."""


def _unprivileged(cmd: list[str]) -> list[str]:
    """`cmd` run as HANDLER_USER when we are root (unchanged otherwise, as for PostgreSQL)."""
    if os.geteuid() != 0:
        return cmd
    user = pwd.getpwnam(HANDLER_USER)
    return [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--no-new-privs",
        "--",
        *cmd,
    ]


def _task_root(workdir: Path) -> str:
    """Where the handler finds its package."""
    return TASK_ROOT if os.geteuid() == 0 else str(workdir)


def _sandboxed(cmd: list[str], workdir: Path) -> list[str]:
    """The command that runs `cmd` as the handler (see "User" above)."""
    if os.geteuid() != 0:
        return cmd
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        _MOUNTS,
        "lambda-sandbox",
        str(workdir),
        *_unprivileged(cmd),
    ]


_OWN_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def _version(runtime: str) -> str:
    """Runtime name to Python version ("python3.11" -> "3.11"); the emulator's own version for a
    runtime name without one."""
    found = re.fullmatch(r"python(\d+\.\d+)", runtime)
    return found.group(1) if found else _OWN_VERSION


@functools.cache
def interpreter(runtime: str) -> str:
    """A Python of the runtime's version that the handler's user can run. The emulator's own base
    interpreter (not its virtualenv: with -I -S the handler sees its package and the standard
    library only) when it is that version and that user can reach it; else the system's."""
    version = _version(runtime)
    base = getattr(sys, "_base_executable", None) or sys.executable
    if os.geteuid() != 0 and _OWN_VERSION == version:
        return base
    candidates = [
        base,
        shutil.which(f"python{version}"),
        f"/usr/bin/python{version}",
        f"/usr/local/bin/python{version}",
    ]
    for candidate in dict.fromkeys(c for c in candidates if c):
        probe = _unprivileged([candidate, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        try:
            answer = subprocess.run(
                probe, capture_output=True, text=True, timeout=20, cwd="/", stdin=subprocess.DEVNULL, check=False
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if answer == version:
            return candidate
    raise NoRuntime(
        f"no python{version} that user {HANDLER_USER} can run on this machine "
        f"(install python{version} where every user can run it)"
    )


def _readable_by_all(workdir: Path) -> None:
    """The unpacked package: readable (and, where the zip says so, executable) by the handler's
    user, writable by no one but the emulator."""
    for path in [workdir, *workdir.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o100 else 0o644)


def _as_api(group: Any) -> dict[str, Any]:
    """A moto security group in DescribeSecurityGroups' shape (what security_groups.py reads)."""

    def perms(rules: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "IpProtocol": r.ip_protocol,
                "FromPort": r.from_port,
                "ToPort": r.to_port,
                "IpRanges": [r.ip_range] if r.ip_range.get("CidrIp") else [],
                "UserIdGroupPairs": [r.source_group] if r.source_group.get("GroupId") else [],
            }
            for r in rules
        ]

    return {
        "GroupId": group.id,
        "IpPermissions": perms(group.ingress_rules),
        "IpPermissionsEgress": perms(group.egress_rules),
    }


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
        if (
            security_groups.missing_rule(
                fn_groups,
                [s.cidr_block for s in fn_subnets],
                [_as_api(g) for g in groups if g is not None],
                [s.cidr_block for s in subnet_group._subnets],
                int(cluster.port),
            )
            is None
        ):
            return pgc.netns
    return None


def run_handler(fn: Any, event: Any) -> tuple[str, bool, str]:
    """(payload, errored, log text) of one invocation of python function `fn`."""
    from tapcheck.emulator import netns
    from tapcheck.emulator.resources import clusters

    try:
        python = interpreter(str(fn.run_time or ""))
    except NoRuntime as e:
        return json.dumps({"errorMessage": str(e), "errorType": "Runtime.Unavailable"}), True, str(e)
    workdir = Path(tempfile.mkdtemp(prefix="lambda-", dir=clusters.data_root()))  # inside the private directory
    try:
        with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as z:
            z.extractall(workdir)
        _readable_by_all(workdir)
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            **(fn.environment_vars or {}),
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_REGION": fn.region,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(fn.timeout),
        }
        env["LAMBDA_TASK_ROOT"] = _task_root(workdir)
        cmd = _sandboxed([python, "-I", "-S", "-c", _BOOTSTRAP, _task_root(workdir), fn.handler], workdir)
        proc = subprocess.Popen(
            netns.inside(namespace_for(fn), cmd),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=workdir,
            start_new_session=True,
            text=True,
        )
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
            document = {
                "error": {
                    "errorMessage": f"Runtime exited with exit status {proc.returncode}",
                    "errorType": "Runtime.ExitError",
                }
            }
        if "error" in document:
            return json.dumps(document["error"]), True, err
        return json.dumps(document["ok"]), False, err
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
