"""moto's stack lifecycle, patched by install(): resource events, rollback, DeletionPolicy,
dynamic references, and cluster parameter changes applied to the running PostgreSQL. Updates
(UpdateStack, change sets) live in stack_update.py and change_sets.py."""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.core.common_models import CloudFormationModel
from moto.rds.models import DBCluster, RDSBackend

from tapcheck.emulator.models import preflight, rds_backend, stack_update
from tapcheck.emulator.models.base import PG_CLUSTERS, STACK_LOCKS, _lock, _pg, log
from tapcheck.emulator.models.dynamic_references import resolve_dynamic_references
from tapcheck.emulator.models.rds import _group_params


def _references(node: Any, names: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str) and v in names:
                found.add(v)
            elif k == "Fn::GetAtt":
                target = v[0] if isinstance(v, list) else str(v).split(".")[0]
                if target in names:
                    found.add(target)
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                for var in re.findall(r"\$\{([^!}][^}]*)\}", str(text)):
                    base = var.split(".")[0]
                    if base in names:
                        found.add(base)
                if isinstance(v, list):
                    found |= _references(v[1], names)
            else:
                found |= _references(v, names)
    elif isinstance(node, list):
        for v in node:
            found |= _references(v, names)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    names = set(resources)
    deps: dict[str, set[str]] = {}
    for name, body in resources.items():
        d = _references(body.get("Properties", {}), names)
        depends_on = body.get("DependsOn") or []
        d |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        deps[name] = d - {name}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, path: tuple[str, ...]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise ValidationError(message=f"Circular dependency between resources: {list(path)}")
        state[n] = 1
        for d in sorted(deps.get(n, ()), key=list(resources).index):
            if d not in names:
                raise ValidationError(message=f"Template format error: Unresolved resource dependencies [{d}]")
            visit(d, path + (d,))
        state[n] = 2
        order.append(n)

    for n in resources:
        visit(n, (n,))
    return order


def _reason(exc: BaseException) -> str:
    for attr in ("message", "description"):
        text = getattr(exc, attr, None)
        if isinstance(text, str) and text.strip():
            return " ".join(text.split())
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _already_gone(exc: BaseException) -> bool:
    """Does the service say the resource does not exist (deleted outside the stack)?"""
    from moto.core.exceptions import _RESTError

    code = getattr(exc, "error_type", "") if isinstance(exc, _RESTError) else ""
    name = type(exc).__name__
    return any(mark in text for text in (code, name) for mark in ("NotFound", "NoSuchEntity"))


def delete_physical(rm: Any, instance: Any, body: dict[str, Any]) -> str | None:
    """Delete one resource; a resource already gone counts as deleted. Returns the event reason
    to record (None when it was there to delete).

    The resource handler contract has a delete handler answer NotFound for a resource that does
    not exist (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract.html);
    that CloudFormation then completes the delete is not on that page: the logs handler's
    maintainers state it ("the Client should ignore this error",
    https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-logs/issues/8)."""
    try:
        rm._delete_resource(instance, body)
    except Exception as e:  # noqa: BLE001 - re-raised unless the service says it is gone
        if not _already_gone(e):
            raise
        return f"Resource not found, so already deleted ({_reason(e)})"
    return None


def _resource_event(stack: Stack, logical_id: str, rtype: str, status: str, physical: str = "",
                    reason: str | None = None) -> None:
    event = Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical, resource_type=rtype, resource_status=status,
        resource_status_reason=reason, resource_properties=None,
    )
    stack.events.append(event)


def _physical(instance: Any) -> str:
    return str(getattr(instance, "physical_resource_id", "") or "")


def deletion_policy(body: dict[str, Any]) -> str:
    """The resource's DeletionPolicy, CloudFormation's default when absent: the gate's model holds
    that default (Snapshot for a DB cluster and a stand-alone DB instance), so both agree."""
    from tapcheck.model import default_deletion_policy

    return str(body.get("DeletionPolicy") or default_deletion_policy(body.get("Type", ""), body.get("Properties") or {}))


def _delete_resources(stack: Stack, prefix: str) -> str | None:
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
        if instance is None or isinstance(instance, (str, int, float, list, dict)):
            continue
        body = resources[logical]
        rtype = body["Type"]
        policy = deletion_policy(body)
        if policy == "Retain":
            _resource_event(stack, logical, rtype, f"{prefix}_SKIPPED", _physical(instance), "Retained (DeletionPolicy Retain)")
            rm._parsed_resources.pop(logical, None)
            continue
        _resource_event(stack, logical, rtype, f"{prefix}_IN_PROGRESS", _physical(instance))
        try:
            if policy == "Snapshot" and hasattr(instance, "snapshot"):
                instance.snapshot(logical)
            gone = delete_physical(rm, instance, body)
        except Exception as e:  # noqa: BLE001
            reason = _reason(e)
            _resource_event(stack, logical, rtype, f"{prefix}_FAILED", _physical(instance), reason)
            failure = failure or f"{logical}: {reason}"
            continue
        rm._parsed_resources.pop(logical, None)
        _resource_event(stack, logical, rtype, f"{prefix}_COMPLETE", _physical(instance), gone)
    for logical, pgc in retiring.items():
        if logical in rm._parsed_resources:     # its delete failed: the cluster lives on
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
        pgc = _pg(instance.account_id, instance.region_name, instance.physical_id)
        if pgc is not None and deletion_policy(body) != "Retain":
            going[logical] = pgc
    return going


