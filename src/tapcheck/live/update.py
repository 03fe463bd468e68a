"""`tapcheck deploy` on a stack that exists: plan first, refuse blocking changes unless allowed,
then update -- through a change set on AWS, UpdateStack on the local emulator.

OLD is the template the stack runs (GetTemplate, stage Original) with the stack's current
parameter values; NEW is the file with the values given, the others kept (UsePreviousValue) or,
for a parameter the stack does not have yet, the template's Default. The plan decides what is
blocking (docs/plan.md); `--allow RESOURCE` accepts one resource's blocking change, visibly.

On AWS the change set is CloudFormation's own prediction: its Replacement verdict is printed
beside the plan's for every resource, and the update stops before ExecuteChangeSet when the two
disagree (compare_verdicts says when they do).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from tapcheck.errors import UsageError
from tapcheck.live.target import Target

# Stack states an update may start from (UpdateStack refuses the others; ROLLBACK_COMPLETE can
# only be deleted): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
UPDATABLE_STATES = (
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
)
CHANGE_SET_WAIT_S = 600.0
POLICY_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class UpdateRefused(Exception):
    """The plan found blocking changes nobody allowed: nothing was changed."""

    def __init__(self, plan: Any) -> None:
        from tapcheck.plan.planner import is_blocking

        self.plan = plan
        self.blocked = [c.resource for c in plan.changes if is_blocking(c)]
        super().__init__(f"blocking changes: {', '.join(self.blocked)}")


class VerdictsDisagree(Exception):
    """CloudFormation's change set and the plan disagree: the change set was not executed."""

    def __init__(self, rows: list[VerdictRow], change_set: str) -> None:
        self.rows = [r for r in rows if not r.agree]
        self.change_set = change_set
        super().__init__(", ".join(r.resource for r in self.rows))


@dataclass
class Prepared:
    stack: dict[str, Any]
    template_text: str
    old_values: dict[str, str]
    new_values: dict[str, str]
    api_parameters: list[dict[str, Any]]
    plan: Any
    unchanged: bool  # same template text and parameter values
    kept_defaults: list[KeptValue] = field(default_factory=list)


@dataclass
class KeptValue:
    """A parameter whose Default the edit changes while the stack keeps its value: a parameter not
    given is sent as UsePreviousValue, which "During a stack update, use[s] the existing parameter
    value that the stack is using for a given parameter key"
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html) -- as
    `aws cloudformation deploy` does. So the new Default is not applied, and `tapcheck plan --head`
    (which resolves each version with its own Defaults) reports a change the deploy does not make."""

    parameter: str
    kept: str
    new_default: str
    hidden: bool  # NoEcho, masked by DescribeStacks, or a secret-like name

    def line(self) -> str:
        if self.hidden:
            return (
                f"NOTE    parameter {self.parameter}: the template changes its Default, but the stack keeps its "
                f"current value (not shown: NoEcho); parameters not given keep their values on an update. To "
                f"apply the new Default: --param {self.parameter}=<the new value>"
            )
        return (
            f"NOTE    parameter {self.parameter}: the template's Default is now {self.new_default!r}, but the "
            f"stack keeps {self.kept!r} (parameters not given keep their values on an update, as `aws "
            f"cloudformation deploy` does). To apply the new Default: --param {self.parameter}={self.new_default}"
        )


def kept_defaults(old_tree: dict, new_tree: dict, given: dict[str, str], old_values: dict[str, str]) -> list[KeptValue]:
    """The parameters whose Default changed between the deployed template and the new one, that the
    update keeps at the stack's value (not given, the stack has one, and it is not the new Default)."""
    from tapcheck.plan.values import is_sensitive

    old_declared = old_tree.get("Parameters") or {}
    kept = []
    for key, declaration in (new_tree.get("Parameters") or {}).items():
        key = str(key)
        if key in given or key not in old_values or not isinstance(declaration, dict) or "Default" not in declaration:
            continue
        new_default = _parameter_text(declaration["Default"])
        before = old_declared.get(key)
        if not isinstance(before, dict):
            before = {}
        if "Default" in before and _parameter_text(before["Default"]) == new_default:
            continue  # the Default did not change
        if old_values[key] == new_default:
            continue  # the stack already runs with it
        hidden = str(declaration.get("NoEcho", "")).lower() == "true" or old_values[key] == "****" or is_sensitive(key)
        kept.append(KeptValue(key, old_values[key], new_default, hidden))
    return kept


