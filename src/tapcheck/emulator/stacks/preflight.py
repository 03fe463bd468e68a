"""What CloudFormation refuses before it creates anything (moto_patches/cloudformation.py calls
these where moto's CloudFormation takes a stack, an update or a change set):

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
from moto.cloudformation.models import Stack
from moto.cloudwatch.models import cloudwatch_backends
from moto.ec2.models import ec2_backends
from moto.iam.models import iam_backends
from moto.rds.models import rds_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from tapcheck.emulator import capabilities, parameters
from tapcheck.emulator.resources.base import handler_error


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
LOWER_CASE = {
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBClusterParameterGroup",
    "AWS::RDS::DBSubnetGroup",
}


def already_exists(rtype: str, name: str) -> ValidationError:
    shown = name.lower() if rtype in LOWER_CASE else name
    return handler_error(f"Resource of type '{rtype}' with identifier '{shown}' already exists.", code="AlreadyExists")


# --- capabilities -------------------------------------------------------------------------
def check_capabilities(template: str | None, given: list[str]) -> None:
    """InsufficientCapabilities when the template's IAM resources need a capability not given."""
    if not template:
        return
    doc = Stack.parse_template(template)
    lacking = capabilities.missing(doc if isinstance(doc, dict) else {}, given)
    if lacking:
        raise InsufficientCapabilities(capabilities.refusal(lacking))


def refuse_taken_name(
    logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region: str
) -> None:
    """Before a resource is created: its name must not exist outside the stack already."""
    rtype = resource_json.get("Type", "")
    taken = TAKEN.get(rtype)
    condition = resource_json.get("Condition")
    if not taken or (condition and not resources_map.lazy_condition_map[condition]):
        return
    parsed = parsing.parse_resource_and_generate_name(logical_id, resource_json, resources_map)
    if parsed and isinstance(parsed[2], str) and taken(account_id, region, parsed[2]):
        raise already_exists(rtype, parsed[2])
