"""`tapcheck iam-policy`: the IAM policies that `smoke --target aws` (and its in-VPC runner, and
`runner cleanup`) need for one stack, account and region, scoped to that stack's own resources.

Where the names come from: the template (lib/TapStack.json by default) resolved as CloudFormation
would resolve it for this stack (tapcheck.model, with the stack's parameter values and pseudo
parameters), so a name the template fixes (`aurora-credentials-${EnvironmentSuffix}`, ...) becomes
the ARN itself. A resource whose physical name CloudFormation generates (the template gives none,
the KMS key always) is scoped with a tag the template declares on it whose value depends on the
stack (`aws:ResourceTag/Name`), since AWS KMS "supports the aws:ResourceTag/tag-key global condition
context key, which lets you control access to KMS keys based on the tags on the KMS key"
(https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html). Not the
`aws:cloudformation:stack-name` tag: CloudFormation does not put it on KMS keys
(https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2341, open), and its
page says "Propagation of stack-level tags to resources, including automatically created tags, can
vary by resource" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html).
With neither a name nor such a tag, the resource type's ARNs in the account and region, and a
note says so.

What may stay on "*": only actions that support no resource-level permission, as the Service
Authorization Reference lists them ("If there is no value for this column, you must specify all
resources ("*") in the Resource element of your policy statement",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html): the EC2
Describe* reads, logs:DescribeLogGroups, lambda:ListFunctions, iam:ListRoles — and, only with
--fire-alarm, sns:Unsubscribe (docs/aws-behaviour.md, "IAM policies").

Nothing here calls AWS except `account_of` (STS GetCallerIdentity) when --account is not given.
The local emulator does not enforce IAM: these documents are checked by the suite (an IAM linter,
and every call smoke makes matched against them), not by the emulator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tapcheck.errors import UsageError

# CloudFormation's stack name: "must start with an alphabetic character and can't be longer than
# 128 characters", only alphanumerics and hyphens
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
ACCOUNT = re.compile(r"[0-9]{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
POLICY_NAMES = ("smoke-policy", "runner-policy", "runner-boundary")
VERSION = "2012-10-17"
LAMBDA_SERVICE = "lambda.amazonaws.com"


@dataclass(frozen=True)
class Scope:
    """Where the stack lives."""

    stack_name: str
    account: str
    region: str

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    def arn(self, service: str, resource: str, regional: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if regional else ''}:{self.account}:{resource}"


@dataclass
class Named:
    """One kind of resource of the stack: the ARNs its names give, or (no name) a tag condition."""

    arns: list[str] = field(default_factory=list)
    condition: dict[str, Any] | None = None
    note: str | None = None


def validate(stack_name: str, account: str | None, region: str) -> None:
    if not STACK_NAME.fullmatch(stack_name or ""):
        raise UsageError(
            f"--stack-name {stack_name!r}",
            "is not a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128 characters)",
            "pass the name the stack was deployed with",
        )
    if account is not None and not ACCOUNT.fullmatch(account):
        raise UsageError(
            f"--account {account!r}", "is not a 12-digit AWS account id", "pass e.g. --account 111122223333"
        )
    if not REGION.fullmatch(region or ""):
        raise UsageError(f"--region {region!r}", "is not an AWS region name", "pass e.g. --region us-east-1")


def default_region() -> str:
    """The region the credential chain's configuration names (AWS_DEFAULT_REGION, the profile), or AWS_REGION."""
    import os

    import boto3

    region = boto3.Session().region_name or os.environ.get("AWS_REGION")
    if not region:
        raise UsageError("--region", "not given, and no region configured", "pass --region, e.g. --region us-east-1")
    return region


