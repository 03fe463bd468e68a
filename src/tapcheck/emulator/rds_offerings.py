"""What RDS offers for Aurora at create time, read from cfn-lint's data so the emulator and
the gate never disagree: engine versions (through tapcheck.requirements.engine_versions,
the module the gate's R1 uses), instance classes per engine and version, and the default
cluster parameter group with its values. Pure logic (no moto).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from tapcheck.requirements import engine_versions

AURORA_POSTGRESQL = engine_versions.ENGINE


def engine_version_refusal(engine: str, version: str) -> str | None:
    """RDS's InvalidParameterCombination text for a version it cannot create, or None.

    AWS deprecates Aurora PostgreSQL minor versions and then refuses to create clusters on
    them (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Updates.html and the
    release calendars in https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurora-postgresql-relnotes.pdf);
    cfn-lint's data records which are known and which are deprecated (W3690/E3691). The
    refusal's text is undocumented; this is the one commonly reported from CreateDBCluster.
    Only aurora-postgresql is checked: it is the engine the emulator runs.
    """
    if engine != AURORA_POSTGRESQL:
        return None
    if version in engine_versions.known_versions() and version not in engine_versions.deprecated_versions():
        return None
    return f"Cannot find version {version} for {engine}"


def default_engine_version(engine: str) -> str | None:
    """The version a cluster gets without EngineVersion. AWS uses its current default version
    (describe-db-engine-versions --default-only), which cfn-lint's data does not record; the
    emulator's data plane is PostgreSQL 15, so it takes the newest supported 15.x."""
    if engine != AURORA_POSTGRESQL:
        return None
    usable = [
        v
        for v in engine_versions.known_versions() - engine_versions.deprecated_versions()
        if v.startswith("15.") and v[3:].isdigit()
    ]
    return max(usable, key=lambda v: int(v[3:]), default=None)


def _extension(filename: str) -> dict:
    import cfnlint.data.schemas.extensions.aws_rds_dbinstance as package

    return json.loads(resources.files(package).joinpath(filename).read_text())


@cache
def _classes_by_version(engine: str) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    """cfn-lint's E3062 data: (EngineVersion pattern, instance classes) for the engine."""
    out = []
    for clause in _extension("db_instance_class.json").get("allOf", []):
        cond = clause.get("if", {}).get("properties", {})
        if cond.get("Engine", {}).get("const") != engine:
            continue
        pattern = cond.get("EngineVersion", {}).get("pattern")
        classes = clause.get("then", {}).get("properties", {}).get("DBInstanceClass", {}).get("enum")
        if pattern and classes:
            out.append((re.compile(pattern), frozenset(classes)))
    return tuple(out)


@cache
def _classes_in_region(engine: str, region: str) -> frozenset[str] | None:
    """cfn-lint's E3025 data (from the pricing API): instance classes of the engine in the region."""
    regional = _extension("dbinstanceclass_enum.json").get(region)
    if not regional:
        return None
    classes: set[str] = set()
    for clause in regional.get("allOf", []):
        cond = clause.get("if", {}).get("properties", {})
        if cond.get("Engine", {}).get("const") == engine:
            classes |= set(clause.get("then", {}).get("properties", {}).get("DBInstanceClass", {}).get("enum", []))
    return frozenset(classes) if classes else None


def instance_class_refusal(engine: str, version: str, instance_class: str, region: str) -> str | None:
    """RDS's InvalidParameterCombination text when the class is not offered for the engine
    and version (in the region), or None. Which classes each Aurora engine and version supports:
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html
    and, per region, describe-orderable-db-instance-options
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.RegionSupportAurora.html).
    The text is the one commonly reported from CreateDBInstance (undocumented)."""
    if engine != AURORA_POSTGRESQL:
        return None
    offered = True
    by_version = [classes for pattern, classes in _classes_by_version(engine) if pattern.fullmatch(version)]
    if by_version and not any(instance_class in classes for classes in by_version):
        offered = False
    regional = _classes_in_region(engine, region)
    if regional is not None and instance_class not in regional:
        offered = False
    if offered:
        return None
    return (
        f"RDS does not support creating a DB instance with the following combination: "
        f"DBInstanceClass={instance_class}, Engine={engine}, EngineVersion={version}, "
        f"LicenseModel=postgresql-license. For supported combinations of instance class and "
        f"database engine version, see the documentation."
    )


def parameter_group_family(engine: str, version: str) -> str:
    """aurora-postgresql 15.12 -> aurora-postgresql15: Aurora PostgreSQL parameter group families
    are the engine and its major version (DescribeDBEngineVersions' DBParameterGroupFamily;
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/parameter-groups-overview.html)."""
    return f"{engine}{str(version).split('.')[0]}"


def default_cluster_parameter_group(engine: str, version: str) -> str:
    """CreateDBCluster, DBClusterParameterGroupName: "If you don't specify a value, then the default
    DB cluster parameter group for the specified DB engine and version is used"
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html); its name is
    default.<family>, e.g. default.aurora-postgresql15
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/parameter-groups-overview.html)."""
    return f"default.{parameter_group_family(engine, version)}"


def default_cluster_parameters(family: str) -> dict[str, str]:
    """The default group's values the emulator applies to its data plane.

    - rds.force_ssl 0: plaintext allowed. "The rds.force_ssl parameter is set to 0 by default"
      (https://repost.aws/knowledge-center/aurora-postgresql-ssl-certificates; the page does
      not qualify it by major version). TLS itself is always available: RDS creates the
      cluster's certificate when it creates the cluster (same page), so the emulator's servers
      always run with ssl=on.
    - log_statement none: Aurora leaves it at PostgreSQL's default, none
      (https://www.postgresql.org/docs/15/runtime-config-logging.html#GUC-LOG-STATEMENT).
    """
    if not family.startswith(AURORA_POSTGRESQL):
        return {}
    return {"rds.force_ssl": "0", "log_statement": "none"}


def default_group_family(name: str) -> str | None:
    """The family of an RDS default cluster parameter group name, or None."""
    match = re.fullmatch(rf"default\.({AURORA_POSTGRESQL}\d+)", name or "")
    return match.group(1) if match else None
