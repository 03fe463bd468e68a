"""One test per requirement on --template, and each requirement's own examples, all discovered
from the requirement folders (rules/). A requirement passes here exactly when the gate's matrix
shows it PASS (or WAIVED)."""

from __future__ import annotations

import copy
import json

import pytest

from tapcheck.findings import Status
from tapcheck.gate import ALL_TOOLS, evaluate_file, evaluate_loaded
from tapcheck.loader import LoadedTemplate, parse_text
from tapcheck.requirements.registry import examples, registry

REQUIREMENTS = registry().requirements
IDS = [r.id for r in REQUIREMENTS]
EXAMPLES = [
    (r, kind, example)
    for r in REQUIREMENTS
    for kind, found in zip(("passing", "failing"), examples(r))
    for example in found
]


@pytest.fixture(scope="session")
def report(template_path):
    return evaluate_file(template_path)


@pytest.mark.parametrize("requirement_id", IDS)
def test_requirement(report, requirement_id):
    result = next(r for r in report.results if r.id == requirement_id)
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


@pytest.mark.parametrize(
    "requirement, kind, example", EXAMPLES, ids=[f"{r.id}-{kind}-{e.__name__}" for r, kind, e in EXAMPLES]
)
def test_example(requirement, kind, example, template_dict, tmp_path):
    edited = copy.deepcopy(template_dict)
    example(edited)
    report = _gate(edited, tmp_path, kind)
    blocking = [
        f"{','.join(f.requirements)} {f.rule} {f.resource} {f.path}: {f.message}" for f in report.findings if f.blocking
    ]
    if kind == "failing":
        assert not report.compliant
        assert requirement.id in report.failed_requirements(), "\n".join(blocking)
    else:
        assert report.compliant, "\n".join(blocking)


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=IDS)
def test_every_requirement_has_a_passing_and_a_failing_example(requirement):
    passing, failing = examples(requirement)
    assert passing and failing, f"rules/{requirement.folder}/examples.py"
