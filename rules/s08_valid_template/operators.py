"""S8 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import NotApplicable, alarm_topic, cpu_alarm, properties, referred
from tapcheck.requirements.common import KMS_KEY
from tapcheck.requirements.unit import operator


@operator(
    "cfn-lint-clean",
    ["unknown-property", "list-for-string", "bad-enum", "object-for-string", "bad-pattern", "unknown-attribute-key"],
    tools=True,
)
def invalid_cloudformation(t, how):
    """An unknown property, a wrong type, a value outside an enum: the schema says no."""
    topic = properties(alarm_topic(t)[1])
    alarm = properties(cpu_alarm(t)[1])
    if how == "unknown-property":
        topic["Colour"] = "blue"
    elif how == "list-for-string":
        topic["DisplayName"] = ["Aurora", "alarms"]
    elif how == "bad-enum":
        alarm["TreatMissingData"] = "ignoreIt"
    elif how == "object-for-string":
        alarm["AlarmDescription"] = {"text": "cpu"}
    elif how == "bad-pattern":
        alarm["Unit"] = "Percentage"
    else:
        alarm_topic(t)[1]["Condition"] = "NoSuchCondition"


def _topic_key_policy(t) -> dict:
    key = referred(t, properties(alarm_topic(t)[1]).get("KmsMasterKeyId"), KMS_KEY)
    return properties(key[1])["KeyPolicy"]


@operator(
    "key-policy-manageable",
    ["account-statement-removed", "account-decrypt-only", "deny-put-key-policy", "other-account-root"],
)
def key_policy_locks_out(t, how):
    """A key policy KMS's lockout safety check refuses: no principal of the account can change it."""
    policy = _topic_key_policy(t)
    admins = [s for s in policy["Statement"] if s.get("Effect") == "Allow" and "AWS" in str(s.get("Principal"))]
    if not admins:
        raise NotApplicable("no statement for the account")
    if how == "account-statement-removed":
        policy["Statement"] = [s for s in policy["Statement"] if s not in admins]
    elif how == "account-decrypt-only":
        for statement in admins:
            statement["Action"] = ["kms:Decrypt", "kms:DescribeKey"]
    elif how == "deny-put-key-policy":
        policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy", "Resource": "*"})
    else:
        for statement in admins:
            statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
