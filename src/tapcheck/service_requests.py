"""The calls AWS services make against this template's policies, as data: who calls, which actions,
on which resource, and the context keys AWS documents for the call, each with the page that says so.

``Call.requests(...)`` turns one into ``tapcheck.policies.Request``s for a given account, region and
resource names; the gate fills them from the template (tapcheck.policy_view.StackSample), the live
probes from the deployed stack. A key a call's page does not document is left out on purpose: a
condition on it makes the decision unknown (a warning naming the key), never a pass or a fail.

Keys every call by a service principal carries (the global condition keys page,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
- aws:PrincipalIsAWSService: "This key is present in the request context for all signed API
  requests that use AWS credentials." (true for a service principal's own call);
- aws:PrincipalServiceName: "This key is present in the request context for all signed API requests
  that are made by an AWS service principal.";
- aws:SourceAccount / aws:SourceArn: "This key is included in the request context only if accessing
  a resource triggers an AWS service to call another service on behalf of the resource owner."
- aws:CurrentTime / aws:EpochTime are in every request; their value is the time of the call
  (UNKNOWABLE here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tapcheck.policies import UNKNOWABLE, Principal, Request

GLOBAL_KEYS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"


@dataclass(frozen=True)
class Call:
    """One kind of call. resource and context values are str.format templates over the values
    given to requests(): partition, region, account and the names the call needs."""

    name: str
    principal: str  # a service principal (a template: logs.{region}.amazonaws.com)
    actions: tuple[str, ...]
    resource: str
    context: dict[str, Any]
    page: str  # where AWS says which keys the call carries
    quote: str  # the sentence it rests on
    service_principal: bool = True

    def requests(self, **values: str) -> list[Request]:
        context = {
            key: (value if value is UNKNOWABLE else value.format(**values)) for key, value in self.context.items()
        }
        if self.service_principal:
            context.update(
                {"aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": self.principal.format(**values)}
            )
        context.setdefault("aws:CurrentTime", UNKNOWABLE)
        context.setdefault("aws:EpochTime", UNKNOWABLE)
        principal = Principal.of(self.principal.format(**values))
        return [
            Request(
                principal,
                action,
                self.resource.format(**values),
                context,
                page=self.page,
                name=f"{self.name}: {principal} {action}",
            )
            for action in self.actions
        ]


SOURCE = {"aws:SourceAccount": "{account}"}

# (a) CloudWatch using the alarm topic's key to publish an alarm to the encrypted topic.
CLOUDWATCH_USES_TOPIC_KEY = Call(
    name="CloudWatch alarm uses the topic's key",
    principal="cloudwatch.amazonaws.com",
    actions=("kms:Decrypt", "kms:GenerateDataKey"),
    resource="arn:{partition}:kms:{region}:{account}:key/{key_id}",
    context={
        **SOURCE,
        "aws:SourceArn": "arn:{partition}:cloudwatch:{region}:{account}:alarm:{alarm_name}",
        # the re:Post article's optional condition is on the organization: sent, value not knowable here
        "aws:SourceOrgID": UNKNOWABLE,
    },
    page="https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns",
    # The English article did not come through the search tool; this is its French and Korean copies'
    # sentence, put back in English: "Modifiez manuellement la strategie de cle pour accorder aux
    # alarmes CloudWatch les autorisations Dechiffrer et GenerateDataKey [...]" and "(선택 사항) 정책을
    # 더 제한적으로 만들려면 Condition 요소를 포함하십시오" ("(Optional) To make the policy more
    # restrictive, include a Condition element"), the example Condition being on the organization.
    quote="edit the key policy to grant CloudWatch alarms Decrypt and GenerateDataKey [...] (Optional) To make "
    "the policy more restrictive, include a Condition element. (translated back from the article's French "
    "and Korean copies)",
)

# (b) CloudWatch publishing the alarm to the topic.
CLOUDWATCH_PUBLISHES_TO_TOPIC = Call(
    name="CloudWatch alarm publishes to the topic",
    principal="cloudwatch.amazonaws.com",
    actions=("sns:Publish",),
    resource="arn:{partition}:sns:{region}:{account}:{topic_name}",
    context={**SOURCE, "aws:SourceArn": "arn:{partition}:cloudwatch:{region}:{account}:alarm:{alarm_name}"},
    page="https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger",
    quote="To restrict the ability to publish messages to the topic for specific alarms, add global condition "
    "keys. The following example policy uses the ArnLike condition operator and the aws:SourceArn global "
    "condition key.",
)

# (c) RDS enhanced monitoring assuming the monitoring role for a DB instance.
RDS_MONITORING_ASSUMES_ROLE = Call(
    name="RDS enhanced monitoring assumes the monitoring role",
    principal="monitoring.rds.amazonaws.com",
    actions=("sts:AssumeRole",),
    resource="arn:{partition}:iam::{account}:role/{role_path_name}",
    context={**SOURCE, "aws:SourceArn": "arn:{partition}:rds:{region}:{account}:db:{instance_id}"},
    page="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html"
    "#USER_Monitoring.OS.confused-deputy",
    quote="we recommend using the aws:SourceArn and aws:SourceAccount global condition context keys in a trust "
    "policy for your Enhanced Monitoring role. [...] For Amazon RDS, set aws:SourceArn to "
    "arn:aws:rds:Region:my-account-id:db:dbname.",
)

# The secret's key and the log group's key: the template gives neither a customer managed key (the
# secret uses aws/secretsmanager, the log group CloudWatch Logs' own encryption), so no check asks
# for those calls; they are not defined until a page for their context keys has been read.

CALLS = (CLOUDWATCH_USES_TOPIC_KEY, CLOUDWATCH_PUBLISHES_TO_TOPIC, RDS_MONITORING_ASSUMES_ROLE)


@dataclass(frozen=True)
class Values:
    """The names one set of requests is filled with (see Call.requests)."""

    partition: str
    region: str
    account: str
    names: dict[str, str] = field(default_factory=dict)

    def fill(self, call: Call, **names: str) -> list[Request]:
        return call.requests(
            partition=self.partition, region=self.region, account=self.account, **{**self.names, **names}
        )