def _create_resources(self: Stack) -> None:
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
        order, failed = [], ("", _reason(e))
    for logical in order:
        body = rm._resource_json_map[logical]
        rtype = body["Type"]
        if body.get("Condition") and not rm.lazy_condition_map[body["Condition"]]:
            continue
        _resource_event(self, logical, rtype, "CREATE_IN_PROGRESS")
        try:
            if parsing.resource_class_from_type(rtype) is None:
                raise ValidationError(message=f"Resource type {rtype} is not supported by the tapcheck emulator")
            instance = rm[logical]
            stack_update.record(rm, logical, body)
        except Exception as e:  # noqa: BLE001
            reason = _reason(e)
            _resource_event(self, logical, rtype, "CREATE_FAILED", reason=reason)
            failed = (logical, reason)
            break
        _resource_event(self, logical, rtype, "CREATE_COMPLETE", _physical(instance))
    if failed is None:
        try:
            self.output_map = self._create_output_map()
            for key in self.output_map.outputs:
                self.output_map[key]
        except Exception as e:  # noqa: BLE001
            failed = ("", f"Outputs: {_reason(e)}")
    if failed is None:
        self.status = "CREATE_COMPLETE"
        self._add_stack_event("CREATE_COMPLETE")
        return
    logical, reason = failed
    summary = f"The following resource(s) failed to create: [{logical}]. " if logical else reason + ". "
    self.status = "ROLLBACK_IN_PROGRESS"
    self._add_stack_event("ROLLBACK_IN_PROGRESS", summary + "Rollback requested by user.")
    problem = _delete_resources(self, "DELETE")
    if problem:
        self.status = "ROLLBACK_FAILED"
        self._add_stack_event("ROLLBACK_FAILED", f"The following resource(s) failed to delete: {problem}")
    else:
        self.status = "ROLLBACK_COMPLETE"
        self._add_stack_event("ROLLBACK_COMPLETE")


def _stack_delete(self: Stack) -> None:
    self.status = "DELETE_IN_PROGRESS"
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    problem = _delete_resources(self, "DELETE")
    if problem:
        self.status = "DELETE_FAILED"
        self._add_stack_event("DELETE_FAILED", f"The following resource(s) failed to delete: {problem}")
        return
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


def _resolve_update_parameters(self: CloudFormationBackend, instance: Any,
                               incoming_params: list[dict[str, str]]) -> dict[str, str]:
    """UsePreviousValue takes the previous value even when it came from a Default."""
    previous_values = dict(getattr(getattr(instance, "resource_map", None), "resolved_parameters", {}) or {})
    previous_values.update(instance.parameters or {})
    params = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p}
    for p in incoming_params:
        if p.get("UsePreviousValue"):
            value = previous_values[p["ParameterKey"]]
            params[p["ParameterKey"]] = ",".join(value) if isinstance(value, list) else str(value)
    return params


_stack_locks = STACK_LOCKS