def account_of(region: str) -> str:
    """The account of the credentials in the standard chain (STS GetCallerIdentity, which needs no
    permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.Session()
    if session.get_credentials() is None:
        raise UsageError(
            "--account",
            "not given, and no AWS credentials to read the account from",
            "pass --account with the 12-digit id of the account the stack is in",
        )
    try:
        return str(session.client("sts", region_name=region).get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as e:
        raise UsageError(
            "--account",
            f"not given, and STS GetCallerIdentity failed ({type(e).__name__}: {' '.join(str(e).split())[:160]})",
            "pass --account with the 12-digit account id",
        ) from None


# --- the stack's names, from the template ----------------------------------------------------
def _literal(value: Any, scope: Scope) -> str | None:
    """A resolved value as text, with the pseudo parameters this stack gives; None when it is not
    knowable before deploy."""
    from tapcheck.model import PseudoRef, Text

    if isinstance(value, str):
        return str(value)
    if isinstance(value, Text):
        pseudo = {
            "AWS::StackName": scope.stack_name,
            "AWS::Region": scope.region,
            "AWS::AccountId": scope.account,
            "AWS::Partition": scope.partition,
        }
        out = []
        for part in value.parts:
            if isinstance(part, str):
                out.append(str(part))
            elif isinstance(part, PseudoRef) and part.name in pseudo:
                out.append(pseudo[part.name])
            else:
                return None
        return "".join(out)
    return None


def _stack_tag(resource: Any, scope: Scope) -> tuple[str, str] | None:
    """A tag the template declares on the resource whose value follows the stack (built from a
    parameter or a pseudo parameter), so it tells this stack's resource from another stack's."""
    from tapcheck.model import Text, params_in

    for tag in resource.get("Tags") or []:
        if not isinstance(tag, dict):
            continue
        key, value = tag.get("Key"), tag.get("Value")
        text = _literal(value, scope)
        if isinstance(key, str) and text and (params_in(value) or isinstance(value, Text)):
            return str(key), text
    return None


def _named(model: Any, scope: Scope, rtype: str, prop: str, arn_of: Any, lower: bool = False) -> Named:
    found = Named()
    for resource in model.of_type(rtype):
        name = _literal(resource.get(prop), scope)
        if name:
            found.arns += arn_of(name.lower() if lower else name, resource)
            continue
        tag = _stack_tag(resource, scope)
        found.arns += arn_of("*", resource)
        if tag and found.condition is None:
            found.condition = {"StringEquals": {f"aws:ResourceTag/{tag[0]}": tag[1]}}
        elif not tag:
            found.note = (
                f"{resource.logical_id} ({rtype}) has no name and no tag that follows the stack: "
                f"its actions are allowed on every {rtype} in {scope.account} {scope.region}"
            )
    found.arns = sorted(set(found.arns))
    return found


def stack_names(template_path: str, scope: Scope, parameters: dict[str, str]) -> dict[str, Named]:
    from tapcheck.loader import load_template
    from tapcheck.model import build_model

    model = build_model(template_path, load_template(template_path).tree, parameters)

    def role_arns(name: str, resource: Any) -> list[str]:
        path = _literal(resource.get("Path"), scope) or "/"
        return [scope.arn("iam", f"role{path}{name}", regional=False)]

    return {
        "secret": _named(
            model,
            scope,
            "AWS::SecretsManager::Secret",
            "Name",
            # Secrets Manager appends "a dash and six random alphanumeric characters"
            # (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html);
            # '??????' matches exactly those six.
            lambda n, _: [scope.arn("secretsmanager", f"secret:{n}" + ("" if n == "*" else "-??????"))],
        ),
        "subnet_group": _named(
            model,
            scope,
            "AWS::RDS::DBSubnetGroup",
            "DBSubnetGroupName",
            lambda n, _: [scope.arn("rds", f"subgrp:{n}")],
            lower=True,
        ),
        "cluster_parameter_group": _named(
            model,
            scope,
            "AWS::RDS::DBClusterParameterGroup",
            "DBClusterParameterGroupName",
            lambda n, _: [scope.arn("rds", f"cluster-pg:{n}")],
            lower=True,
        ),
        "cluster": _named(
            model,
            scope,
            "AWS::RDS::DBCluster",
            "DBClusterIdentifier",
            lambda n, _: [scope.arn("rds", f"cluster:{n}")],
            lower=True,
        ),
        "instances": _named(
            model,
            scope,
            "AWS::RDS::DBInstance",
            "DBInstanceIdentifier",
            lambda n, _: [scope.arn("rds", f"db:{n}")],
            lower=True,
        ),
        # a log group's ARN as IAM evaluates it may carry ":*"; both forms are given
        "log_groups": _named(
            model,
            scope,
            "AWS::Logs::LogGroup",
            "LogGroupName",
            lambda n, _: [scope.arn("logs", f"log-group:{n}"), scope.arn("logs", f"log-group:{n}:*")],
        ),
        "roles": _named(model, scope, "AWS::IAM::Role", "RoleName", role_arns),
        "topics": _named(model, scope, "AWS::SNS::Topic", "TopicName", lambda n, _: [scope.arn("sns", n)]),
        "alarms": _named(
            model, scope, "AWS::CloudWatch::Alarm", "AlarmName", lambda n, _: [scope.arn("cloudwatch", f"alarm:{n}")]
        ),
        "keys": _named(model, scope, "AWS::KMS::Key", "__no_name__", lambda n, _: [scope.arn("kms", f"key/{n}")]),
    }


# --- the documents ------------------------------------------------------------------------------
def _statement(
    sid: str, actions: list[str], resources: list[str] | str, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources if isinstance(resources, str) else sorted(resources),
    }
    if condition:
        st["Condition"] = condition
    return st


def _on(sid: str, actions: list[str], named: Named) -> list[dict[str, Any]]:
    return [_statement(sid, actions, named.arns, named.condition)] if named.arns else []


def smoke_policy(scope: Scope, names: dict[str, Named], fire_alarm: bool = False) -> dict[str, Any]:
    """What smoke reads, on the stack's own resources; with fire_alarm, what H4's opt-in firing adds."""
    rds_tags = ["rds:ListTagsForResource"]
    statements = [
        _statement(
            "StackReads",
            ["cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"],
            [scope.arn("cloudformation", f"stack/{scope.stack_name}/*")],
        ),
        *_on("ClusterReads", ["rds:DescribeDBClusters", *rds_tags], names["cluster"]),
        *_on("InstanceReads", ["rds:DescribeDBInstances", *rds_tags], names["instances"]),
        *_on("SubnetGroupReads", ["rds:DescribeDBSubnetGroups", *rds_tags], names["subnet_group"]),
        *_on(
            "ClusterParameterGroupReads",
            ["rds:DescribeDBClusterParameterGroups", "rds:DescribeDBClusterParameters", *rds_tags],
            names["cluster_parameter_group"],
        ),
        # the probes log in with the stack's secret: this secret only
        *_on("SecretRead", ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], names["secret"]),
        # DescribeKey reads metadata of whichever key the stack's resources name: the cluster's and the
        # secret's are AWS managed keys (C7), which carry no tag of the stack and cannot be tagged
        # (https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html)
        _statement("KeyMetadata", ["kms:DescribeKey"], [scope.arn("kms", "key/*")]),
        *_on("StackKeyReads", ["kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"], names["keys"]),
        *_on(
            "AlarmReads",
            ["cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
            names["alarms"],
        ),
        # ListSubscriptionsByTopic: H4 judged without firing reads the topic's confirmed subscriptions
        # (issue 21, item 1)
        *_on(
            "TopicReads",
            ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"],
            names["topics"],
        ),
        *_on("LogGroupReads", ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], names["log_groups"]),
        *_on(
            "MonitoringRoleReads",
            [
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListRolePolicies",
                "iam:ListRoleTags",
            ],
            names["roles"],
        ),
        # H5 judges the role by the policies attached to it now and its permissions boundary, whichever
        # they are: AWS managed or the account's own
        _statement(
            "MonitoringRolePolicies",
            ["iam:GetPolicy", "iam:GetPolicyVersion"],
            [f"arn:{scope.partition}:iam::aws:policy/*", scope.arn("iam", "policy/*", regional=False)],
        ),
        # no resource-level permission exists for these (Service Authorization Reference): "*"
        _statement(
            "NetworkAndLogGroupLists",
            ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "logs:DescribeLogGroups"],
            "*",
        ),
    ]
    if fire_alarm:
        statements += fire_alarm_statements(scope, names)
    return {"Version": VERSION, "Statement": statements}


PROBE_QUEUE_PREFIX = "tapcheck-probe-"


def fire_alarm_statements(scope: Scope, names: dict[str, Named]) -> list[dict[str, Any]]:
    """H4's opt-in firing: set the stack's alarm, subscribe a queue tapcheck makes to the stack's topic."""
    return [
        *_on("FireAlarm", ["cloudwatch:SetAlarmState"], names["alarms"]),
        *_on("SubscribeProbeQueue", ["sns:Subscribe"], names["topics"]),
        # Unsubscribe has no resource type and no condition key (Service Authorization Reference,
        # Amazon SNS): it can only be granted on "*"
        _statement("UnsubscribeProbeQueue", ["sns:Unsubscribe"], "*"),
        _statement(
            "ProbeQueue",
            [
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
                "sqs:SetQueueAttributes",
            ],
            [scope.arn("sqs", f"{PROBE_QUEUE_PREFIX}*")],
        ),
    ]


