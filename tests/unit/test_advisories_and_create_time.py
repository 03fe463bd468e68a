"""Advisories (non-blocking findings) in every report format, and the base template's limits that AWS
would otherwise refuse at create time (issue 22)."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest

from tapcheck.findings import Severity, Status
from tapcheck.gate import evaluate_loaded
from tapcheck.loader import LoadedTemplate, parse_text
from tapcheck.report import FORMATS, renderer

ADVISORIES = {
    "iam-auth-low-capacity/low-capacity": ("H2", Severity.INFO),
    "statement-log-cleartext-passwords/cleartext-passwords": ("C5", Severity.INFO),
}


@pytest.fixture(scope="module")
def base(template_path):
    with open(template_path) as handle:
        return json.load(handle)


def gate(tree: dict, tmp_path, name: str = "t"):
    path = tmp_path / f"{name}.json"
    text = json.dumps(tree, indent=1)
    path.write_text(text)
    return evaluate_loaded(LoadedTemplate(str(path), text, parse_text(text, str(path))), ())


def test_base_template_carries_exactly_the_two_advisories_and_stays_compliant(base, tmp_path):
    report = gate(base, tmp_path)
    advisories = {f.rule: (f.requirements[0], f.severity) for f in report.findings if f.advisory}
    assert advisories == ADVISORIES
    assert report.compliant
    for result in report.results:
        if result.id in ("H2", "C5"):
            assert result.status is Status.PASS and any(f.advisory for f in result.findings)


@pytest.mark.parametrize("fmt", FORMATS)
def test_advisories_in_every_format(base, tmp_path, fmt):
    report = gate(base, tmp_path)
    out = renderer(fmt)([report])
    if fmt == "text":
        assert "Not blocking" in out and "INFO (advisory) iam-auth-low-capacity/low-capacity" in out
        assert "INFO (advisory) statement-log-cleartext-passwords/cleartext-passwords" in out
    elif fmt == "json":
        found = {f["rule"]: f for f in json.loads(out)["findings"] if f["advisory"]}
        assert set(found) == set(ADVISORIES) and {f["severity"] for f in found.values()} == {"info"}
        assert json.loads(out)["compliant"] is True
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        levels = {r["properties"]["rule"]: r["level"] for r in results if r["properties"]["advisory"]}
        assert levels == {rule: "note" for rule in ADVISORIES}
    else:
        outs = [e.text or "" for e in ET.fromstring(out).iter("system-out")]
        assert any("info (advisory) statement-log-cleartext-passwords/cleartext-passwords" in o for o in outs)
        assert any("info (advisory) iam-auth-low-capacity/low-capacity" in o for o in outs)
        assert not list(ET.fromstring(out).iter("failure"))


def test_undocumented_condition_key_is_a_warning_in_every_format(base, tmp_path):
    tree = copy.deepcopy(base)
    key = next(r for r in tree["Resources"].values() if r["Type"] == "AWS::KMS::Key")
    grant = next(s for s in key["Properties"]["KeyPolicy"]["Statement"] if "cloudwatch" in str(s.get("Principal")))
    grant["Condition"] = {"StringEquals": {"kms:CallerAccount": {"Ref": "AWS::AccountId"}}}
    report = gate(tree, tmp_path)
    warnings = [f for f in report.findings if f.advisory and f.severity is Severity.WARNING]
    assert [f.rule for f in warnings] == ["alarm-topic-deliverable/undecided"]
    assert "kms:CallerAccount is not documented for this request" in warnings[0].message
    assert report.compliant and not warnings[0].blocking
    sarif = json.loads(renderer("sarif")([report]))["runs"][0]["results"]
    assert [r["level"] for r in sarif if r["properties"]["rule"] == "alarm-topic-deliverable/undecided"] == ["warning"]
    assert "WARNING (advisory) alarm-topic-deliverable/undecided" in renderer("text")([report])


def seed_before_issue_22(base: dict) -> dict:
    """lib/TapStack.json as it was before issue 22: no MaxLength on EnvironmentSuffix nor DatabaseName,
    and a password alphabet that lets ' through."""
    old = copy.deepcopy(base)
    for name in ("EnvironmentSuffix", "DatabaseName"):
        old["Parameters"][name].pop("MaxLength")
        old["Parameters"][name].pop("MinLength")
    secret = next(r for r in old["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret")
    secret["Properties"]["GenerateSecretString"]["ExcludeCharacters"] = '"@/\\ '
    return old


def test_seed_before_issue_22_fails_s6_and_r6(base, tmp_path):
    report = gate(seed_before_issue_22(base), tmp_path)
    assert report.failed_requirements() == {"S6", "R6"}
    s6 = {f.rule for f in report.findings if f.breaks("S6") and f.blocking}
    assert s6 == {"parameters-declared/length", "names-at-parameter-extremes/unbounded"}
    cluster_finding = next(f for f in report.findings if f.resource == "AuroraCluster" and f.breaks("S6"))
    assert "at 40 characters DBClusterIdentifier is 64 characters" in cluster_finding.message
    r6 = [f.message for f in report.findings if f.breaks("R6") and f.blocking]
    assert r6 == ['Generated passwords may contain "\'", which RDS rejects in a master password']


def test_base_limits_are_the_tightest_names_allow(base):
    assert base["Parameters"]["EnvironmentSuffix"]["MaxLength"] == "39"  # 24 + 39 = 63 (cluster identifier)
    assert base["Parameters"]["DatabaseName"]["MaxLength"] == "63"
