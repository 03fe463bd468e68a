"""One spelling per meaning, for comparing what the deployed template sets with what AWS reports.

Each function takes a value as either side gives it (the resolved template, or a describe call's
answer) and returns a plain value that compares equal exactly when the two mean the same to AWS.
None stands for "not set". Pure: no AWS call, so tests/unit/test_drift_normalise.py runs them alone.
"""

from __future__ import annotations

import json
from typing import Any

from tapcheck.model import as_bool, as_int, as_number, as_str
from tapcheck.plan.values import plain


def boolean(value: Any) -> bool | None:
    """CloudFormation takes true/false and the strings "true"/"false" in any case; the APIs answer booleans."""
    return None if value is None else as_bool(value)


def integer(value: Any) -> int | None:
    """7, "7" and 7.0 are one number of days, seconds or periods."""
    return None if value is None else as_int(value)


def number(value: Any) -> float | None:
    """80, "80" and 80.0 are one threshold or capacity."""
    return None if value is None else as_number(value)


def text(value: Any) -> str | None:
    return None if value is None else as_str(value)


def lower(value: Any) -> str | None:
    """RDS stores identifiers (clusters, parameter groups) in lower case: DBClusterIdentifier "is stored as a
    lowercase string" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html).
    Windows: the API reference lists the valid days capitalised ("Mon, Tue, ...",
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html) where templates and
    RDS's answers write them lower case; whether RDS keeps the case given: docs silent, so a window differing
    only in case is not called drift."""
    found = text(value)
    return None if found is None else found.lower()


def parameter_value(value: Any) -> str | None:
    """A DB parameter's value as RDS keeps it (a string: CloudFormation sends 1 as "1"). Compared without
    case: PostgreSQL reads enum and boolean settings case-insensitively
    (https://www.postgresql.org/docs/15/config-setting.html#CONFIG-SETTING-NAMES-VALUES)."""
    return lower(value)


def id_set(value: Any) -> frozenset[str]:
    """A list whose order AWS does not keep (security groups, subnets, policy ARNs, log types, alarm
    actions): the set of its items. Absent and empty are the same."""
    if value is None:
        return frozenset()
    items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    return frozenset(str(as_str(item) if as_str(item) is not None else item) for item in items)


def dimensions(value: Any) -> frozenset[tuple[str, str]]:
    """Alarm dimensions: a metric is identified by its set of name/value pairs, in no order
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension)."""
    return frozenset((str(d.get("Name")), str(as_str(d.get("Value")))) for d in value or [])


def tags(value: Any) -> dict[str, str]:
    """Tags as one mapping, from {Key, Value} lists (RDS, IAM, SNS, CloudWatch, Secrets Manager),
    {TagKey, TagValue} lists (KMS) or a plain mapping (CloudWatch Logs)."""
    if isinstance(value, dict):
        return {str(k): str(as_str(v)) for k, v in value.items()}
    out: dict[str, str] = {}
    for tag in value or []:
        key = tag.get("Key", tag.get("TagKey"))
        out[str(key)] = str(as_str(tag.get("Value", tag.get("TagValue", ""))))
    return out


_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")


def policy(value: Any) -> Any:
    """A JSON policy document in one form: parsed from its string, a single statement as a list of one,
    a single action, resource or principal as a list of one, lists sorted, statements in a stable order.
    IAM policy grammar admits both forms for each of these and gives them one meaning
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if not isinstance(value, dict):
        return value
    statements = value.get("Statement")
    statements = statements if isinstance(statements, list) else [statements] if statements is not None else []
    canonical = [_statement(s) for s in statements]
    out = {k: _plain(v) for k, v in value.items() if k != "Statement"}
    out["Statement"] = sorted(canonical, key=lambda s: json.dumps(s, sort_keys=True))
    return out


def _statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return _plain(statement)
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _LIST_KEYS:
            out[key] = _sorted_list(value)
        elif key in ("Principal", "NotPrincipal") and isinstance(value, dict):
            out[key] = {k: _sorted_list(v) for k, v in value.items()}
        elif key == "Condition" and isinstance(value, dict):
            out[key] = {
                op: {k: _sorted_list(v) for k, v in (body or {}).items()} if isinstance(body, dict) else body
                for op, body in value.items()
            }
        else:
            out[key] = _plain(value)
    return out


def _sorted_list(value: Any) -> list:
    items = value if isinstance(value, list) else [value]
    return sorted((_plain(v) for v in items), key=lambda v: json.dumps(v, sort_keys=True))


def _plain(value: Any) -> Any:
    """Resolved-template strings (model.Str) and booleans written as strings, as JSON would carry them."""
    return plain(value, bools_as_text=True)
