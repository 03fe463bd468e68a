"""UpdateStack and ExecuteChangeSet on the emulator, as CloudFormation runs an update.

Per resource of the new template, in dependency order (update_rules.py decides which):

- new: created;
- unchanged (same resolved properties): not touched -- and so a dynamic reference in it is not
  resolved again, the old value stays in use
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html);
- changed in place: the model's update_in_place with the new properties, dynamic references
  resolved afresh ("you must perform a stack update that updates the resource containing the
  dynamic reference, either by updating the resource property that contains the
  secretsmanager dynamic reference, or updating another of the resource's properties", same
  page as quoted in https://github.com/guardian/support-service-lambdas/pull/724);
- replaced: "CloudFormation creates the replacement resource first, and then changes references
  from other dependent resources to point to the replacement resource. By default, CloudFormation
  then deletes the old resource"
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html);
  the old one is deleted, kept (Retain) or snapshotted then deleted (Snapshot) in the cleanup
  phase, with the resources the new template dropped
  (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html);
- a replacement that keeps its custom name fails: "CloudFormation cannot update a stack when a
  custom-named resource requires replacing. Rename <name> and update the stack again."
  (https://repost.aws/knowledge-center/cloudformation-custom-name; "You can't perform an update
  that causes a custom-named resource to be replaced",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html).

The first failure rolls the update back (UPDATE_ROLLBACK_IN_PROGRESS): resources changed in place
get their previous properties again, then the resources the update created (additions and
replacements) are deleted (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS). CancelUpdateStack
("the stack rolls back the update and reverts to the previous stack configuration",
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CancelUpdateStack.html)
is honoured between two resources.

preview() is the same walk without side effects, for DescribeChangeSet.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.core.common_models import CloudFormationModel

from tapcheck.emulator.resources.base import EmulatedResource
from tapcheck.emulator.stacks import events as ev
from tapcheck.emulator.stacks import state
from tapcheck.emulator.stacks import update_rules as rules
from tapcheck.emulator.stacks.dynamic_references import resolve_dynamic_references
from tapcheck.emulator.stacks.state import STACK_LOCKS, ResourceState

# Event reason of a resource being replaced. AWS documents no event reasons; this is the wording
# CloudFormation's events commonly show.
REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."
CANCELLED = "Resource update cancelled"


class CustomNameReplacement(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"CloudFormation cannot update a stack when a custom-named resource requires replacing. "
            f"Rename {name} and update the stack again."
        )
        self.message = str(self)


# --- what each resource was made with ---------------------------------------------------------
def _states(rm: Any) -> dict[str, ResourceState]:
    """logical id -> (declared, applied): the resolved properties a resource was created or last
    updated with, before and after dynamic references were resolved (stacks/state.py)."""
    return state.resource_states(rm.stack_id)


def declared_properties(rm: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Properties with intrinsic functions resolved, dynamic references left as text."""
    resolved = parsing.clean_json(copy.deepcopy(body.get("Properties") or {}), rm)
    return resolved if isinstance(resolved, dict) else {}


def record(rm: Any, logical: str, body: dict[str, Any], applied: dict[str, Any] | None = None) -> None:
    declared = declared_properties(rm, body)
    if applied is None:
        applied = resolve_dynamic_references(declared, rm._account_id, rm._region_name)
    _states(rm)[logical] = (declared, applied)


def _present(rm: Any, body: dict[str, Any]) -> bool:
    condition = body.get("Condition")
    return not condition or bool(rm.lazy_condition_map[condition])


def _load(rm: Any, doc: dict[str, Any], parameters: dict[str, Any] | None) -> None:
    rm._template = doc
    if parameters is not None:
        rm.input_parameters = parameters
    rm.resolved_parameters = {}
    rm.load_mapping()
    rm.load_parameters()
    rm.load_conditions()
    rm._resource_json_map = doc.get("Resources", {})


# --- deciding ---------------------------------------------------------------------------------
@dataclass
class Decision:
    verdict: rules.Verdict
    replace: bool
    why: str = ""


