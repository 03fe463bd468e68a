"""What CloudFormation would make of a template: intrinsic functions resolved, defaults applied.

Checks read this model, never the raw text, so logical ids, key order, JSON vs YAML and
long vs short intrinsic forms do not matter. Values that are only known at deploy time
stay symbolic:

- ``ParamRef``    a parameter without a default (a subnet id, say)
- ``ResourceRef`` ``Ref`` to a resource of this template
- ``AttrRef``     ``Fn::GetAtt`` of a resource of this template
- ``PseudoRef``   a pseudo parameter such as AWS::StackName
- ``Text``        a string built (Fn::Sub / Fn::Join) from literal pieces and such symbols
- ``Unknown``     anything else not knowable statically (Fn::ImportValue, ...)

Strings that came from literals and parameter defaults are ``Str``: a ``str`` that also
remembers which parameters went into it (so "names carry EnvironmentSuffix" can be checked
after the default has been substituted).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

NO_VALUE = object()  # AWS::NoValue: the property is removed
_AZ_LIST = "Fn::GetAZs of"  # the reason of an Unknown that stands for a region's list of zones


class Str(str):
    """A resolved string that remembers the parameters it was built from."""

    params: frozenset = frozenset()

    def __new__(cls, value: str, params: frozenset | set = frozenset()) -> Self:
        obj = super().__new__(cls, value)
        obj.params = frozenset(params)
        return obj


@dataclass(frozen=True)
class ParamRef:
    name: str


@dataclass(frozen=True)
class ResourceRef:
    logical_id: str


@dataclass(frozen=True)
class AttrRef:
    logical_id: str
    attribute: str


@dataclass(frozen=True)
class PseudoRef:
    name: str


@dataclass(frozen=True)
class Text:
    parts: tuple  # str | ParamRef | ResourceRef | AttrRef | PseudoRef | Unknown

    @property
    def params(self) -> frozenset:
        names: set[str] = set()
        for part in self.parts:
            if isinstance(part, Str):
                names |= part.params
            elif isinstance(part, ParamRef):
                names.add(part.name)
        return frozenset(names)


@dataclass(frozen=True)
class Unknown:
    reason: str


def show(value: Any) -> str:
    """A value as a template author would write it, for messages: 7, 'all', !Ref X, !GetAtt X.Y,
    !Sub '...${X}...', absent. Never a Python representation."""
    if value is None or value is NO_VALUE:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return as_str(value) or str(value)
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, ParamRef):
        return f"!Ref {value.name} (a parameter without a default: known only at deploy time)"
    if isinstance(value, PseudoRef):
        return f"!Ref {value.name}"
    if isinstance(value, ResourceRef):
        return f"!Ref {value.logical_id}"
    if isinstance(value, AttrRef):
        return f"!GetAtt {value.logical_id}.{value.attribute}"
    if isinstance(value, Text):
        return "!Sub " + repr(sub_text(value))
    if isinstance(value, Unknown):
        return f"{value.reason} (unknown before deploy)"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def sub_text(value: Text) -> str:
    """The Fn::Sub string that builds a Text: literal parts escaped, symbols as ${...}."""
    out = []
    for part in value.parts:
        if isinstance(part, str):
            out.append(str(part).replace("${", "${!"))
        elif isinstance(part, (ParamRef, PseudoRef)):
            out.append("${" + part.name + "}")
        elif isinstance(part, ResourceRef):
            out.append("${" + part.logical_id + "}")
        elif isinstance(part, AttrRef):
            out.append("${" + part.logical_id + "." + part.attribute + "}")
        else:
            out.append("${?}")
    return "".join(out)


def is_symbolic(value: Any) -> bool:
    return isinstance(value, (ParamRef, ResourceRef, AttrRef, PseudoRef, Text, Unknown))


def params_in(value: Any) -> frozenset:
    """Parameters a resolved string or symbol depends on."""
    if isinstance(value, (Str, Text)):
        return value.params
    if isinstance(value, ParamRef):
        return frozenset([value.name])
    return frozenset()


# --- coercion as CloudFormation does it -------------------------------------------------


def as_bool(value: Any) -> bool | None:
    """CloudFormation accepts true/false and the strings "true"/"false" (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_int(value: Any) -> int | None:
    number = as_number(value)
    if number is None or number != int(number):
        return None
    return int(number)


def as_str(value: Any) -> str | None:
    """Plain string form of a literal value (numbers and booleans as CloudFormation sends them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return str(value)
    return None


# --- AWS defaults that matter to the requirements ---------------------------------------


def default_deletion_policy(resource_type: str, properties: dict) -> str:
    """DeletionPolicy when absent: Snapshot for a DB cluster and for a DB instance outside a cluster,
    Delete otherwise: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"""
    if resource_type == "AWS::RDS::DBCluster":
        return "Snapshot"
    if resource_type == "AWS::RDS::DBInstance" and properties.get("DBClusterIdentifier") is None:
        return "Snapshot"
    return "Delete"


# UpdateReplacePolicy when absent: "By default, CloudFormation then deletes the old resource", for every type:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html
DEFAULT_UPDATE_REPLACE_POLICY = "Delete"

PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict
    deletion_policy: Any  # resolved; AWS default applied when absent
    update_replace_policy: Any
    deletion_policy_explicit: bool
    update_replace_policy_explicit: bool
    depends_on: list
    raw: dict

    def get(self, key: str, default: Any = None) -> Any:
        """A resolved property; default (AWS's default, usually) when absent."""
        return self.properties.get(key, default)

    def pointer(self, *path: Any) -> str:
        return "/".join(["", "Resources", self.logical_id, "Properties", *map(str, path)]).replace("//", "/")

    @property
    def line(self) -> int | None:
        mark = getattr(self.raw, "start_mark", None)
        return mark.line + 1 if mark is not None else None


@dataclass
class Output:
    name: str
    value: Any
    export_name: Any
    raw: dict


@dataclass
class Model:
    path: str
    raw: dict
    parameters: dict  # name -> raw parameter declaration
    resources: dict[str, Resource] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # logical id -> condition that removed it
    unexpanded: dict[str, str] = field(default_factory=dict)  # Fn::ForEach loop -> why it could not be expanded
    origins: dict[str, str] = field(default_factory=dict)  # /Resources/X made by a loop -> the loop's pointer
    resolver: Resolver | None = field(default=None, repr=False)
    given: dict = field(default_factory=dict)  # the parameter values the model was built with

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    def condition(self, name: str) -> bool | None:
        """A condition's value at the parameters' values (None: not decidable before deploy)."""
        return self.resolver.condition(name) if self.resolver else None


def source_pointer(model: Model, pointer: str) -> str:
    """Where a pointer into the resolved template lies in the file: a resource a Fn::ForEach loop
    made points at the loop."""
    parts = pointer.split("/")
    made = "/".join(parts[:3])
    return model.origins.get(made, pointer)


def value_at(model: Model, pointer: str) -> Any:
    """The resolved value at a JSON pointer into the template (/Resources/X/Properties/...), or None."""
    parts = pointer.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "Resources" or parts[1] not in model.resources:
        return None
    resource = model.resources[parts[1]]
    if len(parts) < 3:
        return None
    if parts[2] == "DeletionPolicy":
        return resource.deletion_policy
    if parts[2] == "UpdateReplacePolicy":
        return resource.update_replace_policy
    node: Any = resource.properties if parts[2] == "Properties" else None
    for part in parts[3:]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


# --- resolution ----------------------------------------------------------------------------


class Resolver:
    def __init__(
        self, template: dict, values: Mapping[str, str] | None = None, assumed: Mapping[str, bool] | None = None
    ) -> None:
        self.template = template
        self.parameters = template.get("Parameters") or {}
        self.values = dict(values or {})  # parameter values given for the stack (they beat Default)
        self.mappings = template.get("Mappings") or {}
        self.conditions = template.get("Conditions") or {}
        self.resource_ids = set((template.get("Resources") or {}).keys())
        self._condition_cache: dict[str, Any] = {}
        # Fn::Equals comparisons not decidable before deploy, by key: how one deployment decides
        # them (tapcheck.deployments), and those met undecided, with their sides
        self.assumed = dict(assumed or {})
        self.undecided: dict[str, tuple[Any, Any]] = {}

    # conditions: True / False / None (not decidable statically)
    def condition(self, name: str, _stack: tuple = ()) -> bool | None:
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name in _stack or name not in self.conditions:
            return None
        result = self._eval_condition(self.conditions[name], _stack + (name,))
        self._condition_cache[name] = result
        return result

    def _eval_condition(self, expr: Any, stack: tuple) -> bool | None:
        if isinstance(expr, dict) and len(expr) == 1:
            ((fn, arg),) = expr.items()
            if fn == "Condition":
                return self.condition(str(arg), stack)
            if fn == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                inner = self._eval_condition(arg[0], stack)
                return None if inner is None else not inner
            if fn in ("Fn::And", "Fn::Or") and isinstance(arg, list):
                values = [self._eval_condition(a, stack) for a in arg]
                if fn == "Fn::And":
                    return False if False in values else (None if None in values else True)
                return True if True in values else (None if None in values else False)
            if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                left, right = (self.resolve(a) for a in arg)
                if is_symbolic(left) or is_symbolic(right):
                    if left == right:
                        return True
                    key = comparison_key(left, right)
                    if key in self.assumed:
                        return self.assumed[key]
                    self.undecided.setdefault(key, (left, right))
                    return None
                return _canonical(left) == _canonical(right)
        return None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                    if key == "Condition":
                        return {key: arg}
                    return self._intrinsic(key, arg)
            out = {}
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[str(k)] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if isinstance(value, str):
            return Str(value)
        return value

    def _intrinsic(self, fn: str, arg: Any) -> Any:
        handler = {
            "Ref": self._ref,
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            "Fn::Select": self._select,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Split": self._split,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::GetAZs": self._get_azs,
        }.get(fn)
        if handler is None:
            return Unknown(fn)
        try:
            return handler(arg)
        except (TypeError, ValueError, IndexError, KeyError):
            return Unknown(f"malformed {fn}")

    def _ref(self, name: Any) -> Any:
        name = str(name)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO_PARAMETERS:
            return PseudoRef(name)
        if name in self.parameters:
            declaration = self.parameters[name] or {}
            if name in self.values:
                value = self.values[name]
            elif isinstance(declaration, dict) and "Default" in declaration:
                value = declaration["Default"]
            else:
                return ParamRef(name)
            ptype = str(declaration.get("Type", "String")) if isinstance(declaration, dict) else "String"
            if ptype.startswith("List<") or ptype == "CommaDelimitedList":
                return [Str(s.strip(), {name}) for s in str(value).split(",")]
            text = as_str(value)
            return Str(text if text is not None else str(value), {name})
        if name in self.resource_ids:
            return ResourceRef(name)
        return Unknown(f"Ref {name}")

    def _getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            logical_id, _, attribute = arg.partition(".")
        else:
            logical_id, attribute = arg[0], self.resolve(arg[1])
        return AttrRef(str(logical_id), str(attribute))

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list):
            given = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}  # malformed: cfn-lint reports it
            text, variables = (arg[0] if arg else ""), {str(k): self.resolve(v) for k, v in given.items()}
        else:
            text, variables = arg, {}
        parts: list = []
        for literal, expr in _split_sub(str(text)):
            if literal:
                parts.append(Str(literal))
            if expr is None:
                continue
            if expr in variables:
                parts.append(variables[expr])
            elif "." in expr and expr.split(".", 1)[0] in self.resource_ids:
                logical_id, attribute = expr.split(".", 1)
                parts.append(AttrRef(logical_id, attribute))
            else:
                parts.append(self._ref(expr))
        return _concat(parts)

    def _join(self, arg: Any) -> Any:
        delimiter, items = arg
        items = self.resolve(items)
        if not isinstance(items, list):
            return Unknown("Fn::Join of a non-list")
        parts: list = []
        for index, item in enumerate(items):
            if index:
                parts.append(Str(str(delimiter)))
            parts.append(item)
        return _concat(parts)

    def _if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        decided = self.condition(str(name))
        if decided is None:
            return Unknown(f"Fn::If {name} (condition not decidable)")
        return self.resolve(when_true if decided else when_false)

    def _select(self, arg: Any) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        position = as_int(index)
        if position is not None and isinstance(items, Unknown) and items.reason.startswith(_AZ_LIST):
            # one zone of the list, unknown before deploy but the same zone wherever the same item
            # is selected, and another zone for another item (a list of zones names each once)
            return Unknown(f"Fn::Select [{position}, {items.reason}]")
        if position is None or not isinstance(items, list):
            return Unknown("Fn::Select")
        return items[position]

    def _get_azs(self, arg: Any) -> Any:
        """The region's Availability Zones, known only at deploy time. "Specifying an empty string is
        equivalent to specifying AWS::Region":
        https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html"""
        region = self.resolve(arg)
        if region == "" or region == PseudoRef("AWS::Region"):
            return Unknown(f"{_AZ_LIST} ${{AWS::Region}}")
        if isinstance(region, str):
            return Unknown(f"{_AZ_LIST} {region}")
        return Unknown("Fn::GetAZs")

    def _split(self, arg: Any) -> Any:
        delimiter, source = str(arg[0]), self.resolve(arg[1])
        if isinstance(source, str):
            params = params_in(source)
            return [Str(s, params) for s in source.split(delimiter)]
        if isinstance(source, Text) and delimiter:
            # Split the literal pieces; a symbol (a subnet id, an ARN) stays one item. That is
            # an assumption about values known only at deploy time, made for symbols alone.
            items: list = [[]]
            for part in source.parts:
                if isinstance(part, str):
                    pieces = str(part).split(delimiter)
                    items[-1].append(Str(pieces[0], params_in(part)))
                    items += [[Str(p, params_in(part))] for p in pieces[1:]]
                else:
                    items[-1].append(part)
            return [_concat([p for p in item if not (isinstance(p, str) and p == "")] or [Str("")]) for item in items]
        return Unknown(f"Fn::Split of {show(source)}")

    def _length(self, arg: Any) -> Any:
        # AWS::LanguageExtensions: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-length.html
        items = self.resolve(arg)
        return len(items) if isinstance(items, list) else Unknown(f"Fn::Length of {show(items)}")

    def _to_json_string(self, arg: Any) -> Any:
        # AWS::LanguageExtensions: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ToJsonString.html
        import json

        value = self.resolve(arg)
        if _has_symbols(value):
            return Unknown("Fn::ToJsonString of a value known only at deploy time")
        return Str(json.dumps(value, separators=(",", ":")))

    def _find_in_map(self, arg: Any) -> Any:
        name, top, second = (self.resolve(a) for a in arg[:3])
        if any(is_symbolic(v) for v in (name, top, second)):
            return Unknown("Fn::FindInMap with a key known only at deploy time")
        try:
            return self.resolve(self.mappings[str(name)][str(top)][str(second)])
        except (KeyError, TypeError):
            # DefaultValue (AWS::LanguageExtensions) answers a missing key:
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap.html
            if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.resolve(arg[3]["DefaultValue"])
            raise


