"""Aurora PostgreSQL versions as cfn-lint knows them: which exist, which are deprecated.

Read from cfn-lint's own data (the schema extensions behind E3691/W3690), so the gate and
cfn-lint never disagree and a cfn-lint upgrade brings AWS's newest deprecations with it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

ENGINE = "aurora-postgresql"


def _versions(filename: str, branch: str) -> frozenset[str]:
    import cfnlint.data.schemas.extensions.aws_rds_dbcluster as package

    data = json.loads(resources.files(package).joinpath(filename).read_text())
    for clause in data.get("allOf", []):
        condition = clause.get("if", {}).get("properties", {})
        if condition.get("Engine", {}).get("const") != ENGINE:
            continue
        holder = clause["if"] if branch == "if" else clause.get("then", {})
        return frozenset(str(v) for v in holder.get("properties", {}).get("EngineVersion", {}).get("enum", []))
    return frozenset()


@cache
def known_versions() -> frozenset[str]:
    return _versions("engine_version.json", "then")


@cache
def deprecated_versions() -> frozenset[str]:
    return _versions("engine_version_deprecated.json", "if")


def supported_minors(major: str) -> list[str]:
    usable = [v for v in known_versions() - deprecated_versions() if v.startswith(f"{major}.")]
    return sorted(usable, key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])
