"""The IAM policies tapcheck ships (docs/iam/*.json, the README) and generates (`tapcheck iam-policy`).

- They are the command's output for the example stack (scripts/iam-policies regenerates them).
- An IAM policy linter passes on each, generated for several stacks, accounts and regions (the
  longest stack name CloudFormation accepts included): parliament 1.6.4 (its auditors and its
  action/resource/condition database of 2025-02), every finding justified below with a reason; and
  each action, condition key and resource ARN checked against policy_sentry 0.15.2's database
  (scraped from the Service Authorization Reference, 2026-04), newer than parliament's.
- None grants iam:PassRole, iam:AttachRolePolicy, iam:CreateRole or iam:PutRolePolicy without the
  conditions that keep the runner from becoming an administrator, nor a secret, alarm, topic or
  queue action on "*" (but the one justified below).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from cli_in_process import tapcheck

from tapcheck.live import iam_policy, runner

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = str(ROOT / "lib" / "TapStack.json")
LONGEST_STACK = "T" + "x-9" * 42 + "z"  # 128 characters: CloudFormation's maximum
SCOPES = [
    iam_policy.Scope("tapstack-prod", "111122223333", "us-east-1"),
    iam_policy.Scope(LONGEST_STACK, "999988887777", "eu-west-3"),
    iam_policy.Scope("a", "123456789012", "cn-north-1"),
    iam_policy.Scope("Prod-2", "210987654321", "us-gov-west-1"),
]


def _generated() -> list[tuple[str, dict]]:
    """(label, document) for every policy the command prints, for every scope and flag set."""
    out = []
    for scope in SCOPES:
        for fire in (False, True):
            docs, notes = iam_policy.policies(
                TEMPLATE, scope, {"EnvironmentSuffix": "prod"}, runner=True, fire_alarm=fire
            )
            assert notes == []
            out += [
                (f"{name} {scope.stack_name[:12]} {scope.region}{' --fire-alarm' if fire else ''}", doc)
                for name, doc in docs.items()
            ]
    return out


def _shipped() -> list[tuple[str, dict]]:
    return [(f"docs/iam/{p.name}", json.loads(p.read_text())) for p in sorted((ROOT / "docs" / "iam").glob("*.json"))]


ALL = _shipped() + _generated()


# --- what is shipped is what the command prints ---------------------------------------------------
def test_docs_iam_and_the_readme_are_the_commands_output_for_the_example_stack() -> None:
    files = iam_policy.example_files()
    assert set(files) == {p.stem for p in (ROOT / "docs" / "iam").glob("*.json")}
    for name, text in files.items():
        assert (ROOT / "docs" / "iam" / f"{name}.json").read_text() == text, (
            f"docs/iam/{name}.json is stale: run scripts/iam-policies"
        )
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- iam-policy:begin -->\n", 1)[1].split("<!-- iam-policy:end -->", 1)[0]
    assert block == iam_policy.example_markdown(), "README.md's iam-policy example is stale: run scripts/iam-policies"


# --- the linter -----------------------------------------------------------------------------------
def lint(document: dict) -> list[tuple[str, str]]:
    """parliament's findings on a document: (issue, what it names)."""
    return list(_lint(json.dumps(document, sort_keys=True)))


@functools.cache
def _lint(text: str) -> tuple[tuple[str, str], ...]:
    document = json.loads(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)  # parliament imports pkg_resources
        from parliament import analyze_policy_string

    found = []
    for f in analyze_policy_string(json.dumps(document), include_community_auditors=True).findings:
        where = f.location if isinstance(f.location, dict) else {}
        named = (",".join(sorted(where["actions"])) if where.get("actions") else where.get("string")) or str(f.detail)
        found.append((f.issue, named))
    return tuple(sorted(set(found)))