def _create_stack(self: CloudFormationBackend, name: str, template: str, parameters: dict[str, Any],
                  notification_arns: list[str] | None = None, tags: dict[str, str] | None = None,
                  role_arn: str | None = None, enable_termination_protection: bool | None = False,
                  timeout_in_mins: int | None = None, stack_policy_body: str | None = None) -> Stack:
    from moto.cloudformation.exceptions import AlreadyExistsException
    from moto.cloudformation.utils import generate_stack_id

    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack [{name}] already exists")
    # Parameters are checked before the stack exists: a refusal leaves no stack record.
    preflight.check_parameters(template, parameters, self.account_id, self.region_name)
    stack_id = generate_stack_id(name, self.region_name, self.account_id)
    stack = Stack(
        stack_id=stack_id, name=name, template=template, parameters=parameters, account_id=self.account_id,
        region_name=self.region_name, notification_arns=notification_arns, tags=tags, role_arn=role_arn,
        cross_stack_resources=self.exports, enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins, stack_policy_body=stack_policy_body,
    )
    with _stack_locks[stack_id]:
        self.stacks[stack_id] = stack
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
        if stack.status == "CREATE_COMPLETE":
            clash = [e.name for e in stack.exports if e.name in self.exports]
            if clash:
                stack._add_stack_event("ROLLBACK_IN_PROGRESS", f"Export with name {clash[0]} is already exported")
                _delete_resources(stack, "DELETE")
                stack.status = "ROLLBACK_COMPLETE"
                stack._add_stack_event("ROLLBACK_COMPLETE")
            else:
                for export in stack.exports:
                    self.exports[export.name] = export
    return stack


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = self.stacks.get(name_or_stack_id)
    if stack is None:
        stack = next((s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return  # AWS: deleting a stack that does not exist succeeds silently
    with _stack_locks[stack.stack_id]:
        export_names = [e.name for e in stack.exports]
        stack.delete()
    if stack.status == "DELETE_FAILED":
        return
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack
    for export_name in export_names:
        self.exports.pop(export_name, None)


def _sync_cluster_params(rds: RDSBackend, cluster: DBCluster) -> None:
    pgc = _pg(rds.account_id, rds.region_name, cluster.db_cluster_identifier)
    if pgc is not None:
        pgc.apply_parameters(_group_params(rds, cluster.parameter_group))


def install() -> None:
    """Patch moto's stack lifecycle and RDS backend (idempotent)."""
    from tapcheck.emulator.models import alarm_actions, change_sets, failover, yaml_short_form

    yaml_short_form.install()
    failover.install()
    alarm_actions.install()
    change_sets.install()
    if getattr(Stack, "_tapcheck_installed", False):
        return
    Stack._tapcheck_installed = True  # type: ignore[attr-defined]
    from tapcheck.emulator.models import log_exports, operator_calls

    log_exports.install()
    Stack.create_resources = _create_resources  # type: ignore[method-assign]
    Stack.delete = _stack_delete  # type: ignore[method-assign]
    Stack.update = stack_update.run  # type: ignore[method-assign]
    CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters  # type: ignore[method-assign]
    CloudFormationBackend.create_stack = _create_stack  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = _delete_stack  # type: ignore[method-assign]

    original_parse = parsing.parse_resource

    def parse_resource(resource_json: dict[str, Any], resources_map: Any) -> Any:
        result = original_parse(resource_json, resources_map)
        if not result:
            return result
        cls, cleaned, rtype = result
        cleaned = resolve_dynamic_references(cleaned, resources_map._account_id, resources_map._region_name)
        return cls, cleaned, rtype

    parsing.parse_resource = parse_resource

    orig_outputs, orig_exports = Stack.outputs, Stack.exports
    complete = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS",
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")

    # moto evaluates outputs and resources lazily, creating missing resources on access;
    # a rolled-back or deleted stack must show neither outputs nor re-created resources.
    def outputs(self: Stack) -> Any:
        return orig_outputs.fget(self) if self.status in complete else None  # type: ignore[union-attr]

    def exports(self: Stack) -> Any:
        return orig_exports.fget(self) if self.status in complete else []  # type: ignore[union-attr]

    def stack_resources(self: Stack) -> Any:
        rm = self.resource_map
        return [v for k, v in rm._parsed_resources.items()
                if k in rm._resource_json_map and isinstance(v, CloudFormationModel)]

    Stack.outputs = property(outputs)  # type: ignore[assignment,method-assign]
    Stack.exports = property(exports)  # type: ignore[assignment,method-assign]
    Stack.stack_resources = property(stack_resources)  # type: ignore[assignment,method-assign]

    orig_endpoint, orig_reader = DBCluster.endpoint, DBCluster.reader_endpoint

    def endpoint(self: DBCluster) -> str:
        pgc = _pg(self.account_id, self.region, self.db_cluster_identifier)
        return pgc.writer_host if pgc else orig_endpoint.fget(self)  # type: ignore[union-attr]

    def reader_endpoint(self: DBCluster) -> str:
        pgc = _pg(self.account_id, self.region, self.db_cluster_identifier)
        return pgc.reader_host if pgc else orig_reader.fget(self)  # type: ignore[union-attr]

    DBCluster.endpoint = property(endpoint)  # type: ignore[assignment,method-assign]
    DBCluster.reader_endpoint = property(reader_endpoint)  # type: ignore[assignment,method-assign]

    orig_modify_group = RDSBackend.modify_db_cluster_parameter_group
    orig_modify_cluster = RDSBackend.modify_db_cluster

    def modify_db_cluster_parameter_group(self: RDSBackend, name: str, params: Any) -> Any:
        group = orig_modify_group(self, name, params)
        for cluster in list(self.clusters.values()):
            if cluster.parameter_group == name:
                _sync_cluster_params(self, cluster)
        return group

    def modify_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> Any:
        cluster = orig_modify_cluster(self, kwargs)
        _sync_cluster_params(self, cluster)
        return cluster

    RDSBackend.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group  # type: ignore[method-assign]
    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]
    preflight.install()
    rds_backend.install()
    operator_calls.install()


def shutdown() -> None:
    """Destroy every emulated cluster's PostgreSQL and data."""
    with _lock:
        clusters = list(PG_CLUSTERS.values())
        PG_CLUSTERS.clear()
    for pgc in clusters:
        try:
            pgc.destroy()
        except Exception:  # noqa: BLE001
            log.exception("destroying %s", pgc.name)
