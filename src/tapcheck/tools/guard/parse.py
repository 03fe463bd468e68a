"""Reading cfn-guard's structured report: every failed clause, with its message, path and line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_LINE = re.compile(r"\[L:(\d+),C:\d+\]")
_KEY = re.compile(r"[A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class GuardFailure:
    rule: str  # the named rule that failed
    message: str  # the custom message of the failing clause (or of its enclosing rule)
    path: str  # JSON pointer of the value at fault
    line: int | None  # 1-based line in the template, when cfn-guard knew it


def failures(report: Any) -> list[GuardFailure]:
    found: list[GuardFailure] = []
    if not isinstance(report, dict):
        return found
    for entry in report.get("not_compliant") or []:
        rule = entry.get("Rule") if isinstance(entry, dict) else None
        if not isinstance(rule, dict):
            continue
        name = str(rule.get("name") or "")
        leaves = list(_leaves({"Rule": rule}, ""))
        if not leaves:
            leaves = [(_custom(rule), "", None)]
        found += [GuardFailure(name, message, path, line) for message, path, line in leaves]
    return found


def _custom(node: Any) -> str:
    messages = node.get("messages") if isinstance(node, dict) else None
    text = messages.get("custom_message") if isinstance(messages, dict) else None
    if not text:
        return ""
    text = str(text)
    if text.startswith(";"):  # cfn-guard 3.1.1 joins a message's lines with ";" in some reports
        text = text.replace(";", " ")
    return " ".join(text.split())


def _leaves(node: Any, inherited: str) -> Iterator[tuple[str, str, int | None]]:
    """(message, path, line) of every failed clause under node; a disjunction counts once."""
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item, inherited)
        return
    if not isinstance(node, dict):
        return
    if "Rule" in node and isinstance(node["Rule"], dict):
        rule = node["Rule"]
        yield from _leaves(rule.get("checks") or [], _custom(rule) or inherited)
    elif "Disjunctions" in node:
        inner = list(_leaves((node["Disjunctions"] or {}).get("checks") or [], ""))
        message = next((m for m, _, _ in inner if m), inherited)
        path = next((p for _, p, _ in inner if p), "")
        line = next((n for _, _, n in inner if n), None)
        yield message, path, line
    elif "Clause" in node or "Block" in node:
        clause = node.get("Clause") or node.get("Block") or {}
        if isinstance(clause, dict) and len(clause) == 1 and isinstance(next(iter(clause.values())), dict):
            clause = next(iter(clause.values()))  # Binary | Unary | ...
        yield _custom(clause) or inherited, _path(clause), _line(clause)
    else:  # a node kind this version does not know: keep the failure, never drop it
        yield inherited, _path(node), _line(node)


def _path(node: Any) -> str:
    """The JSON pointer of the first value the failed check looked at."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            reached = item.get("traversed_to")
            if isinstance(reached, dict) and isinstance(reached.get("path"), str):
                path = reached["path"]
                value, key = reached.get("value"), _KEY.match(str(item.get("remaining_query") or ""))
                if key and isinstance(value, dict):
                    # the missing key: "Tags" of "Tags. (filter-clauses)", "rds.force_ssl" whole
                    path = f"{path}/{key.group(0).rstrip('.')}"
                return path
            if isinstance(item.get("path"), str) and item["path"].startswith("/"):
                return item["path"]
            stack.extend(reversed([v for v in item.values() if isinstance(v, (dict, list))]))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return ""


def _line(node: Any) -> int | None:
    messages = node.get("messages") if isinstance(node, dict) else None
    text = str((messages or {}).get("error_message") or "") if isinstance(messages, dict) else ""
    for match in _LINE.finditer(text):
        if int(match.group(1)) > 0:
            return int(match.group(1)) + 1  # cfn-guard counts lines from 0
    return None


def _resource(path: str) -> str | None:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "Resources" and parts[2] else None


def _after(text: str, label: str, stop: str | None = None) -> str:
    start = text.find(label)
    if start < 0:
        return ""
    rest = text[start + len(label) :]
    if stop and stop in rest:
        rest = rest[: rest.index(stop)]
    return rest.strip()
