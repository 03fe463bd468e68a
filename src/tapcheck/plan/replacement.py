"""How CloudFormation updates one changed property: replace, maybe replace, or in place (and
whether in place means downtime).

The rule comes from the resource schema (schema.py); this module adds what the schemas do not
say, each from its AWS source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tapcheck.model import as_str
from tapcheck.plan import schema as schemas
from tapcheck.plan.values import MISSING

RESOURCE_REFERENCE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"

# Properties the CloudFormation resource reference documents as "Update requires: Some
# interruptions" (and the schemas do not make create-only). Source: the reference pages
# aws-resource-rds-dbcluster.html and aws-resource-rds-dbinstance.html (text as published in
# the awsdocs/aws-cloudformation-user-guide doc_source, 2023-09 snapshot).
SOME_INTERRUPTIONS = {
    "AWS::RDS::DBCluster": {"Engine", "EngineVersion", "GlobalClusterIdentifier", "MasterUsername"},
    "AWS::RDS::DBInstance": {
        "AutoMinorVersionUpgrade",
        "AvailabilityZone",
        "BackupRetentionPeriod",
        "DBClusterSnapshotIdentifier",
        "DBInstanceClass",
        "DBParameterGroupName",
        "DBSnapshotIdentifier",
        "Engine",
        "EngineVersion",
        "MultiAZ",
        "PreferredMaintenanceWindow",
        "RestoreTime",
        "SourceDBClusterIdentifier",
        "SourceDBInstanceAutomatedBackupsArn",
        "SourceDBInstanceIdentifier",
        "SourceDbiResourceId",
        "StorageType",
        "UseLatestRestorableTime",
    },
}

_PAGES = {
    "AWS::RDS::DBCluster": RESOURCE_REFERENCE + "aws-resource-rds-dbcluster.html",
    "AWS::RDS::DBInstance": RESOURCE_REFERENCE + "aws-resource-rds-dbinstance.html",
}


@dataclass(frozen=True)
class Behaviour:
    replacement: str  # "true" | "false" | "conditional"
    why: str
    interruption: str | None = None  # why the in-place update means downtime


def behaviour(
    resource_type: str, name: str, old: Any, new: Any, differs: Callable[[tuple[str, ...]], bool]
) -> Behaviour:
    """The update behaviour of a changed top-level property `name`.

    differs(path) tells whether the values at a property path ("*" = every list item) differ.
    """
    special = _SPECIAL.get((resource_type, name))
    if special is not None:
        return special(old, new)
    interruption = None
    if name in SOME_INTERRUPTIONS.get(resource_type, ()):
        interruption = f"{name}: Update requires: Some interruptions ({_PAGES[resource_type]})"
    if any(differs(path) for path in schemas.create_only(resource_type) if path[0] == name):
        # "If you're adding or removing a property that requires a replacement, it will also
        # trigger an update ... even if the real value of the property doesn't change"
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html)
        return Behaviour("true", f"{name} is create-only in the {resource_type} schema: a change replaces")
    if any(differs(path) for path in schemas.conditional_create_only(resource_type) if path[0] == name):
        return Behaviour(
            "conditional",
            f"{name} is conditionally create-only in the {resource_type} schema: "
            "replaced if the change cannot be made in place",
            interruption,
        )
    return Behaviour("false", f"{name} is updated in place", interruption)


def _dbcluster_engine(old: Any, new: Any) -> Behaviour:
    # The reference page says "Some interruptions"; the schema makes Engine conditionally
    # create-only. The RDS resource provider's update handler accepts only aurora -> aurora-mysql
    # (or no change) and answers any other Engine change with NotUpdatable, which makes
    # CloudFormation replace the cluster:
    # https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/blob/master/aws-rds-dbcluster/src/main/java/software/amazon/rds/dbcluster/util/ImmutabilityHelper.java
    # (ModifyDBCluster has no Engine parameter: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html)
    before, after = _text(old), _text(new)
    if (before is None and old is not MISSING) or (after is None and new is not MISSING):
        return Behaviour(
            "conditional",
            "Engine changes to a value not known before deployment: replaced unless it is aurora -> aurora-mysql",
        )
    if before == "aurora" and after == "aurora-mysql":
        return Behaviour(
            "false",
            "Engine aurora -> aurora-mysql is the one engine change RDS makes in place",
            f"Engine: Update requires: Some interruptions ({_PAGES['AWS::RDS::DBCluster']})",
        )
    return Behaviour(
        "true",
        f"Engine {_label(before)} -> {_label(after)} cannot be made in place "
        "(the RDS handler refuses it as NotUpdatable): the cluster is replaced",
    )


def _text(value: Any) -> str | None:
    if value is MISSING:
        return None
    literal = as_str(value)
    return literal.strip().lower() if literal is not None else None


def _label(text: str | None) -> str:
    return text if text is not None else "(absent)"


_SPECIAL: dict[tuple[str, str], Callable[[Any, Any], Behaviour]] = {
    ("AWS::RDS::DBCluster", "Engine"): _dbcluster_engine,
}
