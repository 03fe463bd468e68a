"""Which templates the requirements govern: one answer for the gate, both pre-commit hooks, `plan`,
the LSP and the workflow.

- **With a project configuration that lists `templates`** (globs relative to the config file, `**`
  for any depth): exactly the files those globs match, and that are CloudFormation templates.
- **Without one**: the templates that declare an `AWS::RDS::DBCluster` -- the Aurora requirements
  speak about an Aurora cluster; a stack without one (an S3 bucket, a VPC) is not theirs to judge.
  (`tapcheck check` with no path then checks `lib/TapStack.json`, this project's own layout.)

Who is subject to it:

- files a **pre-commit hook** passes, or paths given with `--only-governed`: candidates. Each one that
  is not a template, or not governed, is skipped and named on stderr with why; none of them is an error.
- files and directories searched (`tapcheck check DIR`, a quoted glob): the templates found that are
  governed; the others are skipped and named.
- a file named one by one on the command line (without `--only-governed`) is checked: the user's word.
  When a configuration lists the governed templates and this is not one of them, a note says so.
- **no path**: the configuration's templates, each glob expanded; a glob that matches no file is
  unusable input (a typo must not make the gate pass by checking nothing).
"""

from __future__ import annotations

import glob as globbing
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tapcheck.errors import UsageError
from tapcheck.inputs import SUFFIXES, Inputs, expand, not_a_template

DEFAULT_TEMPLATE = "lib/TapStack.json"
CLUSTER_TYPE = "AWS::RDS::DBCluster"
INIT_FIX = "run `tapcheck init` to write a .tapcheck.yaml that lists them"
_GLOB_CHARACTERS = re.compile(r"[*?\[]")
_CLUSTER_TEXT = re.compile(r"AWS::RDS::DBCluster(?![A-Za-z])")


@dataclass
class Selection(Inputs):
    notes: list[str] = field(default_factory=list)  # said on stderr unless --quiet
    candidates: int = 0  # files weighed as candidates (hook mode)


class Governance:
    """What is governed, for a project configuration (or none)."""

    def __init__(self, config) -> None:
        self.config = config if config is not None and config.templates is not None else None
        self._patterns = [_glob_regex(g) for g in self.config.templates] if self.config is not None else []

    def describe(self) -> str:
        if self.config is None:
            return (
                f"templates that declare an {CLUSTER_TYPE} (no project configuration lists the governed "
                f"templates; `tapcheck init` writes one)"
            )
        listed = ", ".join(self.config.templates) or "none"
        return f"the templates {self.config.source} lists ({listed})"

    def matches(self, path: str) -> bool:
        """Whether a configured glob matches path (only with a configuration that lists templates)."""
        if self.config is None:
            return False
        relative = _relative(path, self.config.base)
        return relative is not None and any(p.fullmatch(relative) for p in self._patterns)

    def why_not(self, path: str, parsed: tuple[str, object] | None = None) -> str | None:
        """None when the template at path is governed; else why it is not (for a skipped-file line).
        `parsed`: its (text, tree), when a directory search has parsed it already (read once)."""
        if self.config is not None:
            if self.matches(path):
                return None
            return (
                f"not governed: {self.config.source} lists the templates the requirements govern "
                f"({', '.join(self.config.templates) or 'none'}), not this one"
            )
        if tree_declares_cluster(parsed[1]) if parsed is not None else declares_cluster(path):
            return None
        return self.no_cluster_reason()

    @staticmethod
    def no_cluster_reason() -> str:
        return (
            f"not governed: declares no {CLUSTER_TYPE}, and without a project configuration the Aurora "
            f"requirements govern only templates that do ({INIT_FIX})"
        )

    def governs_tree(self, path: str, tree: object) -> bool:
        """For a document already parsed (the editor's text): the same rule, without reading the file."""
        if self.config is not None:
            return self.matches(path)
        return tree_declares_cluster(tree)


def select(arguments: list[str], config, only_governed: bool = False, skip_non_templates: bool = False) -> Selection:
    """The templates a command checks, and every file it skips with why (see the module's rules)."""
    governance = Governance(config)
    if not arguments:
        return _configured(governance)
    found = Selection()
    seen: set[str] = set()

    def keep(path: str, parsed: tuple[str, object] | None = None) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.templates.append(path)
            if parsed is not None:  # handed on to the gate: each file parsed once
                found.parsed[path] = parsed

    for argument in arguments:
        if only_governed and os.path.isfile(argument):
            found.candidates += 1
            why = _candidate_why_not(argument, governance)
            if why is None:
                keep(argument)
            else:
                found.skipped.append((argument, why))
            continue
        searched = os.path.isdir(argument) or (not os.path.exists(argument) and _GLOB_CHARACTERS.search(argument))
        if not searched:  # a file by name (or a missing one: the loader says so)
            expanded = expand([argument], skip_non_templates)
            found.skipped += expanded.skipped
            found.problems += expanded.problems
            for path in expanded.templates:
                if governance.config is not None and os.path.isfile(path) and not governance.matches(path):
                    found.notes.append(
                        f"tapcheck: note: {path} is not among {governance.describe()}; checked because it was named"
                    )
                keep(path, expanded.parsed.get(path))
            continue
        # a directory or a glob pattern: the templates found, if governed
        expanded = expand([argument])
        found.skipped += expanded.skipped
        found.problems += expanded.problems
        governed_here = 0
        for path in expanded.templates:
            why = governance.why_not(path, expanded.parsed.get(path))
            if why is None:
                governed_here += 1
                keep(path, expanded.parsed.get(path))
            else:
                found.skipped.append((path, why))
        if expanded.templates and not governed_here and not only_governed:
            found.problems.append(
                UsageError(
                    argument,
                    f"holds {len(expanded.templates)} CloudFormation template(s), none of them governed "
                    f"(governed: {governance.describe()})",
                    "name a template to check it anyway, or list the governed templates in .tapcheck.yaml",
                )
            )
    if only_governed and found.candidates and not found.templates and not found.problems:
        found.notes.append(
            f"tapcheck: no governed template among the {found.candidates} file(s) given "
            f"(governed: {governance.describe()})"
        )
    return found


