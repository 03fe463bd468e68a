"""`--emulator-state` is an option of every command that reaches the local emulator, and --help says so."""

from __future__ import annotations

import pytest
from cli_in_process import tapcheck

COMMANDS = [
    ("emulator", "start"),
    ("emulator", "stop"),
    ("deploy",),
    ("cancel-update",),
    ("smoke",),
    ("drill", "failover"),
    ("runner", "cleanup"),
    ("destroy",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_emulator_state_is_in_the_help_of_every_command_that_reaches_the_emulator(command):
    shown = tapcheck(*command, "--help")
    assert shown.returncode == 0
    assert "--emulator-state FILE" in shown.stdout
    assert "TAPCHECK_EMULATOR_STATE" in " ".join(shown.stdout.split())
