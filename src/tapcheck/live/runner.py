"""The in-VPC probe runner: a short-lived Lambda function in the cluster's subnets and security
groups, created for one smoke run and removed after it, that runs the data-plane probes where the
private cluster is reachable.

Design (issue 14):
- Lambda, not other in-VPC compute: a VPC-attached function gets a network interface in the
  subnets and security groups it is given and reaches what they allow
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html); no instance, AMI, SSM
  agent or key to manage. The function takes the live cluster's own placement (its DB subnet
  group's subnets, its VPC security groups), so no rule is added to the stack: the groups must
  admit the cluster port from themselves (or from the subnets' addresses) and let it out
  (security_groups.py), checked before anything is created; when they do not, every data-plane
  probe SKIPs naming the missing rule and the command that adds it.
- The code is the tapcheck package itself (the same probe functions and run_probe, zipped from
  the installed package, rules included) plus psycopg wheels for the Lambda runtime (python3.11,
  x86_64) from PyPI, pinned and hash-checked, cached under ~/.cache/tapcheck/runner-wheels; the
  built zip is cached beside them with its own sha256 and checked against it before each use.
- Its execution role has the AWS managed policy AWSLambdaVPCAccessExecutionRole, which grants
  the network-interface permissions a VPC function needs and CloudWatch Logs
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
- Credentials travel in the invocation payload only, never in the function's configuration
  (environment) or its logs (the handler prints nothing). The CA bundle the function verifies the
  cluster against (live/tls.py) travels in its package. A synchronous invocation's request
  payload is limited to 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
- Everything is named tapcheck-runner-<stack's first 40 characters>-<6 hex> and tagged with the
  stack's tags plus tapcheck:runner-for=<stack>; the role lives under the IAM path /tapcheck-runner/
  with the permissions boundary tapcheck-runner-boundary (so the runner policy can allow CreateRole
  only with it, docs/iam/runner-boundary.json); the function's log group /aws/lambda/<name> is made
  first (tagged, 1-day retention). All are removed in `finally` (after a failed probe, create,
  timeout or Ctrl-C); what could not be removed is printed with the command that removes it, and
  `tapcheck runner cleanup --stack-name NAME` removes leftovers matching the stack's runner name,
  path and tag, all three.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tapcheck import interrupts
from tapcheck.errors import UsageError

RUNNER_TAG = "tapcheck:runner-for"
ROLE_PATH = "/tapcheck-runner/"
# Every runner resource of a stack is named NAME_PREFIX + the stack name's first 40 characters + "-" +
# six hex characters (a role name and a function name take at most 64), so a policy can name them
# with "??????" and `runner cleanup` can tell one stack's runners from another's by name.
NAME_PREFIX = "tapcheck-runner-"
NAME_BASE_CHARS = 40
TOKEN_HEX_CHARS = 6
# The role is created with this permissions boundary (docs/iam/runner-boundary.json), a managed
# policy an administrator creates once per account; the runner policy allows CreateRole only with it.
BOUNDARY_NAME = "tapcheck-runner-boundary"
# "By default, CloudWatch automatically creates a log group named /aws/lambda/<function name> for your
# function when it's first invoked"
# (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html), and keeps
# its events indefinitely unless a retention is set. The runner creates that group itself before the
# function (tagged, 1-day retention), so a teardown that cannot finish leaves a group that expires and
# that `runner cleanup` finds by name and tag; the teardown deletes it after the function.
LOG_GROUP_PREFIX = "/aws/lambda/"
LOG_RETENTION_DAYS = 1
# The execution-role permissions a VPC function needs, as AWSLambdaVPCAccessExecutionRole grants them
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
VPC_FUNCTION_EC2_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)
RUNTIME = "python3.11"
HANDLER = "tapcheck.live.runner_handler.handler"
FUNCTION_TIMEOUT_S = 300
MEMORY_MB = 256
# A synchronous invocation's request and response payloads: 6 MB each
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024
VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def vpc_access_policy(partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def boundary_arn(partition: str, account: str) -> str:
    return f"arn:{partition}:iam::{account}:policy/{BOUNDARY_NAME}"


def name_base(stack_name: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in stack_name)[:NAME_BASE_CHARS]


def name_prefix(stack_name: str) -> str:
    """What every runner role, function and log group (after /aws/lambda/) of the stack starts with."""
    return f"{NAME_PREFIX}{name_base(stack_name)}-"


def name_pattern_glob(stack_name: str) -> str:
    """The stack's runner names as an IAM ARN pattern: '?' matches exactly one character."""
    return name_prefix(stack_name) + "?" * TOKEN_HEX_CHARS