def _has_symbols(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_symbols(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_symbols(v) for v in value)
    return is_symbolic(value)


_SUB_TOKEN = re.compile(r"\$\{(!?)([^}]*)\}")


def _split_sub(text: str) -> Iterator[tuple[str, str | None]]:
    position = 0
    for match in _SUB_TOKEN.finditer(text):
        literal = text[position : match.start()]
        if match.group(1) == "!":  # ${!Literal} stays as ${Literal}
            yield literal + "${" + match.group(2) + "}", None
        else:
            yield literal, match.group(2).strip()
        position = match.end()
    yield text[position:], None


def _concat(parts: list) -> Any:
    flat: list = []
    for part in parts:
        if isinstance(part, Text):
            flat.extend(part.parts)
        elif isinstance(part, (Str, str)) or not is_symbolic(part):
            literal = as_str(part)
            if literal is None:
                return Unknown("non-scalar in a string")
            params = params_in(part)
            if flat and isinstance(flat[-1], str):
                previous = flat.pop()
                flat.append(Str(previous + literal, params_in(previous) | params))
            else:
                flat.append(Str(literal, params))
        else:
            flat.append(part)
    if not flat:
        return Str("")
    if len(flat) == 1:
        return flat[0]  # "${Cluster.Endpoint.Address}" is the attribute itself
    return Text(tuple(flat))


def _canonical(value: Any) -> Any:
    literal = as_str(value)
    return literal if literal is not None else value


def comparison_key(left: Any, right: Any) -> str:
    """One key for a comparison whichever side is written first."""
    return " == ".join(sorted((show(left), show(right))))


def build_model(
    path: str, template: dict, parameters: Mapping[str, str] | None = None, assumed: Mapping[str, bool] | None = None
) -> Model:
    """parameters: values given for the stack's parameters; a parameter not given takes its
    Default, and one with neither stays a symbolic ParamRef. assumed: how the comparisons that
    cannot be decided before deploy fall in one deployment (tapcheck.deployments)."""
    from tapcheck.language_extensions import expand

    expansion = expand(template, dict(parameters or {}))
    template = expansion.template
    resolver = Resolver(template, parameters, assumed)
    model = Model(
        path=path,
        raw=template,
        parameters=dict(resolver.parameters),
        resolver=resolver,
        unexpanded=dict(expansion.unexpanded),
        origins=dict(expansion.origins),
        given=dict(parameters or {}),
    )
    for logical_id, raw in (template.get("Resources") or {}).items():
        if not isinstance(raw, dict):
            continue
        condition = raw.get("Condition")
        if condition is not None and resolver.condition(str(condition)) is False:
            model.excluded[str(logical_id)] = str(condition)
            continue
        resource_type = str(raw.get("Type", ""))
        properties = resolver.resolve(raw.get("Properties") or {})
        if not isinstance(properties, dict):
            properties = {}
        deletion = resolver.resolve(raw["DeletionPolicy"]) if "DeletionPolicy" in raw else None
        replace = resolver.resolve(raw["UpdateReplacePolicy"]) if "UpdateReplacePolicy" in raw else None
        depends = raw.get("DependsOn") or []
        model.resources[str(logical_id)] = Resource(
            logical_id=str(logical_id),
            type=resource_type,
            properties=properties,
            deletion_policy=deletion if deletion is not None else default_deletion_policy(resource_type, properties),
            update_replace_policy=replace if replace is not None else DEFAULT_UPDATE_REPLACE_POLICY,
            deletion_policy_explicit=deletion is not None,
            update_replace_policy_explicit=replace is not None,
            depends_on=[str(d) for d in (depends if isinstance(depends, list) else [depends])],
            raw=raw,
        )
    for name, raw in (template.get("Outputs") or {}).items():
        if not isinstance(raw, dict):
            continue
        condition = raw.get("Condition")
        if condition is not None and resolver.condition(str(condition)) is False:
            continue
        export = raw.get("Export")
        export_name = resolver.resolve(export.get("Name")) if isinstance(export, dict) else None
        model.outputs[str(name)] = Output(str(name), resolver.resolve(raw.get("Value")), export_name, raw)
    return model
