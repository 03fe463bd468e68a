"""IAM-style policy documents (key, topic, trust and identity policies) decided as AWS decides them
for one request, shared by the gate, the emulator and the live probes.

``evaluate(documents, request)`` returns a ``Decision``: allow, deny (explicit), implicit-deny, or
unknown, with the statements that decided it and, for unknown, the condition keys that could not be
decided. A request (``Request``) carries the principal, the action, the resource ARN and the context
keys AWS documents for that call (``tapcheck.service_requests`` defines the calls this template
needs, each with its page). A condition on a key the request does not document is never taken as
true or false: the decision is unknown and names the key.

Library survey (2026-12, PyPI and the packages' source): no maintained Python library evaluates
policies offline against a request with conditions. policyuniverse 1.5.1 (2023) parses statements and
expands actions, with no request evaluation; parliament 1.6.4 and cloudsplaining 0.9.1 are linters;
policy_sentry 0.15.2 writes policies; principalmapper 1.1.5 (last release 2022-01, AGPL-3.0) has a
local simulator for identity policies of its own account graph: no NotPrincipal, no notion of an
undocumented key (an absent key simply fails), and it needs its Node objects; moto 5.2.5's
access_control treats a failed Allow condition as a Deny and knows StringEquals alone. The most
complete simulator found, @cloud-copilot/iam-simulate, is TypeScript (npm, AGPL-3.0) and would put
a Node runtime in the gate. Hence this module, written from AWS's pages:

Evaluation order (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html):
  "A request results in an explicit deny if an applicable policy includes a Deny statement. If
  policies that apply to a request include an Allow statement and a Deny statement, the Deny
  statement trumps the Allow statement." / "An implicit denial occurs when there is no applicable
  Deny statement but also no applicable Allow statement."
Conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html):
  "Context key names are not case-sensitive."
Condition operators (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
  "If the key that you specify in a policy condition is not present in the request context, the
  values do not match and the condition is false. If the policy condition requires that the key is
  not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition
  is true. This logic applies to all condition operators except ...IfExists and Null check."
  IfExists: "If the policy key is present in the context of the request, process the key as
  specified in the policy. If the key is not present, evaluate the condition element as true."
  Null: "use either true (the key doesn't exist — it is null) or false (the key exists and its value
  is not null)". ArnLike: "Each of the six colon-delimited components of the ARN is checked
  separately and each can include multi-character match wildcards (*) or single-character match
  wildcards (?)". StringLike: "The values can include multi-character match wildcards (*) and
  single-character match wildcards (?) anywhere in the string."
Several keys or values (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html):
  "If your policy statement has multiple condition operators, the condition operators are evaluated
  using a logical AND." "If your policy statement has multiple context keys attached to a single
  condition operator, the context keys are evaluated using a logical AND." "If a single condition
  operator includes multiple values for a context key, those values are evaluated using a logical
  OR." "If a single negated matching condition operator includes multiple values for a context key,
  those values are evaluated using a logical NOR."
Set operators (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
  ForAllValues: "The condition returns true if every context key value in the request matches a
  context key value in the policy. It also returns true if there are no context keys in the
  request." ForAnyValue: "For no matching context key or a null dataset, the condition returns false."
Actions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html):
  case-insensitive, with * and ? wildcards.
Principal (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
  "*" and {"AWS": "*"} are every principal; an account (its 12-digit id or arn:...:root) stands for
  the principals of that account; {"Service": name} for the service principal. "*" is taken to cover
  service principals: AWS's data-perimeter guidance exempts services from a Deny "*" with
  aws:PrincipalIsAWSService (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice),
  which would be pointless otherwise.
Policy variables (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
  ${key} in Resource and in String, Arn and Bool condition values; ${*}, ${?} and ${$} stand for the
  literal characters; ${key, 'default'} gives a default when the key is absent.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal

EVALUATION_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
OPERATORS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"


# --- reading documents ------------------------------------------------------------------------


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


# --- three-valued logic (Kleene): True, False, None = cannot be decided ---------------------------


def _and(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _or(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


# --- the request ----------------------------------------------------------------------------------


class _Unknowable:
    """A context key the request carries whose value cannot be known offline (an organization id,
    the time of the call)."""

    def __repr__(self) -> str:
        return "UNKNOWABLE"


UNKNOWABLE = _Unknowable()
# A policy value built from something known only at deploy time (a parameter without a default, an
# import): a callers' rendering puts this character in it, and a comparison with it cannot be decided.
OPAQUE = "\ufffc"


@dataclass(frozen=True)
class Principal:
    """Who makes the request: a service principal, or an IAM principal by ARN (and its account)."""

    service: str | None = None
    arn: str | None = None
    account: str | None = None

    @classmethod
    def of(cls, value: Principal | str) -> Principal:
        if isinstance(value, Principal):
            return value
        text = str(value)
        if text.endswith((".amazonaws.com", ".amazonaws.com.cn")):
            return cls(service=text)
        if re.fullmatch(r"\d{12}", text):
            return cls(account=text)
        parts = text.split(":")
        return cls(arn=text, account=parts[4] if text.startswith("arn:") and len(parts) > 5 else None)

    def __str__(self) -> str:
        return self.service or self.arn or self.account or "anonymous"


@dataclass(frozen=True)
class Request:
    """One call AWS authorizes. `context` holds the keys AWS documents for the call, with their
    values (a string, a list of strings for a multivalued key, or UNKNOWABLE); `absent` the keys AWS
    documents as not sent with it. Any other key is undocumented for this request. `page` is where
    AWS says which keys the call carries."""

    principal: Principal | str
    action: str
    resource: str = "*"
    context: Mapping[str, Any] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    page: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "principal", Principal.of(self.principal))
        object.__setattr__(self, "context", {str(k).lower(): v for k, v in dict(self.context).items()})
        object.__setattr__(self, "absent", frozenset(str(k).lower() for k in self.absent))

    def lookup(self, key: str) -> tuple[str, Any]:
        """('present', value) | ('absent', None) | ('undocumented', None), key case-insensitive."""
        folded = key.lower()
        if folded in self.context:
            return "present", self.context[folded]
        if folded in self.absent:
            return "absent", None
        return "undocumented", None

    def describe(self) -> str:
        return self.name or f"{self.principal} {self.action} on {self.resource}"


class Outcome(str, Enum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit Deny applies
    IMPLICIT_DENY = "implicit-deny"
    UNKNOWN = "unknown"  # a statement that would decide depends on what cannot be known


@dataclass(frozen=True)
class StatementRef:
    document: int  # index of the document in the list evaluated
    index: int  # index of the statement in its document
    sid: str | None
    effect: str

    def __str__(self) -> str:
        name = f"statement {self.sid!r}" if self.sid else f"statement {self.index + 1}"
        return f"{name} ({self.effect})" + (f" of policy {self.document + 1}" if self.document else "")


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    request: Request
    statements: tuple[StatementRef, ...] = ()  # the statements that decided it (or left it unknown)
    unknown_keys: tuple[str, ...] = ()  # keys that could not be decided (unknown only)
    undocumented_keys: tuple[str, ...] = ()  # those of them the request does not document

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def explain(self) -> str:
        who = self.request.describe()
        where = ", ".join(str(s) for s in self.statements)
        if self.outcome is Outcome.ALLOW:
            return f"{who}: allowed by {where}"
        if self.outcome is Outcome.DENY:
            return f"{who}: explicitly denied by {where}"
        if self.outcome is Outcome.IMPLICIT_DENY:
            return f"{who}: no statement allows it (implicit deny)"
        return f"{who}: cannot be decided: {self.why_unknown()}"

    def why_unknown(self) -> str:
        parts = []
        undocumented = [k for k in self.unknown_keys if k in self.undocumented_keys]
        unknowable = [k for k in self.unknown_keys if k not in self.undocumented_keys]
        if undocumented:
            parts.append(
                f"{', '.join(undocumented)} {'is' if len(undocumented) == 1 else 'are'} not documented for "
                f"this request" + (f" ({self.request.page})" if self.request.page else "")
            )
        if unknowable:
            parts.append(f"the value of {', '.join(unknowable)} is known only when the call is made")
        if not parts:
            parts.append("a value of the policy is known only at deploy time")
        return "; ".join(parts) + (f" ({', '.join(str(s) for s in self.statements)})" if self.statements else "")


# --- matching -------------------------------------------------------------------------------------

_GLOB_CACHE: dict[tuple[str, bool], re.Pattern] = {}


def _glob(pattern: str, case_sensitive: bool = True) -> re.Pattern:
    """* and ? wildcards, nothing else special (fnmatch would read [ ] as a class)."""
    key = (pattern, case_sensitive)
    found = _GLOB_CACHE.get(key)
    if found is None:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        found = re.compile(body, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)
        _GLOB_CACHE[key] = found
    return found


def glob_match(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    return _glob(pattern, case_sensitive).fullmatch(value) is not None


def covers_action(patterns: Any, action: str) -> bool:
    """An Action list covers action: case-insensitive, * and ? wildcards."""
    return any(isinstance(p, str) and glob_match(str(p), action, case_sensitive=False) for p in as_list(patterns))


def statement_covers(statement: dict, action: str) -> bool:
    """Action, or NotAction (every action but those listed)."""
    if "NotAction" in statement:
        return not covers_action(statement["NotAction"], action)
    return covers_action(statement.get("Action"), action)


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _substitute(text: str, request: Request, unknown: set, undocumented: set) -> str | Literal[False] | None:
    """text with its policy variables replaced; None when a variable cannot be resolved (its key
    recorded in unknown, and in undocumented when the request does not document it); False when a
    variable's key is absent and has no default, so the value matches nothing
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)."""
    out, position, failed = [], 0, False
    for match in _VARIABLE.finditer(text):
        out.append(text[position : match.start()])
        position = match.end()
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            out.append("\x01" + inner)  # a literal wildcard character, not a wildcard
            continue
        key, _, default = inner.partition(",")
        key, default = key.strip(), default.strip()
        state, value = request.lookup(key)
        if state == "present" and value is not UNKNOWABLE and not isinstance(value, list):
            out.append(str(value))
        elif state == "present":
            unknown.add(key)
            failed = True
        elif state == "absent":
            if default.startswith("'") and default.endswith("'") and len(default) >= 2:
                out.append(default[1:-1])
            else:
                return False
        else:
            unknown.add(key)
            undocumented.add(key)
            failed = True
    out.append(text[position:])
    return None if failed else "".join(out)


def _pattern(text: str, case_sensitive: bool = True) -> re.Pattern:
    """A compiled wildcard pattern in which \\x01* \\x01? \\x01$ (from ${*}, ${?}, ${$}) are literals."""
    body, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\x01" and index + 1 < len(text):
            body.append(re.escape(text[index + 1]))
            index += 2
            continue
        body.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(body), re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def _literal(text: str) -> str:
    return re.sub("\x01(.)", r"\1", text)


def _resource_matches(patterns: Any, resource: str, request: Request, unknown: set, undocumented: set) -> bool | None:
    results: list[bool | None] = []
    for raw in as_list(patterns):
        if not isinstance(raw, str):
            results.append(False)
            continue
        if OPAQUE in raw:
            results.append(None)
            continue
        text = _substitute(raw, request, unknown, undocumented)
        if text is None or text is False:
            results.append(None if text is None else False)
            continue
        results.append(
            _arn_like(text, resource) if raw.startswith("arn:") else _pattern(text).fullmatch(resource) is not None
        )
    return _or(results)


def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike: the first five colon-delimited parts compared one by one, the resource part whole
    (it may hold colons)."""
    if pattern in ("*",):
        return True
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return _pattern(pattern).fullmatch(value) is not None
    return all(_pattern(p).fullmatch(v) is not None for p, v in zip(p_parts, v_parts))


