"""Changes to moto's CloudFormation: the emulator's stack lifecycle (stacks/), its resource models
(resources/) and the refusals CloudFormation makes before it creates anything. Each function here
only adapts moto's call to ours."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import yaml
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult, EmptyResult

from tapcheck.emulator.moto_patches.recorder import Recorder
from tapcheck.emulator.resources import MODELS
from tapcheck.emulator.stacks import change_sets, lifecycle, names, preflight, update
from tapcheck.emulator.stacks.yaml_short_form import construct_short_form

Method = Callable[..., Any]


# --- the model table --------------------------------------------------------------------------
def _model_list(moto: Callable[[], list[type[CloudFormationModel]]]) -> Callable[[], list[type[CloudFormationModel]]]:
    """moto's models, less those of a type the emulator models, then the emulator's (MODELS)."""

    @functools.lru_cache
    def get_model_list() -> list[type[CloudFormationModel]]:
        ours = {model.cloudformation_type() for model in MODELS}
        return [m for m in moto() if m.__module__.startswith("moto.") and m.cloudformation_type() not in ours] + list(
            MODELS
        )

    return get_model_list


def _model_map(_moto: Any) -> Callable[[], dict[str, type[CloudFormationModel]]]:
    @functools.lru_cache
    def get_model_map() -> dict[str, type[CloudFormationModel]]:
        return {model.cloudformation_type(): model for model in parsing.get_model_list()}

    return get_model_map


def _name_type_map(_moto: Any) -> Callable[[], dict[str, str]]:
    @functools.lru_cache
    def get_name_type_map() -> dict[str, str]:
        return {model.cloudformation_type(): model.cloudformation_name_type() for model in parsing.get_model_list()}

    return get_name_type_map


# --- resources, as a stack creates them --------------------------------------------------------
def _parse_resource(moto: Method) -> Method:
    def parse_resource(resource_json: dict[str, Any], resources_map: Any) -> Any:
        return lifecycle.resolved(moto(resource_json, resources_map), resources_map)

    return parse_resource


def _parse_and_create_resource(moto: Method) -> Method:
    def parse_and_create_resource(
        logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str
    ) -> Any:
        preflight.refuse_taken_name(logical_id, resource_json, resources_map, account_id, region_name)
        return moto(logical_id, resource_json, resources_map, account_id, region_name)

    return parse_and_create_resource


def _outputs(moto: property) -> property:
    return property(lambda stack: lifecycle.outputs_when_complete(stack, lambda: moto.__get__(stack)))


def _exports(moto: property) -> property:
    return property(lambda stack: lifecycle.exports_when_complete(stack, lambda: moto.__get__(stack)))


# --- the backend ------------------------------------------------------------------------------
def _update_stack(moto: Method) -> Method:
    def update_stack(
        self: CloudFormationBackend,
        name: str,
        template: str,
        role_arn: str | None,
        parameters: list[dict[str, Any]],
        tags: dict[str, str] | None,
    ) -> Stack:
        names.check_logical_ids(Stack.parse_template(template))
        stack = self.get_stack(name)
        resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
        preflight.check_parameters(template, resolved, self.account_id, self.region_name)
        return moto(self, name, template, role_arn, parameters, tags)

    return update_stack


def _create_change_set(moto: Method) -> Method:
    def create_change_set(
        self: CloudFormationBackend,
        stack_name: str,
        change_set_name: str,
        template: str,
        parameters: dict[str, str],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        names.check_change_set_stack_name(stack_name)
        names.check_logical_ids(Stack.parse_template(template))
        preflight.check_parameters(template, parameters, self.account_id, self.region_name)
        return moto(self, stack_name, change_set_name, template, parameters, *args, **kwargs)

    return create_change_set


def _execute_change_set(moto: Method) -> Method:
    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
        change_sets.execute(self, change_set_name, stack_name, moto)

    return execute_change_set


def _diff(moto: Method) -> Method:
    def diff(self: ChangeSet) -> Any:
        return change_sets.changes(self) if self.change_set_type == "UPDATE" else moto(self)

    return diff


# --- the responses (request parameters moto's backend never sees) ----------------------------------
def _template_of(response: CloudFormationResponse) -> str | None:
    body = response._get_param("TemplateBody")
    if body:
        return str(body)
    url = response._get_param("TemplateURL")
    if url:
        return str(response._get_stack_from_s3_url(url))
    if response._get_bool_param("UsePreviousTemplate", False):
        return str(response.cloudformation_backend.get_stack(response._get_param("StackName")).template)
    return None


def _capabilities_checked(moto: Method) -> Method:
    """CreateStack, UpdateStack, CreateChangeSet: the Capabilities parameter stays in the response."""

    def checked(self: CloudFormationResponse) -> Any:
        preflight.check_capabilities(_template_of(self), self._get_param("Capabilities", []))
        return moto(self)

    return checked


def cancel_update_stack(self: CloudFormationResponse) -> ActionResult:
    """CancelUpdateStack, which moto lacks."""
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    update.request_cancel(stack)
    return EmptyResult()


def declare(patches: Recorder) -> None:
    # templates: YAML short forms and unquoted dates read as CloudFormation reads them
    patches.replace(cfn_models, "yaml_tag_constructor", construct_short_form, "!GetAtt X.A.B, sequence forms")
    patches.replace(cfn_responses, "yaml_tag_constructor", construct_short_form, "the same, where responses parse")
    patches.wrap(
        yaml.Loader,
        "yaml_constructors",
        lambda moto: {**moto, "tag:yaml.org,2002:timestamp": yaml.Loader.construct_yaml_str},
        "an unquoted date stays the text written",
    )
    # the model table: the emulator's models in place of moto's for the types both define
    patches.wrap(parsing, "get_model_list", _model_list, "moto's models and the emulator's (resources.MODELS)")
    patches.wrap(parsing, "get_model_map", _model_map, "read from the list above")
    patches.wrap(parsing, "get_name_type_map", _name_type_map, "read from the list above")
    patches.wrap(parsing, "parse_resource", _parse_resource, "dynamic references resolved")
    patches.wrap(parsing, "parse_and_create_resource", _parse_and_create_resource, "a name taken is refused")
    # stacks
    patches.replace(Stack, "create_resources", lifecycle.create_resources, "events, rollback")
    patches.replace(Stack, "delete", lifecycle.delete, "events, DeletionPolicy")
    patches.replace(Stack, "update", update.run, "in place or replacement, rollback")
    patches.wrap(Stack, "outputs", _outputs, "none unless the stack is complete")
    patches.wrap(Stack, "exports", _exports, "none unless the stack is complete")
    patches.replace(Stack, "stack_resources", property(lifecycle.stack_resources), "only what the stack made")
    patches.replace(
        CloudFormationBackend,
        "_resolve_update_parameters",
        lifecycle.resolve_update_parameters,
        "UsePreviousValue of a Default",
    )
    patches.replace(CloudFormationBackend, "create_stack", lifecycle.create_stack, "refusals first, then create")
    patches.replace(CloudFormationBackend, "delete_stack", lifecycle.delete_stack, "a failed delete keeps the stack")
    patches.wrap(CloudFormationBackend, "update_stack", _update_stack, "logical ids and parameters checked")
    patches.wrap(CloudFormationBackend, "create_change_set", _create_change_set, "names and parameters checked")
    patches.wrap(CloudFormationBackend, "execute_change_set", _execute_change_set, "runs the stack update")
    patches.wrap(ChangeSet, "diff", _diff, "Replacement, Scope and Details per change")
    patches.add(CloudFormationResponse, "cancel_update_stack", cancel_update_stack, "CancelUpdateStack")
    for action in ("create_stack", "update_stack", "create_change_set"):
        patches.wrap(CloudFormationResponse, action, _capabilities_checked, "InsufficientCapabilities")
