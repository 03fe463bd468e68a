"""A malformed secret is described by its shape, never quoted (live/secret_shape.py): the smoke
probes' Fail, the drill's refusal and the runner's payload say "is not JSON", "has no key
`password`" ..., and no 8-character piece of the secret's text appears in what they say."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from tapcheck.errors import UsageError
from tapcheck.live.context import Context, Fail
from tapcheck.live.secret_shape import MalformedSecret, credentials

PASSWORD = "Zq8vT3nLw0pRk5yHs2dFg7jB4mXc9aNe"  # 32 characters, as RDS generates them
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aurora-credentials-prod-AbCdEf"

SHAPES = {
    PASSWORD: "is not JSON",  # a bare password
    '{"password": "' + PASSWORD + '", "username": "dbadmin"': "is not JSON",  # cut short
    '"' + PASSWORD + '"': "is JSON but not an object (a string)",
    "[" + json.dumps(PASSWORD) + "]": "is JSON but not an object (an array)",
    json.dumps({"username": "dbadmin", "pass": PASSWORD}): "has no key `password`",
    json.dumps({"password": PASSWORD}): "has no key `username`",
    json.dumps({"username": "dbadmin", "password": [PASSWORD]}): "has a `password` that is not a string (an array)",
    json.dumps({"username": "dbadmin", "password": ""}): "has an empty `password`",
}


def leaks(text: str, secret: str = PASSWORD) -> list[str]:
    """Every 8-character piece of `secret` that appears in `text`."""
    return sorted({secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in text})


@pytest.mark.parametrize("text", sorted(SHAPES), ids=lambda t: SHAPES[t])
def test_the_shape_is_said_and_nothing_of_the_value(text) -> None:
    with pytest.raises(MalformedSecret) as info:
        credentials(text)
    assert info.value.shape == SHAPES[text]
    assert leaks(str(info.value)) == []


def test_a_well_formed_secret_is_its_document() -> None:
    doc = {"username": "dbadmin", "password": PASSWORD, "dbname": "transactiondb"}
    assert credentials(json.dumps(doc)) == doc
    with pytest.raises(MalformedSecret) as info:
        credentials(None)
    assert info.value.shape == "holds no SecretString (a binary secret, or none)"


def _answer(stub: Stubber, text: str) -> None:
    stub.add_response(
        "get_secret_value",
        {"ARN": SECRET_ARN, "Name": "aurora-credentials-prod", "SecretString": text},
        {"SecretId": SECRET_ARN},
    )


BARE, CUT = PASSWORD, '{"password": "' + PASSWORD + '", "username": "dbadmin"'
EMPTY = json.dumps({"username": "dbadmin", "password": ""})


@pytest.mark.parametrize("text", [BARE, CUT, EMPTY], ids=["bare", "cut", "empty"])
def test_the_probes_fail_naming_the_shape(stubbed_aws, text) -> None:
    ctx = Context(stubbed_aws, "tapstack-prod")
    ctx.__dict__["secret_arn"] = SECRET_ARN
    with Stubber(stubbed_aws.client("secretsmanager")) as stub:
        _answer(stub, text)
        with pytest.raises(Fail) as info:
            _ = ctx.secret  # the property reads the secret
    assert str(info.value) == f"the secret {SECRET_ARN} {SHAPES[text]}, so nothing can log in with it"
    assert leaks(str(info.value)) == []


def test_the_drill_refuses_naming_the_shape(stubbed_aws) -> None:
    from tapcheck.live.drill import _credentials

    with Stubber(stubbed_aws.client("secretsmanager")) as stub:
        _answer(stub, CUT)
        with pytest.raises(UsageError) as info:
            _credentials(stubbed_aws, SECRET_ARN, "tapstack-prod")
    assert info.value.line() == (
        f"tapcheck: stack tapstack-prod: its secret {SECRET_ARN} is not JSON (fix: run "
        "`tapcheck smoke` (R6) and repair the secret)"
    )


def test_r6_describes_a_password_with_characters_rds_rejects_without_them() -> None:
    from tapcheck.requirements.registry import values_of
    from tapcheck.rules.r06_secret.probes import secret

    bad = PASSWORD[:28] + '@/"x'
    ctx = Context.__new__(Context)
    ctx.__dict__.update(
        secret={"username": "dbadmin", "password": bad},
        secret_arn=SECRET_ARN,
        target=type("T", (), {"client": lambda self, s: type("C", (), {"describe_secret": lambda self, **k: {}})()})(),
    )
    with pytest.raises(Fail) as info:
        secret(ctx)
    forbidden = values_of("R6")["rds_forbidden_characters"]
    assert str(info.value) == f"the password contains 3 kind(s) of character RDS rejects (any of {forbidden!r})"
    assert leaks(str(info.value), bad) == []
