"""KMS's key-policy lockout safety check, decided one way for the gate (S8) and the emulator.

CreateKey, Policy: "The key policy must allow the calling principal to make a subsequent PutKeyPolicy
request on the KMS key. This reduces the risk that the KMS key becomes unmanageable."
BypassPolicyLockoutSafetyCheck skips it (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html;
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key).
A statement without Resource is left out: KMS's key policy page lists Resource among the elements every
statement requires (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html); the
sentence that such a statement "has no effect", which the emulator's earlier check quoted, was not
re-read through this workplace's search tool.

The principal that creates the key is an IAM principal of the stack's account whose name a template
cannot know (CloudFormation's role or the deployer's): the policy is decided by tapcheck.policies for
such a principal calling kms:PutKeyPolicy. ALLOW: manageable. An explicit or implicit deny while no
statement names a principal of the account: no caller of the account could pass, KMS refuses it.
Anything else (a condition the request cannot decide, a statement naming particular principals of the
account) depends on who creates the key: never refused, only said.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from tapcheck.policies import OPAQUE, Decision, Outcome, Principal, Request, covers_action, evaluate, statements

CREATE_KEY_PAGE = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
CREATOR = "role/stack-deployer"  # a principal of the account, by a name no policy can know


class Lockout(Enum):
    MANAGEABLE = "manageable"
    DEPENDS_ON_CREATOR = "depends on who creates the key"
    LOCKED = "locked out"


@dataclass(frozen=True)
class Verdict:
    lockout: Lockout
    decision: Decision


def judge(policy: Any, *, partition: str, account: str, key_arn: str) -> Verdict:
    """The lockout check on a key policy (plain JSON-like data) for a key of `account`."""
    effective = {"Statement": [s for s in statements(policy) if "Resource" in s or "NotResource" in s]}
    creator = Principal(arn=f"arn:{partition}:iam::{account}:{CREATOR}", account=account)
    request = Request(
        creator,
        "kms:PutKeyPolicy",
        key_arn,
        {"aws:PrincipalAccount": account},
        page=CREATE_KEY_PAGE,
        name="the key's creator kms:PutKeyPolicy",
    )
    decision = evaluate(effective, request)
    if decision.outcome is Outcome.ALLOW:
        return Verdict(Lockout.MANAGEABLE, decision)
    named = [
        s
        for s in statements(effective)
        if s.get("Effect") == "Allow"
        and covers_action(s.get("Action"), "kms:PutKeyPolicy")
        and _names_own_principal(s, partition, account)
    ]
    if decision.outcome is Outcome.UNKNOWN or (decision.outcome is Outcome.IMPLICIT_DENY and named):
        return Verdict(Lockout.DEPENDS_ON_CREATOR, decision)
    return Verdict(Lockout.LOCKED, decision)


def _names_own_principal(statement: dict, partition: str, account: str) -> bool:
    """The statement names a principal of the account by ARN (a role or user that may be the one
    creating the key), or one known only at deploy time."""
    principal = statement.get("Principal")
    values = principal.get("AWS") if isinstance(principal, dict) else None
    own = f"arn:{partition}:iam::{account}:"
    return any(
        isinstance(v, str) and (v.startswith(own) or OPAQUE in v)
        for v in (values if isinstance(values, list) else [values])
    )
