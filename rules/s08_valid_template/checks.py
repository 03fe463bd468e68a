"""S8 — what CloudFormation's own validation lets through but the service refuses when the stack is
created: a KMS key policy that would leave the key unmanageable."""

from __future__ import annotations

from tapcheck.findings import Severity
from tapcheck.key_lockout import CREATE_KEY_PAGE, Lockout, judge
from tapcheck.model import Model, as_bool
from tapcheck.policy_view import StackSample
from tapcheck.requirements.unit import advisory, check, violation

KEY = "AWS::KMS::Key"


@check("key-policy-manageable")
def key_policy_manageable(model: Model):
    """Every KMS key's policy lets the principal that creates it call PutKeyPolicy afterwards (KMS's
    policy lockout safety check, tapcheck.key_lockout), unless BypassPolicyLockoutSafetyCheck is set."""
    sample = StackSample(model)
    for key in model.of_type(KEY):
        if as_bool(key.get("BypassPolicyLockoutSafetyCheck")) is True or key.get("KeyPolicy") is None:
            continue  # no policy: KMS's default key policy gives the account full access
        verdict = judge(
            sample.document(key.get("KeyPolicy")),
            partition=sample.partition,
            account=sample.account,
            key_arn=sample.arn(key),
        )
        if verdict.lockout is Lockout.MANAGEABLE:
            continue
        if verdict.lockout is Lockout.DEPENDS_ON_CREATOR:
            yield advisory(
                key,
                ("KeyPolicy",),
                f"S8: whether KMS accepts the policy of {key.logical_id} depends on who creates the stack: "
                f"only the principals it names may call kms:PutKeyPolicy ({verdict.decision.explain()})",
                "Let the account (arn:${AWS::Partition}:iam::${AWS::AccountId}:root) manage the key, so "
                f"any principal IAM allows passes the lockout safety check ({CREATE_KEY_PAGE})",
                "lockout-depends-on-deployer",
                Severity.WARNING,
            )
            continue
        yield violation(
            key,
            ("KeyPolicy",),
            f"S8: KMS refuses the policy of {key.logical_id} when the stack is created: no principal of the "
            f"account may call kms:PutKeyPolicy on it afterwards, so the key would be unmanageable "
            f"(the policy lockout safety check; {verdict.decision.explain()})",
            "Keep a statement allowing the account (arn:${AWS::Partition}:iam::${AWS::AccountId}:root) "
            f"kms:* or at least kms:PutKeyPolicy, and no Deny of it ({CREATE_KEY_PAGE})",
            "lockout",
        )
