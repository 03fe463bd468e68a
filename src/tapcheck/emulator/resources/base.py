"""What every emulated resource shares: the base class of the models, helpers for reading
template properties, and CloudFormation's wording of a resource handler's refusal."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

# Imported for its side effect: it imports every moto module that has CloudFormation models, so
# moto's models all exist before the emulator's model table (moto_patches/cloudformation.py) is
# built from them and ours.
from moto.cloudformation import parsing  # noqa: F401
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.core.common_models import CloudFormationModel


def handler_error(message: str, service: str | None = None, code: str = "InvalidRequest") -> ValidationError:
    """A resource's CREATE_FAILED reason worded as CloudFormation words a resource handler's
    refusal: 'Resource handler returned message: "<service's message> (Service: Rds, Status
    Code: 400, Request ID: ...)" (RequestToken: ..., HandlerErrorCode: InvalidRequest)'. The
    format is the one CloudFormation shows in stack events (commonly reported; the handler
    error codes are listed in
    https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract.html)."""
    if service:
        message = f"{message} (Service: {service}, Status Code: 400, Request ID: {uuid.uuid4()})"
    return ValidationError(
        message=f'Resource handler returned message: "{message}" '
        f"(RequestToken: {uuid.uuid4()}, HandlerErrorCode: {code})"
    )


def tag_list(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": str(t["Value"])} for t in props.get("Tags") or []]


def name_of(value: Any) -> str | None:
    """A Ref to one of moto's own models may yield the object rather than its name."""
    if value is None or isinstance(value, str):
        return value
    return getattr(value, "physical_resource_id", None) or getattr(value, "name", None) or str(value)


def as_bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


# Fn::GetAtt attribute name -> reads its value from a model instance
AttributeReaders = dict[str, Callable[[Any], Any]]


class EmulatedResource(CloudFormationModel):
    """Common plumbing for a model whose real object lives in a moto backend.

    moto's CloudFormation finds its models among the direct subclasses of CloudFormationModel;
    this class is one (with no type of its own), so the models below it are not: the emulator's
    model table (moto_patches/cloudformation.py) names them explicitly, and undoing the emulator's
    changes leaves moto with its own models only.
    """

    CFN_TYPE: ClassVar[str] = ""
    # The property that names the resource; "" makes moto generate a name.
    NAME_PROPERTY: ClassVar[str] = ""
    # Fn::GetAtt attribute -> its value, read from the wrapper (see get_cfn_attribute).
    ATTRIBUTES: ClassVar[AttributeReaders] = {}

    def __init__(self, physical_id: str, account_id: str, region_name: str, obj: Any = None) -> None:
        self.physical_id = physical_id
        self.account_id = account_id
        self.region_name = region_name
        self.obj = obj

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    # moto calls both on the class only, so classmethods serve for its staticmethods.
    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        """moto's check of Fn::GetAtt in Outputs."""
        return attr in cls.ATTRIBUTES

    def is_created(self) -> bool:
        return True

    # Properties this model changes in place (update_in_place). A change to any other property
    # that is not create-only fails the update with a reason saying so, and the stack rolls back:
    # the emulator never pretends to have made a change it cannot make.
    UPDATABLE: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def not_updatable(cls, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        """For a change to a conditionally create-only property: why the AWS resource handler
        refuses it (NotUpdatable, so CloudFormation replaces the resource), or None when the
        handler makes it in place."""
        return None

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Apply the new resolved properties (dynamic references resolved) to the live resource;
        `old` are the ones it was created or last updated with. Only UPDATABLE properties differ."""
        raise ValidationError(message=f"the tapcheck emulator cannot update {self.CFN_TYPE} in place")

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        # Stack updates go through tapcheck.emulator.stacks.update, which decides between
        # in place and replacement; moto's own update path must not delete-then-create.
        raise ValidationError(message=f"{cls.CFN_TYPE}: update through moto's resource map is not supported")

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        # An attribute the type lacks fails the stack as CloudFormation does ("does not support").
        read = self.ATTRIBUTES.get(attribute_name)
        if read is None:
            raise UnformattedGetAttTemplateException()
        return read(self)
