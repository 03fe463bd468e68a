"""The calls an operator makes on a deployed stack's resources (the drift table's,
tapcheck.live.drift.table; docs/drift.md lists them all) where moto lacks them or gets them wrong,
patched by install():

- RDS ModifyDBSubnetGroup: moto took the group out of its backend and never put it back, so the group
  vanished after the call. Here it stays under its name with the new subnets and description; a
  set of subnets covering fewer than two AZs is refused with DBSubnetGroupDoesNotCoverEnoughAZs
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.html, Errors).
- RDS ResetDBClusterParameterGroup: moto has no such call (the server answered 500). Here it sets the
  parameters named, or every parameter of the group with ResetAllParameters, back to the engine's
  default ("Modifies the parameters of a DB cluster parameter group to the default value",
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBClusterParameterGroup.html),
  the values of the family's default group (rds_offerings.default_cluster_parameters), through
  ModifyDBClusterParameterGroup so the running servers follow. A parameter with no default the
  emulator knows is refused, visibly, rather than half reset.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds import exceptions as rds_errors
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse

from tapcheck.emulator import rds_offerings
from tapcheck.emulator.models.rds import apply_type


def modify_db_subnet_group(self: RDSBackend, subnet_name: str, description: str | None, subnets: list[Any]) -> Any:
    group = self.subnet_groups.get(subnet_name)
    if group is None:
        raise rds_errors.DBSubnetGroupNotFoundError(subnet_name)
    azs = sorted({subnet.availability_zone for subnet in subnets})
    if len(azs) < 2:
        # the error code is the API reference's; its message text is undocumented
        raise rds_errors.RDSClientError(
            "DBSubnetGroupDoesNotCoverEnoughAZs",
            "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: "
            f"{', '.join(azs) or 'none'}. Add subnets to cover at least 2 AZs.")
    group.subnets = subnets
    if description is not None:
        group.description = description
    return group


def reset_db_cluster_parameter_group(self: RDSBackend, name: str, reset_all: bool, names: list[str]) -> Any:
    group = self.db_cluster_parameter_groups.get(name)
    if group is None:
        raise rds_errors.DBClusterParameterGroupNotFoundError(name)
    defaults = rds_offerings.default_cluster_parameters(group.db_parameter_group_family or "")
    wanted = list(group.parameters) if reset_all else names
    unknown = [p for p in wanted if p not in defaults]
    if unknown:
        raise rds_errors.InvalidParameterValue(
            f"the emulator knows no default value of {', '.join(sorted(unknown))} for {group.db_parameter_group_family} (only of "
            f"{', '.join(sorted(defaults))})")
    self.modify_db_cluster_parameter_group(name, [
        {"ParameterName": p, "ParameterValue": defaults[p], "ApplyType": apply_type(p),
         "ApplyMethod": "pending-reboot" if apply_type(p) == "static" else "immediate"} for p in wanted])
    return group


def _reset_response(self: RDSResponse) -> ActionResult:
    name = self.params.get("DBClusterParameterGroupName")
    reset_all = str(self.params.get("ResetAllParameters", "false")).lower() == "true"
    names = [p.original_dict()["ParameterName"] for p in self.params.get("Parameters", [])]
    group = self.backend.reset_db_cluster_parameter_group(name, reset_all, names)
    return ActionResult({"DBClusterParameterGroupName": group.name})


def install() -> None:
    if getattr(RDSBackend, "_tapcheck_operator_calls", False):
        return
    RDSBackend._tapcheck_operator_calls = True  # type: ignore[attr-defined]
    RDSBackend.modify_db_subnet_group = modify_db_subnet_group  # type: ignore[method-assign]
    RDSBackend.reset_db_cluster_parameter_group = reset_db_cluster_parameter_group  # type: ignore[attr-defined]
    RDSResponse.reset_db_cluster_parameter_group = _reset_response  # type: ignore[attr-defined]