def _account_of_principal_value(value: str) -> str | None:
    if re.fullmatch(r"\d{12}", value):
        return value
    match = re.fullmatch(r"arn:[a-z-]+:iam::(\d{12}|[^:]+):root", value)
    return match.group(1) if match else None


def _principal_matches(element: Any, principal: Principal) -> bool | None:
    """Whether a Principal element names the request's principal."""
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    results: list[bool | None] = []
    for kind, values in element.items():
        for value in as_list(values):
            if not isinstance(value, str):
                results.append(False)
                continue
            if OPAQUE in value:
                results.append(None)
            elif kind == "AWS" and value == "*":
                results.append(True)
            elif kind == "Service":
                results.append(principal.service is not None and value == principal.service)
            elif kind == "AWS":
                account = (
                    value
                    if principal.account is not None and value == principal.account
                    else _account_of_principal_value(value)
                )
                if account is not None:
                    results.append(principal.service is None and principal.account == account)
                else:
                    results.append(principal.arn is not None and value == principal.arn)
            else:  # Federated, CanonicalUser: never one of our requests
                results.append(principal.arn is not None and value == principal.arn)
    return _or(results)


# --- conditions ------------------------------------------------------------------------------------

_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
}
_VARIABLES_ALLOWED = {"String", "Arn", "Bool"}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _date(text: str) -> datetime | None:
    text = str(text).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC)
    try:
        parsed = datetime.fromisoformat(text)  # Python 3.11 reads a trailing "Z" as UTC
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare_one(base: str, policy_value: str, request_value: str) -> bool | None:
    """The positive form of an operator for one policy value and one request value."""
    if base in ("StringEquals", "StringNotEquals"):
        return _literal(policy_value) == request_value
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return _literal(policy_value).lower() == request_value.lower()
    if base in ("StringLike", "StringNotLike"):
        return _pattern(policy_value).fullmatch(request_value) is not None
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return _arn_like(policy_value, request_value)
    if base == "Bool":
        return policy_value.lower() == request_value.lower()
    if base == "BinaryEquals":
        return policy_value == request_value
    if base.startswith("Numeric"):
        a, b = _number(request_value), _number(policy_value)
        if a is None or b is None:
            return False
        op = base.replace("NumericNot", "Numeric")
        return {
            "NumericEquals": a == b,
            "NumericLessThan": a < b,
            "NumericLessThanEquals": a <= b,
            "NumericGreaterThan": a > b,
            "NumericGreaterThanEquals": a >= b,
        }[op]
    if base.startswith("Date"):
        when, limit = _date(request_value), _date(policy_value)
        if when is None or limit is None:
            return False
        op = base.replace("DateNot", "Date")
        return {
            "DateEquals": when == limit,
            "DateLessThan": when < limit,
            "DateLessThanEquals": when <= limit,
            "DateGreaterThan": when > limit,
            "DateGreaterThanEquals": when >= limit,
        }[op]
    if base in ("IpAddress", "NotIpAddress"):
        try:
            return ipaddress.ip_address(request_value) in ipaddress.ip_network(policy_value, strict=False)
        except ValueError:
            return False
    return None


