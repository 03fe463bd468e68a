"""cfn-lint, in-process, on the tree the gate already parsed.

Errors and warnings block; informational matches are shown but do not. Each cfn-lint rule
lands on the check the requirement folders map it to ([cfn-lint] tables: W3690 is evidence
for engine-version, W3005 for references); every other rule on S8's catch-all check.

cfn-lint runs as the gate configures it and nothing else does (tapcheck.suppressions reports
what was ignored): no `.cfnlintrc` from the working directory or the home directory is read,
and the `cfn-lint` entries of the template's and the resources' Metadata (ignore_checks,
regions, configure_rules, ...) are left out of the tree cfn-lint reads.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tapcheck.findings import Finding, RuleDoc, Severity
from tapcheck.loader import LoadedTemplate
from tapcheck.requirements.registry import registry

REGION = "us-east-1"
TOOL = "cfn-lint"
SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "informational": Severity.INFO}


class Linting(str, Enum):
    """How the gate runs cfn-lint: a parameter of the gate, chosen by whoever owns the process."""

    HERE = "here"  # in this process, when the findings are asked for
    # in a child forked now, while this process runs the checks and cfn-guard (cfn-lint is CPU-bound
    # Python: a thread would hold the GIL the checks need). Only for a process the caller owns:
    # the child is forked on Linux alone, and only while this is the process's one thread (a fork
    # copies no other thread); otherwise it lints here.
    CHILD = "child"


@dataclass(frozen=True)
class LintMatch:
    """One of cfn-lint's matches as plain values: what a child sends back (cfn-lint's own objects
    hold its node classes, which do not pickle), turned into a finding where the registry is."""

    rule: str
    severity: str
    path: tuple[str | int, ...]
    message: str
    source_url: str
    line: int | None
    column: int | None


class LintJob:
    """cfn-lint's findings for one template (and its rules' docs), from a forked child or computed on result()."""

    def __init__(self, loaded: LoadedTemplate) -> None:
        self.loaded = loaded
        self.pid: int | None = None
        self.fd: int | None = None

    def result(self) -> tuple[list[Finding], dict[str, RuleDoc]]:
        if self.pid is None or self.fd is None:  # set together when the child was forked
            return lint(self.loaded)
        chunks = []
        with os.fdopen(self.fd, "rb") as pipe:
            while chunk := pipe.read(1 << 16):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not chunks:
            # the child failed (killed, or cfn-lint raised): lint here, where an error surfaces as usual
            return lint(self.loaded)
        matches, docs = pickle.loads(b"".join(chunks))
        return [_finding(m, self.loaded) for m in matches], docs


def start(loaded: LoadedTemplate, how: Linting = Linting.HERE) -> LintJob:
    job = LintJob(loaded)
    if not (how is Linting.CHILD and sys.platform.startswith("linux") and threading.active_count() == 1):
        return job
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return job
    if pid == 0:  # the child: lint, send the matches, leave (this process maps them to requirements)
        code = 1
        try:
            gc.disable()  # it lints one template and leaves: collecting would only slow it down
            os.close(read_fd)
            data = pickle.dumps(matches(loaded))
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # noqa: BLE001, S110 - the parent lints again and reports the error
            pass
        os._exit(code)
    os.close(write_fd)
    job.pid, job.fd = pid, read_fd
    return job


def prepare() -> None:
    """Load cfn-lint's rules now, so that every child forked later inherits them (a batch)."""
    _rules(gate_config())


def run(loaded: LoadedTemplate) -> list[Finding]:
    return lint(loaded)[0]


def lint(loaded: LoadedTemplate) -> tuple[list[Finding], dict[str, RuleDoc]]:
    """cfn-lint's findings, and each rule that fired in cfn-lint's own words (id, shortdesc,
    description, source_url) for the report's rule list."""
    found, docs = matches(loaded)
    return [_finding(m, loaded) for m in found], docs


