"""H5's live probe (rules/h05_enhanced_monitoring/probes.py) judges the monitoring role in the stack's
own partition, region and account (read from the stack's ARN), on IAM's answers injected with botocore's
Stubber: a policy naming the stack's account is the role's grant, another account's is not, and the trust
policy is decided on the request RDS monitoring makes for the instance."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from tapcheck.live.context import Context, Fail
from tapcheck.rules.h05_enhanced_monitoring.probes import enhanced_monitoring

ACCOUNT, REGION = "111122223333", "eu-west-1"
ROLE = "aurora-monitoring-role-prod"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
INSTANCE = "aurora-instance-1-prod"


def trust(account: str = ACCOUNT) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:rds:{REGION}:{account}:db:*"},
                },
            }
        ],
    }


def logs_policy(account: str = ACCOUNT, region: str = REGION) -> dict:
    """AmazonRDSEnhancedMonitoringRole's grants, written for one account and region (as a team may inline them)."""
    group = f"arn:aws:logs:{region}:{account}:log-group:RDS*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], "Resource": group},
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
                "Resource": f"{group}:log-stream:*",
            },
        ],
    }


@pytest.fixture
def ctx(stubbed_aws) -> Context:
    context = Context(stubbed_aws, "s")
    context.__dict__["stack"] = {"StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/s/0a1b"}
    context.__dict__["instances"] = [
        {"DBInstanceIdentifier": INSTANCE, "MonitoringInterval": 60, "MonitoringRoleArn": ROLE_ARN}
    ]
    return context


def judge(ctx: Context, trust_policy: dict, inline: dict) -> str:
    iam = ctx.target.client("iam")
    with Stubber(iam) as stub:
        stub.add_response(
            "get_role",
            {
                "Role": {
                    "RoleName": ROLE,
                    "Arn": ROLE_ARN,
                    "Path": "/",
                    "RoleId": "AROAEXAMPLEEXAMPLE01",
                    "CreateDate": "2026-12-01T00:00:00Z",
                    "AssumeRolePolicyDocument": json.dumps(trust_policy),
                }
            },
            {"RoleName": ROLE},
        )
        stub.add_response("list_attached_role_policies", {"AttachedPolicies": []}, {"RoleName": ROLE})
        stub.add_response("list_role_policies", {"PolicyNames": ["logs"]}, {"RoleName": ROLE})
        stub.add_response(
            "get_role_policy",
            {"RoleName": ROLE, "PolicyName": "logs", "PolicyDocument": json.dumps(inline)},
            {"RoleName": ROLE, "PolicyName": "logs"},
        )
        return enhanced_monitoring(ctx)


def test_a_policy_naming_the_stacks_own_account_and_region_is_its_grant(ctx) -> None:
    assert judge(ctx, trust(), logs_policy()).startswith("interval 60 s, role allowed")


def test_a_policy_naming_another_account_grants_nothing_here(ctx) -> None:
    with pytest.raises(Fail, match="is not allowed logs:CreateLogGroup, logs:PutRetentionPolicy"):
        judge(ctx, trust(), logs_policy(account="444455556666"))


def test_a_trust_conditioned_on_another_account_keeps_rds_monitoring_out(ctx) -> None:
    with pytest.raises(Fail, match=f"may not assume role {ROLE} for {INSTANCE}"):
        judge(ctx, trust(account="444455556666"), logs_policy())
