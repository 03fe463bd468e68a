"""Destructive commands hit only the stack named (live/stack_names.py): a name CloudFormation would
refuse ends every command taking --stack-name with one line, exit 2, before any AWS call or even a
look for credentials; every DescribeStacks answer is kept only for the stack it was asked about;
destroy and drill on AWS need the name repeated."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber
from cli_in_process import tapcheck

from tapcheck.errors import UsageError
from tapcheck.live import stack_names

ARN = "arn:aws:cloudformation:us-east-1:123456789012:stack/tapstack-prod/1b2c3d4e-0000-11ee-8c90-0123456789ab"

VALID = ["a", "A", "tapstack-prod", "T-1-2", "a" * 128, "a-"]
INVALID = {
    "": "is empty",
    "1tap": "is not a stack name CloudFormation accepts",
    "-tap": "is not a stack name CloudFormation accepts",
    "tap_stack": "is not a stack name CloudFormation accepts",
    "tap stack": "is not a stack name CloudFormation accepts",
    "tapé": "is not a stack name CloudFormation accepts",
    "tap\n": "is not a stack name CloudFormation accepts",
    "a" * 129: "is 129 characters long; CloudFormation allows at most 128",
    "arn:aws:s3:::bucket": "is not a CloudFormation stack ARN",
    "arn:aws:cloudformation:us-east-1:123456789012:stack/1bad/abc": "is not a CloudFormation stack ARN",
    "arn:aws:cloudformation:us-east-1:12345:stack/tap/abc": "is not a CloudFormation stack ARN",
}


@pytest.mark.parametrize("name", VALID)
def test_names_cloudformation_accepts(name) -> None:
    assert stack_names.problem(name) is None and stack_names.validated(name) == name


@pytest.mark.parametrize("name", sorted(INVALID))
def test_names_cloudformation_refuses(name) -> None:
    assert stack_names.problem(name).startswith(INVALID[name])
    with pytest.raises(UsageError) as info:
        stack_names.validated(name)
    assert info.value.line().count("\n") == 0


def test_a_stack_arn_is_accepted_where_a_running_stack_is_looked_up_but_not_to_create_one() -> None:
    assert stack_names.validated(ARN) == ARN
    assert stack_names.problem(ARN, arn_ok=False) == "is an ARN; this command takes the stack's name"


# --- every command taking --stack-name: nothing is called ----------------------------------------------

COMMANDS = [["deploy"], ["smoke"], ["drill", "failover"], ["destroy"], ["cancel-update"], ["runner", "cleanup"]]


@pytest.fixture
def calls(monkeypatch):
    """Every AWS API call and every target resolution (credentials, the emulator's state) is recorded
    and stopped: a command that gets this far has touched something."""
    import botocore.client

    from tapcheck.emulator import control
    from tapcheck.live import target

    seen: list[str] = []

    def api_call(self, operation, params):
        seen.append(f"api {operation}")
        raise AssertionError(f"AWS call {operation} made")

    def resolve(*args, **kwargs):
        seen.append("resolve target")
        raise UsageError("test", "stopped at target resolution")

    def emulator(*args, **kwargs):
        seen.append("emulator state")
        raise UsageError("test", "stopped at the emulator's state")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", api_call)
    monkeypatch.setattr(target, "resolve", resolve)
    monkeypatch.setattr(control, "require_running", emulator)
    return seen


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", [[], ["--target", "aws"]], ids=["local", "aws"])
@pytest.mark.parametrize("name", ["", "tap_stack", "a" * 129, "1st"], ids=["empty", "underscore", "129", "digit"])
def test_an_invalid_stack_name_exits_2_in_one_line_touching_nothing(calls, command, where, name) -> None:
    run = tapcheck(*command, "--stack-name", name, *where)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("tapcheck: --stack-name"), run.stderr
    assert "(fix: " in run.stderr and run.stdout == ""
    assert calls == []


@pytest.mark.parametrize("command", [["deploy"], ["runner", "cleanup"]], ids=" ".join)
def test_commands_that_need_the_name_itself_refuse_an_arn(calls, command) -> None:
    run = tapcheck(*command, "--stack-name", ARN, "--target", "aws")
    assert run.returncode == 2 and "is an ARN; this command takes the stack's name" in run.stderr, run.stderr
    assert calls == []


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_valid_name_gets_as_far_as_the_target(calls, command) -> None:
    """The recorder sees what a command touches: with a valid name (and the confirmation) it is reached."""
    run = (
        tapcheck(*command, "--stack-name", "tapstack-prod", "--target", "aws", "--confirm-stack", "tapstack-prod")
        if command in (["destroy"], ["drill", "failover"])
        else tapcheck(*command, "--stack-name", "tapstack-prod", "--target", "aws")
    )
    assert run.returncode == 2 and "stopped at target resolution" in run.stderr, run.stderr
    assert calls == ["resolve target"]


# --- destroy and drill on AWS need the name repeated --------------------------------------------------


@pytest.mark.parametrize("command", [["destroy"], ["drill", "failover"]], ids=" ".join)
def test_without_the_confirmation_aws_refuses_before_anything(calls, command) -> None:
    run = tapcheck(*command, "--stack-name", "tapstack-prod", "--target", "aws")
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert (
        "needs its name repeated" in run.stderr
        and "(fix: repeat the stack's name: --confirm-stack tapstack-prod)" in run.stderr
    )
    assert calls == []


@pytest.mark.parametrize("command", [["destroy"], ["drill", "failover"]], ids=" ".join)
def test_a_confirmation_naming_another_stack_is_refused(calls, command) -> None:
    run = tapcheck(*command, "--stack-name", "tapstack-prod", "--target", "aws", "--confirm-stack", "tapstack-dev")
    assert run.returncode == 2 and "the confirmation 'tapstack-dev' is not the stack's name" in run.stderr
    assert calls == []
    local = tapcheck(*command, "--stack-name", "tapstack-prod", "--confirm-stack", "tapstack-dev")
    assert local.returncode == 2 and calls == []


@pytest.mark.parametrize("command", [["destroy"], ["drill", "failover"]], ids=" ".join)
def test_the_local_target_needs_no_confirmation(calls, command) -> None:
    run = tapcheck(*command, "--stack-name", "tapstack-test")
    assert "stopped at target resolution" in run.stderr and calls == ["resolve target"]


def test_yes_disrupt_alone_no_longer_runs_a_drill(calls) -> None:
    run = tapcheck("drill", "failover", "--stack-name", "tapstack-prod", "--target", "aws", "--yes-disrupt")
    assert run.returncode == 2 and "(fix: pass --confirm-stack tapstack-prod)" in run.stderr, run.stderr
    assert calls == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_name_is_asked_for() -> None:
    err = io.StringIO()
    stack_names.confirm("tapstack-prod", None, "destroy", stdin=_Terminal("tapstack-prod\n"), stderr=err)
    assert err.getvalue() == "tapcheck: destroy acts on the live stack tapstack-prod. Type its name to go on: "
    for typed, problem in (
        ("tapstack-pro\n", "the confirmation 'tapstack-pro' is not the stack's name"),
        ("", "no confirmation was typed"),
    ):
        with pytest.raises(UsageError) as info:
            stack_names.confirm("tapstack-prod", None, "destroy", stdin=_Terminal(typed), stderr=io.StringIO())
        assert info.value.problem.startswith(problem)
    with pytest.raises(UsageError) as info:
        stack_names.confirm("tapstack-prod", None, "destroy", stdin=io.StringIO("tapstack-prod\n"), stderr=err)
    assert "standard input is not a terminal" in info.value.problem


def test_drill_library_refuses_aws_without_the_name_repeated() -> None:
    from tapcheck.live import drill

    drill.require_consent("local", "s", None)
    drill.require_consent("aws", "tapstack-prod", "tapstack-prod")
    for given in (None, "tapstack-dev", ""):
        with pytest.raises(UsageError):
            drill.require_consent("aws", "tapstack-prod", given)


# --- every lookup keeps only the stack it asked about -------------------------------------------------


def _stack(name: str, stack_id: str | None = None, status: str = "CREATE_COMPLETE") -> dict:
    return {
        "StackName": name,
        "StackId": stack_id or ARN.replace("tapstack-prod", name),
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "StackStatus": status,
    }


@pytest.mark.parametrize("ref", ["tapstack-prod", ARN])
def test_describe_refuses_an_answer_about_other_stacks(stubbed_aws, ref) -> None:
    from tapcheck.live import deploy

    cfn = stubbed_aws.client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [_stack("tapstack-dev")]}, {"StackName": ref})
        with pytest.raises(UsageError) as info:
            deploy.describe(stubbed_aws, ref)
        assert "is not among the 1 stack(s) CloudFormation described" in info.value.problem
        other_id = _stack("tapstack-prod", ARN.replace("1b2c3d4e", "99999999"))
        stub.add_response("describe_stacks", {"Stacks": [_stack("tapstack-dev"), other_id]}, {"StackName": ref})
        if ref == ARN:  # same name, another stack id: not the stack that ARN names
            with pytest.raises(UsageError):
                deploy.describe(stubbed_aws, ref)
        else:
            assert deploy.describe(stubbed_aws, ref) is not None
        stub.add_response(
            "describe_stacks", {"Stacks": [_stack("tapstack-dev"), _stack("tapstack-prod")]}, {"StackName": ref}
        )
        assert deploy.describe(stubbed_aws, ref)["StackId"] == ARN
        stub.assert_no_pending_responses()


def test_stack_status_ignores_other_stacks(stubbed_aws) -> None:
    from tapcheck.live.events import stack_status

    cfn = stubbed_aws.client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks",
            {"Stacks": [_stack("tapstack-dev", status="UPDATE_IN_PROGRESS")]},
            {"StackName": "tapstack-prod"},
        )
        assert stack_status(stubbed_aws, "tapstack-prod") is None
        stub.add_response(
            "describe_stacks",
            {"Stacks": [_stack("tapstack-dev"), _stack("tapstack-prod", status="UPDATE_IN_PROGRESS")]},
            {"StackName": "tapstack-prod"},
        )
        assert stack_status(stubbed_aws, "tapstack-prod") == "UPDATE_IN_PROGRESS"
    with pytest.raises(UsageError):
        stack_status(stubbed_aws, "")


def test_the_lookups_in_the_live_code_all_go_through_the_check() -> None:
    """Every DescribeStacks call in src/tapcheck/live is one whose answer is picked by stack_names, and
    nothing lists stacks: a new call must be added here on purpose."""
    import re
    from pathlib import Path

    import tapcheck.live

    found = {}
    for path in sorted(Path(tapcheck.live.__file__).parent.rglob("*.py")):
        text = path.read_text()
        for call in re.findall(r"\.(describe_stacks|list_stacks)\(", text):
            found.setdefault(path.name, []).append(call)
    assert found == {"deploy.py": ["describe_stacks", "describe_stacks"], "events.py": ["describe_stacks"]}
    for name, calls in found.items():
        text = (Path(tapcheck.live.__file__).parent / name).read_text()
        assert text.count("stack_names.pick(") == len(calls)