KNOWN_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
}


def _split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """(set qualifier, base operator, IfExists) or None for an operator AWS does not define."""
    prefix, _, rest = operator.rpartition(":")
    qualifier = prefix or None
    if qualifier is not None and qualifier.lower() not in ("forallvalues", "foranyvalue"):
        return None
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in KNOWN_OPERATORS or (if_exists and base == "Null"):
        return None
    return (qualifier.lower() if qualifier else None), base, if_exists


def _values_for(
    base: str, raw_values: list, request: Request, unknown: set, undocumented: set
) -> list[str | Literal[False] | None]:
    """Policy values as strings, policy variables substituted where the operator allows them (None
    for a value that cannot be resolved, False for one that matches nothing)."""
    family = next((f for f in _VARIABLES_ALLOWED if base.startswith(f)), None)
    out: list[str | Literal[False] | None] = []
    for value in raw_values:
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str) or OPAQUE in value:
            out.append(None)
            continue
        if family and _VARIABLE.search(value):
            out.append(_substitute(value, request, unknown, undocumented))
        else:
            out.append(value)
    return out


def _condition_key(operator: str, key: str, raw: Any, request: Request, unknown: set, undocumented: set) -> bool | None:
    split = _split_operator(operator)
    if split is None:
        unknown.add(f"{operator} (not an operator AWS defines)")
        return None
    qualifier, base, if_exists = split
    state, value = request.lookup(key)
    if state == "undocumented":
        unknown.add(key)
        undocumented.add(key)
        return None
    if state == "present" and value is UNKNOWABLE:
        unknown.add(key)
        return None
    if base == "Null":
        wants_absent = [str(v).lower() == "true" for v in as_list(raw)]
        is_absent = state == "absent" or value in (None, "", [])
        return _or(w == is_absent for w in wants_absent)
    policy_values = _values_for(base, as_list(raw), request, unknown, undocumented)
    negated = base in _NEGATED
    request_values = [] if state == "absent" or value is None else [str(v) for v in as_list(value)]
    if not request_values:
        if if_exists:
            return True
        if qualifier == "forallvalues":
            return True
        if qualifier == "foranyvalue":
            return False
        return negated

    def one(request_value: str) -> bool | None:
        positive = _or(p if p is None or p is False else _compare_one(base, p, request_value) for p in policy_values)
        return _not(positive) if negated else positive

    if qualifier == "forallvalues":
        return _and(one(v) for v in request_values)
    if qualifier == "foranyvalue":
        return _or(one(v) for v in request_values)
    # a plain operator on a multivalued key: AWS says to use a set operator; any value matching counts
    return _or(one(v) for v in request_values)


