"""The requirement folders are complete and consistent: what the registry discovers is what the
gate, the probes, the mutation engine and the README use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapcheck.findings import Finding, Status
from tapcheck.gate import summarize
from tapcheck.live.collect import probes
from tapcheck.mutation.operators import OPERATORS
from tapcheck.report.catalogue import catalogue, markdown
from tapcheck.requirements.registry import UNMAPPED, registry, rules_root

REG = registry()
SPEC_IDS = [r.id for r in REG.requirements if r.id[0] in "RC"]
ROOT = Path(__file__).resolve().parents[2]


def test_the_specification_is_covered():
    """Ten requirements and ten constraints of the seed, each one folder."""
    ids = [r.id for r in REG.requirements]
    assert [i for i in ids if i[0] == "R"] == [f"R{n}" for n in range(1, 11)]
    assert [i for i in ids if i[0] == "C"] == [f"C{n}" for n in range(1, 11)]
    assert len({r.folder for r in REG.requirements}) == len(ids)


@pytest.mark.parametrize("requirement_id", SPEC_IDS)
def test_every_spec_requirement_has_a_check_an_operator_and_a_probe_or_a_reason(requirement_id):
    row = next(r for r in catalogue(probes(), OPERATORS) if r["id"] == requirement_id)
    static = [c for c in row["checks"] if REG.checks[c].function is not None]
    assert static or row["tool_rules"], f"{requirement_id} has no check"
    assert row["operators"] > 0, f"{requirement_id} has no mutation operator"
    assert row["probes"] or row["no_probe_reason"], f"{requirement_id} has no probe and says not why"
    assert row["aws_docs"], f"{requirement_id} cites no AWS page"


def test_every_check_serves_a_requirement():
    assert [c.id for c in REG.checks.values() if not c.requirements] == []


def test_shared_facts_are_one_check_carrying_every_requirement():
    assert REG.requirements_of("backup-retention") == ("R4", "C3")
    assert REG.requirements_of("log-statement-all") == ("R7", "C5")
    assert REG.requirements_of("cluster-deletion-protection-off") == ("R3", "C2")


def test_every_guard_rule_is_mapped_to_a_check_by_data():
    declared = {rule for rule in REG.guard_rules}
    on_disk = {
        m for f in rules_root().glob("*/*.guard") for m in re.findall(r"^rule\s+(\w+)", f.read_text(), re.MULTILINE)
    }
    assert on_disk == declared


def test_every_probe_and_operator_names_a_known_check():
    assert probes() and OPERATORS  # collecting either raises RegistryError on an unknown check


def test_an_unmapped_finding_is_a_failing_row():
    stray = Finding(
        requirements=(UNMAPPED,),
        check=UNMAPPED,
        rule="some_new_rule",
        resource=None,
        path="/",
        message="m",
        fix="f",
        source="cfn-guard",
    )
    rows = {r.id: r for r in summarize([stray])}
    assert rows[UNMAPPED].status is Status.FAIL
    assert all(r.status is Status.PASS for i, r in rows.items() if i != UNMAPPED)


def test_a_value_is_written_once_guard_rules_read_the_folders_values():
    """The guard rules compare with Tapcheck.<id>.<value> (the rendering carries the folders' values)."""
    retention = (rules_root() / "r04_backups" / "cluster_backup_retention_7_days.guard").read_text()
    assert "Tapcheck.R4.retention_days" in retention and not re.search(r"\b7\b", retention.split("rule ", 1)[1])
    tags_rule = (rules_root() / "r10_tags" / "required_tags.guard").read_text().split("rule ", 1)[1]
    for value in REG.requirement("R10").values["tags"].values():
        assert value not in tags_rule


def test_readme_requirement_table_is_the_discovered_one():
    readme = (ROOT / "README.md").read_text()
    assert markdown(catalogue(probes(), OPERATORS)) in readme, (
        "README.md's requirement table is stale: run scripts/readme-tables"
    )
