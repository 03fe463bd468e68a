"""S8 — what CloudFormation's own validation lets through but the service refuses when the stack is
created: a KMS key policy that would leave the key unmanageable."""

from __future__ import annotations

from tapcheck.findings import Severity
from tapcheck.model import Model, as_bool
from tapcheck.policies import OPAQUE, Outcome, Principal, Request, covers_action, evaluate, statements
from tapcheck.policy_view import StackSample
from tapcheck.requirements.unit import advisory, check, violation

KEY = "AWS::KMS::Key"
# CreateKey, Policy: "The key policy must allow the calling principal to make a subsequent PutKeyPolicy
# request on the KMS key. This reduces the risk that the KMS key becomes unmanageable." BypassPolicyLockoutSafetyCheck
# skips it. https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
CREATE_KEY_PAGE = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
# The principal CloudFormation creates the key as: an IAM principal of the stack's account whose
# name the template cannot know.
DEPLOYER = "role/stack-deployer"


@check("key-policy-manageable")
def key_policy_manageable(model: Model):
    """Every KMS key's policy lets the principal that creates it call PutKeyPolicy afterwards (KMS's
    policy lockout safety check), unless BypassPolicyLockoutSafetyCheck is set."""
    sample = StackSample(model)
    for key in model.of_type(KEY):
        if as_bool(key.get("BypassPolicyLockoutSafetyCheck")) is True or key.get("KeyPolicy") is None:
            continue  # no policy: KMS's default key policy gives the account full access
        policy = sample.document(key.get("KeyPolicy"))
        deployer = Principal(arn=f"arn:{sample.partition}:iam::{sample.account}:{DEPLOYER}", account=sample.account)
        request = Request(
            deployer,
            "kms:PutKeyPolicy",
            sample.arn(key),
            {"aws:PrincipalAccount": sample.account},
            page=CREATE_KEY_PAGE,
            name="CloudFormation's principal kms:PutKeyPolicy",
        )
        decision = evaluate(policy, request)
        if decision.outcome is Outcome.ALLOW:
            continue
        named = [
            s
            for s in statements(policy)
            if s.get("Effect") == "Allow"
            and covers_action(s.get("Action"), "kms:PutKeyPolicy")
            and _names_own_principal(s, sample)
        ]
        if decision.outcome in (Outcome.UNKNOWN,) or (decision.outcome is Outcome.IMPLICIT_DENY and named):
            yield advisory(
                key,
                ("KeyPolicy",),
                f"S8: whether KMS accepts the policy of {key.logical_id} depends on who creates the stack: "
                f"only the principals it names may call kms:PutKeyPolicy ({decision.explain()})",
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
            f"(the policy lockout safety check; {decision.explain()})",
            "Keep a statement allowing the account (arn:${AWS::Partition}:iam::${AWS::AccountId}:root) "
            f"kms:* or at least kms:PutKeyPolicy, and no Deny of it ({CREATE_KEY_PAGE})",
            "lockout",
        )


def _names_own_principal(statement: dict, sample: StackSample) -> bool:
    """The statement names a principal of the stack's own account by ARN (a role or user that may be
    the one creating the stack), or one known only at deploy time."""
    principal = statement.get("Principal")
    values = principal.get("AWS") if isinstance(principal, dict) else None
    own = f"arn:{sample.partition}:iam::{sample.account}:"
    return any(
        isinstance(v, str) and (v.startswith(own) or OPAQUE in v)
        for v in (values if isinstance(values, list) else [values])
    )