def _parameter_text(value: Any) -> str:
    """A Default as CloudFormation hands the value back: a string (a list Default joined by commas)."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@dataclass
class VerdictRow:
    resource: str
    plan: str
    cloudformation: str
    agree: bool
    note: str = ""


@dataclass
class UpdateResult:
    stack_id: str
    status: str
    plan: Any
    verdicts: list[VerdictRow] = field(default_factory=list)
    changed: bool = True
    events: list[dict[str, Any]] = field(default_factory=list)


def _deployed_template(target: Target, stack_name: str) -> str:
    body = target.client("cloudformation").get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
    # boto3 hands a JSON template back already parsed
    return body if isinstance(body, str) else json.dumps(body)


def prepare(
    target: Target, template_path: str, stack: dict[str, Any], given: dict[str, str], allows: list[str]
) -> Prepared:
    from tapcheck.loader import load_template, parse_text
    from tapcheck.plan.planner import Allow, make_plan
    from tapcheck.plan.sources import Version

    name = stack["StackName"]
    status = stack["StackStatus"]
    if status not in UPDATABLE_STATES:
        fix = (
            "destroy it and deploy again"
            if status == "ROLLBACK_COMPLETE"
            else "wait for the operation in progress to finish"
            if status.endswith("_IN_PROGRESS")
            else "repair or destroy the stack first"
        )
        raise UsageError(f"stack {name}", f"is {status} and cannot be updated", fix)
    new = load_template(template_path)
    declared = new.tree.get("Parameters") or {}
    unknown = sorted(set(given) - {str(k) for k in declared})
    if unknown:
        raise UsageError(
            f"--param {unknown[0]}",
            "is not a parameter of the template",
            f"use one of {', '.join(sorted(str(k) for k in declared))}",
        )
    old_text = _deployed_template(target, name)
    old_tree = parse_text(old_text, f"stack {name} (deployed)")
    old_values = {p["ParameterKey"]: p.get("ResolvedValue", p["ParameterValue"]) for p in stack.get("Parameters") or []}
    new_values: dict[str, str] = {}
    api: list[dict[str, Any]] = []
    for key in (str(k) for k in declared):
        if key in given:
            new_values[key] = given[key]
            api.append({"ParameterKey": key, "ParameterValue": given[key]})
        elif key in old_values:
            new_values[key] = old_values[key]
            api.append({"ParameterKey": key, "UsePreviousValue": True})
        # else: the template's Default applies (a required parameter without one is refused below)
    missing = sorted(str(k) for k, v in declared.items() if str(k) not in new_values and "Default" not in (v or {}))
    if missing:
        raise UsageError(
            f"stack {name}", f"missing parameter(s) {', '.join(missing)}", "pass --param KEY=VALUE for each"
        )
    resources = {str(r) for tree in (old_tree, new.tree) for r in (tree.get("Resources") or {})}
    for allow in allows:
        if allow not in resources:
            raise UsageError(
                f"--allow {allow}",
                f"names no resource of either version ({allow})",
                "give the logical id of the resource whose change you intend",
            )
    plan = make_plan(
        Version(f"stack {name} (deployed)", old_tree),
        Version(template_path, new.tree),
        new_values,
        [Allow(a, f"--allow {a}") for a in allows],
        old_parameters=old_values,
    )
    unchanged = old_text == new.text and all(new_values.get(k) == v for k, v in old_values.items())
    return Prepared(
        stack,
        new.text,
        old_values,
        new_values,
        api,
        plan,
        unchanged,
        kept_defaults(old_tree, new.tree, given, old_values),
    )


# --- plan against change set ------------------------------------------------------------------
def _plan_label(change: Any) -> str:
    if change is None:
        return "no change"
    if change.action in ("add", "remove"):
        return change.action
    return f"{change.action} (replacement {change.replacement})"


def _cfn_label(change: dict[str, Any] | None) -> str:
    if change is None:
        return "no change"
    if change.get("Action") == "Modify":
        return f"Modify, Replacement {change.get('Replacement', '?')}"
    return str(change.get("Action"))


def compare_verdicts(plan_changes: list[Any], cfn_changes: list[dict[str, Any]]) -> list[VerdictRow]:
    """One row per resource either side changes. They agree when the action is the same and, for
    a Modify, CloudFormation's Replacement is the plan's -- or CloudFormation says Conditional
    where the plan says replaced: CloudFormation calls a value it can only know during the update
    (a Ref or GetAtt of a resource being replaced) Dynamic and answers Conditional
    (ResourceChange, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html),
    while the plan follows the replacement through and already treats it as replaced. A plan
    that says in place where CloudFormation may replace is a disagreement: that is where data
    could be lost unannounced."""
    by_plan = {c.resource: c for c in plan_changes}
    by_cfn = {c["LogicalResourceId"]: c for c in cfn_changes}
    rows = []
    for resource in sorted(set(by_plan) | set(by_cfn)):
        p, c = by_plan.get(resource), by_cfn.get(resource)
        row = VerdictRow(resource, _plan_label(p), _cfn_label(c), False)
        if p is None:
            row.note = "CloudFormation changes it, the plan does not"
        elif c is None:
            if p.action == "modify" and p.properties and all(x.name in POLICY_ATTRIBUTES for x in p.properties):
                row.agree, row.note = True, "only DeletionPolicy/UpdateReplacePolicy: no call to the resource"
            else:
                row.note = "the plan changes it, CloudFormation does not"
        else:
            expected = {"add": "Add", "remove": "Remove", "modify": "Modify", "replace": "Modify"}[p.action]
            if c.get("Action") != expected:
                row.note = f"the plan says {p.action}, CloudFormation {c.get('Action')}"
            elif expected != "Modify":
                row.agree = True
            else:
                theirs, ours = str(c.get("Replacement", "")).lower(), p.replacement
                if theirs == ours:
                    row.agree = True
                elif theirs == "conditional" and ours == "true":
                    row.agree, row.note = (
                        True,
                        "CloudFormation cannot tell before the update (Dynamic); the plan says replaced",
                    )
                else:
                    row.note = f"the plan says replacement {ours}, CloudFormation {c.get('Replacement')}"
        rows.append(row)
    return rows


def render_verdicts(rows: list[VerdictRow]) -> str:
    width = max([len(r.resource) for r in rows] + [8])
    plan_w = max([len(r.plan) for r in rows] + [4])
    cfn_w = max([len(r.cloudformation) for r in rows] + [14])
    lines = [f"  {'resource':<{width}}  {'plan':<{plan_w}}  {'CloudFormation':<{cfn_w}}  verdict"]
    for r in rows:
        verdict = "agree" if r.agree else "DISAGREE"
        lines.append(
            f"  {r.resource:<{width}}  {r.plan:<{plan_w}}  {r.cloudformation:<{cfn_w}}  {verdict}"
            + (f" ({r.note})" if r.note else "")
        )
    return "\n".join(lines)


# --- the update itself ------------------------------------------------------------------------
def change_set_name() -> str:
    return "tapcheck-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def create_change_set(target: Target, prepared: Prepared, capabilities: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """Create the change set and wait for CloudFormation to compute it. Returns (its id, its
    resource changes); an empty list when CloudFormation finds nothing to change (the change set
    is deleted then)."""
    cfn = target.client("cloudformation")
    name = prepared.stack["StackName"]
    created = cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set_name(),
        ChangeSetType="UPDATE",
        TemplateBody=prepared.template_text,
        Parameters=prepared.api_parameters,
        Capabilities=list(capabilities),
        Description="tapcheck deploy: update checked against tapcheck plan",
    )
    change_set_id = created["Id"]
    deadline = time.monotonic() + CHANGE_SET_WAIT_S
    while True:
        described = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=name)
        status = described["Status"]
        if status == "FAILED":
            reason = described.get("StatusReason") or ""
            cfn.delete_change_set(ChangeSetName=change_set_id, StackName=name)
            if any(text in reason for text in NO_CHANGES):
                return change_set_id, []
            raise UsageError(
                f"stack {name}",
                f"CloudFormation could not create the change set: {reason}",
                "fix the template or the parameters",
            )
        if status == "CREATE_COMPLETE":
            break
        if time.monotonic() > deadline:
            raise UsageError(
                f"stack {name}",
                f"the change set is still {status} after {CHANGE_SET_WAIT_S:.0f} s",
                f"look at it in the console, or delete it: aws cloudformation delete-change-set "
                f"--change-set-name {change_set_id}",
            )
        time.sleep(0.2 if target.local else 3.0)
    changes = [c["ResourceChange"] for c in described.get("Changes") or [] if c.get("Type") == "Resource"]
    token = described.get("NextToken")
    while token:
        page = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=name, NextToken=token)
        changes += [c["ResourceChange"] for c in page.get("Changes") or [] if c.get("Type") == "Resource"]
        token = page.get("NextToken")
    return change_set_id, changes


def out_line(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)
