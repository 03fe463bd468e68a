"""Plans as text (one line per change, the most dangerous first) and as JSON."""

from __future__ import annotations

import json

from tapcheck.plan.diff import Change, PropertyChange
from tapcheck.plan.planner import Plan, blocking_risks, is_blocking
from tapcheck.plan.risks import ORDER
from tapcheck.plan.values import MISSING, is_sensitive, show

MAX_PROPERTIES_IN_REASON = 3


def reason(change: Change) -> str:
    parts = []
    if change.action == "add":
        parts.append("new in the template: CloudFormation creates it")
    elif change.action == "remove":
        parts.append("gone from the template: CloudFormation deletes it as its DeletionPolicy says")
    deciding = [p for p in change.properties if p.replacement == change.replacement] or change.properties
    for prop in deciding[:MAX_PROPERTIES_IN_REASON]:
        parts.append(f"{_values(prop)}: {prop.why}")
    if len(deciding) > MAX_PROPERTIES_IN_REASON:
        parts.append(f"and {len(deciding) - MAX_PROPERTIES_IN_REASON} more such properties")
    for risk in change.risks:
        parts.append(f"{risk.name}{'' if risk.certain else ' (unknown)'}: {risk.detail}")
    parts.extend(change.notes)
    if change.allowed_by:
        parts.append(f"allowed by {change.allowed_by}")
    return "; ".join(parts)


def _value(prop: PropertyChange, value) -> str:
    return "(hidden)" if is_sensitive(prop.name) else show(value)


def _values(prop: PropertyChange) -> str:
    """`Name old -> new`; for mappings only the keys that differ; once when the text is equal
    (a reference whose target gets a new physical id)."""
    if isinstance(prop.old, dict) and isinstance(prop.new, dict) and not is_sensitive(prop.name):
        keys = [
            k
            for k in list(prop.old) + [k for k in prop.new if k not in prop.old]
            if show(prop.old.get(k, MISSING)) != show(prop.new.get(k, MISSING))
        ]
        if keys:
            return ", ".join(
                f"{prop.name}.{k} {show(prop.old.get(k, MISSING))} -> {show(prop.new.get(k, MISSING))}" for k in keys
            )
    before, after = _value(prop, prop.old), _value(prop, prop.new)
    return f"{prop.name} {before}" if before == after else f"{prop.name} {before} -> {after}"


def _risk_labels(change: Change) -> list[str]:
    labels = []
    for risk in change.risks:
        label = risk.name if risk.certain else f"{risk.name} (unknown)"
        if label not in labels:
            labels.append(label)
    return labels


def _status(change: Change) -> str:
    if is_blocking(change):
        return "BLOCK"
    if blocking_risks(change):
        return "ALLOWED"
    return "WARN" if change.risks else "OK"


def text(plans: list[Plan]) -> str:
    lines = []
    for plan in plans:
        lines.append(f"tapcheck plan: {plan.old} -> {plan.new}" + _parameter_text(plan))
        lines.extend(f"  note: {note}" for note in plan.notes)
        for change in plan.changes:
            risks = f" [{', '.join(_risk_labels(change))}]" if change.risks else ""
            lines.append(
                f"{_status(change):7} {change.action:7} {change.resource} ({change.type}){risks}: {reason(change)}"
            )
        for allow in plan.unused_allows:
            lines.append(f"NOTE    {allow.source} allows nothing here: {allow.resource} has no blocking change")
        lines.append(summary(plan))
    return "\n".join(lines) + "\n"


def _parameter_text(plan: Plan) -> str:
    old_parameters = plan.old_parameters
    if old_parameters is None:
        return f" with {', '.join(f'{k}={v}' for k, v in plan.parameters.items())}" if plan.parameters else ""

    def shown(key: str, value: str | None) -> str:
        # DescribeStacks masks a NoEcho parameter as "****": never print the new value beside it
        hidden = old_parameters.get(key) == "****" or is_sensitive(key)
        return "(unset)" if value is None else ("(hidden)" if hidden else value)

    changed = [
        f"{k} {shown(k, old_parameters.get(k))} -> {shown(k, v)}"
        for k, v in plan.parameters.items()
        if old_parameters.get(k) != v
    ]
    return f" with parameters changed: {', '.join(changed)}" if changed else " with the same parameter values"


