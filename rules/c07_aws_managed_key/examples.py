"""C7 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["KmsKeyId"] = "alias/aws/rds"


def failing_example(template: dict) -> None:
    template["Resources"]["CustomerKey"] = {
        "Type": "AWS::KMS::Key",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "EnableKeyRotation": True,
            "PendingWindowInDays": 7,
            "Tags": [
                {"Key": "Environment", "Value": "Production"},
                {"Key": "ManagedBy", "Value": "CloudFormation"},
                {"Key": "Name", "Value": {"Fn::Sub": "aurora-key-${EnvironmentSuffix}"}},
            ],
        },
    }
    props(template, CLUSTER)["KmsKeyId"] = {"Fn::GetAtt": ["CustomerKey", "Arn"]}


def failing_example_cluster_performance_insights_key(template: dict) -> None:
    """Performance Insights turned on for the whole cluster, its data under a customer managed key."""
    failing_example(template)
    cluster = props(template, CLUSTER)
    cluster["PerformanceInsightsKmsKeyId"] = cluster.pop("KmsKeyId")
