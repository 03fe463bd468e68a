"""What AWS reports for one resource of the stack, read once per smoke run.

Each method takes the resource's physical id (ListStackResources) and answers the describe call's
record for it, cached in the Context; a resource AWS no longer has raises Gone, naming the call and
its error. Only read calls: nothing here changes the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapcheck.live.context import Context, one_line

# Error codes by which each service says "no such resource" (their API references' Errors sections).
_NOT_FOUND = {
    "DBClusterNotFoundFault",
    "DBInstanceNotFound",
    "DBSubnetGroupNotFoundFault",
    "DBParameterGroupNotFound",
    "DBClusterParameterGroupNotFound",
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NotFoundException",
    "NotFound",
}


class Gone(Exception):
    """The stack lists the resource, AWS does not have it (deleted outside CloudFormation)."""


class Reader:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def client(self, service: str) -> Any:
        return self.ctx.target.client(service)

    def _once(self, key: tuple, call: str, read: Callable[[], Any]) -> Any:
        memo = self.ctx._memo
        if ("drift", *key) not in memo:
            from botocore.exceptions import ClientError

            try:
                memo[("drift", *key)] = read()
            except ClientError as e:
                error = e.response.get("Error", {})
                if error.get("Code") not in _NOT_FOUND:
                    raise
                memo[("drift", *key)] = Gone(f"{call} says {error.get('Code')}: {one_line(error.get('Message', ''))}")
            except LookupError:
                memo[("drift", *key)] = Gone(f"{call} does not list it")
        found = memo[("drift", *key)]
        if isinstance(found, Gone):
            raise found
        return found

    # --- RDS ---------------------------------------------------------------------------------
    def cluster(self, pid: str) -> dict:
        return self._once(
            ("cluster", pid),
            "DescribeDBClusters",
            lambda: self.client("rds").describe_db_clusters(DBClusterIdentifier=pid)["DBClusters"][0],
        )

    def instance(self, pid: str) -> dict:
        return self._once(
            ("instance", pid),
            "DescribeDBInstances",
            lambda: self.client("rds").describe_db_instances(DBInstanceIdentifier=pid)["DBInstances"][0],
        )

    def subnet_group(self, pid: str) -> dict:
        return self._once(
            ("subnet group", pid),
            "DescribeDBSubnetGroups",
            lambda: self.client("rds").describe_db_subnet_groups(DBSubnetGroupName=pid)["DBSubnetGroups"][0],
        )

    def cluster_parameter_group(self, pid: str) -> dict:
        return self._once(
            ("cluster parameter group", pid),
            "DescribeDBClusterParameterGroups",
            lambda: self.client("rds").describe_db_cluster_parameter_groups(DBClusterParameterGroupName=pid)[
                "DBClusterParameterGroups"
            ][0],
        )

    def cluster_parameters(self, pid: str) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            pages = (
                self.client("rds")
                .get_paginator("describe_db_cluster_parameters")
                .paginate(DBClusterParameterGroupName=pid)
            )
            return {p["ParameterName"]: p.get("ParameterValue") for page in pages for p in page["Parameters"]}

        return self._once(("cluster parameters", pid), "DescribeDBClusterParameters", read)

    def rds_tags(self, arn: str) -> list:
        return self._once(
            ("rds tags", arn),
            "ListTagsForResource",
            lambda: self.client("rds").list_tags_for_resource(ResourceName=arn)["TagList"],
        )

    # --- Secrets Manager, IAM, KMS, SNS, CloudWatch, CloudWatch Logs ------------------------------
    def secret(self, pid: str) -> dict:
        return self._once(
            ("secret", pid), "DescribeSecret", lambda: self.client("secretsmanager").describe_secret(SecretId=pid)
        )

    def role(self, pid: str) -> dict:
        def read() -> dict:
            iam = self.client("iam")
            role = dict(iam.get_role(RoleName=pid)["Role"])
            pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=pid)
            role["AttachedPolicyArns"] = [p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]]
            role["Tags"] = iam.list_role_tags(RoleName=pid)["Tags"]
            return role

        return self._once(("role", pid), "GetRole", read)

    def key(self, pid: str) -> dict:
        def read() -> dict:
            kms = self.client("kms")
            key = dict(kms.describe_key(KeyId=pid)["KeyMetadata"])
            key["KeyRotationEnabled"] = kms.get_key_rotation_status(KeyId=pid)["KeyRotationEnabled"]
            key["Policy"] = kms.get_key_policy(KeyId=pid, PolicyName="default")["Policy"]
            key["Tags"] = kms.list_resource_tags(KeyId=pid)["Tags"]
            return key

        return self._once(("key", pid), "DescribeKey", read)

    def key_id(self, name: Any) -> Any:
        """The key id a key reference names: key id, key ARN, alias name or alias ARN
        (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id). A reference KMS
        cannot resolve is kept as written (it then differs from any key id)."""
        if not name:
            return None
        try:
            return self._once(
                ("key id", str(name)),
                "DescribeKey",
                lambda: self.client("kms").describe_key(KeyId=str(name))["KeyMetadata"]["KeyId"],
            )
        except Gone:
            return str(name)

    def topic(self, pid: str) -> dict:
        def read() -> dict:
            sns = self.client("sns")
            attributes = dict(sns.get_topic_attributes(TopicArn=pid)["Attributes"])
            attributes["Tags"] = sns.list_tags_for_resource(ResourceArn=pid)["Tags"]
            return attributes

        return self._once(("topic", pid), "GetTopicAttributes", read)

    def alarm(self, pid: str) -> dict:
        def read() -> dict:
            cloudwatch = self.client("cloudwatch")
            alarm = dict(cloudwatch.describe_alarms(AlarmNames=[pid], AlarmTypes=["MetricAlarm"])["MetricAlarms"][0])
            alarm["Tags"] = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
            return alarm

        return self._once(("alarm", pid), "DescribeAlarms", read)

    def log_group(self, pid: str) -> dict:
        def read() -> dict:
            logs = self.client("logs")
            pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=pid)
            found = next((g for page in pages for g in page["logGroups"] if g["logGroupName"] == pid), None)
            if found is None:
                raise LookupError(pid)
            group = dict(found)
            # ListTagsForResource takes the group's ARN without the trailing ":*" DescribeLogGroups adds
            # (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_ListTagsForResource.html)
            arn = group.get("logGroupArn") or str(group["arn"]).removesuffix(":*")
            group["tags"] = logs.list_tags_for_resource(resourceArn=arn)["tags"]
            return group

        return self._once(("log group", pid), "DescribeLogGroups", read)