def condition_holds(
    condition: Any, request: Request, unknown: set | None = None, undocumented: set | None = None
) -> bool | None:
    """A statement's Condition block for the request: True, False or None (cannot be decided)."""
    unknown = set() if unknown is None else unknown
    undocumented = set() if undocumented is None else undocumented
    if condition is None:
        return True
    if not isinstance(condition, dict):
        return None
    results: list[bool | None] = []
    for operator, block in condition.items():
        if not isinstance(block, dict):
            results.append(None)
            continue
        for key, raw in block.items():
            results.append(_condition_key(str(operator), str(key), raw, request, unknown, undocumented))
    return _and(results)


# --- statements and documents -------------------------------------------------------------------


def statement_applies(
    statement: dict, request: Request, unknown: set | None = None, undocumented: set | None = None
) -> bool | None:
    """Whether a statement applies to the request (its effect aside)."""
    unknown = set() if unknown is None else unknown
    undocumented = set() if undocumented is None else undocumented
    if not statement_covers(statement, request.action):
        return False
    principal = Principal.of(request.principal)  # a Principal already (Request.__post_init__)
    if "NotPrincipal" in statement:
        by_principal = _not(_principal_matches(statement["NotPrincipal"], principal))
    elif "Principal" in statement:
        by_principal = _principal_matches(statement["Principal"], principal)
    else:
        by_principal = True  # an identity policy: the identity it is attached to
    if by_principal is False:
        return False
    if "NotResource" in statement:
        by_resource = _not(
            _resource_matches(statement["NotResource"], request.resource, request, unknown, undocumented)
        )
    elif "Resource" in statement:
        by_resource = _resource_matches(statement["Resource"], request.resource, request, unknown, undocumented)
    else:
        by_resource = True  # a role trust policy has no Resource
    if by_resource is False:
        return False
    return _and(
        [by_principal, by_resource, condition_holds(statement.get("Condition"), request, unknown, undocumented)]
    )