def decide(
    instance: Any,
    rtype: str,
    old_declared: dict[str, Any],
    new_declared: dict[str, Any],
    old_body: dict[str, Any],
    new_body: dict[str, Any],
    executing: bool,
) -> Decision:
    """In place or replacement, from the schema's create-only lists and, for a conditionally
    create-only change, from the model's handler rule (not_updatable) when the update runs."""
    verdict = rules.Verdict(rules.compare(rtype, old_declared, new_declared), rules.policy_changes(old_body, new_body))
    recreations = {p.requires_recreation for p in verdict.properties}
    if rules.ALWAYS in recreations:
        names = ", ".join(verdict.names(rules.ALWAYS))
        return Decision(verdict, True, f"{names} create-only in the {rtype} schema")
    if rules.CONDITIONALLY in recreations and executing:
        refusal = (
            type(instance).not_updatable(old_declared, new_declared) if isinstance(instance, EmulatedResource) else None
        )
        if refusal:
            return Decision(verdict, True, refusal)
    return Decision(verdict, False)


# --- running an update ------------------------------------------------------------------------
@dataclass
class Step:
    logical: str
    kind: str  # add | modify | replace
    instance: Any = None  # the resource before the update (modify, replace)
    state: ResourceState | None = None  # its (declared, applied) before the update
    created: Any = None  # the resource the update made (add, replace)


@dataclass
class Outcome:
    steps: list[Step] = field(default_factory=list)
    failure: tuple[str, str] | None = None  # (logical id, reason)


def request_cancel(stack: Stack) -> None:
    if stack.status != "UPDATE_IN_PROGRESS":
        # The API's own refusal text is not documented; this names the state, as AWS's does.
        raise ValidationError(message=f"CancelUpdateStack cannot be called from current stack status {stack.status}")
    state.request_cancel(stack.stack_id)


