"""`tapcheck drill failover` refuses to disrupt AWS unless the stack's name is repeated
(--confirm-stack NAME), before it looks for credentials or a stack (exit 2, one line); its outputs
cannot steer it to a cluster, secret or endpoint that is not the stack's own."""

from __future__ import annotations

import pytest

from tapcheck.cli import main
from tapcheck.live.drill import _foreign_outputs


def test_aws_target_without_consent_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["drill", "failover", "--stack-name", "prod", "--target", "aws"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "--confirm-stack prod" in err and "needs its name repeated" in err


def test_drill_needs_a_stack_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["drill", "failover"])
    assert info.value.code == 2
    assert "--stack-name" in capsys.readouterr().err


SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aurora-credentials-prod-AbCdEf"
CLUSTER = {
    "Endpoint": "aurora-prod.cluster-abc.us-east-1.rds.amazonaws.com",
    "ReaderEndpoint": "aurora-prod.cluster-ro-abc.us-east-1.rds.amazonaws.com",
    "Port": 5432,
}
OWN = {
    "ClusterIdentifier": "aurora-prod",
    "DatabaseSecretArn": SECRET,
    "ClusterEndpoint": CLUSTER["Endpoint"],
    "ClusterReaderEndpoint": CLUSTER["ReaderEndpoint"],
    "ClusterPort": "5432",
    "CPUAlarmName": "anything",
}


def test_outputs_naming_the_stacks_own_resources_pass() -> None:
    assert _foreign_outputs(OWN, "aurora-prod", SECRET, CLUSTER) == []
    assert _foreign_outputs({}, "aurora-prod", SECRET, CLUSTER) == []
    # RDS keeps identifiers and endpoints in lowercase; a template may write them otherwise
    assert _foreign_outputs({**OWN, "ClusterIdentifier": "Aurora-Prod"}, "aurora-prod", SECRET, CLUSTER) == []


@pytest.mark.parametrize(
    "key, value",
    [
        ("ClusterIdentifier", "aurora-other"),
        ("DatabaseSecretArn", SECRET.replace("prod", "other")),
        ("ClusterEndpoint", "aurora-other.cluster-abc.us-east-1.rds.amazonaws.com"),
        ("ClusterReaderEndpoint", CLUSTER["Endpoint"]),  # the writer's endpoint passed off as the reader's
        ("ClusterPort", "5433"),
    ],
)
def test_an_output_naming_anything_else_is_named(key, value) -> None:
    found = _foreign_outputs({**OWN, key: value}, "aurora-prod", SECRET, CLUSTER)
    assert len(found) == 1 and found[0].startswith(f"{key} (names {value}, not the stack's own ")