def runner_policy(scope: Scope) -> dict[str, Any]:
    """The in-VPC runner's role, function and log group for this stack, and `runner cleanup`."""
    from tapcheck.live import runner

    pattern = runner.name_pattern_glob(scope.stack_name)
    role = scope.arn("iam", f"role{runner.ROLE_PATH}{pattern}", regional=False)
    boundary = runner.boundary_arn(scope.partition, scope.account)
    vpc_access = runner.vpc_access_policy(scope.partition)
    log_group = f"{runner.LOG_GROUP_PREFIX}{pattern}"
    return {
        "Version": VERSION,
        "Statement": [
            # iam:PermissionsBoundary: "Filters access if the specified policy is set as the permissions
            # boundary on the IAM entity (user or role)"; iam:PolicyARN: "Filters access by the ARN of an
            # IAM policy"; iam:PassedToService: "Filters access by the AWS service to which this role is
            # passed" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)
            # (both ARN-typed: ArnEquals). TagRole carries no iam:PermissionsBoundary in its request, so a
            # statement requiring it would never allow TagRole: it stands alone, on the runner's names.
            _statement(
                "RunnerRoleCreateWithBoundaryOnly",
                ["iam:CreateRole"],
                [role],
                {"ArnEquals": {"iam:PermissionsBoundary": boundary}},
            ),
            _statement("RunnerRoleTag", ["iam:TagRole"], [role]),
            _statement(
                "RunnerRoleAttachVpcAccessOnly",
                ["iam:AttachRolePolicy"],
                [role],
                {"ArnEquals": {"iam:PolicyARN": vpc_access, "iam:PermissionsBoundary": boundary}},
            ),
            _statement(
                "RunnerRoleDetachVpcAccessOnly",
                ["iam:DetachRolePolicy"],
                [role],
                {"ArnEquals": {"iam:PolicyARN": vpc_access}},
            ),
            _statement(
                "RunnerRolePassToLambdaOnly",
                ["iam:PassRole"],
                [role],
                {"StringEquals": {"iam:PassedToService": LAMBDA_SERVICE}},
            ),
            _statement(
                "RunnerRoleRemove",
                ["iam:DeleteRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoleTags"],
                [role],
            ),
            _statement(
                "RunnerFunction",
                [
                    "lambda:CreateFunction",
                    "lambda:DeleteFunction",
                    "lambda:GetFunction",
                    "lambda:InvokeFunction",
                    "lambda:ListTags",
                    "lambda:TagResource",
                ],
                [scope.arn("lambda", f"function:{pattern}")],
            ),
            _statement(
                "RunnerLogGroup",
                [
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:ListTagsForResource",
                    "logs:PutRetentionPolicy",
                    "logs:TagResource",
                ],
                [scope.arn("logs", f"log-group:{log_group}"), scope.arn("logs", f"log-group:{log_group}:*")],
            ),
            # listed by name (no resource-level permission exists for these), then read by tag above
            _statement("RunnerFindLeftovers", ["iam:ListRoles", "lambda:ListFunctions"], "*"),
        ],
    }


