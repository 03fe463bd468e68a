"""`tapcheck smoke --format json|junit --output FILE` on a broken local stack: the pipeline's view.

The stack is deployed from the template with log_statement=none (R7/C5 broken, everything else
intact); the JUnit file must list each failing probe run as a failed test case naming its
requirement, and the JSON must validate against the schema the package ships."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from tapcheck.report.live import SCHEMA_PATH


@pytest.fixture(scope="module")
def broken_stack(local_target, live_options, tmp_path_factory):
    from pathlib import Path

    from tapcheck.live import deploy

    doc = json.loads(Path(live_options.template).read_text())
    doc["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["log_statement"] = "none"
    path = tmp_path_factory.mktemp("reports") / "log-none.json"
    path.write_text(json.dumps(doc))
    suffix = "rep" + uuid.uuid4().hex[:6]
    name = f"tapcheck-{suffix}"
    deploy.deploy(local_target, path, name, {"EnvironmentSuffix": suffix})
    try:
        yield name
    finally:
        deploy.destroy(local_target, name)


def smoke_cli(emulator, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "smoke", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def test_junit_lists_each_failing_probe_as_a_failed_case_naming_its_requirement(broken_stack, emulator, tmp_path):
    report = tmp_path / "smoke.xml"
    run = smoke_cli(emulator, "--stack-name", broken_stack, "--format", "junit", "--output", str(report))
    assert run.returncode == 1, run.stdout + run.stderr  # exit code unchanged by the format
    assert run.stdout == ""  # the report went to the file
    suite = ET.parse(report).getroot().find("testsuite")
    cases = suite.findall("testcase")
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert int(suite.get("failures")) == len(failed) and int(suite.get("tests")) == len(cases) > 20
    # both endpoints' log_statement probe runs fail, with the server's words, and only R7/C5 fail
    assert {"R7,C5 log_statement_in_effect [writer]", "R7,C5 log_statement_in_effect [reader]"} <= set(failed)
    assert "log_statement=none" in failed["R7,C5 log_statement_in_effect [writer]"].get("message")
    assert all(name.split()[0] in ("R7,C5", "R7") for name in failed), sorted(failed)
    assert all(float(c.get("time")) >= 0 for c in cases)
    assert not [c for c in cases if c.find("skipped") is not None]


def test_json_validates_against_the_shipped_schema_and_names_the_requirements(broken_stack, emulator):
    run = smoke_cli(emulator, "--stack-name", broken_stack, "--format", "json")
    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))
    assert document["failed_requirements"] == ["R7", "C5"]
    assert document["ok"] is False and document["exit_code"] == 1
    assert document["counts"]["fail"] == sum(1 for c in document["cases"] if c["status"] == "fail") >= 3
    endpoints = {c["endpoint"] for c in document["cases"] if c["name"].startswith("log_statement_in_effect")}
    assert endpoints == {"writer", "reader"}
