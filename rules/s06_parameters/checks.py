"""S6 — the seed's parameters, with their types, patterns and limits, and the cluster using them."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from tapcheck.model import Model, as_int, as_str, show
from tapcheck.requirements.common import of_the_cluster, parameter_of
from tapcheck.requirements.unit import check, values, violation

DATABASE_NAME = values(__file__)["database_name_parameter"]


@lru_cache(maxsize=None)
def parameter_schema() -> dict:
    return json.loads((Path(__file__).parent / "parameters.schema.json").read_text())


@check("parameters-declared")
def parameters_declared(model: Model):
    """The parameters exist with their types; each AllowedPattern accepts and rejects the specification's samples."""
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
            yield violation(None, f"/Parameters/{name}/MaxLength",
                            f"{name} allows more than {limit} characters (MaxLength {show(declaration.get('MaxLength'))})",
                            f"Set MaxLength to {limit} or less", "length")


@check("database-name-from-parameter")
@of_the_cluster
def database_name_from_parameter(model: Model, cluster):
    """The cluster's DatabaseName is the DatabaseName parameter."""
    if parameter_of(model, cluster.get("DatabaseName")) != DATABASE_NAME:
        yield violation(cluster, ("DatabaseName",),
                        f"The cluster's DatabaseName is {show(cluster.get('DatabaseName'))}, not the {DATABASE_NAME} parameter",
                        f"Set DatabaseName to !Ref {DATABASE_NAME}")


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
        # CloudFormation matches AllowedPattern against the whole value
        if (compiled.fullmatch(sample) is not None) != accepted:
            verb = "rejects" if accepted else "accepts"
            yield violation(None, f"/Parameters/{name}/AllowedPattern", f"{name}'s AllowedPattern {verb} {sample!r}",
                            "Restore the specification's pattern", "pattern")
