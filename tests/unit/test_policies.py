"""tapcheck.policies.evaluate: each rule of AWS's evaluation, with a case it allows and one it does not
(the pages are quoted in the module's docstring)."""

from __future__ import annotations

import json

import pytest

from tapcheck.policies import (
    OPAQUE,
    UNKNOWABLE,
    Outcome,
    Principal,
    Request,
    condition_holds,
    denies_service,
    evaluate,
    grants_service,
)
from tapcheck.service_requests import (
    CALLS,
    CLOUDWATCH_PUBLISHES_TO_TOPIC,
    CLOUDWATCH_USES_TOPIC_KEY,
    RDS_MONITORING_ASSUMES_ROLE,
)

ACCOUNT, REGION = "111122223333", "eu-west-1"
ALARM = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:aurora-cpu-high-prod"
CW = "cloudwatch.amazonaws.com"


def cw_request(action="kms:Decrypt", **context):
    base = {
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": ALARM,
        "aws:PrincipalIsAWSService": "true",
        "aws:PrincipalServiceName": CW,
    }
    base.update(context)
    return Request(CW, action, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1", base, page="test page")


def allow(**extra):
    return {
        "Effect": "Allow",
        "Principal": {"Service": CW},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        **extra,
    }


def deny(**extra):
    return {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", **extra}


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def outcome(document, request=None):
    return evaluate(document, request or cw_request()).outcome


# --- evaluation order ----------------------------------------------------------------------------


def test_allow_then_explicit_deny_then_implicit_deny():
    assert outcome(policy(allow())) is Outcome.ALLOW
    assert outcome(policy(allow(), deny())) is Outcome.DENY
    assert outcome(policy()) is Outcome.IMPLICIT_DENY
    assert outcome(policy(allow(Action="kms:Encrypt"))) is Outcome.IMPLICIT_DENY


def test_a_deny_in_another_document_still_wins():
    assert outcome([policy(allow()), policy(deny())]) is Outcome.DENY


def test_decision_names_the_deciding_statements():
    decision = evaluate(policy(allow(Sid="A"), deny(Sid="D")), cw_request())
    assert [s.sid for s in decision.statements] == ["D"]
    assert "explicitly denied by statement 'D' (Deny)" in decision.explain()


# --- Action / NotAction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, expected",
    [
        ("kms:Decrypt", Outcome.ALLOW),
        ("KMS:decrypt", Outcome.ALLOW),
        ("kms:Decry?t", Outcome.ALLOW),
        ("kms:*", Outcome.ALLOW),
        ("*", Outcome.ALLOW),
        ("kms:Decrypt[", Outcome.IMPLICIT_DENY),
        ("kms:Encrypt", Outcome.IMPLICIT_DENY),
        ("kms:Decrypt?", Outcome.IMPLICIT_DENY),
    ],
)
def test_action_wildcards_and_case(action, expected):
    assert outcome(policy(allow(Action=action))) is expected


def test_not_action():
    statement = allow()
    statement.pop("Action")
    assert outcome(policy({**statement, "NotAction": "kms:ScheduleKeyDeletion"})) is Outcome.ALLOW
    assert outcome(policy({**statement, "NotAction": "kms:De*"})) is Outcome.IMPLICIT_DENY


# --- Principal / NotPrincipal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "principal, expected",
    [
        ("*", Outcome.ALLOW),
        ({"AWS": "*"}, Outcome.ALLOW),
        ({"Service": [CW, "sns.amazonaws.com"]}, Outcome.ALLOW),
        ({"Service": "events.amazonaws.com"}, Outcome.IMPLICIT_DENY),
        ({"AWS": ACCOUNT}, Outcome.IMPLICIT_DENY),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Outcome.IMPLICIT_DENY),
    ],
)
def test_principal_of_a_service_request(principal, expected):
    assert outcome(policy(allow(Principal=principal))) is expected


