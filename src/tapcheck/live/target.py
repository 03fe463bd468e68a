"""Where a stack lives: the local emulator (default) or AWS (standard credential chain)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from tapcheck.errors import UsageError
from tapcheck.live import aws_errors

# Error codes by which AWS refuses a call for want of a permission (IAM's and EC2's spellings).
REFUSED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnauthorizedAccess"}
)
# The IAM action is `<service prefix>:<API operation>` for every call tapcheck makes, except these
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html: Invoke
# is authorised by lambda:InvokeFunction).
_ACTION_NAMES = {("lambda", "Invoke"): "lambda:InvokeFunction"}
LOCAL_REGION = "us-east-1"
LOCAL_READ_TIMEOUT_S = 30
TARGETS = ("local", "aws")


@dataclass
class Target:
    name: str
    region: str
    endpoint_url: str | None = None
    emulator_root: str | None = None  # local target: the emulator's data directory
    # The CA bundle database connections are verified against (live/tls.py): --ca-bundle, or the
    # emulator's CA on the local target; None on AWS means AWS's global bundle (live/ca_bundle.py).
    ca_bundle: str | None = None
    # local target: the API credentials the emulator wrote to its state file (boto3's keyword names)
    credentials: dict[str, str] = field(default_factory=dict, repr=False)
    # local target: the emulator keeps each cluster in a network namespace (no TCP path from this host)
    network_boundary: bool = False
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def local(self) -> bool:
        return self.name == "local"

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            # Locally a stack is created inside one CreateStack call (seconds); an emulator that
            # stops answering must fail fast rather than wait out AWS-sized timeouts and retries.
            cfg = Config(
                connect_timeout=2 if self.local else 5,
                read_timeout=LOCAL_READ_TIMEOUT_S if self.local else 120,
                retries={"max_attempts": 1 if self.local else 8, "mode": "standard"},
            )
            kwargs: dict[str, Any] = {"region_name": self.region, "config": cfg}
            if self.local:
                kwargs.update(endpoint_url=self.endpoint_url, **self.credentials)
            client = boto3.client(service, **kwargs)
            client.meta.events.register("after-call", _name_refused_permission)
            aws_errors.watch(client)  # throttled, expired or unknown credentials: one line, exit 2
            self._clients[service] = client
        return self._clients[service]


def permission(service: str, operation: str) -> str:
    """The IAM action that authorises API call `operation` of botocore service `service`."""
    return _ACTION_NAMES.get((service, operation), f"{service}:{operation}")


def _name_refused_permission(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """A call AWS refused for want of a permission ends the command with one line naming the
    permission (exit 2), wherever the call was made: nothing tapcheck does can go on without it."""
    code = (parsed.get("Error") or {}).get("Code") if isinstance(parsed, dict) else None
    if code not in REFUSED_CODES:
        return
    action = permission(model.service_model.service_name, model.name)
    raise UsageError(
        "AWS",
        f"refused {action} ({code})",
        f"grant {action} to this identity (README, AWS section: the permissions smoke needs)",
    )


def resolve(
    name: str = "local", region: str | None = None, state: str | None = None, ca_bundle: str | None = None
) -> Target:
    """A usable target, or a UsageError saying what is missing. `ca_bundle` (--ca-bundle) replaces
    the CA bundle database connections are verified against (live/tls.py)."""
    if name not in TARGETS:
        raise UsageError("--target", f"unknown target '{name}'", "use local or aws")
    if ca_bundle is not None:
        from tapcheck.live.tls import check_bundle

        ca_bundle = check_bundle(ca_bundle)
    if name == "local":
        from tapcheck.emulator import control, tls

        st = control.require_running(state)
        # the emulator's CA, as its state records it (an emulator started before it had one has none:
        # live/tls.trust_anchor then says to restart it)
        ca = st.get("ca_cert") or str(tls.ca_cert_path(st["root"]))
        return Target(
            "local",
            region or LOCAL_REGION,
            st["url"],
            emulator_root=st["root"],
            ca_bundle=ca_bundle or (ca if os.path.isfile(ca) else None),
            credentials=control.client_credentials(st),
            network_boundary=bool(st.get("network_boundary")),
        )
    import boto3

    session = boto3.Session()
    region = region or session.region_name or os.environ.get("AWS_REGION")
    if not region:
        raise UsageError("--target aws", "no AWS region configured", "set AWS_REGION or pass --region")
    if session.get_credentials() is None:
        raise UsageError(
            "--target aws",
            "no AWS credentials found in the standard chain",
            "configure credentials (env, profile, SSO or instance role)",
        )
    return Target("aws", region, ca_bundle=ca_bundle)