def is_runner_name(name: str, stack_name: str) -> bool:
    """The name is one the runner gives for this stack (not a longer stack name sharing the prefix)."""
    prefix = name_prefix(stack_name)
    token = name[len(prefix) :]
    return name.startswith(prefix) and len(token) == TOKEN_HEX_CHARS and all(c in "0123456789abcdef" for c in token)


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# A role just created may not yet be assumable by Lambda (IAM is eventually consistent:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency);
# CreateFunction then fails with InvalidParameterValueException and is retried for this long.
ROLE_PROPAGATION_S = 60

# The psycopg wheels the function imports, for its runtime (CPython 3.11, manylinux2014 x86_64),
# at the version pyproject.toml pins; their sha256 as PyPI serves them (checked 2026-12-04).
WHEELS = (
    (
        "psycopg==3.3.9",
        "psycopg-3.3.9-py3-none-any.whl",
        "d2d7d04a1ce6dab4f5b27316bea3b52585cafa2f2d631e5b09dd69823f5c26f6",
    ),
    (
        "psycopg-binary==3.3.9",
        "psycopg_binary-3.3.9-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "0953c1b94c73f97efce5b8fb1dad85cf5e4085b94902e439e27e6805ebc8be99",
    ),
    (
        "typing_extensions==4.16.0",
        "typing_extensions-4.16.0-py3-none-any.whl",
        "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
    ),
)
_PACKAGE_FILES = (".py", ".toml", ".yaml", ".json")


def wheel_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tapcheck" / "runner-wheels"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheels() -> list[Path]:
    """The pinned wheels, from the cache or downloaded by pip with their hashes required."""
    cache = wheel_cache()
    wanted = [cache / name for _, name, _ in WHEELS]
    if not all(p.is_file() and _sha256(p) == digest for p, (_, _, digest) in zip(wanted, WHEELS)):
        cache.mkdir(parents=True, exist_ok=True)
        reqs = cache / "requirements.txt"
        reqs.write_text("".join(f"{spec} --hash=sha256:{digest}\n" for spec, _, digest in WHEELS))
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--require-hashes",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                "manylinux2014_x86_64",
                "--python-version",
                "3.11",
                "--implementation",
                "cp",
                "-d",
                str(cache),
                "-r",
                str(reqs),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            last = (proc.stderr or proc.stdout).strip().splitlines()
            raise UsageError(
                "the in-VPC runner",
                f"cannot fetch psycopg for the Lambda runtime from PyPI "
                f"({last[-1] if last else 'pip exit ' + str(proc.returncode)})",
                "check the network to PyPI, or pass --no-runner (and --db-host through a tunnel)",
            )
    for path, (_, _, digest) in zip(wanted, WHEELS):
        if not path.is_file() or _sha256(path) != digest:
            raise UsageError(str(path), "does not match its pinned sha256", f"delete {wheel_cache()} and run again")
    return wanted


