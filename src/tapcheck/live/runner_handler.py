"""The in-VPC probe runner's Lambda handler: it runs the data-plane probe runs it is asked for,
with the same probe functions and the same run_probe as every other target, and returns their
cases as JSON (tapcheck.report.live.Case.as_dict, the JSON report's own form).

Everything the probes read from AWS (endpoints, the secret's document, the cluster's master user
and database) arrives in the invocation's payload, read by the caller outside the VPC: a function
in private subnets has no path to AWS APIs without a NAT gateway or VPC endpoints
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html), and the credentials must
not sit in the function's configuration. A probe asking for anything else gets FAIL naming it.
Connections verify the cluster against the CA bundle the caller put in the package (live/tls.py).
Imports nothing beyond the standard library, tapcheck and psycopg (the zip's contents).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tapcheck.live.context import Context, Fail
from tapcheck.live.target import Target
from tapcheck.live.tls import RUNNER_BUNDLE


class NoApiTarget(Target):
    def client(self, service: str) -> Any:
        raise Fail(f"the in-VPC runner has no AWS API access ({service}); this probe belongs on the caller's side")


class PayloadContext(Context):
    """A Context whose AWS reads were made by the caller and handed over in the payload."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(
            NoApiTarget(payload.get("target", "aws"), payload.get("region", "us-east-1")),
            payload["stack_name"],
            writes=bool(payload.get("writes")),
        )
        self._payload = payload
        self.__dict__["outputs"] = dict(payload.get("outputs") or {})
        self.__dict__["cluster"] = dict(payload.get("cluster") or {})
        self.__dict__["stack"] = {"StackId": payload["stack_name"], "Outputs": [], "Parameters": []}

    def trust_anchor(self) -> str:
        """The CA bundle the caller put in this function's package (runner.build_zip): a function in
        private subnets cannot fetch one, and without it no password is sent."""
        bundle = Path(__file__).resolve().with_name(RUNNER_BUNDLE)
        if not bundle.is_file():
            raise Fail(
                "the in-VPC runner's package carries no CA bundle, so no server can be verified and no password is sent"
            )
        return str(bundle)

    @property
    def secret(self) -> dict[str, Any]:
        if self._payload.get("secret_error"):
            raise Fail(self._payload["secret_error"])
        return dict(self._payload["secret"])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from tapcheck.live import probing

    ctx = PayloadContext(event)
    wanted = list(event.get("runs") or [])
    by_id = {run.id: run for run in probing.runs()}
    results = []
    for run_id in wanted:
        run = by_id.get(run_id)
        if run is None:  # the caller's own runs are the same code: only a foreign payload names another
            results.append({"id": run_id, "missing": f"the runner's code has no probe run {run_id}"})
            continue
        results.append({"id": run_id, "case": probing.run_probe(run, ctx).as_dict()})
    return {"results": results}
