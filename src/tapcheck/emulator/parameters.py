"""Template parameters checked as CloudFormation checks them, before anything is created.

Pure logic (no moto): the emulator's CreateStack / UpdateStack / CreateChangeSet call it,
and `tapcheck deploy` calls it on the local target before it creates the network it passes
in, so a refused value creates nothing at all.

What CloudFormation checks is documented on the Parameters page
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html):
Type (String, Number, List<Number>, CommaDelimitedList, AWS-specific and SSM types),
AllowedPattern ("The pattern must match the entire parameter value provided"; Java regular
expressions, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-regexes.html),
AllowedValues, MinLength/MaxLength (String), MinValue/MaxValue (Number), ConstraintDescription.

The ValidationError texts: that page documents only the console's rendering
("Malformed input-Parameter MyParameter must match pattern [A-Za-z0-9]+", the constraint
description replacing the reason). The API texts used here are the ones commonly reported
from CreateStack, since AWS does not document them: "Parameter 'X' must match pattern P",
"Parameter 'X' must be one of AllowedValues", "Parameter 'X' must contain at least N
characters" / "at most N characters", "Parameter 'X' must be a number", "Parameter 'X' must
be a number not less than N" / "not greater than N", "Parameter 'X' failed to satisfy
constraint: DESCRIPTION" when a ConstraintDescription is given, "Parameters: [X] must have
values", "Parameters: [X] do not exist in the template", and for AWS-specific types
"Parameter validation failed: parameter value V for parameter name X does not exist".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# AWS-specific parameter types and the shape of one value. CloudFormation validates these
# "against existing values in the account"
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html);
# a value of the wrong shape cannot exist, so it fails the same way. Id shapes follow the
# examples on the Parameters page (subnet-123a351e, sg-a123fd85, vpc-a123baa3, ...).
AWS_SPECIFIC_TYPES: dict[str, re.Pattern[str]] = {
    "AWS::EC2::AvailabilityZone::Name": re.compile(r"[a-z]{2}(-[a-z]+)+-\d+[a-z]"),
    "AWS::EC2::Image::Id": re.compile(r"ami-[0-9a-f]{8,17}"),
    "AWS::EC2::Instance::Id": re.compile(r"i-[0-9a-f]{8,17}"),
    "AWS::EC2::KeyPair::KeyName": re.compile(r".{1,255}", re.DOTALL),
    "AWS::EC2::SecurityGroup::GroupName": re.compile(r".{1,255}", re.DOTALL),
    "AWS::EC2::SecurityGroup::Id": re.compile(r"sg-[0-9a-f]{8,17}"),
    "AWS::EC2::Subnet::Id": re.compile(r"subnet-[0-9a-f]{8,17}"),
    "AWS::EC2::Volume::Id": re.compile(r"vol-[0-9a-f]{8,17}"),
    "AWS::EC2::VPC::Id": re.compile(r"vpc-[0-9a-f]{8,17}"),
    "AWS::Route53::HostedZone::Id": re.compile(r"[A-Z0-9]{1,32}"),
}
SIMPLE_TYPES = ("String", "Number", "List<Number>", "CommaDelimitedList")
SSM_TYPES = ("AWS::SSM::Parameter::Name", "AWS::SSM::Parameter::Value<")

# Java's Double.parseDouble accepts more (hex floats, a trailing d/f); what users write is
# decimal, with an optional exponent.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

# (type, value) -> does it exist in the account? None: shape only.
ExistsCheck = Callable[[str, str], bool]


class ParameterError(ValueError):
    """A parameter value CloudFormation refuses; `message` is its ValidationError text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def element_type(ptype: str) -> str | None:
    """The AWS-specific type of one value of `ptype`, or None."""
    inner = ptype[5:-1] if ptype.startswith("List<") and ptype.endswith(">") else ptype
    return inner if inner in AWS_SPECIFIC_TYPES else None


def is_list(ptype: str) -> bool:
    return ptype == "CommaDelimitedList" or ptype.startswith("List<")


def known_type(ptype: str) -> bool:
    return ptype in SIMPLE_TYPES or element_type(ptype) is not None or ptype.startswith(SSM_TYPES)


def _text(value: Any) -> str:
    """A template-side value (Default, MinValue, ...) as CloudFormation shows it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text.strip()) else None


def _members(value: str) -> list[str]:
    # "each member string is space trimmed" (Parameters page, CommaDelimitedList)
    return [m.strip() for m in value.split(",")]


# Java's POSIX character classes (US-ASCII only in java.util.regex.Pattern), which Python's re
# lacks, as the ranges they stand for.
_JAVA_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}


def _from_java(pattern: str) -> str:
    """Rewrite the Java-only constructs a template's AllowedPattern may use: \\p{Class} and
    \\P{Class}, \\Q...\\E quoting, and \\z / \\Z (Python's \\Z is Java's \\z)."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            m = re.match(r"\\([pP])\{(?:Is)?(\w+)\}", pattern[i:])
            if m and m.group(2) in _JAVA_CLASSES:
                ranges = _JAVA_CLASSES[m.group(2)]
                negated = m.group(1) == "P"
                if depth:
                    if negated:
                        raise re.error(f"negated class {m.group(0)} inside brackets")
                    out.append(ranges)
                else:
                    out.append(f"[{'^' if negated else ''}{ranges}]")
                i += len(m.group(0))
                continue
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = len(pattern) if end < 0 else end + 2
                continue
            out.append({"z": "\\Z", "Z": "(?=\\n?\\Z)"}.get(nxt, c + nxt))
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        out.append(c)
        i += 1
    return "".join(out)