def evaluate(documents: Any, request: Request) -> Decision:
    """AWS's decision on the request under the documents (one policy, or a list of them, each a
    dict or JSON text): an applicable explicit Deny wins, then an applicable Allow, else implicit
    deny; a statement that can neither be shown to apply nor not to apply makes the decision
    unknown when it could change it."""
    if isinstance(documents, (dict, str)) or documents is None:
        documents = [documents]
    verdicts: list[tuple[StatementRef, bool | None, set, set]] = []
    for d_index, document in enumerate(documents):
        for s_index, statement in enumerate(statements(document)):
            effect = str(statement.get("Effect", ""))
            if effect not in ("Allow", "Deny"):
                continue
            unknown: set = set()
            undocumented: set = set()
            applies = statement_applies(statement, request, unknown, undocumented)
            if applies is False:
                continue
            sid = statement.get("Sid")
            verdicts.append(
                (StatementRef(d_index, s_index, str(sid) if sid else None, effect), applies, unknown, undocumented)
            )

    def pick(effect: str, applies: bool | None) -> list:
        return [v for v in verdicts if v[0].effect == effect and v[1] is applies]

    if pick("Deny", True):
        return Decision(Outcome.DENY, request, tuple(v[0] for v in pick("Deny", True)))
    undecided_denies = pick("Deny", None)
    allows = pick("Allow", True)
    if undecided_denies:
        return _unknown(request, undecided_denies)
    if allows:
        return Decision(Outcome.ALLOW, request, tuple(v[0] for v in allows))
    undecided_allows = pick("Allow", None)
    if undecided_allows:
        return _unknown(request, undecided_allows)
    return Decision(Outcome.IMPLICIT_DENY, request)