@pytest.mark.parametrize(
    "principal, expected",
    [
        ({"AWS": ACCOUNT}, Outcome.ALLOW),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Outcome.ALLOW),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}, Outcome.ALLOW),
        ({"AWS": "444455556666"}, Outcome.IMPLICIT_DENY),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"}, Outcome.IMPLICIT_DENY),
        ({"Service": CW}, Outcome.IMPLICIT_DENY),
    ],
)
def test_principal_of_a_role_request(principal, expected):
    request = Request(f"arn:aws:iam::{ACCOUNT}:role/app", "kms:Decrypt", "arn:aws:kms:r:a:key/k", {})
    assert request.principal == Principal(arn=f"arn:aws:iam::{ACCOUNT}:role/app", account=ACCOUNT)
    assert outcome(policy(allow(Principal=principal)), request) is expected


def test_an_account_named_as_the_request_spells_it():
    request = Request(
        Principal(arn="arn:aws:iam::stack-account:role/app", account="stack-account"),
        "kms:Decrypt",
        "arn:aws:kms:r:a:key/k",
        {},
    )
    assert outcome(policy(allow(Principal={"AWS": "stack-account"})), request) is Outcome.ALLOW
    assert outcome(policy(allow(Principal={"AWS": "other-account"})), request) is Outcome.IMPLICIT_DENY


def test_not_principal():
    all_but_cloudwatch = {"Effect": "Deny", "NotPrincipal": {"Service": CW}, "Action": "kms:*", "Resource": "*"}
    assert outcome(policy(allow(), all_but_cloudwatch)) is Outcome.ALLOW
    everyone_but_events = {
        "Effect": "Deny",
        "NotPrincipal": {"Service": "events.amazonaws.com"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert outcome(policy(allow(), everyone_but_events)) is Outcome.DENY


def test_identity_policy_statements_apply_to_their_identity():
    document = policy({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:log-group:RDS*"})
    request = Request(
        f"arn:aws:iam::{ACCOUNT}:role/m",
        "logs:PutLogEvents",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:RDSOSMetrics",
        {},
    )
    assert outcome(document, request) is Outcome.ALLOW


# --- Resource / NotResource -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource, expected",
    [
        ("*", Outcome.ALLOW),
        (f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*", Outcome.ALLOW),
        (f"arn:aws:kms:*:{ACCOUNT}:key/k?", Outcome.ALLOW),
        ("arn:aws:kms:*:*:*", Outcome.ALLOW),
        (f"arn:aws:kms:{REGION}:444455556666:key/*", Outcome.IMPLICIT_DENY),
        (f"arn:aws:kms:{REGION}:{ACCOUNT}:key/K1", Outcome.IMPLICIT_DENY),
    ],
)
def test_resource_wildcards(resource, expected):
    assert outcome(policy(allow(Resource=resource))) is expected


def test_not_resource():
    statement = allow()
    statement.pop("Resource")
    assert outcome(policy({**statement, "NotResource": "arn:aws:kms:*:*:alias/*"})) is Outcome.ALLOW
    assert outcome(policy({**statement, "NotResource": "arn:aws:kms:*:*:key/*"})) is Outcome.IMPLICIT_DENY


def test_trust_policy_without_resource_matches():
    trust = policy(
        {"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    request = RDS_MONITORING_ASSUMES_ROLE.requests(
        partition="aws", region=REGION, account=ACCOUNT, role_path_name="m", instance_id="db1"
    )[0]
    assert outcome(trust, request) is Outcome.ALLOW


# --- condition operators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, True),
        ({"StringEquals": {"aws:SourceAccount": "444455556666"}}, False),
        ({"StringEquals": {"AWS:SOURCEACCOUNT": ACCOUNT}}, True),  # key names ignore case
        ({"StringEquals": {"aws:SourceAccount": ["444455556666", ACCOUNT]}}, True),  # values OR
        ({"StringNotEquals": {"aws:SourceAccount": ["444455556666", ACCOUNT]}}, False),  # negated values NOR
        ({"StringNotEquals": {"aws:SourceAccount": "444455556666"}}, True),
        ({"StringEqualsIgnoreCase": {"aws:PrincipalServiceName": "CloudWatch.AmazonAWS.com"}}, True),
        ({"StringEquals": {"aws:PrincipalServiceName": "CloudWatch.AmazonAWS.com"}}, False),
        ({"StringLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{ACCOUNT}:alarm:aurora-*"}}, True),
        ({"StringLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{ACCOUNT}:alarm:other-*"}}, False),
        ({"StringNotLike": {"aws:SourceArn": "*:alarm:other-*"}}, True),
        ({"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:alarm:*"}}, False),  # five parts compared one by one
        ({"ArnEquals": {"aws:SourceArn": ALARM}}, True),
        ({"ArnNotEquals": {"aws:SourceArn": ALARM}}, False),
        ({"ArnLike": {"aws:SourceArn": f"arn:aws:rds:*:{ACCOUNT}:db:*"}}, False),  # another service's resource
        ({"Bool": {"aws:PrincipalIsAWSService": "true"}}, True),
        ({"Bool": {"aws:PrincipalIsAWSService": True}}, True),
        ({"Bool": {"aws:PrincipalIsAWSService": "false"}}, False),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": "*:alarm:other"}}, False),  # AND
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": ALARM}}, True),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:PrincipalServiceName": "events.amazonaws.com"}}, False),
    ],
)
def test_condition_operators(condition, expected):
    assert condition_holds(condition, cw_request()) is expected


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"NumericLessThan": {"s3:max-keys": "11"}}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, False),
        ({"NumericGreaterThanEquals": {"s3:max-keys": 10}}, True),
        ({"NumericNotEquals": {"s3:max-keys": "10"}}, False),
        ({"NumericEquals": {"s3:max-keys": "abc"}}, False),
        ({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}}, True),
        ({"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}}, False),
        ({"DateEquals": {"aws:TokenIssueTime": "1609459200"}}, True),  # epoch seconds
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
    ],
)
def test_numeric_date_ip(condition, expected):
    request = Request(
        "arn:aws:iam::111122223333:user/u",
        "s3:ListBucket",
        "arn:aws:s3:::b",
        {"s3:max-keys": "10", "aws:TokenIssueTime": "2021-01-01T00:00:00Z", "aws:SourceIp": "203.0.113.9"},
    )
    assert condition_holds(condition, request) is expected