def runner_boundary(scope: Scope) -> dict[str, Any]:
    """The permissions boundary every runner role is created with: at most what
    AWSLambdaVPCAccessExecutionRole grants a VPC function (its network interfaces, its logs), its
    logs only in the runner's log groups. Created once per account by an administrator
    (`aws iam create-policy --policy-name tapcheck-runner-boundary ...`); shared by every stack and
    region, so its log groups are the runner's in any region of the account."""
    from tapcheck.live import runner

    logs = f"arn:{scope.partition}:logs:*:{scope.account}:log-group:{runner.LOG_GROUP_PREFIX}{runner.NAME_PREFIX}*"
    return {
        "Version": VERSION,
        "Statement": [
            # the network-interface actions a VPC function's execution role needs
            # (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions):
            # the two Describe actions only on "*" ("This action only works if it's allowed on all
            # resources"), the others on the account's EC2 resources
            _statement(
                "VpcFunctionNetworkInterfaces",
                [a for a in runner.VPC_FUNCTION_EC2_ACTIONS if not a.startswith("ec2:Describe")],
                [f"arn:{scope.partition}:ec2:*:{scope.account}:*"],
            ),
            _statement(
                "VpcFunctionNetworkReads",
                [a for a in runner.VPC_FUNCTION_EC2_ACTIONS if a.startswith("ec2:Describe")],
                "*",
            ),
            _statement(
                "RunnerLogsOnly",
                ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                [logs, f"{logs}:*"],
            ),
        ],
    }