def _package_files() -> list[tuple[Path, str]]:
    """The installed tapcheck package's files the function needs (its rules included), with
    their names in the zip."""
    import tapcheck

    package = Path(tapcheck.__file__).resolve().parent
    found = []
    for dirpath, dirnames, filenames in os.walk(package, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(_PACKAGE_FILES):
                path = Path(dirpath) / name
                found.append((path, "tapcheck/" + str(path.relative_to(package))))
    return found


def build_zip(ca_bundle: str | Path | None = None) -> bytes:
    """The function's code: the installed tapcheck package, the pinned wheels and, when given, the CA
    bundle its connections verify the cluster against (as tapcheck/live/<tls.RUNNER_BUNDLE>: the
    function has no path to fetch one). Built once per content (the wheels' pinned digests, the
    package's files, the bundle) and cached beside the wheels, with the zip's own sha256 recorded
    beside it: the cached zip is shipped, credentials alongside, into the VPC only when it is still
    what was built (cached_zip); otherwise it is rebuilt."""
    from tapcheck.live.tls import RUNNER_BUNDLE

    files = _package_files()
    if ca_bundle is not None:
        files.append((Path(ca_bundle), f"tapcheck/live/{RUNNER_BUNDLE}"))
    digest = hashlib.sha256()
    for _, _, wheel_digest in WHEELS:
        digest.update(wheel_digest.encode())
    for path, arcname in files:
        digest.update(arcname.encode() + b"\0" + path.read_bytes() + b"\0")
    cached = wheel_cache().parent / f"runner-{digest.hexdigest()[:16]}.zip"
    code = cached_zip(cached)
    if code is not None:
        return code
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for wheel in wheels():
            with zipfile.ZipFile(wheel) as w:
                for item in w.infolist():
                    if not item.is_dir():
                        z.writestr(item, w.read(item))
        for path, arcname in files:
            z.write(path, arcname)
    for old in list(cached.parent.glob("runner-*.zip")) + list(cached.parent.glob("runner-*.zip.sha256")):
        old.unlink(missing_ok=True)  # one build kept: the current one
    code = buf.getvalue()
    _write_private(cached.with_name(cached.name + ".sha256"), hashlib.sha256(code).hexdigest().encode())
    _write_private(cached, code)
    return code


def cached_zip(path: Path) -> bytes | None:
    """The cached build at `path` when it can be trusted: a regular file (not a link) of this user's,
    writable by nobody else, whose sha256 is the one recorded when it was built. Anything else (absent,
    tampered with, a digest missing) is removed, saying so when it was there, and None is returned:
    the caller rebuilds."""
    import stat

    recorded = path.with_name(path.name + ".sha256")
    if not path.exists() and not path.is_symlink():
        return None
    why = None
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            why = "is not a regular file"
        elif info.st_uid != os.geteuid() or info.st_mode & 0o022:
            why = "is another user's or writable by others"
        else:
            code = path.read_bytes()
            expected = recorded.read_text().strip() if recorded.is_file() and not recorded.is_symlink() else None
            if expected is None:
                why = "has no recorded digest"
            elif hashlib.sha256(code).hexdigest() != expected:
                why = "does not match the sha256 recorded when it was built"
            else:
                return code
    except OSError as e:
        why = f"cannot be read ({e.strerror or e})"
    print(f"tapcheck: the cached runner code {path} {why}; rebuilding it", file=sys.stderr)
    path.unlink(missing_ok=True)
    recorded.unlink(missing_ok=True)
    return None


def _write_private(path: Path, data: bytes) -> None:
    """Write `path` (0600, in a 0700 directory) through a new file renamed over it: never through a link
    planted at its name."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


# --- where the function goes -----------------------------------------------------------------
@dataclass(frozen=True)
class Placement:
    """The cluster's own network placement, which the function takes: the subnets of its DB subnet
    group and its VPC security groups (read from the live cluster, whatever the template calls them)."""

    subnet_ids: list[str]
    group_ids: list[str]
    port: int


def placement(ctx: Any) -> Placement:
    cluster = ctx.cluster
    subnet_group = ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=cluster["DBSubnetGroup"])[
        "DBSubnetGroups"
    ][0]
    # A function takes at most 16 subnets and 5 security groups
    # (https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html).
    subnets = [s["SubnetIdentifier"] for s in subnet_group.get("Subnets") or []][:16]
    groups = [
        g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups") or [] if g.get("Status", "active") == "active"
    ][:5]
    return Placement(subnets, groups, int(cluster.get("Port") or 5432))


def missing_ingress(ec2: Any, where: Placement) -> str | None:
    """None when a function in the cluster's security groups and subnets can reach the cluster port
    (security_groups.missing_rule), else the SKIP text naming the missing rule and the command."""
    from tapcheck import security_groups

    groups = ec2.describe_security_groups(GroupIds=where.group_ids)["SecurityGroups"]
    cidrs = [s["CidrBlock"] for s in ec2.describe_subnets(SubnetIds=where.subnet_ids)["Subnets"]]
    side = security_groups.missing_rule(groups, cidrs, groups, cidrs, where.port)
    if side is None:
        return None
    group, named = where.group_ids[0], ", ".join(where.group_ids)
    if side == "inbound":
        return (
            f"no network path for the in-VPC runner: the cluster's security group {named} admits no TCP "
            f"{where.port} from itself or from the subnets' addresses, so a function in it cannot reach the "
            f"cluster; fix: aws ec2 authorize-security-group-ingress --group-id {group} --protocol tcp "
            f"--port {where.port} --source-group {group} (or pass --no-runner with --db-host through a tunnel)"
        )
    return (
        f"no network path for the in-VPC runner: the cluster's security group {named} lets no TCP {where.port} "
        f"out to itself or to the subnets' addresses; fix: aws ec2 authorize-security-group-egress --group-id "
        f"{group} --ip-permissions 'IpProtocol=tcp,FromPort={where.port},ToPort={where.port},"
        f"UserIdGroupPairs=[{{GroupId={group}}}]' (or pass --no-runner with --db-host through a tunnel)"
    )


# --- the run --------------------------------------------------------------------------------
@dataclass
class Runner:
    """One runner's resources, as far as they were made; `remove()` removes them."""

    target: Any
    stack_name: str
    function: str | None = None
    role: str | None = None
    log_group: str | None = None
    vpc_access: str = VPC_ACCESS_POLICY
    left: list[str] = field(default_factory=list)

    def remove(self) -> list[str]:
        """Delete the function, then its log group (nothing writes to it once the function is gone),
        then the role; returns what could not be removed, with commands. One already gone counts as
        removed. The role loses its VPC access policy only when that is all it holds and it is about
        to be deleted: a role holding anything else is left whole and reported."""
        left = []
        if self.function:
            try:
                self.target.client("lambda").delete_function(FunctionName=self.function)
                self.function = None
            except Exception as e:  # noqa: BLE001 - reported, with the command that removes it
                if _gone(e, "ResourceNotFoundException"):
                    self.function = None
                else:
                    left.append(
                        f"Lambda function {self.function} ({_why(e)}): aws lambda delete-function "
                        f"--function-name {self.function}"
                    )
        if self.log_group:
            command = f"aws logs delete-log-group --log-group-name {self.log_group}"
            if self.function:
                left.append(
                    f"CloudWatch Logs log group {self.log_group} (kept while its function is there; it "
                    f"expires after {LOG_RETENTION_DAYS} day): {command}"
                )
            else:
                try:
                    self.target.client("logs").delete_log_group(logGroupName=self.log_group)
                    self.log_group = None
                except Exception as e:  # noqa: BLE001
                    if _gone(e, "ResourceNotFoundException"):
                        self.log_group = None
                    else:
                        left.append(f"CloudWatch Logs log group {self.log_group} ({_why(e)}): {command}")
        if self.role:
            left += self._remove_role()
        self.left = left
        return left

    def _remove_role(self) -> list[str]:
        iam, role = self.target.client("iam"), self.role
        if role is None:
            return []
        command = (
            f"aws iam detach-role-policy --role-name {role} --policy-arn {self.vpc_access} && "
            f"aws iam delete-role --role-name {role}"
        )
        try:
            attached, inline = _role_holdings(iam, role)
        except Exception as e:  # noqa: BLE001
            if _gone(e, "NoSuchEntity"):
                self.role = None
                return []
            return [f"IAM role {role} ({_why(e)}): {command}"]
        foreign = [a for a in attached if a != self.vpc_access] + [f"inline policy {n}" for n in inline]
        if foreign:
            return [
                (
                    f"IAM role {role} (it holds {', '.join(foreign)}, which tapcheck did not attach; nothing was "
                    f"detached): remove those, then {command}"
                )
            ]
        try:
            if self.vpc_access in attached:
                iam.detach_role_policy(RoleName=role, PolicyArn=self.vpc_access)
            iam.delete_role(RoleName=role)
            self.role = None
        except Exception as e:  # noqa: BLE001
            if _gone(e, "NoSuchEntity"):
                self.role = None
            else:
                return [f"IAM role {role} ({_why(e)}): {command}"]
        return []


def _role_holdings(iam: Any, role: str) -> tuple[list[str], list[str]]:
    """(managed policy ARNs attached to the role, names of its inline policies)."""
    attached = [
        p["PolicyArn"]
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
        for p in page["AttachedPolicies"]
    ]
    inline = [
        n for page in iam.get_paginator("list_role_policies").paginate(RoleName=role) for n in page["PolicyNames"]
    ]
    return attached, inline


def _gone(e: Exception, code: str) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(e, ClientError) and e.response.get("Error", {}).get("Code") == code


def _why(e: Exception) -> str:
    """Why a removal failed, in a few words: AWS's error code and message, or a refused permission."""
    from botocore.exceptions import ClientError

    from tapcheck.live.context import one_line

    if isinstance(e, UsageError):
        return e.problem
    if isinstance(e, ClientError):
        err = e.response.get("Error", {})
        return f"{err.get('Code')}: {one_line(err.get('Message', ''))[:160]}"
    return f"{type(e).__name__}: {one_line(e)[:160]}"


def _tags(ctx: Any) -> dict[str, str]:
    tags = {t["Key"]: t["Value"] for t in ctx.stack.get("Tags") or []}
    tags.update({"tapcheck:stack-name": ctx.stack_name, RUNNER_TAG: ctx.stack_name})
    return tags


def payload(ctx: Any, run_ids: list[str]) -> dict[str, Any]:
    """What the handler needs, read here (outside the VPC): endpoints, the cluster's names, the secret."""
    from tapcheck.live.context import Fail

    cluster = {
        k: ctx.cluster.get(k)
        for k in ("Endpoint", "ReaderEndpoint", "Port", "MasterUsername", "DatabaseName", "DBClusterMembers")
    }
    body: dict[str, Any] = {
        "stack_name": ctx.stack_name,
        "target": ctx.target.name,
        "region": ctx.target.region,
        "outputs": ctx.outputs,
        "cluster": cluster,
        "runs": run_ids,
        "writes": ctx.may_write,
    }  # --write-probes: the handler's probes may write
    try:
        body["secret"] = ctx.secret
    except Fail as e:
        body["secret_error"] = str(e)
    return body


def run_remote(ctx: Any, runs: list[Any], out: Any = None) -> dict[str, Any]:
    """Run the data-plane probe runs `runs` (probing.ProbeRun) in a runner made for this call:
    {run id: its case (tapcheck.report.live.Case)}. Removes the runner before returning or raising;
    what it could not remove is printed to `out` (standard error) with the commands."""
    from botocore.exceptions import ClientError

    out = out or sys.stderr
    # A refused call (here or below) ends the run naming the permission: target.py.
    where = placement(ctx)
    if not where.subnet_ids or not where.group_ids:
        return _all(
            runs,
            "skip",
            "the cluster has no subnets or no active security group to place the in-VPC "
            "runner in; pass --no-runner with --db-host through a tunnel",
        )
    missing = missing_ingress(ctx.target.client("ec2"), where)
    if missing:
        return _all(runs, "skip", missing)
    body = json.dumps(payload(ctx, [r.id for r in runs]))
    if len(body.encode()) > PAYLOAD_LIMIT_BYTES:
        return _all(runs, "skip", f"the runner's payload is {len(body.encode())} bytes, over Lambda's 6 MB")
    code = build_zip(ca_bundle=ctx.trust_anchor())
    partition, account = stack_partition_account(ctx.stack["StackId"])
    runner = Runner(ctx.target, ctx.stack_name, vpc_access=vpc_access_policy(partition))
    name = name_prefix(ctx.stack_name) + secrets.token_hex(TOKEN_HEX_CHARS // 2)
    tags = _tags(ctx)
    try:
        iam, lam = ctx.target.client("iam"), ctx.target.client("lambda")
        with interrupts.deferred():  # made and recorded at once: a signal cannot fall between the two
            role_arn = _create_role(iam, name, ctx.stack_name, tags, boundary_arn(partition, account))
            runner.role = name
        iam.attach_role_policy(RoleName=name, PolicyArn=runner.vpc_access)
        logs = ctx.target.client("logs")
        with interrupts.deferred():
            logs.create_log_group(logGroupName=LOG_GROUP_PREFIX + name, tags=tags)
            runner.log_group = LOG_GROUP_PREFIX + name
        logs.put_retention_policy(logGroupName=runner.log_group, retentionInDays=LOG_RETENTION_DAYS)
        deadline = time.monotonic() + ROLE_PROPAGATION_S
        while True:
            try:
                with interrupts.deferred():
                    lam.create_function(
                        FunctionName=name,
                        Runtime=RUNTIME,
                        Role=role_arn,
                        Handler=HANDLER,
                        Code={"ZipFile": code},
                        Timeout=FUNCTION_TIMEOUT_S,
                        MemorySize=MEMORY_MB,
                        Tags=tags,
                        Architectures=["x86_64"],
                        Description=f"tapcheck in-VPC probe runner for stack {ctx.stack_name} (removed after the run)",
                        VpcConfig={"SubnetIds": where.subnet_ids, "SecurityGroupIds": where.group_ids},
                    )
                    runner.function = name
                break
            except ClientError as e:
                if (
                    e.response.get("Error", {}).get("Code") == "InvalidParameterValueException"
                    and "assume" in str(e).lower()
                    and time.monotonic() < deadline
                ):
                    time.sleep(3)
                    continue
                raise
        # A VPC function is Pending while Lambda creates its network interfaces, then Active
        # (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 120})
        response = lam.invoke(FunctionName=name, InvocationType="RequestResponse", Payload=body.encode())
        document = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            return _all(
                runs,
                "skip",
                f"the in-VPC runner failed ({document.get('errorType')}: "
                f"{document.get('errorMessage')}); its probes could not look",
            )
        return _cases(runs, document["results"])
    finally:
        with interrupts.deferred():  # a signal now waits until the function and the role are gone, or that is said
            left = runner.remove()
            for line in left:
                print(f"tapcheck: could not remove the runner's {line}", file=out)


def _all(runs: list[Any], status: str, detail: str) -> dict[str, Any]:
    from tapcheck.findings import Status

    return {r.id: r.outcome(Status(status), detail) for r in runs}


def _cases(runs: list[Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    """The handler's results as cases; a run it says it does not know fails, saying so."""
    from tapcheck.findings import Status
    from tapcheck.report.live import Case

    by_id = {r.id: r for r in runs}
    cases = {}
    for result in results:
        run = by_id.get(result.get("id"))
        if run is None:
            continue
        cases[run.id] = (
            Case.from_dict(result["case"])
            if "case" in result
            else run.outcome(Status.FAIL, str(result.get("missing") or "the runner returned no case"))
        )
    return cases


def stack_partition_account(stack_id: str) -> tuple[str, str]:
    """The partition and account of a stack, from its ARN (arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/...)."""
    parts = stack_id.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise UsageError("the stack", f"has an id that is not an ARN ({stack_id!r})", "check the stack's StackId")
    return parts[1], parts[4]


def _create_role(iam: Any, name: str, stack_name: str, tags: dict[str, str], boundary: str) -> str:
    """The runner's role, created under ROLE_PATH with the permissions boundary; its ARN."""
    from botocore.exceptions import ClientError

    try:
        return iam.create_role(
            RoleName=name,
            Path=ROLE_PATH,
            AssumeRolePolicyDocument=json.dumps(TRUST),
            Description=f"tapcheck in-VPC probe runner for stack {stack_name}",
            PermissionsBoundary=boundary,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["Role"]["Arn"]
    except ClientError as e:
        error = e.response.get("Error", {})
        if error.get("Code") in ("NoSuchEntity", "InvalidInput") and boundary in str(error.get("Message", "")):
            raise UsageError(
                "the in-VPC runner",
                f"its permissions boundary {boundary} does not exist ({error.get('Code')})",
                f"create it once in the account: aws iam create-policy "
                f"--policy-name {BOUNDARY_NAME} --policy-document file://runner-boundary.json "
                f"(tapcheck iam-policy --runner --policy runner-boundary), or pass --no-runner",
            ) from None
        raise


def _tagged_for(tags: dict[str, str], stack_name: str) -> bool:
    return tags.get(RUNNER_TAG) == stack_name


def cleanup(target: Any, stack_name: str) -> tuple[list[str], list[str]]:
    """Remove what earlier runs for the stack left: functions, their log groups and roles that carry
    the runner's name for this stack, its tag tapcheck:runner-for=<stack_name> and (roles) its path.
    Each is listed by name first and its tags read only when the name matches (the runner policy
    allows tag reads on the runner's names only). Returns (removed, could not remove with commands)."""
    lam, iam, logs = target.client("lambda"), target.client("iam"), target.client("logs")
    removed: list[str] = []
    left: list[str] = []

    def remove(runner: Runner, what: str) -> None:
        got = runner.remove()
        (left.extend(got) if got else removed.append(what))

    for page in lam.get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            name = fn["FunctionName"]
            if is_runner_name(name, stack_name) and _tagged_for(
                lam.list_tags(Resource=fn["FunctionArn"]).get("Tags", {}), stack_name
            ):
                remove(Runner(target, stack_name, function=name), f"Lambda function {name}")
    prefix = LOG_GROUP_PREFIX + name_prefix(stack_name)
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
        for group in page["logGroups"]:
            name = group["logGroupName"]
            if not is_runner_name(name[len(LOG_GROUP_PREFIX) :], stack_name):
                continue
            # ListTagsForResource takes the group's ARN without the ":*" DescribeLogGroups may add
            arn = group.get("logGroupArn") or str(group["arn"]).removesuffix(":*")
            if _tagged_for(logs.list_tags_for_resource(resourceArn=arn).get("tags", {}), stack_name):
                remove(Runner(target, stack_name, log_group=name), f"CloudWatch Logs log group {name}")
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=ROLE_PATH):
        for role in page["Roles"]:
            name = role["RoleName"]
            if role.get("Path") != ROLE_PATH or not is_runner_name(name, stack_name):
                continue
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name).get("Tags", [])}
            if _tagged_for(tags, stack_name):
                partition = str(role.get("Arn", "arn:aws")).split(":")[1]
                remove(
                    Runner(target, stack_name, role=name, vpc_access=vpc_access_policy(partition)), f"IAM role {name}"
                )
    return removed, left
