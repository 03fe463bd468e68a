"""A plan: both versions resolved with the same parameter values, diffed, assessed, and the
explicitly allowed changes marked (never silently)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tapcheck.model import Model, build_model
from tapcheck.plan.diff import Change, diff_models
from tapcheck.plan.risks import BLOCKING, ORDER, assess
from tapcheck.plan.sources import Version

ACTION_ORDER = ("replace", "remove", "modify", "add")


@dataclass
class Allow:
    resource: str
    source: str  # "--allow AuroraCluster" or "TAPCHECK_PLAN_ALLOW=AuroraCluster"


@dataclass
class Plan:
    old: str
    new: str
    parameters: dict[str, str]
    changes: list[Change]
    unused_allows: list[Allow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    old_parameters: dict[str, str] | None = None  # None: the same values as `parameters`
    # how a blocked change can be let through, where this plan runs (the summary line says it)
    allow_hint: str = "allow an intended change explicitly with --allow RESOURCE"

    @property
    def safe(self) -> bool:
        return not any(is_blocking(c) for c in self.changes)


def blocking_risks(change: Change) -> list[str]:
    return [r.name for r in change.risks if r.certain and r.name in BLOCKING]


def is_blocking(change: Change) -> bool:
    return bool(blocking_risks(change)) and change.allowed_by is None


def danger(change: Change) -> tuple:
    """Sort key: blocking first, then allowed-blocking, then by the worst risk and the action."""
    worst = min((ORDER.index(r.name) + (0 if r.certain else 0.5) for r in change.risks), default=len(ORDER))
    return (
        not is_blocking(change),
        not blocking_risks(change),
        worst,
        ACTION_ORDER.index(change.action),
        change.resource,
    )


def make_plan(
    old: Version,
    new: Version,
    parameters: dict[str, str],
    allows: list[Allow],
    old_parameters: dict[str, str] | None = None,
) -> Plan:
    """`parameters` resolve both versions, unless `old_parameters` is given for the old one: a
    deployed stack's current values against the values an update submits (deploy does that)."""
    if new.tree is None:  # the new version is read from a file; only an old one may be missing
        raise ValueError(f"{new.label}: a plan needs the new version's template")
    new_model = build_model(new.label, new.tree, parameters)
    old_values = parameters if old_parameters is None else old_parameters
    old_model = build_model(old.label, old.tree, old_values) if old.tree is not None else _empty(old.label)
    changes = diff_models(old_model, new_model)
    assess(changes, old_model, new_model)
    plan = Plan(
        old.label,
        new.label,
        dict(parameters),
        changes,
        old_parameters=None if old_parameters is None else dict(old_parameters),
    )
    if old.tree is None:
        plan.notes.append(f"{old.label} does not exist (the file is not committed yet there): every resource is new")
    by_id = {c.resource: c for c in changes}
    for allow in allows:
        change = by_id.get(allow.resource)
        if change is not None and blocking_risks(change):
            change.allowed_by = allow.source
        else:
            plan.unused_allows.append(allow)
    plan.changes.sort(key=danger)
    return plan


def _empty(label: str) -> Model:
    return Model(path=label, raw={}, parameters={})
