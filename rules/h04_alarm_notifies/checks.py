"""H4 — the CPU alarm notifies an SNS topic of this stack, with actions enabled, and CloudWatch can deliver to it."""

from __future__ import annotations

from tapcheck.findings import Severity
from tapcheck.model import Model, Resource, as_bool, show
from tapcheck.policies import Decision, Outcome, evaluate
from tapcheck.policy_view import StackSample
from tapcheck.references import aws_managed_service, key_of, topic_of
from tapcheck.requirements.alarms import cpu_alarms
from tapcheck.requirements.common import ALARM, of_the_cluster
from tapcheck.requirements.unit import advisory, check, values, violation
from tapcheck.service_requests import CLOUDWATCH_PUBLISHES_TO_TOPIC, CLOUDWATCH_USES_TOPIC_KEY, Values


@check("alarm-notifies")
@of_the_cluster
def alarm_notifies(model: Model, cluster: Resource):
    """Every CPU alarm's AlarmActions name an SNS topic of this stack, and its actions are enabled."""
    # AlarmActions are ARNs: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
    for alarm in cpu_alarms(model, cluster):
        actions = alarm.get("AlarmActions") or []
        actions = actions if isinstance(actions, list) else [actions]
        if not any(topic_of(model, action) is not None for action in actions):
            yield violation(
                alarm,
                ("AlarmActions",),
                f"The CPU alarm's AlarmActions ({show(alarm.get('AlarmActions'))}) notify no SNS topic of this stack",
                "Set AlarmActions to [!Ref the SNS topic]",
            )
        # ActionsEnabled defaults to true:
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
        if as_bool(alarm.get("ActionsEnabled", True)) is not True:
            yield violation(
                alarm,
                ("ActionsEnabled",),
                f"The alarm's actions are disabled ({show(alarm.get('ActionsEnabled'))})",
                "Remove ActionsEnabled or set it to true",
            )


# --- can CloudWatch deliver to the topic at all? ---------------------------------------------

V = values(__file__)
ALARM_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def alarm_topics(model: Model) -> list[tuple[Resource, Resource, str]]:
    """(alarm, topic of this template, action property) for every alarm action naming a topic."""
    found = []
    for alarm in model.of_type(ALARM):
        for prop in ALARM_ACTIONS:
            actions = alarm.get(prop) or []
            for action in actions if isinstance(actions, list) else [actions]:
                topic = topic_of(model, action)
                if topic is not None:
                    found.append((alarm, topic, prop))
    return found


def is_aws_managed_sns_key(value) -> bool:
    """alias/aws/sns by alias, alias ARN, or an ARN built with Fn::Sub/Fn::Join from pseudo parameters."""
    return aws_managed_service(value) == V["aws_managed_sns_alias"].rsplit("/", 1)[-1]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def key_requests(sample: StackSample, key: Resource, alarm: Resource) -> list:
    """What CloudWatch asks KMS for when the alarm publishes to the topic the key encrypts."""
    return sample_values(sample).fill(
        CLOUDWATCH_USES_TOPIC_KEY, key_id=sample.key_id(key), alarm_name=sample.name(alarm)
    )


def publish_request(sample: StackSample, topic: Resource, alarm: Resource):
    return sample_values(sample).fill(
        CLOUDWATCH_PUBLISHES_TO_TOPIC, topic_name=sample.name(topic), alarm_name=sample.name(alarm)
    )[0]


def sample_values(sample: StackSample) -> Values:
    return Values(sample.partition, sample.region, sample.account)


def undecided(resource: Resource, path: tuple, decision: Decision, what: str):
    """A decision that depends on what cannot be known here: a warning naming the keys, not a verdict."""
    return advisory(
        resource,
        path,
        f"H4: whether {what} cannot be decided: {decision.why_unknown()}",
        f"Condition the statement on keys AWS documents for the call ({decision.request.page}), "
        "or check the live stack with `tapcheck smoke`",
        "undecided",
        Severity.WARNING,
    )