def summary(plan: Plan) -> str:
    allowed = [c for c in plan.changes if c.allowed_by]
    allowed_text = "; ".join(
        f"{c.resource} ({', '.join(blocking_risks(c))}) allowed by {c.allowed_by}" for c in allowed
    )
    if not plan.safe:
        blocked = [c for c in plan.changes if is_blocking(c)]
        named = ", ".join(f"{c.resource} ({', '.join(blocking_risks(c))})" for c in blocked)
        return f"NOT SAFE: {named}. Fix the edit, or {plan.allow_hint}" + (f"; {allowed_text}" if allowed else "")
    if not plan.changes:
        return "safe: no resource changes"
    return f"safe: {len(plan.changes)} change(s), none blocking" + (f"; {allowed_text}" if allowed else "")


def as_dict(plan: Plan) -> dict:
    return {
        "safe": plan.safe,
        "old": plan.old,
        "new": plan.new,
        "parameters": plan.parameters,
        **({"old_parameters": plan.old_parameters} if plan.old_parameters is not None else {}),
        "changes": [_change(c) for c in plan.changes],
        "unused_allows": [
            {
                "resource": a.resource,
                "source": a.source,
                "message": f"{a.source} allows nothing: {a.resource} has no blocking change",
            }
            for a in plan.unused_allows
        ],
        "notes": plan.notes,
    }


def _change(change: Change) -> dict:
    return {
        "resource": change.resource,
        "type": change.type,
        "action": change.action,
        "replacement": change.replacement,
        "properties": [p.name for p in change.properties],
        "risks": sorted({r.name for r in change.risks if r.certain}, key=_risk_order),
        "unknown_risks": sorted({r.name for r in change.risks if not r.certain}, key=_risk_order),
        "blocking": is_blocking(change),
        "allowed_by": change.allowed_by,
        "reason": reason(change),
        "details": [
            {
                "property": p.name,
                "old": _value(p, p.old),
                "new": _value(p, p.new),
                "replacement": p.replacement,
                "why": p.why,
                "may_change_only": p.maybe,
            }
            for p in change.properties
        ],
        "risk_details": [
            {"risk": r.name, "certain": r.certain, "detail": r.detail, "source": r.source} for r in change.risks
        ],
    }


def _risk_order(name: str) -> int:
    return ORDER.index(name)


def json_text(plans: list[Plan]) -> str:
    if len(plans) == 1:
        document = as_dict(plans[0])
    else:
        document = {"safe": all(p.safe for p in plans), "plans": [as_dict(p) for p in plans]}
    return json.dumps(document, indent=2) + "\n"


def as_report(plans: list[Plan]):
    """The plans as a LiveReport (JUnit): one case per resource change, failed when it blocks."""
    from tapcheck.findings import Status
    from tapcheck.report.live import Case, LiveReport

    cases = [
        Case(
            f"{change.resource} ({change.type}) {change.action}",
            (),
            Status.FAIL if is_blocking(change) else Status.PASS,
            reason(change),
        )
        for plan in plans
        for change in plan.changes
    ]
    subject = "; ".join(f"{plan.old} -> {plan.new}" for plan in plans)
    safe = all(plan.safe for plan in plans)
    return LiveReport(
        "plan", subject, None, cases, "\n".join(summary(plan) for plan in plans), 0 if safe else 1, text=text(plans)
    )


def markdown(plans: list[Plan]) -> str:
    """The plan for a pipeline's job summary ($GITHUB_STEP_SUMMARY): a verdict line and a table."""
    lines = []
    for plan in plans:
        verdict = "safe" if plan.safe else "**NOT SAFE**"
        lines += [f"### tapcheck plan: `{plan.old}` → `{plan.new}`: {verdict}", ""]
        lines += [f"> note: {note}" for note in plan.notes]
        if plan.changes:
            lines += ["| status | action | resource | type | risks | why |", "|---|---|---|---|---|---|"]
            for change in plan.changes:
                cells = [
                    _status(change),
                    change.action,
                    f"`{change.resource}`",
                    change.type,
                    ", ".join(_risk_labels(change)) or "-",
                    reason(change),
                ]
                lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        lines += ["", summary(plan), ""]
    return "\n".join(lines)
