"""H7 on the live stack: the log group RDS exports the PostgreSQL log to. The emulator does what RDS
does: the first instance of a cluster exporting postgresql creates /aws/rds/cluster/<id>/postgresql
unless it exists."""

from __future__ import annotations

import copy
import io
import json
import uuid
from pathlib import Path


def _deploy(target, doc: dict, tmp_path: Path, prefix: str) -> tuple[str, str]:
    from tapcheck.live import deploy

    path = tmp_path / f"{prefix}.json"
    path.write_text(json.dumps(doc))
    suffix = prefix + uuid.uuid4().hex[:6]
    name = f"tapcheck-{suffix}"
    deploy.deploy(target, path, name, {"EnvironmentSuffix": suffix})
    return name, suffix


def test_without_the_stacks_log_group_rds_makes_one_outside_the_stack_and_smoke_fails_h7(
    local_target, live_options, tmp_path
) -> None:
    from tapcheck.live import deploy
    from tapcheck.live.smoke import smoke

    doc = json.loads(Path(live_options.template).read_text())
    doc = copy.deepcopy(doc)
    group_id = next(k for k, r in doc["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup")
    del doc["Resources"][group_id]
    for resource in doc["Resources"].values():
        if resource.get("DependsOn"):
            resource["DependsOn"] = [d for d in resource["DependsOn"] if d != group_id]
            if not resource["DependsOn"]:
                del resource["DependsOn"]
    name, suffix = _deploy(local_target, doc, tmp_path, "nolg")
    logs = local_target.client("logs")
    group = f"/aws/rds/cluster/aurora-postgres-cluster-{suffix}/postgresql"
    try:
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        assert [g["logGroupName"] for g in found] == [group]
        assert "retentionInDays" not in found[0]  # never expires
        out = io.StringIO()
        assert smoke(local_target, name, out=out, only=["H7"]) == 1
        assert "failed requirements: H7" in out.getvalue(), out.getvalue()
    finally:
        deploy.destroy(local_target, name)
    # RDS's group is not the stack's: it outlives the stack
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]] == [group]
    logs.delete_log_group(logGroupName=group)


def test_the_stacks_log_group_is_the_one_rds_writes_to_and_goes_with_the_stack(local_target, live_stack) -> None:
    logs = local_target.client("logs")
    group = f"/aws/rds/cluster/{live_stack.cluster['DBClusterIdentifier']}/postgresql"
    assert group in live_stack.physical("AWS::Logs::LogGroup")
    [found] = [g for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] if g["logGroupName"] == group]
    assert found["retentionInDays"] == 365
