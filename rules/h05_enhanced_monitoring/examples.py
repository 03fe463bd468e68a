"""H5 — rewrites that keep the hardening met, and changes that break it."""

from tapcheck.requirements.common import INSTANCE, ROLE, logical_id, props

LOG_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:PutRetentionPolicy",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
]


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["MonitoringInterval"] = "30"


def passing_example_inline_grant_and_arn_by_sub(template: dict) -> None:
    """The managed policy replaced by an inline policy granting the same logs actions, and the
    role's ARN written with Fn::Sub."""
    role = props(template, ROLE)
    role.pop("ManagedPolicyArns")
    role["Policies"] = [
        {
            "PolicyName": "enhanced-monitoring",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": LOG_ACTIONS,
                        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:RDS*"},
                    },
                    {
                        "Effect": "Allow",
                        "Action": LOG_ACTIONS,
                        "Resource": {
                            "Fn::Sub": "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:RDS*:log-stream:*"
                        },
                    },
                ],
            },
        }
    ]
    for resource in template["Resources"].values():
        if resource.get("Type") == INSTANCE:
            resource["Properties"]["MonitoringRoleArn"] = {
                "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${" + logical_id(template, ROLE) + "}"
            }


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["MonitoringInterval"] = 0


def failing_example_managed_policy_removed(template: dict) -> None:
    props(template, ROLE).pop("ManagedPolicyArns")


def failing_example_deny_logs(template: dict) -> None:
    props(template, ROLE)["Policies"] = [
        {
            "PolicyName": "no-logs",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}],
            },
        }
    ]


def failing_example_boundary_without_logs(template: dict) -> None:
    template["Resources"]["MonitoringBoundary"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}],
            }
        },
    }
    props(template, ROLE)["PermissionsBoundary"] = {"Ref": "MonitoringBoundary"}


def _trust(template: dict) -> dict:
    return props(template, ROLE)["AssumeRolePolicyDocument"]["Statement"][0]


def passing_example_trust_with_recommended_conditions(template: dict) -> None:
    """The trust limited to this account and this stack's instances (the confused-deputy guidance)."""
    _trust(template)["Condition"] = {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "StringLike": {
            "aws:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:"
                "aurora-instance-*-${EnvironmentSuffix}"
            }
        },
    }


def failing_example_trust_for_other_instances(template: dict) -> None:
    _trust(template)["Condition"] = {
        "ArnLike": {
            "aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:billing-*"}
        }
    }
