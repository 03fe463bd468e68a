"""S8 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, KMS_KEY, props


def passing_example(template: dict) -> None:
    template["Metadata"] = {"Owner": "payments-platform"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["IAMDatabaseAuthenticationEnabled"] = True  # not a DBCluster property (E3002)


def _key_policy(template: dict) -> dict:
    return props(template, KMS_KEY)["KeyPolicy"]


def passing_example_account_manages_key_by_id(template: dict) -> None:
    """The account named by its id instead of its root ARN: IAM policies of the account still delegate."""
    for statement in _key_policy(template)["Statement"]:
        if statement.get("Action") == "kms:*":
            statement["Principal"] = {"AWS": {"Ref": "AWS::AccountId"}}


def failing_example_key_locked_out(template: dict) -> None:
    """The account's statement removed: nobody may change the key policy, KMS refuses it at CreateKey."""
    policy = _key_policy(template)
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Action") != "kms:*"]
