"""What a stack operation records and how it walks the template, shared by create, delete and
update (lifecycle.py, update.py): resource events, failure reasons, DeletionPolicy, the order
resources are created in, and deleting one resource."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Event, Stack

from tapcheck.model import default_deletion_policy
from tapcheck.template_refs import referenced_ids


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids in an order that creates each resource after those it references (Ref,
    Fn::GetAtt, Fn::Sub variables: tapcheck.template_refs, the gate's own walker) and those it
    DependsOn; CloudFormation's refusals for a cycle and for a DependsOn naming no resource."""
    names = set(resources)
    deps: dict[str, set[str]] = {}
    for name, body in resources.items():
        d = {target for target in referenced_ids(body.get("Properties", {})) if target in names}
        depends_on = body.get("DependsOn") or []
        d |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        deps[name] = d - {name}
    position = {name: index for index, name in enumerate(resources)}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, path: tuple[str, ...]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise ValidationError(message=f"Circular dependency between resources: {list(path)}")
        state[n] = 1
        for d in sorted(deps.get(n, ()), key=lambda d: position.get(d, -1)):
            if d not in names:
                raise ValidationError(message=f"Template format error: Unresolved resource dependencies [{d}]")
            visit(d, path + (d,))
        state[n] = 2
        order.append(n)

    for n in resources:
        visit(n, (n,))
    return order


def reason(exc: BaseException) -> str:
    """A failure's text as an event reason: the service's message, on one line."""
    for attr in ("message", "description"):
        text = getattr(exc, attr, None)
        if isinstance(text, str) and text.strip():
            return " ".join(text.split())
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _already_gone(exc: BaseException) -> bool:
    """Does the service say the resource does not exist (deleted outside the stack)?"""
    code = getattr(exc, "error_type", "")  # moto's service errors carry the AWS error code there
    code = code if isinstance(code, str) else ""
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
    except Exception as e:
        if not _already_gone(e):
            raise
        return f"Resource not found, so already deleted ({reason(e)})"
    return None


def resource_event(
    stack: Stack, logical_id: str, rtype: str, status: str, physical_id: str = "", status_reason: str | None = None
) -> None:
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=rtype,
            resource_status=status,
            resource_status_reason=status_reason,
            resource_properties=None,
        )
    )


def physical(instance: Any) -> str:
    return str(getattr(instance, "physical_resource_id", "") or "")


def deletion_policy(body: dict[str, Any]) -> str:
    """The resource's DeletionPolicy, CloudFormation's default when absent: the gate's model holds
    that default (Snapshot for a DB cluster and a stand-alone DB instance), so both agree."""
    return str(
        body.get("DeletionPolicy") or default_deletion_policy(body.get("Type", ""), body.get("Properties") or {})
    )


def is_resource(instance: Any) -> bool:
    """moto's resource map also holds parameters and pseudo parameters (plain values)."""
    return instance is not None and not isinstance(instance, (str, int, float, list, dict))
