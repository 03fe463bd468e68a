"""S6 — the seed's parameters, with their types, patterns and limits, and the cluster using them."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tapcheck.model import Model, Resolver, as_int, as_str, params_in, show
from tapcheck.requirements.common import of_the_cluster, parameter_of
from tapcheck.requirements.unit import check, values, violation

DATABASE_NAME = values(__file__)["database_name_parameter"]


@cache
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
        yield violation(
            None, where, f"Parameters: {error.message}", "Declare the parameter as the specification does", "schema"
        )
    for name, rules in schema["properties"].items():
        declaration = declared.get(name)
        if not isinstance(declaration, dict):
            continue
        yield from _check_pattern(name, declaration, rules)
        limit = rules.get("x-max-length")
        if limit is not None and (as_int(declaration.get("MaxLength")) or limit + 1) > limit:
            yield violation(
                None,
                f"/Parameters/{name}/MaxLength",
                f"{name} allows more than {limit} characters (MaxLength {show(declaration.get('MaxLength'))})",
                f"Set MaxLength to {limit} or less",
                "length",
            )


@check("database-name-from-parameter")
@of_the_cluster
def database_name_from_parameter(model: Model, cluster):
    """The cluster's DatabaseName is the DatabaseName parameter."""
    if parameter_of(model, cluster.get("DatabaseName")) != DATABASE_NAME:
        yield violation(
            cluster,
            ("DatabaseName",),
            f"The cluster's DatabaseName is {show(cluster.get('DatabaseName'))}, not the {DATABASE_NAME} parameter",
            f"Set DatabaseName to !Ref {DATABASE_NAME}",
        )


def _check_pattern(name: str, declaration: dict, rules: dict):
    pattern = as_str(declaration.get("AllowedPattern"))
    if pattern is None or "x-accepts" not in rules:
        return
    try:
        compiled = re.compile(pattern)
    except re.error:
        yield violation(
            None,
            f"/Parameters/{name}/AllowedPattern",
            f"{name}'s AllowedPattern is not a valid pattern",
            "Fix the regular expression",
            "pattern",
        )
        return
    default = declaration.get("Default")
    samples = [(v, True) for v in rules["x-accepts"]] + [(v, False) for v in rules["x-rejects"]]
    if default is not None:
        samples.append((as_str(default), True))
    for sample, accepted in samples:
        # CloudFormation matches AllowedPattern against the whole value
        if (compiled.fullmatch(sample) is not None) != accepted:
            verb = "rejects" if accepted else "accepts"
            yield violation(
                None,
                f"/Parameters/{name}/AllowedPattern",
                f"{name}'s AllowedPattern {verb} {sample!r}",
                "Restore the specification's pattern",
                "pattern",
            )


# --- names AWS accepts, at every value the parameters admit -----------------------------------------


@dataclass(frozen=True)
class NameRule:
    type: str
    property: str
    max: int
    pattern: re.Pattern
    lowercase: bool
    page: str
    quote: str

    def problem(self, name: str) -> str | None:
        """Why AWS refuses the name, or None."""
        text = name.lower() if self.lowercase else name
        if not 1 <= len(text) <= self.max:
            return f"{len(text)} characters (at most {self.max})"
        if self.pattern.fullmatch(text) is None:
            return "characters or a form AWS does not accept"
        return None


@cache
def name_rules() -> dict[str, tuple[NameRule, ...]]:
    data = tomllib.loads((Path(__file__).parent / "names.toml").read_text())
    rules: dict[str, list[NameRule]] = {}
    for raw in data["rule"]:
        rule = NameRule(
            raw["type"],
            raw["property"],
            int(raw["max"]),
            re.compile(raw["pattern"]),
            bool(raw.get("lowercase", False)),
            raw["page"],
            raw["quote"],
        )
        rules.setdefault(rule.type, []).append(rule)
    return {k: tuple(v) for k, v in rules.items()}


# One character of each kind a parameter's AllowedPattern may let through: the extremes are built
# from those it accepts.
REPRESENTATIVES = "aZ0-_. /@'\"#:+=,*!$&%~`\\"