@check("alarm-topic-deliverable")
def alarm_topic_deliverable(model: Model):
    """Every topic an alarm action names can receive alarms: not encrypted with the AWS managed
    key aws/sns; if encrypted with a key of this stack, its key policy allows the KMS calls CloudWatch
    makes for each alarm; and a topic policy of this stack allows CloudWatch to publish each alarm
    (decided as AWS decides, tapcheck.policies.evaluate, on the requests of tapcheck.service_requests)."""
    # AWS managed key policies cannot be edited and do not let CloudWatch use aws/sns; a customer
    # managed key must grant cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*:
    # https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
    sample = StackSample(model)
    seen: set = set()
    for alarm, topic, prop in alarm_topics(model):
        key = topic.get("KmsMasterKeyId")
        if key is not None:
            yield from _key_violations(model, sample, alarm, topic, prop, key, seen)
        if ("topic", alarm.logical_id, topic.logical_id) not in seen:
            seen.add(("topic", alarm.logical_id, topic.logical_id))
            yield from topic_policy_violations(model, topic, alarm, sample)


def _key_violations(model: Model, sample: StackSample, alarm: Resource, topic: Resource, prop: str, key, seen: set):
    if topic.logical_id not in seen:
        seen.add(topic.logical_id)
        if is_aws_managed_sns_key(key):
            yield violation(
                topic,
                ("KmsMasterKeyId",),
                f"The topic {alarm.logical_id}'s {prop} notify is encrypted with the AWS managed key "
                f"({show(key)}), which CloudWatch alarms cannot use: the notification is never delivered",
                "Encrypt the topic with a customer managed key of this stack whose policy grants "
                f"{V['publisher']} {' and '.join(V['key_actions'])}",
            )
            return
        stack_key = key_of(model, key)
        if stack_key is None:
            yield violation(
                topic,
                ("KmsMasterKeyId",),
                f"The topic's key is {show(key)}: whether CloudWatch may use it cannot be known from the template",
                f"Use a customer managed key of this stack whose policy grants {V['publisher']} "
                f"{' and '.join(V['key_actions'])}",
            )
            return
        broken = key_state_violation(stack_key)
        if broken is not None:
            yield broken
            return
    elif is_aws_managed_sns_key(key):
        return
    stack_key = key_of(model, key)
    if (
        stack_key is None
        or key_state_violation(stack_key) is not None
        or ("key", stack_key.logical_id, alarm.logical_id) in seen
    ):
        return
    seen.add(("key", stack_key.logical_id, alarm.logical_id))
    policy = sample.document(stack_key.get("KeyPolicy"))
    decisions = [evaluate(policy, request) for request in key_requests(sample, stack_key, alarm)]
    refused = [d for d in decisions if d.outcome in (Outcome.DENY, Outcome.IMPLICIT_DENY)]
    if refused:
        why = "; ".join(d.explain() for d in refused)
        yield violation(
            stack_key,
            ("KeyPolicy",),
            f"H4: the policy of the alarm topic's key does not let {V['publisher']} "
            f"{' and '.join(V['key_actions'])} for the alarm {alarm.logical_id}: CloudWatch cannot "
            f"publish the alarm ({why})",
            f"Add an Allow statement with Principal Service {V['publisher']}, Action {V['key_actions']}, "
            "Resource *, conditioned (if at all) on aws:SourceAccount = ${AWS::AccountId} and aws:SourceArn "
            "= the alarm's ARN, and no Deny that covers it (https://repost.aws/knowledge-center/"
            "cloudwatch-configure-alarm-sns)",
        )
        return
    for decision in decisions:
        if decision.outcome is Outcome.UNKNOWN:
            yield undecided(
                stack_key,
                ("KeyPolicy",),
                decision,
                f"the alarm topic's key lets {V['publisher']} {decision.request.action} for the alarm "
                f"{alarm.logical_id}",
            )
            return


# --- effective state of the key and the topic ------------------------------------------------

SNS_SSE_PAGE = "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html"
KEY_PAGE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html"
EVALUATION_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"


