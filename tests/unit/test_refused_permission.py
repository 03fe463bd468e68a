"""A call AWS refuses for want of a permission ends the command with one line naming the IAM
action (exit 2), whichever client made it: target.py hooks every client it makes. The refusal is
injected with botocore's Stubber, so the client's own event chain (the hook included) runs."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from tapcheck.errors import EXIT_UNUSABLE, UsageError
from tapcheck.live.target import Target, permission


@pytest.mark.parametrize(
    "service,operation,code,action",
    [
        ("rds", "describe_db_clusters", "AccessDenied", "rds:DescribeDBClusters"),
        ("secretsmanager", "get_secret_value", "AccessDeniedException", "secretsmanager:GetSecretValue"),
        ("ec2", "describe_security_groups", "UnauthorizedOperation", "ec2:DescribeSecurityGroups"),
        ("cloudwatch", "describe_alarms", "AccessDenied", "cloudwatch:DescribeAlarms"),
        ("lambda", "invoke", "AccessDeniedException", "lambda:InvokeFunction"),
        ("sns", "get_topic_attributes", "AuthorizationError", "sns:GetTopicAttributes"),
    ],
)
def test_a_refused_call_names_the_permission_in_one_line(
    stubbed_aws: Target, service: str, operation: str, code: str, action: str
) -> None:
    client = stubbed_aws.client(service)
    params = {
        "invoke": {"FunctionName": "f"},
        "get_secret_value": {"SecretId": "s"},
        "get_topic_attributes": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
    }.get(operation, {})
    with Stubber(client) as stub:
        stub.add_client_error(operation, service_error_code=code, http_status_code=403)
        with pytest.raises(UsageError) as refused:
            getattr(client, operation)(**params)
    assert refused.value.exit_code == EXIT_UNUSABLE
    line = refused.value.line()
    assert "\n" not in line and f"refused {action} ({code})" in line and f"grant {action}" in line


def test_other_errors_stay_errors_of_the_call(stubbed_aws: Target) -> None:
    from botocore.exceptions import ClientError

    client = stubbed_aws.client("rds")
    with Stubber(client) as stub:
        stub.add_client_error("describe_db_clusters", service_error_code="DBClusterNotFoundFault", http_status_code=404)
        with pytest.raises(ClientError):
            client.describe_db_clusters(DBClusterIdentifier="gone")


def test_the_action_is_the_service_prefix_and_the_operation() -> None:
    assert permission("rds", "DescribeDBClusters") == "rds:DescribeDBClusters"
    assert permission("lambda", "Invoke") == "lambda:InvokeFunction"