def _pattern(name: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(_from_java(pattern))
    except re.error as e:
        # CloudFormation uses Java regular expressions; a construct neither Python nor the
        # rewrite above knows is refused here rather than guessed.
        raise ParameterError(
            f"Template format error: Parameter '{name}' AllowedPattern {pattern!r} "
            f"is not a regular expression the emulator can apply ({e})"
        ) from None


def check_declaration(name: str, spec: Any) -> None:
    if not isinstance(spec, Mapping) or "Type" not in spec:
        raise ParameterError(
            f"Template format error: Every Parameters member must be an object with a Type (parameter {name})"
        )
    if not known_type(str(spec["Type"])):
        raise ParameterError(f"Template format error: Unrecognized parameter type: {spec['Type']}")


def check_value(name: str, spec: Mapping[str, Any], value: str, exists: ExistsCheck | None = None) -> None:
    """Raise ParameterError when CloudFormation would refuse `value` for parameter `name`."""
    ptype = str(spec["Type"])
    described = spec.get("ConstraintDescription")

    def refuse(reason: str) -> ParameterError:
        # A ConstraintDescription replaces the reason (Parameters page, ConstraintDescription).
        if described:
            return ParameterError(f"Parameter '{name}' failed to satisfy constraint: {described}")
        return ParameterError(f"Parameter '{name}' {reason}")

    members = _members(value) if is_list(ptype) else [value]
    aws_type = element_type(ptype)
    if aws_type is not None:
        for member in members:
            shaped = AWS_SPECIFIC_TYPES[aws_type].fullmatch(member) is not None
            if not shaped or (exists is not None and not exists(aws_type, member)):
                raise ParameterError(
                    f"Parameter validation failed: parameter value {member} for parameter name {name} does not exist"
                )
    if ptype in ("Number", "List<Number>"):
        for member in members:
            if _number(member) is None:
                raise ParameterError(f"Parameter '{name}' must be a number")
    allowed = spec.get("AllowedValues")
    if allowed is not None:
        allowed_text = {_text(a) for a in (allowed if isinstance(allowed, list) else [allowed])}
        for member in members:
            if member not in allowed_text:
                raise refuse("must be one of AllowedValues")
    if "AllowedPattern" in spec and (ptype == "String" or ptype == "CommaDelimitedList"):
        pattern = _pattern(name, str(spec["AllowedPattern"]))
        for member in members:
            if pattern.fullmatch(member) is None:
                raise refuse(f"must match pattern {spec['AllowedPattern']}")
    if ptype == "String":
        if "MinLength" in spec and len(value) < int(_number(_text(spec["MinLength"])) or 0):
            raise refuse(f"must contain at least {_text(spec['MinLength'])} characters")
        if "MaxLength" in spec and len(value) > int(_number(_text(spec["MaxLength"])) or 0):
            raise refuse(f"must contain at most {_text(spec['MaxLength'])} characters")
    if ptype in ("Number", "List<Number>"):
        for member in members:
            number = _number(member)
            low = _number(_text(spec["MinValue"])) if "MinValue" in spec else None
            high = _number(_text(spec["MaxValue"])) if "MaxValue" in spec else None
            if low is not None and number is not None and number < low:
                raise refuse(f"must be a number not less than {_text(spec['MinValue'])}")
            if high is not None and number is not None and number > high:
                raise refuse(f"must be a number not greater than {_text(spec['MaxValue'])}")


def effective_values(declared: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, str]:
    """Given values over the template's defaults, as the strings CloudFormation validates.
    Raises ParameterError for unknown or missing parameters."""
    unknown = [k for k in given if k not in declared]
    if unknown:
        raise ParameterError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    values: dict[str, str] = {}
    missing = []
    for name, spec in declared.items():
        if name in given and given[name] is not None:
            values[name] = _text(given[name])
        elif isinstance(spec, Mapping) and "Default" in spec:
            values[name] = _text(spec["Default"])
        else:
            missing.append(name)
    if missing:
        raise ParameterError(f"Parameters: [{', '.join(missing)}] must have values")
    return values


def validate(
    declared: Mapping[str, Any] | None,
    given: Mapping[str, Any],
    exists: ExistsCheck | None = None,
    skip: tuple[str, ...] = (),
) -> dict[str, str]:
    """Check every parameter of a template against the given values (defaults filling the
    rest) as CloudFormation does on CreateStack and UpdateStack. Returns the effective values;
    raises ParameterError with CloudFormation's text on the first refusal. Names in `skip`
    are neither required nor checked (tapcheck deploy fills them in afterwards)."""
    declared = {k: v for k, v in (declared or {}).items() if k not in skip}
    for name, spec in declared.items():
        check_declaration(name, spec)
    values = effective_values(declared, {k: v for k, v in given.items() if k not in skip})
    for name, spec in declared.items():
        check_value(name, spec, values[name], exists)
    return values
