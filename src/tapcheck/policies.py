"""Reading IAM-style policy documents (key, topic and identity policies), shared by the gate and
the emulator so both judge a policy the same way.

Evaluation rules used: an explicit Deny in any policy that applies beats every Allow
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
action names are case-insensitive and may hold * and ? wildcards
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
A Deny's conditions are not evaluated: it is taken to apply, since it may.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def statements(document: Any) -> list[dict]:
    """The statements of a policy document given as a dict or as JSON text."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    found = document.get("Statement") if isinstance(document, dict) else None
    return [s for s in as_list(found) if isinstance(s, dict)] if found is not None else []


def covers_action(patterns: Any, action: str) -> bool:
    return any(isinstance(p, str) and fnmatch.fnmatchcase(action.lower(), str(p).lower()) for p in as_list(patterns))


def statement_covers(statement: dict, action: str) -> bool:
    """Action, or NotAction (every action but those listed)."""
    if "NotAction" in statement:
        return not covers_action(statement["NotAction"], action)
    return covers_action(statement.get("Action"), action)


def names_service(principal: Any, service: str) -> bool:
    return isinstance(principal, dict) and service in as_list(principal.get("Service"))


def deny_may_apply(statement: dict, service: str) -> bool:
    """A Deny applies to the service when its principal is everyone or the service, or when
    NotPrincipal leaves the service out."""
    if "NotPrincipal" in statement:
        return not names_service(statement["NotPrincipal"], service)
    return may_name_service(statement.get("Principal"), service)


def grants_service(document: Any, service: str, actions: tuple[str, ...] | list[str]) -> tuple[bool, str]:
    """Whether a resource policy (a key policy) lets the service principal do every action, and
    if not, what is missing. An Allow counts only when it names the service explicitly and has no
    Condition ("Principal": "*" is not documented to cover service principals, and AWS does not
    document which context keys a service sends); a Deny that may apply wins over any Allow.
    https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-key-policy.html"""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False, "the policy is not JSON"
    if not isinstance(document, dict):
        return False, "there is no policy"
    allowed: set[str] = set()
    denied: set[str] = set()
    for statement in statements(document):
        for action in actions:
            if not statement_covers(statement, action):
                continue
            if statement.get("Effect") == "Deny" and deny_may_apply(statement, service):
                denied.add(action)
            elif statement.get("Effect") == "Allow" and names_service(statement.get("Principal"), service) \
                    and not statement.get("Condition"):
                allowed.add(action)
    missing = [a for a in actions if a not in allowed or a in denied]
    if not missing:
        return True, f"the policy allows {service} " + " and ".join(actions)
    why = ", ".join(f"{a} ({'denied' if a in denied else 'not allowed'})" for a in missing)
    return False, f"the policy does not let {service} use it: {why}"


def may_name_service(principal: Any, service: str) -> bool:
    """A Principal that is, or may be, the service principal: "*", {"AWS": "*"} or the service."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return service in as_list(principal.get("Service")) or "*" in as_list(principal.get("AWS"))


def denies_service(document: Any, service: str, action: str) -> bool:
    """The document holds a Deny of action that may apply to the service principal."""
    return any(s.get("Effect") == "Deny" and deny_may_apply(s, service) and statement_covers(s, action)
               for s in statements(document))
