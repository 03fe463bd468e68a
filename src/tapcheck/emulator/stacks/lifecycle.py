"""CreateStack and DeleteStack as CloudFormation runs them (moto_patches/cloudformation.py puts
these in place of moto's): every resource gets CREATE/DELETE events, a failing resource gets
CREATE_FAILED with the reason, a failed create rolls back to ROLLBACK_COMPLETE instead of
erroring, DeletionPolicy Retain and Snapshot are honoured on delete, and an export name already
taken rolls the new stack back. Updates (UpdateStack, change sets) live in update.py and
change_sets.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.utils import generate_stack_id
from moto.core.common_models import CloudFormationModel

from tapcheck.emulator.resources import clusters
from tapcheck.emulator.stacks import names, preflight, state
from tapcheck.emulator.stacks.dynamic_references import resolve_dynamic_references
from tapcheck.emulator.stacks.events import (
    delete_physical,
    deletion_policy,
    dependency_order,
    is_resource,
    physical,
    reason,
    resource_event,
)
from tapcheck.emulator.stacks.update import record

# Stack states in which moto's lazily evaluated outputs and resources are real: a rolled-back or
# deleted stack must show neither (moto would create missing resources on access).
_COMPLETE = (
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
)


def delete_resources(stack: Stack, prefix: str) -> str | None:
    """Delete the stack's created resources in reverse dependency order.
    Returns the reason of the first failure, or None."""
    rm = stack.resource_map
    resources = rm._resource_json_map
    failure = None
    retiring = _clusters_going(rm, resources)
    for pgc in retiring.values():
        pgc.retiring = True
    for logical in reversed(dependency_order(resources)):
        instance = rm._parsed_resources.get(logical)
        if not is_resource(instance):
            continue
        body = resources[logical]
        rtype = body["Type"]
        policy = deletion_policy(body)
        if policy == "Retain":
            resource_event(
                stack, logical, rtype, f"{prefix}_SKIPPED", physical(instance), "Retained (DeletionPolicy Retain)"
            )
            rm._parsed_resources.pop(logical, None)
            continue
        resource_event(stack, logical, rtype, f"{prefix}_IN_PROGRESS", physical(instance))
        try:
            if policy == "Snapshot" and instance is not None and hasattr(instance, "snapshot"):
                instance.snapshot(logical)
            gone = delete_physical(rm, instance, body)
        except Exception as e:  # noqa: BLE001
            why = reason(e)
            resource_event(stack, logical, rtype, f"{prefix}_FAILED", physical(instance), why)
            failure = failure or f"{logical}: {why}"
            continue
        rm._parsed_resources.pop(logical, None)
        resource_event(stack, logical, rtype, f"{prefix}_COMPLETE", physical(instance), gone)
    for logical, pgc in retiring.items():
        if logical in rm._parsed_resources:  # its delete failed: the cluster lives on
            pgc.retiring = False
    return failure


def _clusters_going(rm: Any, resources: dict[str, Any]) -> dict[str, Any]:
    """The servers of the stack's DB clusters that this delete removes (not retained): their
    instances leave first, and nothing need move the reader endpoint for them."""
    going = {}
    for logical, body in resources.items():
        instance = rm._parsed_resources.get(logical)
        if body.get("Type") != "AWS::RDS::DBCluster" or not hasattr(instance, "physical_id"):
            continue
        pgc = clusters.lookup(instance.account_id, instance.region_name, instance.physical_id)
        if pgc is not None and deletion_policy(body) != "Retain":
            going[logical] = pgc
    return going


def create_resources(self: Stack) -> None:
    """Stack.create_resources: each resource in dependency order, with its events; the first
    failure rolls the stack back."""
    self.status = "CREATE_IN_PROGRESS"
    rm = self.resource_map
    template = self.template_dict
    rm._template = template
    rm._resource_json_map = template.get("Resources", {})
    rm.tags.update({"aws:cloudformation:stack-name": self.name, "aws:cloudformation:stack-id": self.stack_id})
    self.description = template.get("Description")
    failed: tuple[str, str] | None = None
    try:
        order = dependency_order(rm._resource_json_map)
    except Exception as e:  # noqa: BLE001
        order, failed = [], ("", reason(e))
    for logical in order:
        body = rm._resource_json_map[logical]
        rtype = body["Type"]
        if body.get("Condition") and not rm.lazy_condition_map[body["Condition"]]:
            continue
        resource_event(self, logical, rtype, "CREATE_IN_PROGRESS")
        try:
            if parsing.resource_class_from_type(rtype) is None:
                raise ValidationError(message=f"Resource type {rtype} is not supported by the tapcheck emulator")
            instance = rm[logical]
            record(rm, logical, body)
        except Exception as e:  # noqa: BLE001
            why = reason(e)
            resource_event(self, logical, rtype, "CREATE_FAILED", status_reason=why)
            failed = (logical, why)
            break
        resource_event(self, logical, rtype, "CREATE_COMPLETE", physical(instance))
    if failed is None:
        try:
            self.output_map = self._create_output_map()
            for key in self.output_map.outputs:
                self.output_map[key]
        except Exception as e:  # noqa: BLE001
            failed = ("", f"Outputs: {reason(e)}")
    if failed is None:
        self.status = "CREATE_COMPLETE"
        self._add_stack_event("CREATE_COMPLETE")
        return
    logical, why = failed
    summary = f"The following resource(s) failed to create: [{logical}]. " if logical else why + ". "
    self.status = "ROLLBACK_IN_PROGRESS"
    self._add_stack_event("ROLLBACK_IN_PROGRESS", summary + "Rollback requested by user.")
    problem = delete_resources(self, "DELETE")
    if problem:
        self.status = "ROLLBACK_FAILED"
        self._add_stack_event("ROLLBACK_FAILED", f"The following resource(s) failed to delete: {problem}")
    else:
        self.status = "ROLLBACK_COMPLETE"
        self._add_stack_event("ROLLBACK_COMPLETE")


def delete(self: Stack) -> None:
    """Stack.delete: resources in reverse dependency order, DeletionPolicy honoured."""
    self.status = "DELETE_IN_PROGRESS"
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    problem = delete_resources(self, "DELETE")
    if problem:
        self.status = "DELETE_FAILED"
        self._add_stack_event("DELETE_FAILED", f"The following resource(s) failed to delete: {problem}")
        return
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


def resolve_update_parameters(
    self: CloudFormationBackend, instance: Any, incoming_params: list[dict[str, str]]
) -> dict[str, str]:
    """CloudFormationBackend._resolve_update_parameters: UsePreviousValue takes the previous value
    even when it came from a Default."""
    previous_values = dict(getattr(getattr(instance, "resource_map", None), "resolved_parameters", {}) or {})
    previous_values.update(instance.parameters or {})
    params = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p}
    for p in incoming_params:
        if p.get("UsePreviousValue"):
            value = previous_values[p["ParameterKey"]]
            params[p["ParameterKey"]] = ",".join(value) if isinstance(value, list) else str(value)
    return params


def create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
) -> Stack:
    """CloudFormationBackend.create_stack. What CloudFormation refuses before it creates anything
    (a stack name or logical id it does not accept, a name taken, parameters) leaves no stack record."""
    names.check_stack_name(name)
    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack [{name}] already exists")
    names.check_logical_ids(Stack.parse_template(template))
    preflight.check_parameters(template, parameters, self.account_id, self.region_name)
    stack_id = generate_stack_id(name, self.region_name, self.account_id)
    # moto's Stack carries CloudFormationModel's @abstractmethod markers, yet is concrete
    stack = cast(Any, Stack)(
        stack_id=stack_id,
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        cross_stack_resources=self.exports,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    with state.STACK_LOCKS[stack_id]:
        self.stacks[stack_id] = stack
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
        if stack.status == "CREATE_COMPLETE":
            clash = [e.name for e in stack.exports if e.name in self.exports]
            if clash:
                stack._add_stack_event("ROLLBACK_IN_PROGRESS", f"Export with name {clash[0]} is already exported")
                delete_resources(stack, "DELETE")
                stack.status = "ROLLBACK_COMPLETE"
                stack._add_stack_event("ROLLBACK_COMPLETE")
            else:
                for export in stack.exports:
                    self.exports[export.name] = export
    return stack


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """CloudFormationBackend.delete_stack: a stack that does not exist is deleted silently, as on AWS."""
    stack = self.stacks.get(name_or_stack_id)
    if stack is None:
        stack = next((s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return
    with state.STACK_LOCKS[stack.stack_id]:
        export_names = [e.name for e in stack.exports]
        stack.delete()
    if stack.status == "DELETE_FAILED":
        return
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack
    state.forget(stack.stack_id)
    for export_name in export_names:
        self.exports.pop(export_name, None)


def resolved(parsed: Any, resources_map: Any) -> Any:
    """parsing.parse_resource's result with `{{resolve:...}}` dynamic references resolved."""
    if not parsed:
        return parsed
    cls, cleaned, rtype = parsed
    return cls, resolve_dynamic_references(cleaned, resources_map._account_id, resources_map._region_name), rtype


def outputs_when_complete(stack: Stack, read_outputs: Callable[[], Any]) -> Any:
    """Stack.outputs, read (moto evaluates them lazily) only from a complete stack."""
    return read_outputs() if stack.status in _COMPLETE else None


def exports_when_complete(stack: Stack, read_exports: Callable[[], Any]) -> Any:
    return read_exports() if stack.status in _COMPLETE else []


def stack_resources(self: Stack) -> list[Any]:
    """Stack.stack_resources: the resources the template declares and the stack made, never a
    resource moto would create on access."""
    rm = self.resource_map
    return [
        v for k, v in rm._parsed_resources.items() if k in rm._resource_json_map and isinstance(v, CloudFormationModel)
    ]
