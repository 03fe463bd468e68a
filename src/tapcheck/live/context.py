"""A deployed stack as the probes see it: its resources, the AWS objects behind them, and
connections to its database, with the rules that decide what a failed connection means.

Everything is discovered from the stack: its resources (ListStackResources), its parameters
and outputs (DescribeStacks); nothing is read from the template.

A probe ends in PASS, FAIL or SKIP, and SKIP only means "could not look, for a reason outside
the stack": on AWS, no network path to the private endpoint (a tunnel is then passed with
--db-host). A server that answers — a refusal, a FATAL, a pg_hba rejection, a database not
accepting connections, a wrong password, TLS unsupported — is a FAIL quoting the server. On the
local target the emulator owns every address the stack's outputs name, so there every failure
to connect is a FAIL.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tapcheck.live.secret_shape import MalformedSecret, credentials
from tapcheck.live.target import Target

# A connection attempt gives up after this. Locally every endpoint is a loopback address the
# emulator serves: a server that has not answered within libpq's minimum (2 s: "a value of 1 is
# interpreted as 2", https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNECT-CONNECT-TIMEOUT)
# is not going to, and each probe that connects would otherwise wait the AWS-sized bound.
CONNECT_TIMEOUT_S = 5
LOCAL_CONNECT_TIMEOUT_S = 2
ENDPOINT_ROLES = ("writer", "reader")


class Fail(Exception):
    """The requirement does not hold on the live stack (the message says why, quoting AWS or the server)."""


class Skip(Exception):
    """The probe could not look, for a reason outside the stack (say what to pass to look)."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Fail(message)


# What a refused connection means. Network-level: the client never reached a server.
_UNREACHABLE = (
    "timeout expired",
    "timed out",
    "could not translate host name",
    "no route to host",
    "network is unreachable",
    "name or service not known",
    "temporary failure in name resolution",
)
_REFUSED = "connection refused"
_TIMED_OUT = ("timeout expired", "timed out")


def one_line(text: Any) -> str:
    return " ".join(str(text).split())


