"""KMS's key-policy lockout safety check in the emulator (emulator/resources/kms.py): refused is a
policy under which no caller of the account could make the next PutKeyPolicy; a policy AWS accepts
for some caller of the account is never refused."""

from __future__ import annotations

import json

import pytest

from tapcheck.emulator.resources.kms import locks_out
from tapcheck.emulator.resources.rds import subnet_group_name_refusal

ACCOUNT = "123456789012"


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: object, action: object = "kms:*", **extra: object) -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}


ROOT = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
CLOUDWATCH = {"Service": "cloudwatch.amazonaws.com"}

MANAGEABLE = {
    "no policy (KMS's default)": None,
    "the account's root, kms:*": _policy(_allow(ROOT)),
    "the account by id": _policy(_allow({"AWS": ACCOUNT})),
    "a role of the account, kms:Put*": _policy(_allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}, "kms:Put*")),
    "everyone": _policy(_allow("*", "kms:PutKeyPolicy")),
    "a conditional allow (the evaluator's to decide)": _policy(
        _allow(ROOT, Condition={"Bool": {"aws:SecureTransport": "true"}})
    ),
    "a conditional deny of everyone": _policy(
        _allow(ROOT),
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:PutKeyPolicy",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
        },
    ),
    "NotAction leaving PutKeyPolicy in": _policy(
        {"Effect": "Allow", "Principal": ROOT, "NotAction": "kms:Decrypt", "Resource": "*"}
    ),
}
LOCKED = {
    "CloudWatch alone": _policy(_allow(CLOUDWATCH, ["kms:Decrypt", "kms:GenerateDataKey*"])),
    "the account, but not PutKeyPolicy": _policy(_allow(ROOT, ["kms:Encrypt", "kms:Decrypt", "kms:Describe*"])),
    "another account": _policy(_allow({"AWS": "arn:aws:iam::210987654321:root"})),
    "an allow without Resource (no effect)": _policy({"Effect": "Allow", "Principal": ROOT, "Action": "kms:*"}),
    "an unconditional deny of everyone": _policy(
        _allow(ROOT), {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Put*", "Resource": "*"}
    ),
    "NotAction taking PutKeyPolicy out": _policy(
        {"Effect": "Allow", "Principal": ROOT, "NotAction": "kms:PutKeyPolicy", "Resource": "*"}
    ),
}


@pytest.mark.parametrize("policy", MANAGEABLE.values(), ids=MANAGEABLE.keys())
def test_a_policy_some_caller_of_the_account_could_change_again_is_accepted(policy: str | None) -> None:
    assert locks_out(policy, ACCOUNT) is False


@pytest.mark.parametrize("policy", LOCKED.values(), ids=LOCKED.keys())
def test_a_policy_that_leaves_the_key_unmanageable_is_refused(policy: str) -> None:
    assert locks_out(policy, ACCOUNT) is True
    assert locks_out(json.loads(policy), ACCOUNT) is True  # as CloudFormation hands it over


@pytest.mark.parametrize("name", ["aurora-subnet-group-prod", "My.Group_1 a", "d" + "x" * 254, "defaults"])
def test_subnet_group_names_rds_accepts(name: str) -> None:
    assert subnet_group_name_refusal(name) is None


@pytest.mark.parametrize("name", ["default", "Default", "1group", "-group", "group/a", "group@a", "g" * 256, ""])
def test_subnet_group_names_rds_refuses(name: str) -> None:
    assert subnet_group_name_refusal(name) == (
        "The parameter DBSubnetGroupName is not a valid identifier. It must begin with a letter, contain no more "
        "than 255 letters, numbers, periods, underscores, spaces, or hyphens, and must not be default (emulator "
        "wording: AWS's is undocumented)."
    )
