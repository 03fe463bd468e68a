"""How deploy and destroy report failures: the reason of the stack's latest operation, not of
an older attempt."""

from __future__ import annotations

from datetime import datetime, timedelta

from tapcheck.live import deploy, leftovers

T0 = datetime(2026, 1, 1)


class _Paginator:
    def __init__(self, events: list[dict]) -> None:
        self.events = events

    def paginate(self, **kwargs):
        return [{"StackEvents": self.events}]


class _Cfn:
    def __init__(self, events: list[dict]) -> None:
        self.events = events

    def get_paginator(self, name: str) -> _Paginator:
        return _Paginator(self.events)


class _Target:
    local = True
    emulator_root = None

    def __init__(self, events: list[dict]) -> None:
        self.cfn = _Cfn(events)

    def client(self, service: str):
        return self.cfn


def _event(i: int, logical: str, status: str, reason: str | None = None) -> dict:
    e = {
        "StackName": "s",
        "LogicalResourceId": logical,
        "ResourceStatus": status,
        "ResourceType": "T",
        "Timestamp": T0 + timedelta(seconds=i),
        "PhysicalResourceId": f"{logical}-id",
    }
    if reason:
        e["ResourceStatusReason"] = reason
    return e


def _newest_first(*events: dict) -> list[dict]:
    return sorted(events, key=lambda e: e["Timestamp"], reverse=True)


def test_a_retried_delete_reports_its_own_failure_not_the_first_attempts() -> None:
    events = _newest_first(
        _event(0, "s", "CREATE_IN_PROGRESS", "User Initiated"),
        _event(1, "Writer", "CREATE_COMPLETE"),
        _event(2, "s", "CREATE_COMPLETE"),
        _event(3, "s", "DELETE_IN_PROGRESS", "User Initiated"),
        _event(4, "Writer", "DELETE_FAILED", "stop writer failed: old reason"),
        _event(5, "s", "DELETE_FAILED", "The following resource(s) failed to delete: Writer"),
        _event(6, "s", "DELETE_IN_PROGRESS", "User Initiated"),
        _event(7, "Writer", "DELETE_FAILED", "DBInstance not found"),
        _event(8, "Cluster", "DELETE_FAILED", "has active members"),
        _event(9, "s", "DELETE_FAILED", "The following resource(s) failed to delete: Writer"),
    )
    assert deploy.first_failure(_Target(events), "s") == ("Writer", "DBInstance not found")


def test_a_failed_create_reports_the_first_resource_that_failed() -> None:
    events = _newest_first(
        _event(0, "s", "CREATE_IN_PROGRESS", "User Initiated"),
        _event(1, "Secret", "CREATE_COMPLETE"),
        _event(2, "Cluster", "CREATE_FAILED", "Cannot find version 15.4 for aurora-postgresql"),
        _event(3, "s", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Cluster]."),
        _event(4, "Secret", "DELETE_COMPLETE"),
        _event(5, "s", "ROLLBACK_COMPLETE"),
    )
    assert deploy.first_failure(_Target(events), "s") == ("Cluster", "Cannot find version 15.4 for aurora-postgresql")


def test_created_resources_are_read_from_the_events() -> None:
    events = _newest_first(
        _event(0, "s", "CREATE_IN_PROGRESS", "User Initiated"),
        _event(1, "Secret", "CREATE_COMPLETE"),
        _event(2, "Cluster", "CREATE_FAILED", "x"),
        _event(3, "Secret", "DELETE_COMPLETE"),
    )
    assert leftovers.created_resources(_Target(events), "s") == [("Secret", "T", "Secret-id")]


def test_a_survey_is_clean_only_when_nothing_is_left() -> None:
    survey = leftovers.Survey(looked_at=["the stack", "3 resource(s) it created"])
    assert survey.clean and survey.summary() == "the stack, 3 resource(s) it created"
    survey.left.append("AuroraCluster c1")
    assert not survey.clean
