"""Whether security groups let TCP through to a port: one reading shared by the in-VPC runner
(which checks before it creates anything) and the emulator (which lets an invoked function reach
a cluster only when it would on AWS).

Rules as the VPC User Guide describes them
(https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html): rules only allow;
a network interface in several groups gets the union of their rules; an inbound rule's source is
a CIDR range or another security group (the traffic's source interface is in that group); an
outbound rule's destination likewise; protocol "-1" means every protocol and port. Groups are
stateful, so the reply to an allowed connection needs no rule of its own.

Permissions are in the EC2 API's shape (DescribeSecurityGroups' IpPermissions and
IpPermissionsEgress). No boto3 and no moto here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any


def _covers_port(perm: dict[str, Any], port: int) -> bool:
    proto = str(perm.get("IpProtocol"))
    if proto == "-1":
        return True
    return proto in ("tcp", "6") and int(perm.get("FromPort", 0)) <= port <= int(perm.get("ToPort", -1))


def _lets(perms: Iterable[dict[str, Any]], port: int, groups: set[str], cidrs: list[Any]) -> bool:
    """Some rule covers TCP `port` and names one of `groups` or a range holding every one of `cidrs`."""
    for perm in perms:
        if not _covers_port(perm, port):
            continue
        if groups & {pair.get("GroupId") for pair in perm.get("UserIdGroupPairs") or []}:
            return True
        for r in perm.get("IpRanges") or []:
            net = ipaddress.ip_network(r["CidrIp"], strict=False)
            if cidrs and all(c.subnet_of(net) for c in cidrs):
                return True
    return False


def missing_rule(
    source_groups: list[dict[str, Any]],
    source_cidrs: list[str],
    target_groups: list[dict[str, Any]],
    target_cidrs: list[str],
    port: int,
) -> str | None:
    """None when a network interface in `source_groups` (addresses in `source_cidrs`) may open TCP
    `port` on one in `target_groups` (addresses in `target_cidrs`); else the side that lacks a rule:
    "inbound" (no target group admits the source by group or range) or "outbound" (no source group
    lets it out to the target)."""
    source_ids = {g["GroupId"] for g in source_groups}
    target_ids = {g["GroupId"] for g in target_groups}
    sources = [ipaddress.ip_network(c, strict=False) for c in source_cidrs]
    targets = [ipaddress.ip_network(c, strict=False) for c in target_cidrs]
    if not _lets((p for g in target_groups for p in g.get("IpPermissions") or []), port, source_ids, sources):
        return "inbound"
    if not _lets((p for g in source_groups for p in g.get("IpPermissionsEgress") or []), port, target_ids, targets):
        return "outbound"
    return None