def test_absent_key_non_negated_false_negated_true():
    request = cw_request()
    absent = Request(
        request.principal, request.action, request.resource, request.context, absent=frozenset({"aws:PrincipalOrgID"})
    )
    assert condition_holds({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, absent) is False
    assert condition_holds({"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}, absent) is True
    assert condition_holds({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}, absent) is True
    assert condition_holds({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}, absent) is True
    assert condition_holds({"Null": {"aws:PrincipalOrgID": "true"}}, absent) is True
    assert condition_holds({"Null": {"aws:PrincipalOrgID": "false"}}, absent) is False
    assert condition_holds({"Null": {"aws:SourceArn": "false"}}, absent) is True
    assert condition_holds({"StringEqualsIfExists": {"aws:SourceAccount": "444455556666"}}, absent) is False


def test_set_operators():
    request = Request(
        "arn:aws:iam::111122223333:user/u",
        "iam:TagRole",
        "*",
        {"aws:TagKeys": ["key1:a", "key1:b"]},
        absent=frozenset({"aws:RequestTag/x"}),
    )
    assert condition_holds({"ForAllValues:StringLike": {"aws:TagKeys": "key1*"}}, request) is True
    assert condition_holds({"ForAllValues:StringLike": {"aws:TagKeys": "key1:a"}}, request) is False
    assert condition_holds({"ForAnyValue:StringEquals": {"aws:TagKeys": ["key1:a", "z"]}}, request) is True
    assert condition_holds({"ForAnyValue:StringEquals": {"aws:TagKeys": "z"}}, request) is False
    assert condition_holds({"ForAllValues:StringNotLike": {"aws:TagKeys": "key2*"}}, request) is True
    # absent key: ForAllValues true, ForAnyValue false
    assert condition_holds({"ForAllValues:StringEquals": {"aws:RequestTag/x": "a"}}, request) is True
    assert condition_holds({"ForAnyValue:StringEquals": {"aws:RequestTag/x": "a"}}, request) is False


def test_unknown_operator_is_undecided():
    assert condition_holds({"StringSortOf": {"aws:SourceAccount": ACCOUNT}}, cw_request()) is None
    assert condition_holds({"ForSomeValues:StringEquals": {"aws:SourceAccount": ACCOUNT}}, cw_request()) is None
    assert condition_holds({"NullIfExists": {"aws:SourceAccount": "true"}}, cw_request()) is None


# --- policy variables -------------------------------------------------------------------------------


def test_policy_variables_in_conditions_and_resources():
    assert condition_holds({"StringEquals": {"aws:SourceAccount": "${aws:SourceAccount}"}}, cw_request()) is True
    assert (
        condition_holds(
            {"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:${aws:SourceAccount}:alarm:*"}}, cw_request()
        )
        is True
    )
    assert outcome(policy(allow(Resource="arn:aws:kms:*:${aws:SourceAccount}:key/*"))) is Outcome.ALLOW
    assert outcome(policy(allow(Resource="arn:aws:kms:*:${aws:PrincipalIsAWSService}:key/*"))) is Outcome.IMPLICIT_DENY


def test_literal_wildcard_variables():
    request = Request("arn:aws:iam::1:user/u", "s3:GetObject", "arn:aws:s3:::b/a*b", {})
    assert (
        outcome(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/a${*}b"}), request)
        is Outcome.ALLOW
    )
    other = Request("arn:aws:iam::1:user/u", "s3:GetObject", "arn:aws:s3:::b/axb", {})
    assert (
        outcome(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/a${*}b"}), other)
        is Outcome.IMPLICIT_DENY
    )


def test_variable_default_for_an_absent_key():
    request = Request(
        "arn:aws:iam::1:user/u", "s3:GetObject", "arn:aws:s3:::b/home/anon", {}, absent=frozenset({"aws:username"})
    )
    document = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/home/${aws:username, 'anon'}"})
    assert outcome(document, request) is Outcome.ALLOW
    without_default = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/home/${aws:username}"})
    assert outcome(without_default, request) is Outcome.IMPLICIT_DENY


# --- unknown: never a silent pass or fail ----------------------------------------------------------


def test_condition_on_an_undocumented_key_is_unknown_and_named():
    decision = evaluate(policy(allow(Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}})), cw_request())
    assert decision.outcome is Outcome.UNKNOWN
    assert decision.unknown_keys == ("kms:CallerAccount",)
    assert decision.undocumented_keys == ("kms:CallerAccount",)
    assert "kms:CallerAccount is not documented for this request (test page)" in decision.explain()


def test_a_false_condition_beats_an_undocumented_one():
    condition = {"StringEquals": {"kms:CallerAccount": ACCOUNT, "aws:SourceAccount": "444455556666"}}
    assert outcome(policy(allow(Condition=condition))) is Outcome.IMPLICIT_DENY


def test_unknowable_value_is_unknown():
    request = cw_request(**{"aws:SourceOrgID": UNKNOWABLE})
    decision = evaluate(policy(allow(Condition={"StringEquals": {"aws:SourceOrgID": "o-123"}})), request)
    assert decision.outcome is Outcome.UNKNOWN
    assert decision.unknown_keys == ("aws:SourceOrgID",) and decision.undocumented_keys == ()
    assert "known only when the call is made" in decision.explain()


def test_undecided_deny_makes_an_allow_unknown():
    undecided = deny(Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}})
    assert outcome(policy(allow(), undecided)) is Outcome.UNKNOWN