# Each finding the suite accepts, with why. (policy file stem, issue, a glob over what it names).
JUSTIFIED = [
    (
        "smoke-policy",
        "INVALID_ARN",
        "arn:aws*:iam::aws:policy/*",
        (
            "AWS managed policies' ARNs carry 'aws' where an account id stands "
            "(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html); parliament "
            "expects 12 digits. H5 reads the AWS managed policy attached to the monitoring role."
        ),
    ),
    (
        "runner-policy",
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        "iam:attachrolepolicy,iam:createrole,iam:deleterole,iam:detachrolepolicy,iam:passrole",
        (
            "the runner makes and removes its own role; every one is limited to the runner's names for this stack, "
            "CreateRole/AttachRolePolicy to the boundary, AttachRolePolicy/DetachRolePolicy to the VPC access policy "
            "and PassRole to Lambda (test_no_policy_grants_role_escalation checks the conditions, which parliament "
            "does not read)"
        ),
    ),
    (
        "runner-policy",
        "PRIVILEGE_ESCALATION",
        "iam:passrole,lambda:createfunction,lambda:invokefunction",
        (
            "the runner passes its own role to its own function and invokes it: the role can only be one created "
            "under the boundary tapcheck-runner-boundary, whose ceiling is a VPC function's network interfaces and "
            "its log groups (runner-boundary), so the function can do no more than that"
        ),
    ),
]


def _stem(label: str) -> str:
    return label.split()[0].removeprefix("docs/iam/").removesuffix(".json")


@pytest.mark.parametrize("label,document", ALL, ids=[label for label, _ in ALL])
def test_the_linter_finds_nothing_unjustified(label: str, document: dict) -> None:
    unjustified = [
        f
        for f in lint(document)
        if not any(
            _stem(label) == stem and f[0] == issue and fnmatch.fnmatchcase(f[1], glob)
            for stem, issue, glob, _ in JUSTIFIED
        )
    ]
    assert unjustified == [], f"{label}: {unjustified}"


def test_every_justification_is_still_needed() -> None:
    used = {
        (stem, issue, glob)
        for label, document in ALL
        for issue_named in lint(document)
        for stem, issue, glob, _ in JUSTIFIED
        if _stem(label) == stem and issue_named[0] == issue and fnmatch.fnmatchcase(issue_named[1], glob)
    }
    assert used == {(s, i, g) for s, i, g, _ in JUSTIFIED}


PLANTED = {
    "iam:PassRole on every role, no condition": (
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        "RESOURCE_STAR",
    ),
    "an action AWS does not have": (
        {"Effect": "Allow", "Action": "lambda:InvokeFunctions", "Resource": "*"},
        "UNKNOWN_ACTION",
    ),
    "a condition key the action does not take (the statement would never allow)": (
        {
            "Effect": "Allow",
            "Action": "iam:TagRole",
            "Resource": "arn:aws:iam::111122223333:role/x",
            "Condition": {"ArnEquals": {"iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/b"}},
        },
        "UNKNOWN_CONDITION_FOR_ACTION",
    ),
    "a resource of the wrong type for the action": (
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:sns:us-east-1:111122223333:topic",
        },
        "RESOURCE_MISMATCH",
    ),
    "a string operator on an ARN-typed key": (
        {
            "Effect": "Allow",
            "Action": "iam:CreateRole",
            "Resource": "arn:aws:iam::111122223333:role/x",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/b"}},
        },
        "MISMATCHED_TYPE_BUT_USABLE",
    ),
}


@pytest.mark.parametrize("what", sorted(PLANTED))
def test_the_linter_catches_a_planted_bad_statement(what: str) -> None:
    statement, issue = PLANTED[what]
    document = json.loads((ROOT / "docs" / "iam" / "runner-policy.json").read_text())
    assert issue not in {i for i, _ in lint(document)}
    document["Statement"].append(statement)
    assert issue in {i for i, _ in lint(document)}, lint(document)