def key_state_violation(key: Resource):
    """The alarm topic's key cannot be used at all, whatever its policy says.

    - Enabled: false: "the KMS key is disabled ... cannot be used in cryptographic operations"
      (KEY_PAGE, property Enabled; https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html).
    - SNS server-side encryption takes symmetric encryption keys only (SNS_SSE_PAGE), that is
      KeySpec SYMMETRIC_DEFAULT (the default) with KeyUsage ENCRYPT_DECRYPT (the default):
      https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html
    """
    if as_bool(key.get("Enabled", True)) is not True:
        return violation(
            key,
            ("Enabled",),
            f"H4: the alarm topic's key {key.logical_id} is disabled (Enabled {show(key.get('Enabled'))}): "
            "SNS cannot encrypt with it and no alarm is delivered",
            f"Remove Enabled from {key.logical_id} or set it to true ({KEY_PAGE})",
        )
    spec, usage = key.get("KeySpec", V["key_spec"]), key.get("KeyUsage", V["key_usage"])
    if str(spec) != V["key_spec"] or str(usage) != V["key_usage"]:
        prop = "KeySpec" if str(spec) != V["key_spec"] else "KeyUsage"
        return violation(
            key,
            (prop,),
            f"H4: the alarm topic's key {key.logical_id} is {prop} {show(key.get(prop))}: SNS encrypts "
            "only with symmetric encryption keys, so no alarm is delivered",
            f"Give {key.logical_id} KeySpec {V['key_spec']} and KeyUsage {V['key_usage']} "
            f"(or leave both out) ({SNS_SSE_PAGE})",
        )
    return None


def topic_policy_violations(model: Model, topic: Resource, alarm: Resource, sample: StackSample):
    """An AWS::SNS::TopicPolicy of this stack on the topic must let CloudWatch publish the alarm:
    a topic policy replaces the topic's default one, and CloudWatch publishes with sns:Publish as
    the service principal ("SNS uses access policies to restrict the sources that can publish messages
    to the topic. If a permissions error occurs, then add the following permissions under the
    Statement section of the SNS access policy." https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger);
    an explicit Deny beats every Allow (EVALUATION_PAGE)."""
    request = publish_request(sample, topic, alarm)
    for policy in model.of_type(TOPIC_POLICY):
        topics = policy.get("Topics") or []
        if not any(topic_of(model, t) is topic for t in _as_list(topics)):
            continue
        decision = evaluate(sample.document(policy.get("PolicyDocument")), request)
        if decision.outcome is Outcome.DENY:
            yield violation(
                policy,
                ("PolicyDocument",),
                f"H4: the topic policy {policy.logical_id} on the alarm topic {topic.logical_id} denies "
                f"{V['publisher']} sns:Publish for the alarm {alarm.logical_id}: CloudWatch cannot deliver "
                f"the alarm ({decision.explain()})",
                f"Remove the Deny of sns:Publish for {V['publisher']} from {policy.logical_id}, or exempt AWS "
                f"services from it with aws:PrincipalIsAWSService ({EVALUATION_PAGE})",
            )
        elif decision.outcome is Outcome.IMPLICIT_DENY:
            yield violation(
                policy,
                ("PolicyDocument",),
                f"H4: the topic policy {policy.logical_id} on the alarm topic {topic.logical_id} does not "
                f"allow {V['publisher']} sns:Publish for the alarm {alarm.logical_id}: it replaces the "
                "topic's default policy, so CloudWatch cannot deliver the alarm",
                f"Add an Allow of sns:Publish on the topic for Principal Service {V['publisher']}, "
                "conditioned (if at all) on aws:SourceAccount and aws:SourceArn = the alarm's ARN "
                "(https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger)",
            )
        elif decision.outcome is Outcome.UNKNOWN:
            yield undecided(
                policy,
                ("PolicyDocument",),
                decision,
                f"the topic policy {policy.logical_id} lets {V['publisher']} publish the alarm {alarm.logical_id}",
            )


TOPIC_POLICY = "AWS::SNS::TopicPolicy"
