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


def may_name_service(principal: Any, service: str) -> bool:
    """A Principal that is, or may be, the service principal: "*", {"AWS": "*"} or the service."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return service in as_list(principal.get("Service")) or "*" in as_list(principal.get("AWS"))


def denies_service(document: Any, service: str, action: str) -> bool:
    """The document holds a Deny of action that may apply to the service principal."""
    return any(s.get("Effect") == "Deny" and may_name_service(s.get("Principal"), service)
               and covers_action(s.get("Action"), action) for s in statements(document))
