"""The in-VPC runner's function takes the live cluster's placement, within what a function's
VpcConfig takes (16 subnets, 5 security groups), and only active groups."""

from __future__ import annotations

from types import SimpleNamespace

from tapcheck.live.runner import placement


class _Rds:
    def __init__(self, subnets: int) -> None:
        self.subnets = subnets

    def describe_db_subnet_groups(self, DBSubnetGroupName: str) -> dict:
        assert DBSubnetGroupName == "db-subnets"
        return {"DBSubnetGroups": [{"Subnets": [{"SubnetIdentifier": f"subnet-{i:02}"} for i in range(self.subnets)]}]}


def _ctx(subnets: int, groups: list[tuple[str, str]], port: int | None = 5433) -> SimpleNamespace:
    cluster = {
        "DBSubnetGroup": "db-subnets",
        "Port": port,
        "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": s} for g, s in groups],
    }
    return SimpleNamespace(cluster=cluster, target=SimpleNamespace(client=lambda service: _Rds(subnets)))


def test_the_function_takes_the_clusters_subnets_groups_and_port() -> None:
    where = placement(_ctx(2, [("sg-a", "active"), ("sg-b", "active")]))
    assert where.subnet_ids == ["subnet-00", "subnet-01"] and where.group_ids == ["sg-a", "sg-b"] and where.port == 5433


def test_within_vpcconfig_limits_and_only_active_groups() -> None:
    groups = [(f"sg-{i}", "active") for i in range(7)] + [("sg-old", "removing")]
    where = placement(_ctx(20, groups, port=None))
    assert len(where.subnet_ids) == 16 and where.group_ids == [f"sg-{i}" for i in range(5)] and where.port == 5432
