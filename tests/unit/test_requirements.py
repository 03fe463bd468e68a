"""One test per requirement on --template, and each requirement's own examples.

The same check functions run here as in `tapcheck check`: a requirement passes here exactly
when the gate's matrix shows it PASS (or WAIVED).
"""

from __future__ import annotations

import copy
import json

import pytest

from tapcheck.findings import Status
from tapcheck.gate import ALL_TOOLS, evaluate_file, evaluate_loaded
from tapcheck.loader import LoadedTemplate, parse_text
from tapcheck.requirements import REQUIREMENTS

IDS = [r.id for r in REQUIREMENTS]


@pytest.fixture(scope="session")
def report(template_path):
    return evaluate_file(template_path)


@pytest.mark.parametrize("requirement_id", IDS)
def test_requirement(report, requirement_id):
    result = next(r for r in report.results if r.requirement.id == requirement_id)
    blocking = [f"{f.rule} {f.resource} {f.path}: {f.message}" for f in result.findings if f.blocking]
    assert result.status in (Status.PASS, Status.WAIVED), "\n".join(blocking)


def test_template_is_compliant(report):
    assert report.compliant


@pytest.fixture(scope="session")
def template_dict(template_path):
    with open(template_path) as handle:
        text = handle.read()
    return json.loads(json.dumps(parse_text(text, template_path)))


def _gate(tree: dict, tmp_path, name: str):
    path = tmp_path / f"{name}.json"
    text = json.dumps(tree, indent=1)
    path.write_text(text)
    return evaluate_loaded(LoadedTemplate(str(path), text, parse_text(text, str(path))), ALL_TOOLS)


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=IDS)
def test_failing_example_fails_naming_the_requirement(requirement, template_dict, tmp_path):
    mutant = copy.deepcopy(template_dict)
    requirement.failing_example(mutant)
    report = _gate(mutant, tmp_path, "failing")
    assert not report.compliant
    assert requirement.id in report.failed_requirements()


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=IDS)
def test_passing_example_passes(requirement, template_dict, tmp_path):
    rewrite = copy.deepcopy(template_dict)
    requirement.passing_example(rewrite)
    report = _gate(rewrite, tmp_path, "passing")
    blocking = [f"{f.requirement} {f.rule} {f.resource} {f.path}: {f.message}" for f in report.findings if f.blocking]
    assert report.compliant, "\n".join(blocking)
