"""`tapcheck deploy` on a stack that exists keeps the parameters not given (UsePreviousValue), like
`aws cloudformation deploy`: a Default changed by the edit is not applied, and deploy says so and how."""

from __future__ import annotations

import json
from pathlib import Path

from tapcheck.live.update import KeptValue, kept_defaults

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "lib" / "TapStack.json").read_text())


def with_defaults(**defaults) -> dict:
    template = json.loads(json.dumps(TEMPLATE))
    for key, value in defaults.items():
        template["Parameters"][key]["Default"] = value
    return template


STACK = {
    "EnvironmentSuffix": "prod",
    "MasterUsername": "dbadmin",
    "DatabaseName": "tapdb",
    "SubnetId1": "subnet-1",
    "SubnetId2": "subnet-2",
    "VpcSecurityGroupId": "sg-1",
}


def test_a_changed_default_the_stack_keeps_is_named_with_the_param_that_applies_it():
    old = with_defaults(MasterUsername="dbadmin")
    new = with_defaults(MasterUsername="ledgeradmin")
    [kept] = kept_defaults(old, new, {}, STACK)
    assert kept == KeptValue("MasterUsername", "dbadmin", "ledgeradmin", hidden=False)
    assert kept.line() == (
        "NOTE    parameter MasterUsername: the template's Default is now 'ledgeradmin', but the "
        "stack keeps 'dbadmin' (parameters not given keep their values on an update, as `aws "
        "cloudformation deploy` does). To apply the new Default: --param MasterUsername=ledgeradmin"
    )


def test_nothing_is_said_when_the_default_is_given_unchanged_or_already_in_effect():
    old = with_defaults(MasterUsername="dbadmin")
    new = with_defaults(MasterUsername="ledgeradmin")
    assert kept_defaults(old, new, {"MasterUsername": "dbadmin"}, STACK) == []  # given: the user chose
    assert kept_defaults(old, old, {}, STACK) == []  # Default unchanged
    assert kept_defaults(old, new, {}, {**STACK, "MasterUsername": "ledgeradmin"}) == []  # already in effect
    fresh = {k: v for k, v in STACK.items() if k != "MasterUsername"}
    assert kept_defaults(old, new, {}, fresh) == []  # new to the stack: its Default applies


def test_a_noecho_parameter_is_named_without_either_value():
    old = with_defaults(DatabaseName="tapdb")
    new = with_defaults(DatabaseName="ledger")
    new["Parameters"]["DatabaseName"]["NoEcho"] = True
    [kept] = kept_defaults(old, new, {}, {**STACK, "DatabaseName": "****"})
    assert kept.hidden and "ledger" not in kept.line() and "****" not in kept.line()
    assert kept.line().endswith("--param DatabaseName=<the new value>")
