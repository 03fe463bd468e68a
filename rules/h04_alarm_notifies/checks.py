"""H4 — the CPU alarm notifies an SNS topic of this stack, with actions enabled, and CloudWatch can deliver to it."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_bool, show
from tapcheck.policies import denies_service, grants_service
from tapcheck.references import aws_managed_service, key_of, topic_of
from tapcheck.requirements.common import ALARM, TOPIC, of_the_cluster
from tapcheck.requirements.unit import check, values, violation
from tapcheck.requirements.alarms import cpu_alarms


@check("alarm-notifies")
@of_the_cluster
def alarm_notifies(model: Model, cluster: Resource):
    """Every CPU alarm's AlarmActions name an SNS topic of this stack, and its actions are enabled."""
    # AlarmActions are ARNs: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
    for alarm in cpu_alarms(model, cluster):
        actions = alarm.get("AlarmActions") or []
        actions = actions if isinstance(actions, list) else [actions]
        if not any(topic_of(model, action) is not None for action in actions):
            yield violation(alarm, ("AlarmActions",),
                            f"The CPU alarm's AlarmActions ({show(alarm.get('AlarmActions'))}) notify no SNS topic of this stack",
                            "Set AlarmActions to [!Ref the SNS topic]")
        # ActionsEnabled defaults to true:
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
        if as_bool(alarm.get("ActionsEnabled", True)) is not True:
            yield violation(alarm, ("ActionsEnabled",), f"The alarm's actions are disabled ({show(alarm.get('ActionsEnabled'))})",
                            "Remove ActionsEnabled or set it to true")


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


def grants_publisher(policy) -> bool:
    """The key policy lets the publisher service decrypt and generate data keys: an Allow naming
    the service principal, without conditions, covering both actions (wildcards count), and no
    Deny of either action that could apply to it (tapcheck.policies, as the emulator reads it)."""
    return grants_service(policy, V["publisher"], tuple(a.rstrip("*") for a in V["key_actions"]))[0]


@check("alarm-topic-deliverable")
def alarm_topic_deliverable(model: Model):
    """Every topic an alarm action names can receive alarms: not encrypted with the AWS managed
    key aws/sns, and if encrypted with a key of this stack, its policy lets CloudWatch use it."""
    # AWS managed key policies cannot be edited and do not let CloudWatch use aws/sns; a customer
    # managed key must grant cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*:
    # https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
    seen = set()
    for alarm, topic, prop in alarm_topics(model):
        if topic.logical_id in seen:
            continue
        seen.add(topic.logical_id)
        key = topic.get("KmsMasterKeyId")
        if key is None:
            continue                     # not encrypted: CloudWatch publishes without a key
        if is_aws_managed_sns_key(key):
            yield violation(topic, ("KmsMasterKeyId",),
                            f"The topic {alarm.logical_id}'s {prop} notify is encrypted with the AWS managed key "
                            f"({show(key)}), which CloudWatch alarms cannot use: the notification is never delivered",
                            "Encrypt the topic with a customer managed key of this stack whose policy grants "
                            f"{V['publisher']} {' and '.join(V['key_actions'])}")
            continue
        stack_key = key_of(model, key)
        if stack_key is None:
            yield violation(topic, ("KmsMasterKeyId",),
                            f"The topic's key is {show(key)}: whether CloudWatch may use it cannot be known from the "
                            "template", f"Use a customer managed key of this stack whose policy grants {V['publisher']} "
                            f"{' and '.join(V['key_actions'])}")
        elif (broken := key_state_violation(stack_key)) is not None:
            yield broken
        elif not grants_publisher(stack_key.get("KeyPolicy")):
            yield violation(stack_key, ("KeyPolicy",),
                            f"The policy of the alarm topic's key does not let {V['publisher']} "
                            f"{' and '.join(V['key_actions'])}: CloudWatch cannot publish the alarm",
                            f"Add an Allow statement with Principal Service {V['publisher']}, Action "
                            f"{V['key_actions']}, Resource *, and no Deny that covers it")
        yield from topic_policy_violations(model, topic)



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
        return violation(key, ("Enabled",),
                         f"H4: the alarm topic's key {key.logical_id} is disabled (Enabled {show(key.get('Enabled'))}): "
                         "SNS cannot encrypt with it and no alarm is delivered",
                         f"Remove Enabled from {key.logical_id} or set it to true ({KEY_PAGE})")
    spec, usage = key.get("KeySpec", V["key_spec"]), key.get("KeyUsage", V["key_usage"])
    if str(spec) != V["key_spec"] or str(usage) != V["key_usage"]:
        prop = "KeySpec" if str(spec) != V["key_spec"] else "KeyUsage"
        return violation(key, (prop,),
                         f"H4: the alarm topic's key {key.logical_id} is {prop} {show(key.get(prop))}: SNS encrypts "
                         "only with symmetric encryption keys, so no alarm is delivered",
                         f"Give {key.logical_id} KeySpec {V['key_spec']} and KeyUsage {V['key_usage']} "
                         f"(or leave both out) ({SNS_SSE_PAGE})")
    return None


def topic_policy_violations(model: Model, topic: Resource):
    """An AWS::SNS::TopicPolicy of this stack on the topic whose explicit Deny may apply to
    CloudWatch publishing: an explicit Deny beats every Allow (EVALUATION_PAGE), and
    CloudWatch publishes the alarm with sns:Publish as the service principal
    (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger)."""
    for policy in model.of_type(TOPIC_POLICY):
        topics = policy.get("Topics") or []
        if not any(topic_of(model, t) is topic for t in _as_list(topics)):
            continue
        if denies_service(policy.get("PolicyDocument"), V["publisher"], "sns:Publish"):
            yield violation(policy, ("PolicyDocument",),
                            f"H4: the topic policy {policy.logical_id} on the alarm topic {topic.logical_id} denies "
                            f"{V['publisher']} sns:Publish: CloudWatch cannot deliver the alarm",
                            f"Remove the Deny of sns:Publish for {V['publisher']} from {policy.logical_id} "
                            f"({EVALUATION_PAGE})")


TOPIC_POLICY = "AWS::SNS::TopicPolicy"
