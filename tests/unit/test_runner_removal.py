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
        iam.add_response("detach_role_policy", {}, {"RoleName": runner.role, "PolicyArn": VPC_ACCESS_POLICY})
        iam.add_client_error("delete_role", "DeleteConflict", "Cannot delete entity, must detach all policies first.",
                             409)
        left = runner.remove()
    assert len(left) == 2, left
    assert "ServiceException" in left[0]
    assert "aws lambda delete-function --function-name tapcheck-runner-prod-abc" in left[0]
    assert "DeleteConflict" in left[1] and "aws iam delete-role --role-name tapcheck-runner-prod-abc" in left[1]
    assert runner.function and runner.role        # still there: a later cleanup may try again


def test_what_is_already_gone_counts_as_removed(stubbed_aws: Target) -> None:
    runner = Runner(stubbed_aws, "prod", function="tapcheck-runner-prod-abc", role="tapcheck-runner-prod-abc")
    with Stubber(stubbed_aws.client("lambda")) as lam, Stubber(stubbed_aws.client("iam")) as iam:
        lam.add_client_error("delete_function", "ResourceNotFoundException", "Function not found", 404)
        iam.add_client_error("detach_role_policy", "NoSuchEntity", "The role cannot be found", 404)
        iam.add_client_error("delete_role", "NoSuchEntity", "The role cannot be found", 404)
        assert runner.remove() == []
    assert runner.function is None and runner.role is None


def test_a_refused_removal_names_the_permission(stubbed_aws: Target) -> None:
    runner = Runner(stubbed_aws, "prod", function="tapcheck-runner-prod-abc")
    with Stubber(stubbed_aws.client("lambda")) as lam:
        lam.add_client_error("delete_function", "AccessDeniedException", "not authorized", 403)
        left = runner.remove()
    assert left and "refused lambda:DeleteFunction" in left[0] and "aws lambda delete-function" in left[0]
