"""S6 — the seed's parameters, with their types, patterns and limits, and the cluster using them."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from tapcheck.model import Model, as_int, as_str
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import parameter_of, the_cluster

SPEC = ("Parameters EnvironmentSuffix, SubnetId1, SubnetId2, VpcSecurityGroupId, DatabaseName and MasterUsername, "
        "typed and constrained as in the specification")


@lru_cache(maxsize=None)
def parameter_schema() -> dict:
    return json.loads(resources.files("tapcheck").joinpath("data/parameters.schema.json").read_text())


def check(model: Model):
    from jsonschema import Draft202012Validator

    schema = parameter_schema()
    declared = {name: dict(value) if isinstance(value, dict) else value for name, value in model.parameters.items()}
    for error in Draft202012Validator(schema).iter_errors(declared):
        where = "/Parameters/" + "/".join(map(str, error.absolute_path))
        yield violation(None, where, f"Parameters: {error.message}", "Declare the parameter as the specification does",
                        "schema")
    for name, rules in schema["properties"].items():
        declaration = declared.get(name)
        if not isinstance(declaration, dict):
            continue
        yield from _check_pattern(name, declaration, rules)
        limit = rules.get("x-max-length")
        if limit is not None and (as_int(declaration.get("MaxLength")) or limit + 1) > limit:
            yield violation(None, f"/Parameters/{name}/MaxLength", f"{name} allows more than {limit} characters",
                            f"Set MaxLength to {limit} or less", "length")
    cluster, _ = the_cluster(model)
    if cluster is not None and parameter_of(model, cluster.get("DatabaseName")) != "DatabaseName":
        yield violation(cluster, ("DatabaseName",), "The cluster's DatabaseName does not come from the DatabaseName parameter",
                        "Set DatabaseName to Ref DatabaseName", "database-name")


def _check_pattern(name: str, declaration: dict, rules: dict):
    pattern = as_str(declaration.get("AllowedPattern"))
    if pattern is None or "x-accepts" not in rules:
        return
    try:
        compiled = re.compile(pattern)
    except re.error:
        yield violation(None, f"/Parameters/{name}/AllowedPattern", f"{name}'s AllowedPattern is not a valid pattern",
                        "Fix the regular expression", "pattern")
        return
    default = declaration.get("Default")
    samples = [(v, True) for v in rules["x-accepts"]] + [(v, False) for v in rules["x-rejects"]]
    if default is not None:
        samples.append((as_str(default), True))
    for sample, accepted in samples:
        if (compiled.fullmatch(sample) is not None) != accepted:
            verb = "rejects" if accepted else "accepts"
            yield violation(None, f"/Parameters/{name}/AllowedPattern", f"{name}'s AllowedPattern {verb} {sample!r}",
                            "Restore the specification's pattern", "pattern")


def passing_example(template: dict) -> None:
    template["Parameters"]["EnvironmentSuffix"]["AllowedPattern"] = "[A-Za-z0-9]+"   # whole-value match anyway


def failing_example(template: dict) -> None:
    template["Parameters"]["DatabaseName"]["AllowedPattern"] = "^[a-zA-Z0-9_-]*$"


REQUIREMENT = Requirement("S6", "Parameters typed and constrained", SPEC, check, passing_example, failing_example)