def test_deny_exempting_aws_services_does_not_apply_to_cloudwatch():
    exempt = deny(
        Condition={
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        }
    )
    assert outcome(policy(allow(), exempt)) is Outcome.ALLOW


def test_opaque_policy_value_is_unknown():
    decision = evaluate(policy(allow(Condition={"StringEquals": {"aws:SourceAccount": OPAQUE}})), cw_request())
    assert decision.outcome is Outcome.UNKNOWN
    assert "known only at deploy time" in decision.explain()


# --- the documented requests --------------------------------------------------------------------------


def test_documented_requests_carry_the_documented_keys():
    topic_key = CLOUDWATCH_USES_TOPIC_KEY.requests(
        partition="aws", region=REGION, account=ACCOUNT, key_id="k", alarm_name="a"
    )
    assert [r.action for r in topic_key] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert topic_key[0].lookup("AWS:SourceArn") == ("present", f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:a")
    assert topic_key[0].lookup("aws:SourceOrgID") == ("present", UNKNOWABLE)
    assert topic_key[0].lookup("kms:CallerAccount") == ("undocumented", None)
    publish = CLOUDWATCH_PUBLISHES_TO_TOPIC.requests(
        partition="aws", region=REGION, account=ACCOUNT, topic_name="t", alarm_name="a"
    )[0]
    assert publish.resource == f"arn:aws:sns:{REGION}:{ACCOUNT}:t"
    assert all(call.page.startswith("https://") and call.quote for call in CALLS)


def test_recommended_conditions_allow_and_wrong_ones_do_not():
    request = RDS_MONITORING_ASSUMES_ROLE.requests(
        partition="aws", region=REGION, account=ACCOUNT, role_path_name="m", instance_id="aurora-instance-1-prod"
    )[0]

    def trust(condition):
        return policy(
            {
                "Effect": "Allow",
                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        )

    recommended = {
        "StringLike": {"aws:SourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:aurora-instance-*"},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }
    assert outcome(trust(recommended), request) is Outcome.ALLOW
    other_account = {"StringEquals": {"aws:SourceAccount": "444455556666"}}
    assert outcome(trust(other_account), request) is Outcome.IMPLICIT_DENY
    other_db = {"ArnLike": {"aws:SourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:billing-*"}}
    assert outcome(trust(other_db), request) is Outcome.IMPLICIT_DENY


# --- the helpers kept for the emulator --------------------------------------------------------------


def test_grants_service_counts_explicit_unconditional_allows_only():
    assert grants_service(policy(allow()), CW, ("kms:Decrypt", "kms:GenerateDataKey"))[0] is True
    assert grants_service(policy(allow(Principal="*")), CW, ("kms:Decrypt",))[0] is False
    ok, why = grants_service(
        policy(allow(Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})), CW, ("kms:Decrypt",)
    )
    assert (ok, why) == (False, f"the policy does not let {CW} use it: kms:Decrypt (not allowed)")
    assert grants_service(json.dumps(policy(allow(), deny())), CW, ("kms:Decrypt",)) == (
        False,
        f"the policy does not let {CW} use it: kms:Decrypt (denied)",
    )


def test_denies_service_includes_denies_that_may_apply():
    assert denies_service(policy(deny()), CW, "kms:Decrypt") is True
    assert (
        denies_service(policy(deny(Condition={"StringEquals": {"aws:SourceAccount": "1"}})), CW, "kms:Decrypt") is True
    )
    assert denies_service(policy(deny(Principal={"Service": "events.amazonaws.com"})), CW, "kms:Decrypt") is False
    assert denies_service(policy(allow()), CW, "kms:Decrypt") is False


def test_the_helpers_judge_a_resource_policy_on_its_own_resource():
    """A topic policy's Deny names the topic's ARN: the emulator asks about that topic, so it applies."""
    topic_deny = policy(
        {
            "Effect": "Deny",
            "Principal": {"Service": CW},
            "Action": "SNS:Publish",
            "Resource": "arn:aws:sns:us-east-1:111122223333:alarms",
        }
    )
    assert denies_service(topic_deny, CW, "sns:Publish") is True
    scoped_allow = policy(allow(Resource="arn:aws:kms:us-east-1:111122223333:key/k1"))
    assert grants_service(scoped_allow, CW, ("kms:Decrypt",))[0] is True
