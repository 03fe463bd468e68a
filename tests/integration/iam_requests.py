"""What IAM would be asked for each AWS call tapcheck makes, and whether a policy allows it.

`Recorder` hooks every client a Target makes (before-parameter-build: the API parameters as the
code passed them) and turns each call into the authorization requests AWS documents for it: the
action, the resource ARN the call targets, and the request context keys the policies condition on.
Lookups it needs (a role's path, a key's ARN and tags, a stack's id) go to the emulator through a
client of its own, never recorded. A call it has no mapping for is an error, so a new call cannot
pass unexamined.

`allows(policy, request)` is a small identity-policy matcher for the documents tapcheck generates:
Allow/Deny, Action and Resource with * and ? wildcards (an ARN's first five fields matched one by
one: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html),
and the condition operators those documents use. An operator it does not know raises rather than
guessing. (The evaluator another branch builds in tapcheck/policies.py may replace it.)
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.context)
        return f"{self.action} on {self.resource}{extra}"


# --- the matcher ------------------------------------------------------------------------------
def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, case: bool = True) -> bool:
    # IAM's wildcards are * and ? only: escape fnmatch's character classes
    escaped = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, escaped) if case else fnmatch.fnmatchcase(value.lower(), escaped.lower())


def arn_matches(pattern: str, arn: str) -> bool:
    if pattern == "*":
        return True
    p, a = pattern.split(":", 5), arn.split(":", 5)
    if len(p) != 6 or len(a) != 6:
        return False
    return all(_glob(x, y) for x, y in zip(p, a))


def _condition_holds(operator: str, key: str, wanted: Any, context: dict[str, str]) -> bool:
    if key not in context:
        return False
    value = context[key]
    if operator == "StringEquals":
        return any(value == w for w in _as_list(wanted))
    if operator == "StringLike":
        return any(_glob(w, value) for w in _as_list(wanted))
    if operator in ("ArnEquals", "ArnLike"):
        # the two behave alike: each colon-delimited field compared, * and ? allowed
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
        return any(arn_matches(w, value) for w in _as_list(wanted))
    raise NotImplementedError(f"condition operator {operator} is not evaluated by this matcher")


def _statement_applies(st: dict, request: Request) -> bool:
    if not any(_glob(a, request.action, case=False) for a in _as_list(st.get("Action", []))):
        return False
    if not any(arn_matches(r, request.resource) if r != "*" else True for r in _as_list(st.get("Resource", []))):
        return False
    context = dict(request.context)
    return all(
        _condition_holds(op, key, wanted, context)
        for op, block in (st.get("Condition") or {}).items()
        for key, wanted in block.items()
    )


def allows(policy: dict, request: Request) -> bool:
    for st in _as_list(policy.get("Statement", [])):
        if "NotAction" in st or "NotResource" in st:
            raise NotImplementedError("NotAction/NotResource are not evaluated by this matcher")
    applying = [st for st in _as_list(policy["Statement"]) if _statement_applies(st, request)]
    return any(st["Effect"] == "Allow" for st in applying) and not any(st["Effect"] == "Deny" for st in applying)


# --- the requests a call makes ------------------------------------------------------------------
@dataclass
class Recorder:
    """Every authorization request the calls made through Targets' clients imply, in order."""

    lookup: Any  # a Target on the emulator whose clients are not recorded
    account: str
    region: str
    requests: list[Request] = field(default_factory=list)

    def arn(self, service: str, resource: str, regional: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{self.account}:{resource}"

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        handler = getattr(self, f"_{service.replace('-', '_')}", None)
        if handler is None:
            raise AssertionError(f"iam_requests.py has no mapping for {service}:{operation}; add one")
        self.requests += handler(operation, params)

    # one method per service: (operation, params) -> requests
    def _cloudformation(self, op: str, p: dict) -> list[Request]:
        name = p.get("StackName", "")
        stack = (
            name
            if name.startswith("arn:")
            else self.lookup.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackId"]
        )
        return (
            [Request(f"cloudformation:{op}", stack)]
            if op in ("DescribeStacks", "GetTemplate", "ListStackResources")
            else self._unknown("cloudformation", op)
        )

    def _rds(self, op: str, p: dict) -> list[Request]:
        kinds = {
            "DescribeDBClusters": ("DBClusterIdentifier", "cluster"),
            "DescribeDBInstances": ("DBInstanceIdentifier", "db"),
            "DescribeDBSubnetGroups": ("DBSubnetGroupName", "subgrp"),
            "DescribeDBClusterParameterGroups": ("DBClusterParameterGroupName", "cluster-pg"),
            "DescribeDBClusterParameters": ("DBClusterParameterGroupName", "cluster-pg"),
        }
        if op == "ListTagsForResource":
            return [Request("rds:ListTagsForResource", p["ResourceName"])]
        if op in kinds:
            param, kind = kinds[op]
            # a Describe without an identifier lists the account's resources: only "*" allows it
            return [Request(f"rds:{op}", self.arn("rds", f"{kind}:{p[param].lower()}") if p.get(param) else "*")]
        return self._unknown("rds", op)

    def _secretsmanager(self, op: str, p: dict) -> list[Request]:
        secret = p["SecretId"]
        if not secret.startswith("arn:"):
            secret = self.lookup.client("secretsmanager").describe_secret(SecretId=secret)["ARN"]
        return [Request(f"secretsmanager:{op}", secret)]

    def _kms(self, op: str, p: dict) -> list[Request]:
        kms = self.lookup.client("kms")
        arn = kms.describe_key(KeyId=p["KeyId"])["KeyMetadata"]["Arn"]
        try:
            tags = kms.list_resource_tags(KeyId=arn)["Tags"]
        except Exception:  # noqa: BLE001 - AWS managed keys cannot be tagged
            tags = []
        # CloudFormation does not tag KMS keys with aws:cloudformation:* on AWS (coverage roadmap
        # issue 2341); the emulator's moto does, so those are left out of the request context.
        context = tuple(
            sorted(
                (f"aws:ResourceTag/{t['TagKey']}", t["TagValue"]) for t in tags if not t["TagKey"].startswith("aws:")
            )
        )
        return [Request(f"kms:{op}", arn, context)]

    def _ec2(self, op: str, p: dict) -> list[Request]:
        return [Request(f"ec2:{op}", "*")] if op.startswith("Describe") else self._unknown("ec2", op)

    def _cloudwatch(self, op: str, p: dict) -> list[Request]:
        if op == "DescribeAlarms":
            names = p.get("AlarmNames") or []
            return [Request(f"cloudwatch:{op}", self.arn("cloudwatch", f"alarm:{n}")) for n in names] or [
                Request(f"cloudwatch:{op}", "*")
            ]
        if op in ("DescribeAlarmHistory", "SetAlarmState"):
            return [Request(f"cloudwatch:{op}", self.arn("cloudwatch", f"alarm:{p['AlarmName']}"))]
        if op == "ListTagsForResource":
            return [Request(f"cloudwatch:{op}", p["ResourceARN"])]
        return self._unknown("cloudwatch", op)

    def _sns(self, op: str, p: dict) -> list[Request]:
        if op == "Unsubscribe":
            return [Request("sns:Unsubscribe", "*")]
        return [Request(f"sns:{op}", p.get("TopicArn") or p["ResourceArn"])]

    def _sqs(self, op: str, p: dict) -> list[Request]:
        name = p.get("QueueName") or urlparse(p["QueueUrl"]).path.rstrip("/").rsplit("/", 1)[-1]
        return [Request(f"sqs:{op}", self.arn("sqs", name))]

    def _logs(self, op: str, p: dict) -> list[Request]:
        if op == "DescribeLogGroups":
            return [Request("logs:DescribeLogGroups", "*")]
        arn = p.get("resourceArn") or self.arn("logs", f"log-group:{p['logGroupName']}")
        out = [Request(f"logs:{op}", arn)]
        if op == "CreateLogGroup" and p.get("tags"):
            # CreateLogGroup with tags is also authorised as logs:TagResource on the group
            out.append(Request("logs:TagResource", arn))
        return out

    def _role_arn(self, name: str, path: str | None = None) -> str:
        if path is None:
            path = self.lookup.client("iam").get_role(RoleName=name)["Role"]["Path"]
        return self.arn("iam", f"role{path}{name}", regional=False)

    def _iam(self, op: str, p: dict) -> list[Request]:
        if op == "ListRoles":
            return [Request("iam:ListRoles", "*")]
        if op in ("GetPolicy", "GetPolicyVersion"):
            return [Request(f"iam:{op}", p["PolicyArn"])]
        if op == "CreateRole":
            role = self._role_arn(p["RoleName"], p.get("Path", "/"))
            context = (("iam:PermissionsBoundary", p["PermissionsBoundary"]),) if p.get("PermissionsBoundary") else ()
            out = [Request("iam:CreateRole", role, context)]
            if p.get("Tags"):  # creating a role with tags also needs iam:TagRole
                out.append(Request("iam:TagRole", role))
            return out
        role = self._role_arn(p["RoleName"])
        if op in ("AttachRolePolicy", "DetachRolePolicy"):
            held = self.lookup.client("iam").get_role(RoleName=p["RoleName"])["Role"].get("PermissionsBoundary") or {}
            context = [("iam:PolicyARN", p["PolicyArn"])]
            if held.get("PermissionsBoundaryArn"):
                context.append(("iam:PermissionsBoundary", held["PermissionsBoundaryArn"]))
            return [Request(f"iam:{op}", role, tuple(sorted(context)))]
        return [Request(f"iam:{op}", role)]

    def _function_arn(self, name: str) -> str:
        return name if name.startswith("arn:") else self.arn("lambda", f"function:{name}")

    def _lambda(self, op: str, p: dict) -> list[Request]:
        if op == "ListFunctions":
            return [Request("lambda:ListFunctions", "*")]
        if op == "ListTags":
            return [Request("lambda:ListTags", p["Resource"])]
        fn = self._function_arn(p["FunctionName"])
        if op == "Invoke":
            return [Request("lambda:InvokeFunction", fn)]
        out = [Request(f"lambda:{op}", fn)]
        if op == "CreateFunction":
            role = p["Role"]
            out.append(Request("iam:PassRole", role, (("iam:PassedToService", "lambda.amazonaws.com"),)))
            if p.get("Tags"):  # tags on create are authorised as lambda:TagResource
                out.append(Request("lambda:TagResource", fn))
        return out

    def _sts(self, op: str, p: dict) -> list[Request]:
        # GetCallerIdentity: "No permissions are required to perform this operation"
        # (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
        return [] if op == "GetCallerIdentity" else self._unknown("sts", op)

    @staticmethod
    def _unknown(service: str, op: str) -> list[Request]:
        raise AssertionError(f"iam_requests.py has no mapping for {service}:{op}; add one")


def record_calls(monkeypatch: Any, recorder: Recorder) -> None:
    """Every client a Target makes from now on reports its calls' API parameters to `recorder`."""
    from tapcheck.live.target import Target

    real = Target.client

    def client(self: Target, service: str) -> Any:
        fresh = service not in self._clients
        c = real(self, service)
        if fresh and self is not recorder.lookup:

            def before(params: dict, model: Any, **_: Any) -> None:
                recorder.record(model.service_model.service_name, model.name, params)

            c.meta.events.register("before-parameter-build", before)
        return c

    monkeypatch.setattr(Target, "client", client)