def extreme_values(declaration: dict) -> list[str] | None:
    """The most demanding values a String parameter admits: its AllowedValues, or strings of its
    MaxLength made of each kind of character its AllowedPattern accepts (at the start, at the end,
    throughout). None when the parameter has no MaxLength and no AllowedValues (unbounded)."""
    allowed = declaration.get("AllowedValues")
    if isinstance(allowed, list) and allowed:
        return [as_str(v) or "" for v in allowed]
    longest = as_int(declaration.get("MaxLength"))
    if longest is None:
        return None
    pattern = _compiled(as_str(declaration.get("AllowedPattern")))
    found = []
    for char in REPRESENTATIVES:
        for value in (char * longest, char + "a" * (longest - 1), "a" * (longest - 1) + char):
            if value and (pattern is None or pattern.fullmatch(value)) and value not in found:
                found.append(value)
    return found


def _compiled(pattern: str | None) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _name_with(model: Model, raw: Any, values: dict[str, str]) -> str | None:
    """The name the raw property value resolves to with these parameter values (None: not plain text)."""
    resolved = Resolver(model.raw, values).resolve(raw)
    return str(resolved) if isinstance(resolved, str) else None


def _shown(value: str) -> str:
    return repr(value) if len(value) <= 24 else repr(value[:10] + "…" + value[-6:]) + f" ({len(value)} characters)"


@check("names-at-parameter-extremes")
def names_at_parameter_extremes(model: Model):
    """Every name the template gives a resource is one AWS accepts, at the parameters' defaults and at
    the longest and most unusual values their MaxLength, AllowedPattern and AllowedValues admit."""
    rules = name_rules()
    for resource in model.resources.values():
        for rule in rules.get(resource.type, ()):
            raw = (resource.raw.get("Properties") or {}).get(rule.property)
            value = resource.get(rule.property)
            if raw is None or value is None:
                continue
            yield from _name_violations(model, resource, rule, raw, value)


def _name_violations(model: Model, resource, rule: NameRule, raw: Any, value: Any):
    where = (rule.property,)
    refused = f'{rule.page}: "{rule.quote}"'
    if isinstance(value, str):
        problem = rule.problem(str(value))
        if problem is not None:
            yield violation(
                resource,
                where,
                f"S6: {rule.property} {_shown(str(value))} is refused at create time: {problem}",
                f"Give {resource.logical_id} a {rule.property} AWS accepts ({refused})",
                "name",
            )
            return
    for parameter in sorted(params_in(value)):
        declaration = model.parameters.get(parameter)
        if not isinstance(declaration, dict) or str(declaration.get("Type", "String")) != "String":
            continue
        extremes = extreme_values(declaration)
        if extremes is None:
            yield from _unbounded(model, resource, rule, raw, parameter, refused)
            continue
        for extreme in extremes:
            name = _name_with(model, raw, {parameter: extreme})
            if name is None:
                continue
            problem = rule.problem(name)
            if problem is not None:
                yield violation(
                    resource,
                    where,
                    f"S6: with {parameter} = {_shown(extreme)} (a value its declaration admits), "
                    f"{rule.property} is {_shown(name)}, which AWS refuses at create time: {problem}",
                    f"Constrain {parameter} (MaxLength, AllowedPattern) so every value it admits gives a "
                    f"{rule.property} AWS accepts ({refused})",
                    "extreme",
                )
                break


def _unbounded(model: Model, resource, rule: NameRule, raw: Any, parameter: str, refused: str):
    """A parameter with no MaxLength: the shortest value that makes the name too long."""
    one, two = _name_with(model, raw, {parameter: "a"}), _name_with(model, raw, {parameter: "aa"})
    if one is None or two is None or len(two) == len(one):
        return
    per_char = len(two) - len(one)
    length = max(1, (rule.max - len(one)) // per_char + 2)
    name = _name_with(model, raw, {parameter: "a" * length})
    if name is None or rule.problem(name) is None:
        return
    yield violation(
        resource,
        (rule.property,),
        f"S6: {parameter} has no MaxLength: at {length} characters {rule.property} is {len(name)} "
        f"characters, which AWS refuses at create time (at most {rule.max})",
        f"Set MaxLength on {parameter} to {length - 1} or less ({refused})",
        "unbounded",
    )
