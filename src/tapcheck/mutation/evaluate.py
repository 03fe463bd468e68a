"""Run the gate on a mutant or a rewrite, the way `tapcheck check` would.

Every candidate is serialised (JSON, or the YAML text a rewrite produced) and read back
through the loader, so the gate sees exactly what it would see from a file. The fast path is
the semantic checks alone (milliseconds); the full path writes the text to a temporary file
and runs the whole gate with cfn-lint, the project guard rules and Control Tower.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field

from tapcheck.errors import UsageError
from tapcheck.findings import Finding
from tapcheck.gate import ALL_TOOLS, check_requirements, evaluate_loaded
from tapcheck.loader import LoadedTemplate, load_template, parse_text
from tapcheck.model import build_model


@dataclass
class Verdict:
    compliant: bool
    blocking: list[Finding] = field(default_factory=list)
    unusable: str | None = None  # the loader refused the text (a UsageError line)

    @property
    def requirements(self) -> set[str]:
        return {r for f in self.blocking for r in f.requirements}

    @property
    def checks(self) -> set[str]:
        return {f.check for f in self.blocking}

    def kills(self, requirements: tuple[str, ...] | list[str]) -> bool:
        """The mutant is caught, and caught for the right reason: the gate fails every requirement
        the broken check evidences (one finding of that check carries them all)."""
        return not self.compliant and bool(requirements) and set(requirements) <= self.requirements

    def fires(self, check: str) -> bool:
        """A blocking finding of this very check."""
        return check in self.checks

    def summary(self) -> str:
        if self.unusable:
            return f"unusable: {self.unusable}"
        if self.compliant:
            return "compliant"
        return "; ".join(
            f"{','.join(f.requirements)} {f.rule} {f.resource or ''} {f.path}: {f.message}" for f in self.blocking[:8]
        )


def to_text(candidate: dict | str) -> str:
    return candidate if isinstance(candidate, str) else json.dumps(candidate, indent=1)


def judge(candidate: dict | str, tools: bool = False, label: str = "mutant.json") -> Verdict:
    """The gate's verdict on a template (dict) or template text (JSON or YAML)."""
    text = to_text(candidate)
    try:
        if tools:
            return _full(text, label)
        tree = parse_text(text, label)
        model = build_model(label, tree)
        findings = check_requirements(model, label)
        from tapcheck.waivers import apply_waivers

        findings = apply_waivers(findings, model, sources={"tapcheck"})
    except UsageError as error:
        return Verdict(False, [], error.line())
    blocking = [f for f in findings if f.blocking]
    return Verdict(not blocking, blocking)


def _full(text: str, label: str) -> Verdict:
    suffix = ".json" if text.lstrip().startswith("{") else ".yaml"
    with tempfile.TemporaryDirectory(prefix="tapcheck-mut-") as scratch:
        path = os.path.join(scratch, os.path.splitext(label)[0] + suffix)
        with open(path, "w") as handle:
            handle.write(text)
        loaded = load_template(path)
        report = evaluate_loaded(LoadedTemplate(path, loaded.text, loaded.tree), ALL_TOOLS)
    blocking = [f for f in report.findings if f.blocking]
    return Verdict(report.compliant, blocking)


def load_base(path: str) -> dict:
    """The template to derive mutants and rewrites from, as plain JSON-like data (long-form intrinsics)."""
    loaded = load_template(path)
    return json.loads(json.dumps(loaded.tree))
