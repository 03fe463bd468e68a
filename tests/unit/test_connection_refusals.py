"""What a probe says when an endpoint does not answer (tapcheck.live.context.Context.refusal): on AWS no
network path is a skip; locally it fails, and with the emulator's network boundary on it says that
the boundary is why and how to probe through it."""

from __future__ import annotations

import psycopg

from tapcheck.live.context import Context, Fail, Skip
from tapcheck.live.target import Target

REFUSED = psycopg.OperationalError(
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


def refusal(target: Target) -> Exception:
    ctx = Context.__new__(Context)
    ctx.__dict__["target"] = target
    return ctx.refusal("writer", "127.0.10.1", 5432, REFUSED)


def test_on_aws_no_network_path_is_a_skip() -> None:
    assert isinstance(refusal(Target("aws", "us-east-1")), Skip)


def test_locally_an_endpoint_that_does_not_answer_fails() -> None:
    said = refusal(Target("local", "us-east-1"))
    assert isinstance(said, Fail) and "which the emulator serves, does not answer" in str(said)


def test_behind_the_emulators_network_boundary_the_failure_names_it_and_the_way_through() -> None:
    said = refusal(Target("local", "us-east-1", network_boundary=True))
    assert isinstance(said, Fail)
    assert "inside the emulator's network boundary" in str(said) and "--target aws" in str(said)
    assert "without --network-boundary" in str(said)
