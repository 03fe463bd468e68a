"""H5 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, monitoring_role, new_id, properties, set_or_remove
from tapcheck.requirements.unit import operator


@operator(
    "enhanced-monitoring", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (0, 45, "0", None)]
)
def monitoring_interval_off(t, choice):
    index, value = choice
    body = properties(cluster_instances(t)[index][1])
    set_or_remove(body, "MonitoringInterval", value)


@operator("enhanced-monitoring", ["ref-role", "literal-arn", "other-attribute"])
def monitoring_role_reference_wrong(t, how):
    """Ref of the role gives its name, not its ARN; a literal ARN is not this stack's role."""
    role, _ = monitoring_role(t)
    body = properties(cluster_instances(t)[0][1])
    if how == "ref-role":
        body["MonitoringRoleArn"] = {"Ref": role}
    elif how == "literal-arn":
        body["MonitoringRoleArn"] = "arn:aws:iam::123456789012:role/rds-monitoring"
    else:
        body["MonitoringRoleArn"] = {"Fn::GetAtt": [role, "RoleId"]}


@operator(
    "enhanced-monitoring",
    ["principal", "action", "effect", "other-account", "other-instances", "deny-all-but-literal-account"],
)
def monitoring_role_trust_wrong(t, how):
    document = properties(monitoring_role(t)[1])["AssumeRolePolicyDocument"]
    statement = document["Statement"][0]
    if how == "other-account":
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    elif how == "other-instances":
        statement["Condition"] = {
            "StringLike": {
                "aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:billing-*"}
            }
        }
    elif how == "deny-all-but-literal-account":
        document["Statement"].append(
            {
                "Effect": "Deny",
                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringNotEquals": {"aws:SourceAccount": "111122223333"}},
            }
        )
    elif how == "principal":
        statement["Principal"] = {"Service": "rds.amazonaws.com"}
    elif how == "action":
        statement["Action"] = "sts:AssumeRoleWithWebIdentity"
    else:
        statement["Effect"] = "Deny"


@operator("enhanced-monitoring", ["removed", "other-managed-policy", "inline-metrics-only", "streams-only"])
def monitoring_role_without_permissions(t, how):
    """The monitoring role no longer carries what AmazonRDSEnhancedMonitoringRole grants."""
    role = properties(monitoring_role(t)[1])
    role.pop("ManagedPolicyArns", None)
    if how == "other-managed-policy":
        role["ManagedPolicyArns"] = [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/CloudWatchAgentServerPolicy"}]
    elif how == "inline-metrics-only":
        role["Policies"] = [
            {
                "PolicyName": "metrics",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}],
                },
            }
        ]
    elif how == "streams-only":
        role["Policies"] = [
            {
                "PolicyName": "streams",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}
                    ],
                },
            }
        ]


@operator(
    "enhanced-monitoring",
    ["inline-deny", "deny-logs-star", "separate-policy-deny", "boundary-stack-policy", "boundary-foreign"],
)
def monitoring_role_permissions_denied(t, how):
    """The managed policy stays attached, but a Deny or a permissions boundary takes it away."""
    name, body = monitoring_role(t)
    role = properties(body)
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "logs:PutLogEvents" if how == "inline-deny" else "logs:*", "Resource": "*"}
        ],
    }
    if how in ("inline-deny", "deny-logs-star"):
        role["Policies"] = [{"PolicyName": "deny", "PolicyDocument": deny}]
    elif how == "separate-policy-deny":
        t["Resources"][new_id(t, "MonitoringDeny")] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyName": "deny-monitoring-logs", "Roles": [{"Ref": name}], "PolicyDocument": deny},
        }
    elif how == "boundary-stack-policy":
        boundary = new_id(t, "MonitoringBoundary")
        t["Resources"][boundary] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"}],
                }
            },
        }
        role["PermissionsBoundary"] = {"Ref": boundary}
    else:
        role["PermissionsBoundary"] = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary"}