# --- the newer database ----------------------------------------------------------------------------
def _database_checks(document: dict) -> list[str]:
    """What policy_sentry's database (newer than parliament's) does not know: an action, a condition
    key for the action, or a resource ARN of none of the action's resource types."""
    from policy_sentry.querying.actions import get_action_data

    problems = []
    for st in document["Statement"]:
        keys = [k for block in (st.get("Condition") or {}).values() for k in block]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        for action in st["Action"]:
            service, name = action.split(":")
            rows = (get_action_data(service, name) or {}).get(service, [])
            if not rows:
                problems.append(f"unknown action {action}")
                continue
            allowed_keys = {k for r in rows for k in r["condition_keys"]}
            for key in keys:
                if not any(fnmatch.fnmatchcase(key, re.sub(r"\$\{[^}]+\}", "*", k)) for k in allowed_keys):
                    problems.append(f"{action} takes no condition key {key}")
            # each action must be able to match one of the statement's resources
            formats = [r["resource_arn_format"] for r in rows if r["resource_arn_format"] != "*"]
            if "*" in resources:
                continue
            if not formats:
                problems.append(f'{action} has no resource type, so {resources} never match (use "*")')
            elif not any(_arn_may_match(resource, f) for resource in resources for f in formats):
                problems.append(f"{resources} are of no resource type of {action} ({formats})")
    return problems


def _arn_may_match(resource: str, arn_format: str) -> bool:
    """The policy's ARN pattern and the reference's ARN format (${Name} placeholders) fit together:
    the pattern, its wildcards filled in, is an ARN of the format; or the pattern covers an ARN of
    the format (a wildcard spanning the resource part)."""
    fmt = re.sub(r"\\\$\\\{[^}]+\\\}", ".+", re.escape(arn_format))
    # the last "*" may span the rest of a longer ARN (a log group's ":log-stream:..."): try it filled
    # with each tail of the format (placeholders as "x") too
    tails = {"x"} | {m.group(0) for m in re.finditer(r"x(?=[:/]).*$", re.sub(r"\$\{[^}]+\}", "x", arn_format))}
    head, star, rest = resource.replace("?", "a").rpartition("*")
    for tail in tails:
        filled = (head.replace("*", "x") + tail + rest) if star else rest
        if re.fullmatch(fmt, filled):
            return True
    parts = resource.split(":")
    values = {
        "Partition": parts[1],
        "Region": parts[3] if parts[3] not in ("", "*") else "us-east-1",
        "Account": parts[4],
    }
    sample = re.sub(r"\$\{([^}]+)\}", lambda m: values.get(m.group(1), "x"), arn_format)
    return fnmatch.fnmatchcase(sample, resource.replace("[", "[[]"))


@pytest.mark.parametrize("label,document", ALL, ids=[label for label, _ in ALL])
def test_every_action_key_and_resource_is_in_the_current_database(label: str, document: dict) -> None:
    assert _database_checks(document) == [], label


def test_the_database_check_catches_a_planted_mistake() -> None:
    bad = {
        "Statement": [
            {"Effect": "Allow", "Action": ["sns:Unsubscribe"], "Resource": ["arn:aws:sns:us-east-1:111122223333:t"]},
            {"Effect": "Allow", "Action": ["lambda:InvokeFunctions"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["iam:TagRole"],
                "Resource": ["arn:aws:iam::111122223333:role/x"],
                "Condition": {"ArnEquals": {"iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/b"}},
            },
            {"Effect": "Allow", "Action": ["kms:GetKeyPolicy"], "Resource": ["arn:aws:sns:us-east-1:111122223333:t"]},
        ]
    }
    assert [p.split(" ")[0] + " " + p.split(" ")[1] for p in _database_checks(bad)] == [
        "sns:Unsubscribe has",
        "unknown action",
        "iam:TagRole takes",
        "['arn:aws:sns:us-east-1:111122223333:t'] are",
    ]


# --- what no policy may grant ----------------------------------------------------------------------
def _covers(statement: dict, action: str) -> bool:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions)


