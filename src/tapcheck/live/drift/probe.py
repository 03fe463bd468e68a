"""The drift probes: one per check that owns rows of the table, each comparing, on every resource of
the deployed template, the values its rows cover with what AWS reports.

A probe passes when every value holds, fails naming each resource (logical and physical id), property,
the deployed template's value, the live one, and the call that sets it back with its AWS page; a
resource AWS no longer has fails every row of it. A value that cannot be known from the live stack (an
attribute tapcheck does not read back) is a skip when nothing else failed. The probes are generated
from the table (tapcheck.live.collect adds them after their folder's own), so a row is a probe's business
as soon as it is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tapcheck.live.context import Context, Fail, Skip
from tapcheck.live.drift.expected import Deployed, Unbound, bind, deployed
from tapcheck.live.drift.reader import Gone, Reader
from tapcheck.live.drift.table import ABSENT, ANY, ROWS, Row, checks
from tapcheck.model import Resource
from tapcheck.requirements.unit import ProbeMark

DRIFT_PAGE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html"


@dataclass(frozen=True)
class Item:
    """One row on one resource (key: the tag or parameter a "*" row stands for, else the path's end)."""

    row: Row
    resource: Resource
    key: str

    @property
    def label(self) -> str:
        return ".".join((*self.row.path[:-1], self.key))


def _raw(resource: Resource, path: tuple[str, ...]) -> Any:
    if path[0] == "Tags":
        tags = resource.get("Tags")
        if len(path) == 1:
            return tags
        found = [t.get("Value") for t in tags or [] if isinstance(t, dict) and str(t.get("Key")) == path[1]]
        return found[0] if found else ABSENT
    node: Any = resource.properties
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return ABSENT
        node = node[part]
    return node


def _keys(resource: Resource, prefix: tuple[str, ...]) -> list[str]:
    """The keys the template sets under prefix: tag keys, or a mapping's keys."""
    if prefix == ("Tags",):
        return [str(t.get("Key")) for t in resource.get("Tags") or [] if isinstance(t, dict)]
    node = _raw(resource, prefix) if prefix else resource.properties
    return [str(k) for k in node] if isinstance(node, dict) else []


def items(resource: Resource) -> list[Item]:
    """The table's rows on one resource of the deployed template."""
    rows = [r for r in ROWS if r.type == resource.type]
    out: list[Item] = []
    for row in rows:
        prefix = row.path[:-1]
        if row.path[-1] == ANY:
            named = {r.path[-1] for r in rows if r.path[:-1] == prefix and r.path[-1] != ANY}
            out += [Item(row, resource, key) for key in _keys(resource, prefix) if key not in named]
        elif _raw(resource, row.path) is not ABSENT or row.default is not ABSENT:
            out.append(Item(row, resource, row.path[-1]))
    return out


def expected_value(item: Item, dep: Deployed, reader: Reader) -> Any:
    path = (*item.row.path[:-1], item.key)
    raw = _raw(item.resource, path)
    value = item.row.default if raw is ABSENT else bind(raw, dep, reader)
    return _normalised(item.row, value, reader)


def live_value(item: Item, physical: str, reader: Reader) -> Any:
    return _normalised(item.row, item.row.read(reader, physical, item.key), reader)


def _normalised(row: Row, value: Any, reader: Reader) -> Any:
    if row.resolve is not None:
        value = row.resolve(reader, value)
    return row.normalise(value)


def shown(value: Any) -> str:
    """A normalised value for a message: sets sorted, absent for None."""
    if value is None:
        return "absent"
    if isinstance(value, frozenset):
        return "[" + ", ".join(shown(v) for v in sorted(value)) + "]"
    if isinstance(value, tuple):
        return "=".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def brief(value: Any, limit: int = 60) -> str:
    text = shown(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def difference(template: Any, live: Any) -> str:
    """How two values differ: for policy documents, the statements only one side has."""
    if isinstance(template, dict) and isinstance(live, dict) and "Statement" in template and "Statement" in live:
        parts = [
            f"{k} {shown(live.get(k))} live, {shown(template.get(k))} in the deployed template"
            for k in sorted(set(template) | set(live))
            if k != "Statement" and template.get(k) != live.get(k)
        ]
        only_live = [st for st in live["Statement"] if st not in template["Statement"]]
        only_template = [st for st in template["Statement"] if st not in live["Statement"]]
        if only_live:
            parts.append(f"statements only live: {shown(only_live)}")
        if only_template:
            parts.append(f"statements only in the deployed template: {shown(only_template)}")
        return "differs: " + "; ".join(parts)
    return f"is {shown(live)} live, {shown(template)} in the deployed template"


def drift_text(item: Item, where: str, template: Any, live: Any) -> str:
    intended = "the live document" if isinstance(live, dict) else shown(live)
    one_way = f", {item.row.one_way}" if item.row.one_way else ""
    return (
        f"{where} {item.label} {difference(template, live)}; fix: set it back with {' or '.join(item.row.calls)} "
        f"({item.row.page}{one_way}), or deploy a template that sets {intended}"
    )


@dataclass
class Verdict:
    """What check's rows found on the stack, item by item (logical id, label)."""

    held: dict[tuple[str, str], str] = field(default_factory=dict)  # -> the value, briefly
    drifted: dict[tuple[str, str], str] = field(default_factory=dict)  # -> the sentence saying how, and the fix
    unknown: dict[tuple[str, str], str] = field(default_factory=dict)  # -> why the template's value is not known
    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # held, by AWS's own change: what to update
    gone: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # resource -> (why, its labels)


def evaluate(ctx: Context, check: str) -> Verdict:
    dep, reader = deployed(ctx), Reader(ctx)
    verdict = Verdict()
    for resource in dep.model.resources.values():
        mine = [i for i in items(resource) if i.row.check == check]
        physical = dep.physical.get(resource.logical_id)
        where = f"{resource.logical_id} ({physical})"
        for item in mine:
            key = (resource.logical_id, item.label)
            if physical is None:
                verdict.gone.setdefault(where, ("the stack lists no physical resource for it", []))[1].append(
                    item.label
                )
                continue
            try:
                template = expected_value(item, dep, reader)
            except Unbound as e:
                verdict.unknown[key] = f"{where} {item.label}: the template's value is not known from the stack ({e})"
                continue
            try:
                live = live_value(item, physical, reader)
            except Gone as e:
                verdict.gone.setdefault(where, (str(e), []))[1].append(item.label)
                continue
            note = item.row.note(template, live) if item.row.note else None
            if item.row.same(template, live) if item.row.same else template == live:
                verdict.held[key] = brief(template)
            elif note is not None:
                verdict.held[key] = brief(live)
                verdict.notes[key] = f"{where} {item.label}: {note}"
            else:
                verdict.drifted[key] = drift_text(item, where, template, live)
    return verdict


def judge(ctx: Context, check: str) -> str:
    """The verdict of check's rows on the stack: a detail when all hold; Fail or Skip otherwise."""
    from tapcheck.requirements.registry import registry

    verdict = evaluate(ctx, check)
    drifted = list(verdict.drifted.values()) + [
        f"{where} is gone ({why}), so its {', '.join(labels)} as the deployed template sets them cannot hold; fix: "
        f"recreate it through CloudFormation (a resource deleted outside the stack is drift CloudFormation does not "
        f"repair: {DRIFT_PAGE})"
        for where, (why, labels) in verdict.gone.items()
    ]
    if drifted:
        requirements = ", ".join(registry().requirements_of(check))
        raise Fail(f"drift from the deployed template ({requirements}): " + "; ".join(drifted))
    if verdict.unknown:
        raise Skip("; ".join(verdict.unknown.values()))
    if not verdict.held:
        return "the deployed template sets none of these values"
    held = [f"{logical}.{label}={value}" for (logical, label), value in verdict.held.items()]
    listed = ", ".join(held[:4]) + (f" and {len(held) - 4} more" if len(held) > 4 else "")
    notes = "".join(f"; note: {text}" for text in verdict.notes.values())
    return f"{len(held)} value(s) as deployed: {listed}{notes}"


def _title(check: str) -> str:
    labels = dict.fromkeys(f"{row.type.split('::')[-1]} {row.label}" for row in ROWS if row.check == check)
    return "as the deployed template sets them (no drift): " + ", ".join(labels)


def probe_name(check: str) -> str:
    """The drift probe of a check, as reports print it: drift_backup_window."""
    return "drift_" + check.replace("-", "_")


def _probe_function(check: str) -> Callable[[Context], str]:
    def run(ctx: Context) -> str:
        return judge(ctx, check)

    run.__name__ = run.__qualname__ = probe_name(check)
    run.__doc__ = _title(check)
    return run


def drift_probes() -> list[tuple[Callable[[Context], str], ProbeMark, str]]:
    """(function, mark, folder) of one control-plane probe per check that owns rows, in the folder that
    defines the check."""
    from tapcheck.requirements.registry import registry

    known = registry().checks
    return [
        (_probe_function(check), ProbeMark((check,), _title(check), "control", False), known[check].folder)
        for check in checks()
    ]
