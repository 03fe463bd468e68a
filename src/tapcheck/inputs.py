"""The templates a command line names: files as given, directories and glob patterns expanded.

A file named on the command line is a template by the user's word: if it is not one, that is
unusable input. A directory or a glob pattern is searched, and only the files that are
CloudFormation templates are kept; every other candidate is reported as skipped, with why.

A candidate is a template when it parses as JSON or YAML (short-form tags included) to a
mapping that has `AWSTemplateFormatVersion`, or a `Resources` mapping whose entries have a
`Type` (what CloudFormation itself requires: a Resources section). A file that does not parse
is still a template when its name says so (`*.template*`, `template.*`) or its text names
`AWSTemplateFormatVersion`: it is kept, and the loader reports it as unusable.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

from tapcheck.errors import UsageError

SUFFIXES = (".json", ".yaml", ".yml", ".template")
# searched directories never descend into these (version control, environments, build caches)
# (and every hidden directory: .git, .github, .aws-sam build output, ...)
PRUNED_DIRECTORIES = {"venv", "node_modules", "__pycache__", "cdk.out"}
_GLOB_CHARACTERS = re.compile(r"[*?\[]")
_TEMPLATE_NAME = re.compile(r"(^|\.)template(\.|$)", re.IGNORECASE)
_PEEK_BYTES = 65_536


@dataclass
class Inputs:
    templates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why it is not a template)
    problems: list[UsageError] = field(default_factory=list)  # a pattern or directory with no template
    # (text, decoded tree) of the templates a search decoded to tell them from other files: the
    # loader takes them from here instead of parsing them again
    parsed: dict[str, tuple[str, object]] = field(default_factory=dict)


def expand(arguments: list[str], skip_non_templates: bool = False) -> Inputs:
    """Files, directories and glob patterns -> templates to check (each once, in order) and skipped files.

    skip_non_templates: files named one by one are sorted like a directory's (a pre-commit hook
    passes every file its pattern matched)."""
    found = Inputs()
    seen: set[str] = set()

    def keep(path: str, parsed: tuple[str, object] | None = None) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.templates.append(path)
            if parsed is not None:
                found.parsed[path] = parsed

    for argument in arguments:
        if os.path.isdir(argument):
            candidates = _search(argument)
            origin = "directory"
        elif not os.path.exists(argument) and _GLOB_CHARACTERS.search(argument):
            candidates = sorted(p for p in glob.glob(argument, recursive=True) if os.path.isfile(p))
            if not candidates:
                found.problems.append(
                    UsageError(
                        argument, "matches no file", "check the pattern (quote it so the shell leaves it to tapcheck)"
                    )
                )
                continue
            origin = "pattern"
        elif skip_non_templates and os.path.isfile(argument):
            why, parsed = _classify(argument)
            if why is None:
                keep(argument, parsed)
            else:
                found.skipped.append((argument, why))
            continue
        else:
            keep(argument)  # a file by name (or a missing one: the loader says so)
            continue
        before = len(found.templates)
        for candidate in candidates:
            why, parsed = _classify(candidate)
            if why is None:
                keep(candidate, parsed)
            else:
                found.skipped.append((candidate, why))
        if len(found.templates) == before and not any(os.path.realpath(c) in seen for c in candidates):
            found.problems.append(
                UsageError(
                    argument,
                    f"{origin} holds no CloudFormation template ({len(candidates)} candidate file(s) skipped)",
                    f"name the template files, or a directory with {', '.join(SUFFIXES)} templates",
                )
            )
    return found


def _search(directory: str) -> list[str]:
    """Every file with a template suffix under directory, in a stable order."""
    found = []
    for root, directories, files in os.walk(directory):
        directories[:] = sorted(d for d in directories if d not in PRUNED_DIRECTORIES and not d.startswith("."))
        found += [os.path.join(root, name) for name in sorted(files) if name.lower().endswith(SUFFIXES)]
    return found


def not_a_template(path: str) -> str | None:
    """None when the file is a CloudFormation template (or says it is one); else why it is not."""
    return _classify(path)[0]


def _classify(path: str) -> tuple[str | None, tuple[str, object] | None]:
    """(why the file is not a template, or None; its (text, tree) when it was decoded as one)."""
    name = os.path.basename(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(_PEEK_BYTES)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}", None
    claims = bool(_TEMPLATE_NAME.search(name)) or b"AWSTemplateFormatVersion" in head
    from tapcheck.loader import MAX_TEMPLATE_BYTES

    if size > MAX_TEMPLATE_BYTES or b"\x00" in head:
        why = "not a CloudFormation template (too large or binary, and does not say it is one)"
        return (None if claims else why), None
    if not head.strip():
        return "empty", None
    parsed = _parse(path)
    if parsed is None:
        return (None if claims else "not JSON or YAML that tapcheck can read"), None
    problem = tree_not_a_template(parsed[1])
    return problem, (parsed if problem is None else None)


def claims_to_be_a_template(name: str, text: str) -> bool:
    """A file that says it is a template: by its name, or by naming AWSTemplateFormatVersion."""
    return bool(_TEMPLATE_NAME.search(name)) or "AWSTemplateFormatVersion" in text


def tree_not_a_template(tree: object) -> str | None:
    """None when a parsed file is a CloudFormation template; else why it is not."""
    if not isinstance(tree, dict):
        return "not a CloudFormation template: its top level is not a mapping"
    if "AWSTemplateFormatVersion" in tree:
        return None
    resources = tree.get("Resources")
    if isinstance(resources, dict) and any(isinstance(r, dict) and "Type" in r for r in resources.values()):
        return None
    return "not a CloudFormation template: no AWSTemplateFormatVersion and no Resources with a Type"


def _parse(path: str) -> tuple[str, object] | None:
    """(text, tree) decoded as the loader decodes it, or None when it does not decode."""
    from tapcheck.loader import decode, read_text

    try:
        text = read_text(path)
        return text, decode(text, path)
    except UsageError:
        return None
    except Exception:  # noqa: BLE001 - the decoder's own failure on odd input
        return None
