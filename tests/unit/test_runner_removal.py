"""What the in-VPC runner could not remove is reported with the command that removes it; what is
already gone counts as removed. AWS's answers are injected with botocore's Stubber into the real
clients the target makes."""

from __future__ import annotations

from botocore.stub import Stubber

from tapcheck.live.runner import VPC_ACCESS_POLICY, Runner
from tapcheck.live.target import Target


def test_what_could_not_be_removed_is_named_with_its_command(stubbed_aws: Target) -> None:
    runner = Runner(stubbed_aws, "prod", function="tapcheck-runner-prod-abc", role="tapcheck-runner-prod-abc")
    with Stubber(stubbed_aws.client("lambda")) as lam, Stubber(stubbed_aws.client("iam")) as iam:
        lam.add_client_error("delete_function", "ServiceException", "Lambda was unable to delete it", 500)
        _holds(iam, runner.role, [VPC_ACCESS_POLICY])
        iam.add_response("detach_role_policy", {}, {"RoleName": runner.role, "PolicyArn": VPC_ACCESS_POLICY})
        iam.add_client_error(
            "delete_role", "DeleteConflict", "Cannot delete entity, must detach all policies first.", 409
        )
        left = runner.remove()
    assert len(left) == 2, left
    assert "ServiceException" in left[0]
    assert "aws lambda delete-function --function-name tapcheck-runner-prod-abc" in left[0]
    assert "DeleteConflict" in left[1] and "aws iam delete-role --role-name tapcheck-runner-prod-abc" in left[1]
    assert runner.function and runner.role  # still there: a later cleanup may try again


def test_what_is_already_gone_counts_as_removed(stubbed_aws: Target) -> None:
    runner = Runner(stubbed_aws, "prod", function="tapcheck-runner-prod-abc", role="tapcheck-runner-prod-abc")
    with Stubber(stubbed_aws.client("lambda")) as lam, Stubber(stubbed_aws.client("iam")) as iam:
        lam.add_client_error("delete_function", "ResourceNotFoundException", "Function not found", 404)
        iam.add_client_error("list_attached_role_policies", "NoSuchEntity", "The role cannot be found", 404)
        assert runner.remove() == []
    assert runner.function is None and runner.role is None


def test_a_refused_removal_names_the_permission(stubbed_aws: Target) -> None:
    runner = Runner(stubbed_aws, "prod", function="tapcheck-runner-prod-abc")
    with Stubber(stubbed_aws.client("lambda")) as lam:
        lam.add_client_error("delete_function", "AccessDeniedException", "not authorized", 403)
        left = runner.remove()
    assert left and "refused lambda:DeleteFunction" in left[0] and "aws lambda delete-function" in left[0]


def _holds(iam: Stubber, role: str, attached: list[str], inline: list[str] | None = None) -> None:
    iam.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached]},
        {"RoleName": role},
    )
    iam.add_response("list_role_policies", {"PolicyNames": inline or []}, {"RoleName": role})


def test_a_role_holding_what_tapcheck_did_not_attach_is_left_whole(stubbed_aws: Target) -> None:
    """No detach and no delete is sent (the Stubber fails on any call not queued): the role keeps its
    VPC access policy beside the foreign one, and the report names what it holds."""
    runner = Runner(stubbed_aws, "prod", role="tapcheck-runner-prod-abc123")
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    with Stubber(stubbed_aws.client("iam")) as iam:
        _holds(iam, runner.role, [VPC_ACCESS_POLICY, admin], inline=["extra"])
        left = runner.remove()
        iam.assert_no_pending_responses()
    assert len(left) == 1 and f"it holds {admin}, inline policy extra" in left[0] and "nothing was detached" in left[0]
    assert runner.role == "tapcheck-runner-prod-abc123"


def test_the_log_group_goes_after_the_function_and_stays_while_the_function_does(stubbed_aws: Target) -> None:
    gone = Runner(
        stubbed_aws, "prod", function="tapcheck-runner-prod-abc123", log_group="/aws/lambda/tapcheck-runner-prod-abc123"
    )
    with Stubber(stubbed_aws.client("lambda")) as lam, Stubber(stubbed_aws.client("logs")) as logs:
        lam.add_response("delete_function", {}, {"FunctionName": gone.function})
        logs.add_response("delete_log_group", {}, {"logGroupName": gone.log_group})
        assert gone.remove() == []
    assert gone.function is None and gone.log_group is None
    kept = Runner(
        stubbed_aws, "prod", function="tapcheck-runner-prod-abc123", log_group="/aws/lambda/tapcheck-runner-prod-abc123"
    )
    with Stubber(stubbed_aws.client("lambda")) as lam, Stubber(stubbed_aws.client("logs")) as logs:
        lam.add_client_error("delete_function", "ServiceException", "Lambda was unable to delete it", 500)
        left = kept.remove()
    assert len(left) == 2 and "kept while its function is there" in left[1]
    assert "aws logs delete-log-group --log-group-name /aws/lambda/tapcheck-runner-prod-abc123" in left[1]


def test_runner_names_belong_to_one_stack_only() -> None:
    from tapcheck.live.runner import is_runner_name, name_pattern_glob, name_prefix

    assert name_prefix("a") == "tapcheck-runner-a-"
    assert is_runner_name("tapcheck-runner-a-0f9e8d", "a")
    assert not is_runner_name("tapcheck-runner-a-b-0f9e8d", "a")  # stack "a-b"'s runner
    assert not is_runner_name("tapcheck-runner-a-0f9e8", "a")
    assert not is_runner_name("tapcheck-runner-a-0F9E8D", "a")
    assert not is_runner_name("tapcheck-runner-a-0f9e8dx", "a")
    long = "s" + "x" * 127  # CloudFormation's longest stack name
    assert len(name_prefix(long) + "0f9e8d") == 63  # within the 64 characters of IAM role and Lambda function names
    assert name_pattern_glob(long) == "tapcheck-runner-" + long[:40] + "-??????"