def _unknown(request: Request, verdicts: list) -> Decision:
    unknown = sorted({k for v in verdicts for k in v[2]}, key=str.lower)
    undocumented = sorted({k for v in verdicts for k in v[3]}, key=str.lower)
    return Decision(Outcome.UNKNOWN, request, tuple(v[0] for v in verdicts), tuple(unknown), tuple(undocumented))


# --- the helpers the gate and the emulator used before the evaluator, kept over it ----------------


def names_service(principal: Any, service: str) -> bool:
    return isinstance(principal, dict) and service in as_list(principal.get("Service"))


def may_name_service(principal: Any, service: str) -> bool:
    """A Principal that is, or may be, the service principal: "*", {"AWS": "*"} or the service."""
    return _principal_matches(principal, Principal(service=service)) is not False


def deny_may_apply(statement: dict, service: str) -> bool:
    """A Deny's principal is everyone or the service, or NotPrincipal leaves the service out."""
    if "NotPrincipal" in statement:
        return _principal_matches(statement["NotPrincipal"], Principal(service=service)) is not True
    return may_name_service(statement.get("Principal"), service)


def _service_request(service: str, action: str) -> Request:
    """The service calling with nothing documented about its context: any condition is undecided."""
    return Request(Principal(service=service), action, "*", name=f"{service} {action}")


def _only(document: Any, keep) -> dict:
    """The statements kept, as a resource policy applies them to its own resource: the caller asks
    about the resource the policy is attached to, so Resource and NotResource are not compared."""
    return {
        "Statement": [
            {k: v for k, v in s.items() if k not in ("Resource", "NotResource")}
            for s in statements(document)
            if keep(s)
        ]
    }


def grants_service(document: Any, service: str, actions: tuple[str, ...] | list[str]) -> tuple[bool, str]:
    """Whether a resource policy (a key policy) lets the service principal do every action, and if
    not, what is missing. Stricter than evaluate() where AWS's pages do not settle the call: an Allow
    counts only when it names the service explicitly ("Principal": "*" is every principal, but the
    KMS page does not say a service takes it for a grant), and a condition on it counts only if the
    caller says which keys the service sends (here none are known, so it does not count).
    https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-key-policy.html"""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False, "the policy is not JSON"
    if not isinstance(document, dict):
        return False, "there is no policy"
    explicit = _only(
        document,
        lambda s: s.get("Effect") == "Deny" or names_service(s.get("Principal"), service) and "NotPrincipal" not in s,
    )
    missing = []
    for action in actions:
        decision = evaluate(explicit, _service_request(service, action))
        if decision.outcome is not Outcome.ALLOW:
            missing.append(f"{action} ({'denied' if decision.outcome is Outcome.DENY else 'not allowed'})")
    if not missing:
        return True, f"the policy allows {service} " + " and ".join(actions)
    return False, f"the policy does not let {service} use it: {', '.join(missing)}"


def denies_service(document: Any, service: str, action: str) -> bool:
    """The document holds a Deny of action that applies, or may apply, to the service principal."""
    decision = evaluate(_only(document, lambda s: s.get("Effect") == "Deny"), _service_request(service, action))
    return decision.outcome in (Outcome.DENY, Outcome.UNKNOWN)