def run(
    stack: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Stack.update for the emulator (UpdateStack, ExecuteChangeSet)."""
    with STACK_LOCKS[stack.stack_id]:
        _run(stack, template, role_arn, parameters, tags)


def _run(
    stack: Stack, template: str, role_arn: str | None, parameters: dict[str, Any] | None, tags: dict[str, str] | None
) -> None:
    rm = stack.resource_map
    state.clear_cancel(stack.stack_id)
    stack._add_stack_event("UPDATE_IN_PROGRESS", "User Initiated")
    stack.status = "UPDATE_IN_PROGRESS"
    old_template, old_doc = stack.template, copy.deepcopy(stack.template_dict)
    old_json = copy.deepcopy(rm._resource_json_map)
    old_inputs = dict(rm.input_parameters)
    outcome = Outcome()
    try:
        new_doc = stack.parse_template(template)
        _load(rm, new_doc, parameters)
        rm.validate_outputs()
        new_json = new_doc.get("Resources", {})
        order = ev.dependency_order(new_json)
    except Exception as e:  # noqa: BLE001
        outcome.failure, order, new_json = ("", ev.reason(e)), [], old_json
    for logical in order:
        if outcome.failure:
            break
        if state.cancel_requested(stack.stack_id):
            outcome.failure = (logical, CANCELLED)
            break
        body = new_json[logical]
        if not _present(rm, body):
            continue
        _step(stack, rm, logical, body, old_json, outcome)
    if outcome.failure is None:
        try:
            stack.template = template
            stack._parse_template()
            stack.output_map = stack._create_output_map()
            for key in stack.output_map.outputs:
                stack.output_map[key]
        except Exception as e:  # noqa: BLE001
            outcome.failure = ("", f"Outputs: {ev.reason(e)}")
    if outcome.failure is None:
        _complete(stack, rm, old_json, new_json, outcome)
        stack.role_arn = role_arn
        if parameters is not None:
            stack.parameters = parameters
        if tags is not None:
            stack.tags = tags
        stack.status = "UPDATE_COMPLETE"
        stack._add_stack_event("UPDATE_COMPLETE")
    else:
        _roll_back(stack, rm, old_template, old_doc, old_json, old_inputs, new_json, outcome)
    state.clear_cancel(stack.stack_id)


def _step(
    stack: Stack, rm: Any, logical: str, body: dict[str, Any], old_json: dict[str, Any], outcome: Outcome
) -> None:
    rtype = body["Type"]
    existing = rm._parsed_resources.get(logical) if logical in old_json else None
    try:
        if not ev.is_resource(existing):
            ev.resource_event(stack, logical, rtype, "CREATE_IN_PROGRESS")
            created = _create(rm, logical, body)
            outcome.steps.append(Step(logical, "add", created=created))
            ev.resource_event(stack, logical, rtype, "CREATE_COMPLETE", ev.physical(created))
            return
        old_body = old_json[logical]
        if old_body.get("Type") != rtype:
            # AWS docs are silent; the text is the one quoted in https://github.com/aws/aws-sam-cli/issues/6786
            raise ValidationError(
                message="Update of resource type is not permitted. The new template modifies "
                f"resource type of the following resources: [{logical}]"
            )
        recorded = _states(rm).get(logical) or (declared_properties(rm, old_body), {})
        new_declared = declared_properties(rm, body)
        decision = decide(existing, rtype, recorded[0], new_declared, old_body, body, executing=True)
        if not decision.verdict.properties:
            return  # unchanged, or only DeletionPolicy/UpdateReplacePolicy: nothing to call
        physical = ev.physical(existing)
        if decision.replace:
            name = rules.same_custom_name(rtype, recorded[0], new_declared)
            if name is not None:
                raise CustomNameReplacement(name)
            ev.resource_event(stack, logical, rtype, "UPDATE_IN_PROGRESS", physical, f"{REPLACING} ({decision.why})")
            created = _create(rm, logical, body)
            outcome.steps.append(Step(logical, "replace", existing, recorded, created))
            ev.resource_event(
                stack, logical, rtype, "UPDATE_IN_PROGRESS", ev.physical(created), "Resource creation Initiated"
            )
            ev.resource_event(stack, logical, rtype, "UPDATE_COMPLETE", ev.physical(created))
            return
        applied = resolve_dynamic_references(new_declared, rm._account_id, rm._region_name)
        ev.resource_event(stack, logical, rtype, "UPDATE_IN_PROGRESS", physical)
        outcome.steps.append(Step(logical, "modify", existing, recorded))
        _update_in_place(rm, logical, body, existing, recorded, new_declared, applied, decision.verdict)
        ev.resource_event(stack, logical, rtype, "UPDATE_COMPLETE", physical)
    except Exception as e:  # noqa: BLE001
        reason = ev.reason(e)
        status = "CREATE_FAILED" if existing is None else "UPDATE_FAILED"
        ev.resource_event(stack, logical, rtype, status, ev.physical(existing) if existing is not None else "", reason)
        outcome.failure = (logical, reason)


def _create(rm: Any, logical: str, body: dict[str, Any]) -> Any:
    rtype = body["Type"]
    if parsing.resource_class_from_type(rtype) is None:
        raise ValidationError(message=f"Resource type {rtype} is not supported by the tapcheck emulator")
    # moto annotates the result with a TypeVar no argument binds (mypy reads it as None alone)
    created: CloudFormationModel | None = parsing.parse_and_create_resource(
        logical, body, rm, rm._account_id, rm._region_name
    )
    if created is None:
        raise ValidationError(message=f"{logical} could not be created")
    rm._parsed_resources[logical] = created
    record(rm, logical, body)
    return created


def _update_in_place(
    rm: Any,
    logical: str,
    body: dict[str, Any],
    existing: Any,
    recorded: ResourceState,
    new_declared: dict[str, Any],
    applied: dict[str, Any],
    verdict: rules.Verdict,
) -> None:
    if isinstance(existing, EmulatedResource):
        cannot = [name for name in verdict.names() if name not in type(existing).UPDATABLE]
        if cannot:
            raise ValidationError(
                message=f"the tapcheck emulator cannot update {', '.join(cannot)} of {existing.CFN_TYPE} in place"
            )
        existing.update_in_place(recorded[1], applied)
    else:
        updated: CloudFormationModel | None = parsing.parse_and_update_resource(
            logical, body, rm, rm._account_id, rm._region_name
        )
        if updated is None:
            raise ValidationError(message=f"Update of {body['Type']} is not supported by the tapcheck emulator")
        rm._parsed_resources[logical] = updated
    _states(rm)[logical] = (new_declared, applied)


def _delete_old(
    stack: Stack, rm: Any, logical: str, instance: Any, body: dict[str, Any], policy: str, what: str
) -> None:
    """Delete a resource the stack no longer uses, as `policy` says; failures are logged as
    DELETE_FAILED events and do not fail the update (AWS completes it and leaves the resource)."""
    rtype = body["Type"]
    physical = ev.physical(instance)
    if policy in ("Retain", "RetainExceptOnCreate"):
        ev.resource_event(stack, logical, rtype, "DELETE_SKIPPED", physical, f"Retained ({what} {policy})")
        return
    ev.resource_event(stack, logical, rtype, "DELETE_IN_PROGRESS", physical)
    try:
        if policy == "Snapshot" and hasattr(instance, "snapshot"):
            instance.snapshot(logical)
        gone = ev.delete_physical(rm, instance, body)
    except Exception as e:  # noqa: BLE001
        ev.resource_event(stack, logical, rtype, "DELETE_FAILED", physical, ev.reason(e))
        return
    ev.resource_event(stack, logical, rtype, "DELETE_COMPLETE", physical, gone)


def _complete(stack: Stack, rm: Any, old_json: dict[str, Any], new_json: dict[str, Any], outcome: Outcome) -> None:
    """Cleanup phase: old resources of replacements (UpdateReplacePolicy) and resources the new
    template dropped (DeletionPolicy), dependents first."""
    stack.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    replaced = {s.logical: s for s in outcome.steps if s.kind == "replace"}
    gone = [lid for lid in old_json if lid not in new_json or not _present(rm, new_json[lid])]
    for logical in reversed(ev.dependency_order(old_json)):
        if logical in replaced:
            # Which version's UpdateReplacePolicy applies when the edit changes it too is not
            # documented; the new template's is used.
            _delete_old(
                stack,
                rm,
                logical,
                replaced[logical].instance,
                old_json[logical],
                rules.update_replace_policy(new_json[logical]),
                "UpdateReplacePolicy",
            )
        elif logical in gone:
            instance = rm._parsed_resources.pop(logical, None)
            _states(rm).pop(logical, None)
            if not ev.is_resource(instance):
                continue
            _delete_old(
                stack, rm, logical, instance, old_json[logical], ev.deletion_policy(old_json[logical]), "DeletionPolicy"
            )


def _roll_back(
    stack: Stack,
    rm: Any,
    old_template: Any,
    old_doc: dict[str, Any],
    old_json: dict[str, Any],
    old_inputs: dict[str, Any],
    new_json: dict[str, Any],
    outcome: Outcome,
) -> None:
    logical, reason = outcome.failure or ("", "")
    stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    stack._add_stack_event(
        "UPDATE_ROLLBACK_IN_PROGRESS",
        f"The following resource(s) failed to update: [{logical}]. " if logical else reason,
    )
    _load(rm, old_doc, old_inputs)
    problem = None
    for step in reversed(outcome.steps):
        rtype = (old_json.get(step.logical) or new_json.get(step.logical, {})).get("Type", "")
        try:
            if step.kind == "modify":
                current = _states(rm).get(step.logical)
                ev.resource_event(stack, step.logical, rtype, "UPDATE_IN_PROGRESS", ev.physical(step.instance))
                if isinstance(step.instance, EmulatedResource) and step.state and step.state[1]:
                    step.instance.update_in_place(current[1] if current else {}, step.state[1])
                else:
                    parsing.parse_and_update_resource(
                        step.logical, old_json[step.logical], rm, rm._account_id, rm._region_name
                    )
                if step.state is not None:
                    _states(rm)[step.logical] = step.state
                ev.resource_event(stack, step.logical, rtype, "UPDATE_COMPLETE", ev.physical(step.instance))
            elif step.kind == "replace":
                rm._parsed_resources[step.logical] = step.instance
                if step.state is not None:
                    _states(rm)[step.logical] = step.state
        except Exception as e:  # noqa: BLE001
            problem = f"{step.logical}: {ev.reason(e)}"
            ev.resource_event(stack, step.logical, rtype, "UPDATE_FAILED", status_reason=ev.reason(e))
    stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    for step in reversed(outcome.steps):
        if step.kind not in ("add", "replace") or step.created is None:
            continue
        if step.kind == "add":
            rm._parsed_resources.pop(step.logical, None)
            _states(rm).pop(step.logical, None)
        body = new_json.get(step.logical) or old_json.get(step.logical) or {}
        ev.resource_event(stack, step.logical, body["Type"], "DELETE_IN_PROGRESS", ev.physical(step.created))
        try:
            gone = ev.delete_physical(rm, step.created, body)
            ev.resource_event(stack, step.logical, body["Type"], "DELETE_COMPLETE", ev.physical(step.created), gone)
        except Exception as e:  # noqa: BLE001
            problem = problem or f"{step.logical}: {ev.reason(e)}"
            ev.resource_event(
                stack, step.logical, body["Type"], "DELETE_FAILED", ev.physical(step.created), ev.reason(e)
            )
    stack.template = old_template
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    stack.status = "UPDATE_ROLLBACK_FAILED" if problem else "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event(stack.status, problem)


# --- previewing (change sets) -----------------------------------------------------------------
@dataclass
class Preview:
    action: str  # Add | Modify | Remove
    logical: str
    rtype: str
    physical: str = ""
    verdict: rules.Verdict | None = None


def preview(stack: Stack, template: str | dict[str, Any], parameters: dict[str, Any] | None) -> list[Preview]:
    """What an update to `template` would do, resource by resource, without doing it: the same
    comparison as the update, with every resource the update creates or may replace standing in
    as not known yet (its dependents' values are then Dynamic)."""
    rm = stack.resource_map
    new_doc = stack.parse_template(template) if isinstance(template, str) else template
    with STACK_LOCKS[stack.stack_id]:
        saved = (
            rm._template,
            dict(rm.input_parameters),
            dict(rm.resolved_parameters),
            rm._resource_json_map,
            dict(rm._parsed_resources),
            getattr(rm, "lazy_condition_map", None),
        )
        old_json = copy.deepcopy(rm._resource_json_map)
        try:
            _load(rm, new_doc, parameters)
            new_json = new_doc.get("Resources", {})
            out: list[Preview] = []
            for logical in ev.dependency_order(new_json):
                body = new_json[logical]
                if not _present(rm, body):
                    continue
                existing = saved[4].get(logical) if logical in old_json else None
                if not ev.is_resource(existing):
                    rm._parsed_resources[logical] = rules.Pending(logical)
                    out.append(Preview("Add", logical, body["Type"]))
                    continue
                recorded = _states(rm).get(logical) or ({}, {})
                decision = decide(
                    existing,
                    body["Type"],
                    recorded[0],
                    declared_properties(rm, body),
                    old_json[logical],
                    body,
                    executing=False,
                )
                if decision.verdict.changed:
                    out.append(Preview("Modify", logical, body["Type"], ev.physical(existing), decision.verdict))
                if decision.verdict.replacement in ("True", "Conditional"):
                    rm._parsed_resources[logical] = rules.Pending(logical)
            for logical, body in old_json.items():
                gone = logical not in new_json or not _present(rm, new_json[logical])
                if gone and saved[4].get(logical) is not None:
                    out.append(Preview("Remove", logical, body["Type"], ev.physical(saved[4][logical])))
            return out
        finally:
            (rm._template, rm.input_parameters, rm.resolved_parameters, rm._resource_json_map) = saved[:4]
            rm._parsed_resources.clear()
            rm._parsed_resources.update(saved[4])
            if saved[5] is not None:
                rm.lazy_condition_map = saved[5]
