"""One defect, one finding, one rule id: a check, the guard rule that evidences it, cfn-lint's rule
and the Control Tower control a requirement names, when they fire on the same spot, are one finding
that keeps every tool's word (tapcheck.findings.merge); SARIF reports it as one result under one
rule, cfn-lint rules and Control Tower controls under their own ids, in their own words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tapcheck.findings import Finding, Severity, merge, unmerged

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"


def finding(
    source: str,
    rule: str,
    path: str,
    message: str = "m",
    *,
    check: str = "backup-retention",
    requirements: tuple[str, ...] = ("R4", "C3"),
    resource: str | None = "Cluster",
    severity: Severity = Severity.ERROR,
    waived_by: str | None = None,
) -> Finding:
    return Finding(
        requirements=requirements,
        check=check,
        rule=rule,
        resource=resource,
        path=path,
        message=message,
        fix="f",
        severity=severity,
        source=source,
        file="t.json",
        waived_by=waived_by,
    )


RETENTION = "/Resources/Cluster/Properties/BackupRetentionPeriod"


def test_a_check_and_its_guard_rule_on_one_spot_are_one_finding():
    check = finding("tapcheck", "backup-retention", RETENTION, "BackupRetentionPeriod is 3 day(s), not 7")
    guard = finding(
        "cfn-guard", "cluster_backup_retention_7_days", RETENTION, "fewer days than required", severity=Severity.WARNING
    )
    [merged] = merge([guard, check])
    assert (merged.source, merged.rule, merged.message, merged.requirements) == (
        "tapcheck",
        "backup-retention",
        "BackupRetentionPeriod is 3 day(s), not 7",
        ("R4", "C3"),
    )
    assert merged.severity is Severity.ERROR and merged.blocking  # the worst of the two
    assert [(e.source, e.rule, e.message) for e in merged.sources] == [
        ("tapcheck", "backup-retention", "BackupRetentionPeriod is 3 day(s), not 7"),
        ("cfn-guard", "cluster_backup_retention_7_days", "fewer days than required"),
    ]
    assert sorted(unmerged([merged]), key=lambda f: f.source) == sorted([check, guard], key=lambda f: f.source)


def test_the_worst_severity_wins_whoever_speaks():
    check = finding(
        "tapcheck",
        "engine-version",
        "/Resources/Cluster/Properties/EngineVersion",
        check="engine-version",
        requirements=("R1",),
        severity=Severity.INFO,
    )
    lint = finding(
        "cfn-lint",
        "W3690",
        "/Resources/Cluster/Properties",
        check="engine-version",
        requirements=("R1",),
        severity=Severity.WARNING,
    )
    [merged] = merge([check, lint])
    assert merged.rule == "engine-version" and merged.severity is Severity.WARNING and merged.blocking


def test_each_missing_tag_is_one_finding_with_the_guard_clause_that_names_it():
    tags = "/Resources/Secret/Properties/Tags"
    kw = {"check": "required-tags", "requirements": ("R10",), "resource": "Secret"}
    env = finding("tapcheck", "required-tags", tags, "AWS::SecretsManager::Secret tag Environment is missing", **kw)
    owner = finding("tapcheck", "required-tags", tags, "AWS::SecretsManager::Secret tag ManagedBy is missing", **kw)
    guard_owner = finding("cfn-guard", "required_tags", tags + "/0/Key", "the resource lacks the tag ManagedBy.", **kw)
    guard_env = finding("cfn-guard", "required_tags", tags + "/0/Key", "the resource lacks the tag Environment.", **kw)
    merged = merge([env, owner, guard_owner, guard_env])
    assert [(f.message, [e.message for e in f.sources[1:]]) for f in merged] == [
        (env.message, [guard_env.message]),
        (owner.message, [guard_owner.message]),
    ]


def test_what_is_not_one_defect_stays_apart():
    check = finding("tapcheck", "backup-retention", RETENTION)
    assert len(merge([check, finding("tapcheck", "backup-retention", RETENTION, "another")])) == 2  # one tool
    assert (
        len(merge([check, finding("cfn-lint", "E3012", RETENTION, check="cfn-lint-clean", requirements=("S8",))])) == 2
    )  # another check
    assert len(merge([check, finding("cfn-guard", "g", "/Resources/Cluster/Properties/BackupWindow")])) == 2
    assert len(merge([check, finding("cfn-guard", "g", RETENTION, resource="Other")])) == 2
    assert len(merge([check, finding("cfn-guard", "g", RETENTION, waived_by="forced")])) == 2
    root = finding("tapcheck", "backup-retention", "/")
    assert len(merge([root, finding("cfn-guard", "g", RETENTION)])) == 2  # the root holds everything
    unmapped = [
        finding("cfn-guard", "a", RETENTION, check="unmapped"),
        finding("cfn-lint", "b", RETENTION, check="unmapped"),
    ]
    assert len(merge(unmapped, separate={"unmapped"})) == 2 and len(merge(unmapped)) == 1


def test_a_control_a_requirement_names_joins_its_checks_finding_and_keeps_its_requirement():
    ssl = "/Resources/Group/Properties/Parameters/rds.force_ssl"
    check = finding("tapcheck", "force-ssl", ssl, check="force-ssl", requirements=("H1",), resource="Group")
    control = finding(
        "control-tower",
        "CT.RDS.PR.27",
        ssl,
        check="control-tower",
        requirements=("H6",),
        resource="Group",
        severity=Severity.WARNING,
    )
    assert len(merge([check, control])) == 2
    [merged] = merge([check, control], same_defect={"CT.RDS.PR.27": "force-ssl"})
    assert merged.requirements == ("H1", "H6") and merged.rule == "force-ssl"
    assert merged.breaks("H1") and merged.breaks("H6") and merged.severity is Severity.ERROR
    other = finding(
        "control-tower",
        "CT.RDS.PR.27",
        ssl.replace("Group", "Unused"),
        check="control-tower",
        requirements=("H6",),
        resource="Unused",
    )
    assert [f.requirements for f in merge([check, other], same_defect={"CT.RDS.PR.27": "force-ssl"})] == [
        ("H1",),
        ("H6",),
    ]  # elsewhere the control stays H6's alone


# --- through the command: a single backup-retention defect --------------------------------------


@pytest.fixture(scope="module")
def retention_3(tmp_path_factory) -> Path:
    template = json.loads(TEMPLATE.read_text())
    cluster = next(r for r in template["Resources"].values() if r["Type"] == "AWS::RDS::DBCluster")
    cluster["Properties"]["BackupRetentionPeriod"] = 3
    path = tmp_path_factory.mktemp("one-defect") / "retention3.json"
    path.write_text(json.dumps(template, indent=2))
    return path


# lib/TapStack.json's advisories: log_statement=all logs passwords in clear (C5), IAM auth at 0.5 ACU (H2)
ADVISORIES = ["iam-auth-low-capacity", "statement-log-cleartext-passwords"]


def check(path: Path, fmt: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", str(path), "--format", fmt],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    return json.loads(run.stdout)


def test_one_json_finding(retention_3):
    report = check(retention_3, "json")
    blocking = [f for f in report["findings"] if not f["waived_by"] and not f["advisory"]]
    assert [(f["rule"], f["requirements"]) for f in blocking] == [("backup-retention", ["R4", "C3"])]
    # beside it, only the template's standing advisories (non-blocking notes on what the spec requires)
    assert sorted(f["check"] for f in report["findings"] if f["advisory"]) == ADVISORIES
    assert [(e["source"], e["rule"]) for e in blocking[0]["evidence"]] == [
        ("tapcheck", "backup-retention"),
        ("cfn-guard", "cluster_backup_retention_7_days"),
    ]
    assert {r["id"] for r in report["requirements"] if r["status"] == "fail"} == {"R4", "C3"}


def test_one_sarif_result_under_one_rule_and_tools_under_their_own_ids(retention_3):
    run = check(retention_3, "sarif")["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    results = [r for r in run["results"] if not r.get("suppressions") and not r["properties"]["advisory"]]
    assert [r["ruleId"] for r in results] == ["backup-retention"]
    assert rules["backup-retention"]["id"] == "backup-retention" and list(rules).count("backup-retention") == 1
    assert [e["rule"] for e in results[0]["properties"]["evidence"]] == [
        "backup-retention",
        "cluster_backup_retention_7_days",
    ]
    assert "cluster_backup_retention_7_days" in results[0]["message"]["text"]
    # the waived Control Tower findings: each under its control's own rule, in the control's words
    waived = {r["ruleId"] for r in run["results"] if r.get("suppressions")}
    assert waived == {"CT.RDS.PR.3", "CT.CLOUDWATCH.PR.3"}
    control = rules["CT.RDS.PR.3"]
    assert control["shortDescription"]["text"] == "Require an Amazon RDS cluster to have deletion protection configured"
    assert control["fullDescription"]["text"].startswith("This control checks whether")
    assert control["helpUri"] == (
        "https://docs.aws.amazon.com/controltower/latest/controlreference/rds-rules.html#ct-rds-pr-3-description"
    )
    assert control["properties"]["security-severity"] == "3.0" and "H6" in control["properties"]["tags"]
    assert "control-tower" not in {r["ruleId"] for r in run["results"]}
    assert run["tool"]["driver"]["informationUri"] == "https://github.com/tapcheck/tapcheck"


def test_cfn_lint_rules_keep_their_ids_and_words(tmp_path):
    template = json.loads(TEMPLATE.read_text())
    template["Description"] = ["not", "a", "string"]  # E1004, S8's catch-all
    cluster = next(r for r in template["Resources"].values() if r["Type"] == "AWS::RDS::DBCluster")
    cluster["Properties"]["EngineVersion"] = "15.4"  # engine-version with W3690
    path = tmp_path / "lint.json"
    path.write_text(json.dumps(template, indent=2))
    run = check(path, "sarif")["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    results = {r["ruleId"]: r for r in run["results"] if not r.get("suppressions") and not r["properties"]["advisory"]}
    assert set(results) == {"E1004", "engine-version"}
    assert [e["rule"] for e in results["engine-version"]["properties"]["evidence"]] == ["engine-version", "W3690"]
    from tapcheck.tools import lint

    cfn_lint = lint._rules(lint.gate_config())
    for lint_rule in ("E1004", "W3690"):  # W3690: listed, as the evidence of engine-version's result
        assert rules[lint_rule]["helpUri"] == cfn_lint[lint_rule].source_url
        assert rules[lint_rule]["shortDescription"]["text"] == cfn_lint[lint_rule].shortdesc
    assert "cfn-lint-clean" not in {r["ruleId"] for r in run["results"]}
