"""The live report model (smoke, drill failover, plan) rendered as JSON and JUnit: the JSON
validates against the shipped schema; a failed case carries its requirement and the detail."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema

from tapcheck.findings import Status
from tapcheck.live.drill import DrillResult, as_report
from tapcheck.report import live

SCHEMA = json.loads(live.SCHEMA_PATH.read_text())


def drill_result(ok: bool) -> DrillResult:
    result = DrillResult("s1", "cluster-1", "writer-1", new_writer="reader-1", committed=812, window_s=0.31)
    result.record("new-writer", True, "describe_db_clusters names reader-1 the writer")
    result.record("no-rows-lost", ok, "812 committed rows all present" if ok else "3 committed rows missing: 4, 5, 6")
    return result


def test_the_drill_report_validates_and_a_failed_check_names_c6():
    report = as_report(drill_result(ok=False), "local")
    document = json.loads(live.json_text(report))
    jsonschema.validate(document, SCHEMA)
    assert document["exit_code"] == 1 and document["failed_requirements"] == ["C6"]
    assert document["figures"]["committed"] == 812 and document["figures"]["window_s"] == 0.31
    suite = ET.fromstring(live.junit(report)).find("testsuite")
    failure = suite.find("testcase[@name='C6 no-rows-lost']/failure")
    assert failure is not None and "3 committed rows missing" in failure.get("message")
    assert suite.get("failures") == "1" and suite.get("tests") == "2"


def test_a_passing_drill_has_exit_0_and_no_failure_element():
    report = as_report(drill_result(ok=True), "aws")
    jsonschema.validate(json.loads(live.json_text(report)), SCHEMA)
    assert report.exit_code == 0
    assert ET.fromstring(live.junit(report)).find(".//failure") is None


def test_a_skipped_probe_run_is_a_skipped_case_with_its_reason():
    case = live.Case(
        "login_with_secret[writer]",
        ("R6",),
        Status.SKIP,
        "no network path to 10.0.1.5:5432",
        5.01,
        endpoint="writer",
        plane="data",
        checks=("credentials",),
    )
    report = live.LiveReport("smoke", "s1", "aws", [case], "smoke s1: 0 passed, 0 failed, 1 skipped", 2)
    jsonschema.validate(json.loads(live.json_text(report)), SCHEMA)
    element = ET.fromstring(live.junit(report)).find(".//testcase")
    assert element.get("name") == "R6 login_with_secret [writer]" and element.get("time") == "5.010"
    assert element.find("skipped").get("message") == "no network path to 10.0.1.5:5432"
    assert live.text(report).splitlines() == [
        "SKIP R6       login_with_secret[writer] - no network path to 10.0.1.5:5432",
        "smoke s1: 0 passed, 0 failed, 1 skipped",
    ]
    assert live.Case.from_dict(case.as_dict()) == case  # as the in-VPC runner sends it back


def test_the_schema_knows_every_plane_a_probe_declares():
    """A probe's plane is free text in @probe(...): the schema must list each one the folders use."""
    from tapcheck.live.collect import probes

    allowed = SCHEMA["properties"]["cases"]["items"]["properties"]["plane"]["enum"]
    assert {p.plane for p in probes()} <= set(allowed)


def test_the_drills_text_report_is_what_it_prints_window_included():
    import io

    from tapcheck.live.drill import _finish

    result = drill_result(ok=True)
    printed = io.StringIO()
    _finish(result, printed)
    assert live.text(as_report(result, "local")) == printed.getvalue()
    assert "write-unavailability window: 0.31 s" in printed.getvalue()


def test_drill_junit_times_are_the_time_each_check_took(monkeypatch):
    """Each drill check's case carries the time from the previous verdict (or the drill's start) to its own."""
    from tapcheck.live import drill

    clock = iter([100.0, 101.5, 104.25])  # the drill starts; then each verdict
    monkeypatch.setattr(drill.time, "monotonic", lambda: next(clock))
    result = DrillResult("s1", "cluster-1", "writer-1", new_writer="reader-1")
    result.record("new-writer", True, "describe_db_clusters names reader-1 the writer")
    result.record("writes-resume", True, "writes resumed")
    suite = ET.fromstring(live.junit(as_report(result, "local"))).find("testsuite")
    assert [(case.get("name"), case.get("time")) for case in suite.findall("testcase")] == [
        ("C6 new-writer", "1.500"),
        ("C6 writes-resume", "2.750"),
    ]
    assert suite.get("time") == "4.250"
    assert [c["seconds"] for c in json.loads(live.json_text(as_report(result, "local")))["cases"]] == [1.5, 2.75]


def _case(name: str, status: Status, *requirements: str) -> live.Case:
    return live.Case(name, requirements, status, "detail")


def test_one_verdict_for_smoke_and_the_drill():
    """A failure names its requirements in the specification's order; a skip blocks only where
    skips fail the run; nothing passed and nothing blocking is 'could not run' (2)."""
    cases = [
        _case("a", Status.PASS, "R1"),
        _case("b", Status.FAIL, "H4"),
        _case("c", Status.FAIL, "C6", "R6"),
        _case("d", Status.SKIP, "S4"),
    ]
    assert live.verdict(cases) == live.Verdict(1, ["R6", "C6", "H4"], 1, 2, 1)
    assert live.verdict(cases, skip_fails=True) == live.Verdict(1, ["R6", "C6", "S4", "H4"], 1, 2, 1)
    assert live.verdict([_case("d", Status.SKIP, "S4")]) == live.Verdict(2, [], 0, 0, 1)
    assert live.verdict([_case("a", Status.PASS, "R1"), _case("d", Status.SKIP, "S4")]) == live.Verdict(0, [], 1, 0, 1)
    assert (
        live.verdict(cases).summary("smoke s1")
        == "smoke s1: 1 passed, 2 failed, 1 skipped; failed requirements: R6, C6, H4"
    )
    assert live.verdict(cases[:1]).summary("drill failover s1", skips=False) == "drill failover s1: 1 passed, 0 failed"