@dataclass
class Context:
    """A live stack on a target, with what the probes read from it cached."""

    target: Target
    stack_name: str
    db_host: str | None = None
    db_port: int | None = None
    db_reader_host: str | None = None
    db_reader_port: int | None = None
    described: dict[str, Any] | None = field(default=None, repr=False)  # DescribeStacks' answer, when the caller has it
    # What the probes may change (issue 21): None is the target's default, which live/smoke.py states:
    # the local emulator may be written to and its alarm fired; on AWS nothing changes unless asked.
    writes: bool | None = None  # --write-probes: a row written on the writer, read on the reader
    fire_alarm: bool | None = None  # --fire-alarm: the CPU alarm set to ALARM and back
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @property
    def may_write(self) -> bool:
        return self.target.local if self.writes is None else self.writes

    @property
    def may_fire(self) -> bool:
        return self.target.local if self.fire_alarm is None else self.fire_alarm

    # --- stack ---------------------------------------------------------------------------
    @cached_property
    def stack(self) -> dict[str, Any]:
        if self.described is not None:
            return self.described
        from tapcheck.live.deploy import describe

        return describe(self.target, self.stack_name)

    @cached_property
    def outputs(self) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self.stack.get("Outputs") or []}

    @cached_property
    def parameters(self) -> dict[str, str]:
        return {p["ParameterKey"]: p.get("ParameterValue", "") for p in self.stack.get("Parameters") or []}

    @cached_property
    def resources(self) -> list[dict[str, Any]]:
        cfn = self.target.client("cloudformation")
        pages = cfn.get_paginator("list_stack_resources").paginate(StackName=self.stack["StackId"])
        return [r for page in pages for r in page["StackResourceSummaries"]]

    def physical(self, rtype: str) -> list[str]:
        return [r["PhysicalResourceId"] for r in self.resources if r["ResourceType"] == rtype]

    def one(self, rtype: str) -> str:
        ids = self.physical(rtype)
        expect(len(ids) == 1, f"expected one {rtype} in the stack, found {len(ids)}")
        return ids[0]

    # --- RDS -----------------------------------------------------------------------------
    @cached_property
    def cluster(self) -> dict[str, Any]:
        cid = self.one("AWS::RDS::DBCluster")
        return self.target.client("rds").describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]

    @cached_property
    def instances(self) -> list[dict[str, Any]]:
        """The stack's DB instances that RDS still has (see missing_instances for the others)."""
        from botocore.exceptions import ClientError

        rds = self.target.client("rds")
        out = []
        for iid in self.physical("AWS::RDS::DBInstance"):
            try:
                out += rds.describe_db_instances(DBInstanceIdentifier=iid)["DBInstances"]
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "DBInstanceNotFound":
                    raise
                self._memo.setdefault("missing instances", []).append(iid)
        return out

    @property
    def missing_instances(self) -> list[str]:
        """The stack's DB instances RDS no longer has (deleted outside the stack)."""
        _ = self.instances
        return list(self._memo.get("missing instances", []))

    @cached_property
    def cluster_params(self) -> dict[str, str]:
        rds = self.target.client("rds")
        name = self.cluster["DBClusterParameterGroup"]
        pages = rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=name)
        return {p["ParameterName"]: p.get("ParameterValue") for page in pages for p in page["Parameters"]}

    # --- the credentials secret ------------------------------------------------------------
    @cached_property
    def secret_arn(self) -> str:
        return self.one("AWS::SecretsManager::Secret")

    @cached_property
    def secret(self) -> dict[str, Any]:
        """The secret's JSON document; Fail (R6) when it cannot be read or is not an object holding
        username and password (said by its shape: secret_shape.py)."""
        from botocore.exceptions import ClientError

        try:
            value = self.target.client("secretsmanager").get_secret_value(SecretId=self.secret_arn)
        except ClientError as e:
            error = e.response.get("Error", {})
            raise Fail(
                f"the secret {self.secret_arn} cannot be read ({error.get('Code')}: "
                f"{one_line(error.get('Message', ''))}), so nothing can log in with it"
            ) from None
        try:
            return credentials(value.get("SecretString"))
        except MalformedSecret as e:  # described by its shape: no part of the value is quoted
            raise Fail(f"the secret {self.secret_arn} {e.shape}, so nothing can log in with it") from None

    # --- database connections ----------------------------------------------------------------
    @property
    def connect_timeout(self) -> int:
        return LOCAL_CONNECT_TIMEOUT_S if self.target.local else CONNECT_TIMEOUT_S

    def database(self) -> str:
        """The database the probes log in to: the secret's dbname, else the cluster's DatabaseName."""
        return self.secret.get("dbname") or self.cluster.get("DatabaseName") or "postgres"

    def endpoint(self, role: str = "writer") -> tuple[str, int]:
        if role == "reader":
            if self.db_host and not self.db_reader_host:
                raise Skip(
                    "--db-host reaches the writer only; pass --db-reader-host (a tunnel to the reader "
                    "endpoint) to probe the reader"
                )
            host = (
                self.db_reader_host or self.outputs.get("ClusterReaderEndpoint") or self.cluster.get("ReaderEndpoint")
            )
            port = self.db_reader_port or self.db_port
        else:
            host = self.db_host or self.outputs.get("ClusterEndpoint") or self.cluster.get("Endpoint")
            port = self.db_port
        port = port or int(self.outputs.get("ClusterPort") or self.cluster.get("Port") or 5432)
        if not host:
            raise Fail(f"the stack names no {role} endpoint (outputs and DescribeDBClusters)")
        return host, int(port)

    def trust_anchor(self) -> str:
        """The CA bundle every connection verifies the server against (tls.trust_anchor), found once."""
        if "trust anchor" not in self._memo:
            from tapcheck.live import tls

            self._memo["trust anchor"] = tls.trust_anchor(self.target)
        return self._memo["trust anchor"]

    def connect(self, role: str = "writer", dbname: str | None = None) -> Any:
        """A psycopg connection to an endpoint with the secret's credentials, or Fail/Skip saying why not.
        The server is verified before the password goes out (attempt)."""
        import psycopg

        host, port = self.endpoint(role)
        self.trust_anchor()  # no CA bundle to verify the server with: the secret is not even read
        try:
            creds = self.secret
        except Fail as e:
            raise Fail(f"could not log in to the {role}: {e}") from None
        try:
            return self.attempt(
                role, user=creds["username"], password=creds["password"], dbname=dbname or self.database()
            )
        except psycopg.OperationalError as e:
            raise self.refusal(role, host, port, e) from None

    def attempt(self, role: str, *, user: str, password: str, dbname: str, replication: bool = False) -> Any:
        """One raw connection attempt to an endpoint (psycopg.OperationalError when it fails), for
        probes that judge the refusal themselves. The password goes only to a server that proved
        itself (TLS verify-full against trust_anchor()) and only in a SCRAM exchange
        (require_auth=scram-sha-256,none): never in clear, never to an unverified server (tls.py). Only the
        credentials given are sent (no password file is read); `replication` asks for a physical
        replication connection, which pg_hba.conf matches by its own lines."""
        from tapcheck.live import tls

        return self._connect(
            role,
            user=user,
            password=password,
            dbname=dbname,
            replication=replication,
            **tls.verified(self.trust_anchor()),
        )

    def plaintext_attempt(self, role: str, *, user: str, dbname: str, replication: bool = False) -> Any:
        """A connection attempt without TLS and without any password (tls.plaintext): a server
        refusing plaintext refuses it in pg_hba.conf before authentication; one asking for a password
        gets none. For H1's proof that plaintext is refused."""
        from tapcheck.live import tls

        return self._connect(role, user=user, dbname=dbname, replication=replication, **tls.plaintext())

    def _connect(self, role: str, *, replication: bool, **options: Any) -> Any:
        """An endpoint that once let an attempt time out is not tried again in this run: every later
        attempt fails at once with that error, so a silent server costs one timeout, not one per probe."""
        import psycopg

        host, port = self.endpoint(role)
        silent = self._memo.get(("timed out", host, port))
        if silent is not None:
            raise psycopg.OperationalError(f"{silent} (not retried: an earlier attempt in this run timed out)")
        if replication:
            options["replication"] = "true"
        try:
            return psycopg.connect(
                host=host,
                port=port,
                connect_timeout=self.connect_timeout,
                autocommit=True,
                **options,
            )
        except psycopg.OperationalError as e:
            if any(marker in one_line(e).lower() for marker in _TIMED_OUT):
                self._memo[("timed out", host, port)] = one_line(e)
            raise

    def refusal(self, role: str, host: str, port: int, error: Exception) -> Exception:
        """The verdict on a connection that failed: Skip only for no network path on AWS."""
        text = one_line(error)
        lowered = text.lower()
        where = f"the {role} endpoint {host}:{port}"
        if any(marker in lowered for marker in _UNREACHABLE) or (_REFUSED in lowered and "FATAL" not in text):
            if self.target.local and self.target.network_boundary:
                return Fail(
                    f"{where} is inside the emulator's network boundary, which this host cannot reach by TCP "
                    f'({text}); probe through the in-VPC runner (eval "$(tapcheck emulator env)" and '
                    "--target aws), or start the emulator without --network-boundary"
                )
            if self.target.local:
                return Fail(f"{where}, which the emulator serves, does not answer: {text}")
            return Skip(
                f"no network path to {where} (a private endpoint): {text}; run the probes where the VPC is "
                f"reachable or pass --db-host/--db-port{' and --db-reader-host' if role == 'reader' else ''} "
                "through a tunnel"
            )
        return Fail(f"{where} refused the connection: {text}")
