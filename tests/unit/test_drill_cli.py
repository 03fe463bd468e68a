"""`tapcheck drill failover` refuses to disrupt AWS without --yes-disrupt, before it looks
for credentials or a stack (exit 2, one line)."""

from __future__ import annotations

import pytest

from tapcheck.cli import main


def test_aws_target_without_consent_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["drill", "failover", "--stack-name", "prod", "--target", "aws"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "--yes-disrupt" in err and "failover of the live cluster" in err


def test_drill_needs_a_stack_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["drill", "failover"])
    assert info.value.code == 2
    assert "--stack-name" in capsys.readouterr().err
