"""security_groups.missing_rule: the one reading of security-group rules that the in-VPC runner
(before it creates anything) and the emulator (before it lets a function reach a cluster) share."""

from __future__ import annotations

import pytest

from tapcheck.security_groups import missing_rule

SUBNETS = ["10.0.1.0/24", "10.0.2.0/24"]
ALL_OUT = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def group(ingress: list[dict], egress: list[dict] | None = None, gid: str = "sg-db") -> dict:
    return {"GroupId": gid, "IpPermissions": ingress, "IpPermissionsEgress": ALL_OUT if egress is None else egress}


def tcp(port_from: int, port_to: int, *, groups: tuple[str, ...] = (), cidrs: tuple[str, ...] = ()) -> dict:
    return {
        "IpProtocol": "tcp",
        "FromPort": port_from,
        "ToPort": port_to,
        "UserIdGroupPairs": [{"GroupId": g} for g in groups],
        "IpRanges": [{"CidrIp": c} for c in cidrs],
    }


def same_group(g: dict) -> str | None:
    """The runner's case: the function in the cluster's own groups and subnets."""
    return missing_rule([g], SUBNETS, [g], SUBNETS, 5432)


@pytest.mark.parametrize(
    "ingress",
    [
        [tcp(5432, 5432, groups=("sg-db",))],  # from itself
        [tcp(5000, 6000, groups=("sg-db",))],  # a range holding the port
        [tcp(5432, 5432, cidrs=("10.0.0.0/16",))],  # the VPC's range holds both subnets
        [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-db"}]}],  # every protocol
        [{"IpProtocol": "6", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    ],
)
def test_a_rule_admitting_the_group_or_its_subnets_opens_the_path(ingress: list[dict]) -> None:
    assert same_group(group(ingress)) is None


@pytest.mark.parametrize(
    "ingress",
    [
        [],  # nothing admitted
        [tcp(5433, 5439, groups=("sg-db",))],  # another port
        [tcp(5432, 5432, groups=("sg-app",))],  # another group
        [tcp(5432, 5432, cidrs=("10.0.1.0/24",))],  # one subnet of two
        [{"IpProtocol": "udp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-db"}]}],
    ],
)
def test_without_an_admitting_rule_the_inbound_side_is_named(ingress: list[dict]) -> None:
    assert same_group(group(ingress)) == "inbound"


def test_egress_must_let_it_out_too() -> None:
    admitted = [tcp(5432, 5432, groups=("sg-db",))]
    assert same_group(group(admitted, egress=[])) == "outbound"
    assert same_group(group(admitted, egress=[tcp(443, 443, cidrs=("0.0.0.0/0",))])) == "outbound"
    assert same_group(group(admitted, egress=[tcp(5432, 5432, groups=("sg-db",))])) is None


def test_rules_of_several_groups_add_up() -> None:
    """An interface in two groups gets the union of their rules."""
    closed = group([], gid="sg-db")
    opener = group([tcp(5432, 5432, groups=("sg-db",))], gid="sg-extra")
    assert missing_rule([closed], SUBNETS, [closed], SUBNETS, 5432) == "inbound"
    assert missing_rule([closed, opener], SUBNETS, [closed, opener], SUBNETS, 5432) is None