def matches(loaded: LoadedTemplate) -> tuple[list[LintMatch], dict[str, RuleDoc]]:
    """What cfn-lint finds in the template, as plain values (nothing of the requirement folders is
    needed here: a child forked to lint does not read them)."""
    from cfnlint.api import run_template_by_data

    config = gate_config()
    rules = _rules(config)
    found = list(run_template_by_data(without_lint_metadata(loaded.tree), config, rules))
    docs = {m.rule.id: _doc(m.rule) for m in found}
    return [_plain(m) for m in found], docs


def _plain(match) -> LintMatch:
    where = getattr(match, "path", None) or []  # E0002 (a rule crashed) carries no path
    return LintMatch(
        rule=str(match.rule.id),
        severity=str(getattr(match.rule, "severity", "error")),
        path=tuple(p if isinstance(p, int) else str(p) for p in where),
        message=" ".join(str(match.message).split()),
        source_url=str(getattr(match.rule, "source_url", "") or ""),
        line=getattr(match, "linenumber", None),
        column=getattr(match, "columnnumber", None),
    )


def _doc(rule) -> RuleDoc:
    return RuleDoc(
        id=rule.id,
        source=TOOL,
        title=" ".join(str(getattr(rule, "shortdesc", "") or rule.id).split()),
        description=" ".join(str(getattr(rule, "description", "") or "").split()),
        help_uri=getattr(rule, "source_url", "") or None,
    )


def gate_config():
    """cfn-lint's configuration, all of it from here: an explicit config file that does not exist
    (os.devnull is not a regular file, so cfn-lint reads it as empty) keeps it from looking for
    .cfnlintrc in the working and home directories."""
    from cfnlint.api import ConfigMixIn

    return ConfigMixIn(regions=[REGION], include_checks=["I"], config_file=os.devnull)


def without_lint_metadata(tree: dict) -> dict:
    """The template without its `cfn-lint` Metadata entries (template and resource level), sharing
    every other node (and so the line numbers) with the original, which stays untouched."""

    def strip(node):
        metadata = node.get("Metadata") if isinstance(node, dict) else None
        if not isinstance(metadata, dict) or "cfn-lint" not in metadata:
            return node
        copy = _like(node, node)
        copy["Metadata"] = _like(metadata, {k: v for k, v in metadata.items() if k != "cfn-lint"})
        return copy

    result = strip(tree)
    resources = tree.get("Resources")
    if isinstance(resources, dict):
        stripped = {k: strip(v) for k, v in resources.items()}
        if any(stripped[k] is not resources[k] for k in resources):
            result = _like(tree, result) if result is tree else result
            result["Resources"] = _like(resources, stripped)
    return result


def _like(original: dict, items: dict) -> dict:
    """A dict of the loader's node class (with the original's marks) holding items."""
    start, end = getattr(original, "start_mark", None), getattr(original, "end_mark", None)
    if start is not None:
        node_class: Any = type(original)  # cfn-lint's dict_node: (items, start mark, end mark)
        try:
            return node_class(dict(items), start, end)
        except TypeError:
            pass
    return dict(items)


_RULES_CACHE: dict = {}


def _rules(config):
    """Loading cfn-lint's rule collection is its costliest step: do it once per process."""
    key = tuple(config.include_checks or ())
    if key not in _RULES_CACHE:
        from cfnlint.runner import Runner

        _RULES_CACHE[key] = Runner(config).rules
    return _RULES_CACHE[key]


def _finding(match: LintMatch, loaded: LoadedTemplate) -> Finding:
    pointer = "/" + "/".join(str(p) for p in match.path)
    resource = None
    if len(match.path) > 1 and match.path[0] == "Resources":
        resource = str(match.path[1])
    reg = registry()
    check = reg.check_of_tool_rule(TOOL, match.rule)
    return Finding(
        requirements=reg.requirements_of(check),
        check=check,
        rule=match.rule,
        resource=resource,
        path=pointer,
        message=match.message,
        fix=f"See {match.source_url}" if match.source_url else "See the cfn-lint rule",
        severity=SEVERITY.get(match.severity, Severity.ERROR),
        source="cfn-lint",
        file=loaded.path,
        line=match.line,
        column=match.column,
    )