def policies(
    template_path: str,
    scope: Scope,
    parameters: dict[str, str] | None = None,
    runner: bool = False,
    fire_alarm: bool = False,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """{policy name: document} for the stack, and notes (what could not be scoped as tightly)."""
    validate(scope.stack_name, scope.account, scope.region)
    names = stack_names(template_path, scope, dict(parameters or {}))
    out = {"smoke-policy": smoke_policy(scope, names, fire_alarm=fire_alarm)}
    if runner:
        out["runner-policy"] = runner_policy(scope)
        out["runner-boundary"] = runner_boundary(scope)
    notes = sorted({n.note for n in names.values() if n.note})
    return out, notes


def render(documents: dict[str, dict[str, Any]], only: str | None = None) -> str:
    """JSON text: every document keyed by its name, or one document alone (`only`)."""
    if only is not None:
        if only not in documents:
            raise UsageError(
                f"--policy {only}",
                f"is not among the policies printed ({', '.join(documents)})",
                "add --runner for runner-policy and runner-boundary",
            )
        return dumps(documents[only]) + "\n"
    return dumps(documents) + "\n"


_SHORT_LIST = re.compile(r'\[\n\s*("[^"\n]*"(?:,\n\s*"[^"\n]*")*)\n\s*\]')


def dumps(document: Any) -> str:
    """Indented JSON with each short list of strings on one line (as people write policies)."""

    def inline(match: re.Match) -> str:
        items = [item.strip() for item in match.group(1).split(",\n")]
        one = "[" + ", ".join(items) + "]"
        return one if len(one) <= 100 else match.group(0)

    return _SHORT_LIST.sub(inline, json.dumps(document, indent=2))


# --- the README's example ----------------------------------------------------------------------
# The example stack: the workflow's default stack name, the template's default parameters, AWS's
# documentation account id (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
# uses 111122223333 as its example); generate your own with your stack, account and region.
EXAMPLE = ("--stack-name", "tapstack-prod", "--account", "111122223333", "--region", "us-east-1")


def _example(runner: bool = False, fire_alarm: bool = False, only: str | None = None) -> str:
    """What `tapcheck iam-policy EXAMPLE...` prints with those options: the same use case, called here."""
    from tapcheck import DEFAULT_TEMPLATE

    scope = Scope(EXAMPLE[1], EXAMPLE[3], EXAMPLE[5])
    documents, _ = policies(DEFAULT_TEMPLATE, scope, {}, runner=runner, fire_alarm=fire_alarm)
    return render(documents, only)


def example_files() -> dict[str, str]:
    """docs/iam/<name>.json: each document `--runner --policy NAME` prints for the example stack."""
    return {name: _example(runner=True, only=name) for name in POLICY_NAMES}


def example_markdown() -> str:
    """The README block: the command and its whole output, then what --fire-alarm adds."""
    everything = _example(runner=True)
    plain = json.loads(_example())["smoke-policy"]["Statement"]
    firing = [st for st in json.loads(_example(fire_alarm=True))["smoke-policy"]["Statement"] if st not in plain]
    return (
        "```console\n$ tapcheck iam-policy " + " ".join(EXAMPLE) + " --runner\n" + everything + "```\n\n"
        "With `--fire-alarm`, smoke-policy gains these statements:\n\n"
        "```json\n" + dumps(firing) + "\n```\n"
    )