def _requires(statement: dict, key: str, value: str) -> bool:
    """The statement allows only when `key` equals `value` (StringEquals/ArnEquals on that one value)."""
    for op in ("StringEquals", "ArnEquals"):
        wanted = (statement.get("Condition") or {}).get(op, {}).get(key)
        if wanted == value or wanted == [value]:
            return True
    return False


def escalations(document: dict, account: str, partition: str = "aws") -> list[str]:
    boundary = runner.boundary_arn(partition, account)
    found = []
    for st in document["Statement"]:
        if st["Effect"] != "Allow":
            continue
        if _covers(st, "iam:PassRole") and not _requires(st, "iam:PassedToService", "lambda.amazonaws.com"):
            found.append(f"{st.get('Sid')}: iam:PassRole not limited to Lambda")
        if _covers(st, "iam:AttachRolePolicy") and not (
            _requires(st, "iam:PolicyARN", runner.vpc_access_policy(partition))
            and _requires(st, "iam:PermissionsBoundary", boundary)
        ):
            found.append(
                f"{st.get('Sid')}: iam:AttachRolePolicy not limited to the VPC access policy under the boundary"
            )
        for action in ("iam:CreateRole", "iam:PutRolePolicy"):
            if _covers(st, action) and not _requires(st, "iam:PermissionsBoundary", boundary):
                found.append(f"{st.get('Sid')}: {action} without the permissions boundary")
    return found


# sns:Unsubscribe has no resource type and no condition key (Service Authorization Reference, Amazon
# SNS): H4's opt-in firing removes its probe queue's subscription with it, on "*" only.
STAR_JUSTIFIED = {"sns:Unsubscribe"}
STAR_FORBIDDEN = ("secretsmanager:*", "sns:*", "sqs:*", "cloudwatch:*Alarm*", "cloudwatch:ListTagsForResource")


