"""What CloudFormation refuses before it creates anything, patched into moto by install():

- capabilities: a template with IAM resources needs CAPABILITY_IAM, with named IAM resources
  CAPABILITY_NAMED_IAM (InsufficientCapabilitiesException; see capabilities.py);
- parameters: type, AllowedPattern, AllowedValues, lengths, bounds and AWS-specific values
  existing in the account, on CreateStack, UpdateStack and CreateChangeSet (ValidationError;
  see parameters.py). No stack record is made when they fail;
- names already taken: a resource whose name (DBClusterIdentifier, secret Name, TopicName,
  AlarmName, RoleName, parameter/subnet group name, DBInstanceIdentifier) already exists
  outside the stack fails with CloudFormation's AlreadyExists text, and nothing that exists is
  touched. "A create handler MUST return FAILED with an AlreadyExists error code if the
  resource already existed prior to the create request"
  (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract.html).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.ec2.models import ec2_backends
from moto.iam.models import iam_backends
from moto.rds.models import rds_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from tapcheck.emulator import capabilities, parameters
from tapcheck.emulator.models.base import handler_error


class InsufficientCapabilities(CloudFormationError):
    code = "InsufficientCapabilitiesException"


# --- parameters ---------------------------------------------------------------------------
def _ec2_exists(account_id: str, region: str) -> parameters.ExistsCheck:
    """Does an AWS-specific parameter value exist in the account (and region)? Every EC2 type
    is looked up in the emulator's EC2; AWS::Route53::HostedZone::Id is checked for shape only."""
    ec2 = ec2_backends[account_id][region]
    lookups: dict[str, Callable[[str], Any]] = {
        "AWS::EC2::Subnet::Id": ec2.get_subnet,
        "AWS::EC2::SecurityGroup::Id": ec2.get_security_group_from_id,
        "AWS::EC2::SecurityGroup::GroupName": ec2.get_security_group_from_name,
        "AWS::EC2::VPC::Id": ec2.get_vpc,
        "AWS::EC2::Instance::Id": ec2.get_instance,
        "AWS::EC2::Volume::Id": ec2.get_volume,
        "AWS::EC2::Image::Id": lambda v: ec2.describe_images(ami_ids=[v]),
        "AWS::EC2::KeyPair::KeyName": lambda v: ec2.describe_key_pairs([v]),
        "AWS::EC2::AvailabilityZone::Name": lambda v: v in {z.name for z in ec2.describe_availability_zones()},
    }

    def exists(ptype: str, value: str) -> bool:
        lookup = lookups.get(ptype)
        if lookup is None:
            return True
        try:
            return bool(lookup(value))
        except Exception:  # noqa: BLE001 - moto's not-found errors
            return False

    return exists


def check_parameters(template: str | dict[str, Any], given: dict[str, Any], account_id: str, region: str) -> None:
    doc = Stack.parse_template(template) if isinstance(template, str) else template
    try:
        parameters.validate((doc or {}).get("Parameters"), given, _ec2_exists(account_id, region))
    except parameters.ParameterError as e:
        raise ValidationError(message=e.message) from None


# --- names already taken ------------------------------------------------------------------
def _iam_role_exists(account_id: str, region: str, name: str) -> bool:
    iam = iam_backends[account_id][get_partition(region)]
    return any(role.name == name for role in iam.roles.values())


TAKEN: dict[str, Callable[[str, str, str], bool]] = {
    "AWS::RDS::DBCluster": lambda a, r, n: n.lower() in rds_backends[a][r].clusters,
    "AWS::RDS::DBInstance": lambda a, r, n: n.lower() in rds_backends[a][r].databases,
    "AWS::RDS::DBClusterParameterGroup": lambda a, r, n: n.lower() in rds_backends[a][r].db_cluster_parameter_groups,
    "AWS::RDS::DBSubnetGroup": lambda a, r, n: n.lower() in rds_backends[a][r].subnet_groups,
    "AWS::SecretsManager::Secret": lambda a, r, n: n in secretsmanager_backends[a][r].secrets,
    "AWS::SNS::Topic": lambda a, r, n: f"arn:{get_partition(r)}:sns:{r}:{a}:{n}" in sns_backends[a][r].topics,
    "AWS::CloudWatch::Alarm": lambda a, r, n: n in cloudwatch_backends[a][r].alarms,
    "AWS::IAM::Role": _iam_role_exists,
}
# RDS stores these names in lower case; the other services keep the case they were given.
LOWER_CASE = {"AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBClusterParameterGroup",
              "AWS::RDS::DBSubnetGroup"}


def already_exists(rtype: str, name: str) -> ValidationError:
    shown = name.lower() if rtype in LOWER_CASE else name
    return handler_error(f"Resource of type '{rtype}' with identifier '{shown}' already exists.",
                         code="AlreadyExists")


# --- install ------------------------------------------------------------------------------
def _template_of(response: CloudFormationResponse) -> str | None:
    body = response._get_param("TemplateBody")
    if body:
        return body
    url = response._get_param("TemplateURL")
    if url:
        return response._get_stack_from_s3_url(url)
    if response._get_bool_param("UsePreviousTemplate", False):
        return response.cloudformation_backend.get_stack(response._get_param("StackName")).template
    return None


def _check_capabilities(response: CloudFormationResponse) -> None:
    template = _template_of(response)
    if not template:
        return
    doc = Stack.parse_template(template)
    lacking = capabilities.missing(doc if isinstance(doc, dict) else {}, response._get_param("Capabilities", []))
    if lacking:
        raise InsufficientCapabilities(capabilities.refusal(lacking))


def install() -> None:
    if getattr(CloudFormationResponse, "_tapcheck_preflight", False):
        return
    CloudFormationResponse._tapcheck_preflight = True  # type: ignore[attr-defined]

    for action in ("create_stack", "update_stack", "create_change_set"):
        original = getattr(CloudFormationResponse, action)

        def checked(self: CloudFormationResponse, _original: Any = original) -> Any:
            _check_capabilities(self)
            return _original(self)

        setattr(CloudFormationResponse, action, checked)

    orig_update = CloudFormationBackend.update_stack

    def update_stack(self: CloudFormationBackend, name: str, template: str, role_arn: str | None,
                     parameters: list[dict[str, Any]], tags: dict[str, str] | None) -> Stack:
        stack = self.get_stack(name)
        resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
        check_parameters(template, resolved, self.account_id, self.region_name)
        return orig_update(self, name, template, role_arn, parameters, tags)

    orig_change_set = CloudFormationBackend.create_change_set

    def create_change_set(self: CloudFormationBackend, stack_name: str, change_set_name: str, template: str,
                          parameters: dict[str, str], *args: Any, **kwargs: Any) -> Any:
        check_parameters(template, parameters, self.account_id, self.region_name)
        return orig_change_set(self, stack_name, change_set_name, template, parameters, *args, **kwargs)

    CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = create_change_set  # type: ignore[method-assign]

    orig_create_resource = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                                  account_id: str, region_name: str) -> Any:
        rtype = resource_json.get("Type", "")
        taken = TAKEN.get(rtype)
        condition = resource_json.get("Condition")
        if taken and not (condition and not resources_map.lazy_condition_map[condition]):
            parsed = parsing.parse_resource_and_generate_name(logical_id, resource_json, resources_map)
            if parsed and isinstance(parsed[2], str) and taken(account_id, region_name, parsed[2]):
                raise already_exists(rtype, parsed[2])
        return orig_create_resource(logical_id, resource_json, resources_map, account_id, region_name)

    parsing.parse_and_create_resource = parse_and_create_resource