def _configured(governance: Governance) -> Selection:
    """No path given: the configuration's templates, else lib/TapStack.json."""
    found = Selection()
    config = governance.config
    if config is None:
        if os.path.isfile(DEFAULT_TEMPLATE):
            found.templates.append(DEFAULT_TEMPLATE)
        else:
            found.problems.append(
                UsageError(
                    "",
                    "no template named, and no project configuration lists the governed templates",
                    f"name the templates, or {INIT_FIX}",
                )
            )
        return found
    if not config.templates:
        found.problems.append(
            UsageError(config.source, "`templates` lists no template", "add the governed templates' paths or globs")
        )
        return found
    seen: set[str] = set()
    for pattern in config.templates:
        matched = sorted(
            str(config.base / p)
            for p in globbing.glob(pattern, root_dir=config.base, recursive=True, include_hidden=True)
            if (config.base / p).is_file()
        )
        if not matched:
            found.problems.append(
                UsageError(
                    f"{config.source}: templates {pattern!r}",
                    "matches no file",
                    "correct the path or pattern (relative to the config file)",
                )
            )
            continue
        for path in matched:
            shown = _shown(path)
            # a glob may match files that are not templates (params.json beside db.json); a path named
            # in full is a template by the user's word (the loader says so if it is not)
            why = not_a_template(path) if _GLOB_CHARACTERS.search(pattern) else None
            if why is not None:
                found.skipped.append((shown, why))
            elif os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                found.templates.append(shown)
    if not found.templates and not found.problems:
        found.problems.append(
            UsageError(config.source, "`templates` matches no CloudFormation template", "correct the paths or patterns")
        )
    return found


def _candidate_why_not(path: str, governance: Governance) -> str | None:
    """A file a hook passes: None when it is a governed template, else why not. The cheap answers
    first -- every commit pays for them: the name, then the configured globs (no file read) or, without
    a configuration, whether the text names AWS::RDS::DBCluster at all (no parse); only a file that
    could be governed is parsed."""
    name = os.path.basename(path).lower()
    if not name.endswith(SUFFIXES) and "template" not in name:
        return f"not a template file name ({', '.join(SUFFIXES)})"
    if governance.config is not None:
        return governance.why_not(path) or not_a_template(path)
    if not _names_cluster(path):
        return governance.no_cluster_reason()
    return not_a_template(path) or governance.why_not(path)


def _names_cluster(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return bool(_CLUSTER_TEXT.search(handle.read().decode("utf-8", "replace")))
    except OSError:
        return False


def declares_cluster(path: str) -> bool:
    """Whether the template at path declares a resource of type AWS::RDS::DBCluster. A file that cannot
    be parsed counts when its text names the type (a broken Aurora template stays governed: the gate
    then reports it as unusable)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    if not _CLUSTER_TEXT.search(text):
        return False
    from tapcheck.loader import parse_text

    try:
        tree = parse_text(text, path)
    except UsageError:
        return True
    return tree_declares_cluster(tree)


def tree_declares_cluster(tree: object) -> bool:
    resources = tree.get("Resources") if isinstance(tree, dict) else None
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and r.get("Type") == CLUSTER_TYPE for r in resources.values()
    )


def _relative(path: str, base: Path) -> str | None:
    """path relative to base, '/'-separated; None when it is outside base."""
    try:
        relative = os.path.relpath(os.path.realpath(path), os.path.realpath(base))
    except ValueError:  # another drive (Windows)
        return None
    return None if relative == ".." or relative.startswith(".." + os.sep) else Path(relative).as_posix()


def _shown(path: str) -> str:
    """A path as the user would write it: relative to the working directory when under it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _glob_regex(pattern: str) -> re.Pattern:
    """A glob over '/'-separated relative paths: `**` any number of directories, `*` and `?` within one
    name, `[...]` a character class; matched against the whole path."""
    parts = [p for p in pattern.strip().replace(os.sep, "/").split("/") if p not in ("", ".")]
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
            continue
        regex += _segment(part) + ("" if last else "/")
    return re.compile(regex)


def _segment(part: str) -> str:
    out, i = "", 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = part.find("]", i + 2 if part[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                out += re.escape(c)
            else:
                body = part[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out += "[" + body.replace("\\", "\\\\") + "]"
                i = end
        else:
            out += re.escape(c)
        i += 1
    return out