def on_star(document: dict) -> list[str]:
    found = []
    for st in document["Statement"]:
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if st["Effect"] != "Allow" or not any(
            r == "*" or re.fullmatch(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:\*", r) for r in resources
        ):
            continue
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        found += [
            a
            for a in actions
            if a not in STAR_JUSTIFIED and any(fnmatch.fnmatchcase(a.lower(), f.lower()) for f in STAR_FORBIDDEN)
        ]
    return found


@pytest.mark.parametrize("label,document", ALL, ids=[label for label, _ in ALL])
def test_no_policy_grants_role_escalation_or_a_secret_alarm_topic_or_queue_on_star(label: str, document: dict) -> None:
    accounts = {
        r.split(":")[4]
        for st in document["Statement"]
        for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
        if r.startswith("arn:")
    }
    partition = next(
        (
            r.split(":")[1]
            for st in document["Statement"]
            for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
            if r.startswith("arn:")
        ),
        "aws",
    )
    for account in accounts - {"", "aws"}:
        assert escalations(document, account, partition) == [], label
    assert on_star(document) == [], label


def test_the_escalation_and_star_checks_catch_the_old_documented_policies() -> None:
    """The policies the README documented before (issue 21): each problem is found."""
    old_runner = {
        "Statement": [
            {
                "Sid": "TapcheckRunnerRole",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateRole",
                    "iam:TagRole",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:DeleteRole",
                    "iam:ListRoleTags",
                    "iam:PassRole",
                ],
                "Resource": "arn:aws:iam::*:role/tapcheck-runner/*",
            }
        ]
    }
    assert escalations(old_runner, "111122223333") == [
        "TapcheckRunnerRole: iam:PassRole not limited to Lambda",
        "TapcheckRunnerRole: iam:AttachRolePolicy not limited to the VPC access policy under the boundary",
        "TapcheckRunnerRole: iam:CreateRole without the permissions boundary",
    ]
    old_smoke = {
        "Statement": [
            {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "kms:DescribeKey"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["cloudwatch:SetAlarmState", "sns:Subscribe", "sns:Unsubscribe", "sqs:DeleteQueue"],
                "Resource": "*",
            },
            {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": "arn:aws:sns:us-east-1:111122223333:*"},
        ]
    }
    assert on_star(old_smoke) == [
        "secretsmanager:GetSecretValue",
        "cloudwatch:SetAlarmState",
        "sns:Subscribe",
        "sqs:DeleteQueue",
        "sns:Publish",
    ]


# --- the command ------------------------------------------------------------------------------------
EXAMPLE = list(iam_policy.EXAMPLE)


def test_the_runners_names_in_the_policy_are_the_stacks_alone() -> None:
    docs, _ = iam_policy.policies(TEMPLATE, iam_policy.Scope(LONGEST_STACK, "999988887777", "eu-west-3"), runner=True)
    functions = {
        r for st in docs["runner-policy"]["Statement"] if st["Sid"] == "RunnerFunction" for r in st["Resource"]
    }
    assert functions == {f"arn:aws:lambda:eu-west-3:999988887777:function:tapcheck-runner-{LONGEST_STACK[:40]}-??????"}
    roles = {
        r
        for st in docs["runner-policy"]["Statement"]
        if st["Sid"] == "RunnerRoleCreateWithBoundaryOnly"
        for r in st["Resource"]
    }
    assert roles == {f"arn:aws:iam::999988887777:role/tapcheck-runner/tapcheck-runner-{LONGEST_STACK[:40]}-??????"}


def test_write_probes_change_nothing_and_fire_alarm_adds_only_the_firing_statements() -> None:
    plain = tapcheck("iam-policy", *EXAMPLE)
    assert plain.returncode == 0, plain.stderr
    assert tapcheck("iam-policy", *EXAMPLE, "--write-probes").stdout == plain.stdout
    fired = json.loads(tapcheck("iam-policy", *EXAMPLE, "--fire-alarm").stdout)["smoke-policy"]["Statement"]
    added = [st["Sid"] for st in fired if st not in json.loads(plain.stdout)["smoke-policy"]["Statement"]]
    assert added == ["FireAlarm", "SubscribeProbeQueue", "UnsubscribeProbeQueue", "ProbeQueue"]
    assert set(json.loads(plain.stdout)) == {"smoke-policy"}
    assert set(json.loads(tapcheck("iam-policy", *EXAMPLE, "--runner").stdout)) == set(iam_policy.POLICY_NAMES)


def test_the_names_follow_the_stacks_parameters() -> None:
    out = tapcheck("iam-policy", *EXAMPLE, "--param", "EnvironmentSuffix=staging2", "--policy", "smoke-policy")
    text = out.stdout
    assert "aurora-credentials-staging2-??????" in text and "alarm:aurora-cpu-high-staging2" in text
    assert '"aws:ResourceTag/Name": "aurora-alarms-key-staging2"' in text
    assert "aurora-credentials-prod" not in text and "aurora-cpu-high-prod" not in text


def test_a_resource_without_a_name_or_a_stack_tag_is_scoped_to_its_type_and_said(tmp_path: Path) -> None:
    template = json.loads(Path(TEMPLATE).read_text())
    secret = template["Resources"]["DatabaseSecret"]["Properties"]
    del secret["Name"]
    secret["Tags"] = [t for t in secret["Tags"] if t["Key"] != "Name"]
    del template["Resources"]["AlarmTopicKey"]["Properties"]["Tags"]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    out = tapcheck("iam-policy", str(path), *EXAMPLE)
    assert out.returncode == 0, out.stderr
    statements = {st["Sid"]: st for st in json.loads(out.stdout)["smoke-policy"]["Statement"]}
    assert statements["SecretRead"]["Resource"] == ["arn:aws:secretsmanager:us-east-1:111122223333:secret:*"]
    assert "Condition" not in statements["SecretRead"] and "Condition" not in statements["StackKeyReads"]
    assert out.stderr.splitlines() == [
        (
            "tapcheck: AlarmTopicKey (AWS::KMS::Key) has no name and no tag that follows the stack: its actions are "
            "allowed on every AWS::KMS::Key in 111122223333 us-east-1"
        ),
        (
            "tapcheck: DatabaseSecret (AWS::SecretsManager::Secret) has no name and no tag that follows the stack: its "
            "actions are allowed on every AWS::SecretsManager::Secret in 111122223333 us-east-1"
        ),
    ]


@pytest.mark.parametrize(
    "args,line",
    [
        (
            ["--stack-name", "", "--account", "111122223333", "--region", "us-east-1"],
            "tapcheck: --stack-name '': is not a CloudFormation stack name",
        ),
        (
            ["--stack-name", LONGEST_STACK + "x", "--account", "111122223333", "--region", "us-east-1"],
            "is not a CloudFormation stack name",
        ),
        (
            ["--stack-name", "1prod", "--account", "111122223333", "--region", "us-east-1"],
            "is not a CloudFormation stack name",
        ),
        (
            ["--stack-name", "prod", "--account", "1111", "--region", "us-east-1"],
            "tapcheck: --account '1111': is not a 12-digit AWS account id",
        ),
        (
            ["--stack-name", "prod", "--account", "111122223333", "--region", "moon"],
            "tapcheck: --region 'moon': is not an AWS region name",
        ),
        (
            ["--stack-name", "prod", "--account", "111122223333", "--region", "us-east-1", "--policy", "runner-policy"],
            "tapcheck: --policy runner-policy: is not among the policies printed (smoke-policy) (fix: add --runner",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], line: str) -> None:
    out = tapcheck("iam-policy", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and line in out.stderr and "(fix: " in out.stderr, out.stderr


def test_the_longest_valid_stack_name_is_accepted() -> None:
    out = tapcheck("iam-policy", "--stack-name", LONGEST_STACK, "--account", "111122223333", "--region", "us-east-1")
    assert out.returncode == 0 and f"stack/{LONGEST_STACK}/*" in out.stdout


def test_without_account_and_credentials_it_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out = tapcheck("iam-policy", "--stack-name", "prod", "--region", "us-east-1")
    assert out.returncode == 2 and out.stderr == (
        "tapcheck: --account: not given, and no AWS credentials to read the account from (fix: pass --account "
        "with the 12-digit id of the account the stack is in)\n"
    )
    out = tapcheck("iam-policy", "--stack-name", "prod", "--account", "111122223333")
    assert out.returncode == 2 and out.stderr.startswith("tapcheck: --region: not given, and no region configured")


def test_without_account_the_credentials_account_is_used_and_said(stubbed_aws: Any, monkeypatch) -> None:
    """STS GetCallerIdentity answered by botocore's Stubber in place of AWS."""
    import boto3
    from botocore.stub import Stubber

    sts = boto3.Session().client("sts", region_name="us-east-1")
    stub = Stubber(sts)
    stub.add_response(
        "get_caller_identity",
        {"Account": "444455556666", "Arn": "arn:aws:iam::444455556666:user/x", "UserId": "AIDAEXAMPLE"},
    )
    monkeypatch.setattr(boto3.Session, "client", lambda self, *a, **k: sts)
    with stub:
        out = tapcheck("iam-policy", "--stack-name", "prod", "--region", "us-east-1")
    assert out.returncode == 0, out.stderr
    assert out.stderr == (
        "tapcheck: --account not given: using 444455556666, the account of the current "
        "credentials (STS GetCallerIdentity)\n"
    )
    assert "arn:aws:secretsmanager:us-east-1:444455556666:secret:aurora-credentials-prod-??????" in out.stdout
