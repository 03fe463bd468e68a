"""The probes: what a deployed stack *is*, read back from the AWS APIs (control plane,
boto3) and from the database itself (data plane, psycopg).

Each probe is a plain function tagged with the requirement id it proves (the same ids
as the static gate). It returns a detail string when the requirement holds, raises
`Fail` when it does not, and `Skip` when it cannot be checked (for example the database
cannot be reached) - a probe that could not look never passes. Both pytest
(tests/integration) and `tapcheck smoke` run these same functions via `run_probe`.

Everything is discovered from the stack: its resources (ListStackResources), its
parameters and outputs (DescribeStacks); nothing is read from the template.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from tapcheck.live.target import Target

CONNECT_TIMEOUT_S = 5          # a probe that cannot connect gives up after this
REPLICATION_BOUND_S = 5.0      # a committed row must be visible on the reader within this
REQUIRED_TAGS = {"Environment": "Production", "ManagedBy": "CloudFormation"}
EXPECTED_OUTPUTS = ("ClusterEndpoint", "ClusterReaderEndpoint", "DatabaseSecretArn")


class Fail(Exception):
    """The requirement does not hold on the live stack."""


class Skip(Exception):
    """The probe could not look (say why)."""


@dataclass
class Result:
    req: str
    name: str
    plane: str
    status: str  # pass | fail | skip
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        return f"{self.status.upper():4} {self.req:<3} {self.name} - {self.detail}"


@dataclass
class Probe:
    req: str
    name: str
    plane: str  # control | data
    func: Callable[["Context"], str]

    @property
    def id(self) -> str:
        return f"{self.req}-{self.func.__name__}"


PROBES: list[Probe] = []


def probe(req: str, name: str, plane: str = "control") -> Callable[[Callable[["Context"], str]], Callable[["Context"], str]]:
    def register(func: Callable[["Context"], str]) -> Callable[["Context"], str]:
        PROBES.append(Probe(req, name, plane, func))
        return func

    return register


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Fail(message)


@dataclass
class Context:
    """A live stack on a target, with what the probes read from it cached."""

    target: Target
    stack_name: str
    db_host: str | None = None
    db_port: int | None = None
    db_reader_host: str | None = None
    db_reader_port: int | None = None
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- stack ------------------------------------------------------------------
    @cached_property
    def stack(self) -> dict[str, Any]:
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
        check(len(ids) == 1, f"expected one {rtype} in the stack, found {len(ids)}")
        return ids[0]

    # --- RDS --------------------------------------------------------------------
    @cached_property
    def cluster(self) -> dict[str, Any]:
        cid = self.one("AWS::RDS::DBCluster")
        return self.target.client("rds").describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]

    @cached_property
    def instances(self) -> list[dict[str, Any]]:
        rds = self.target.client("rds")
        out = []
        for iid in self.physical("AWS::RDS::DBInstance"):
            out += rds.describe_db_instances(DBInstanceIdentifier=iid)["DBInstances"]
        return out

    @cached_property
    def cluster_params(self) -> dict[str, str]:
        rds = self.target.client("rds")
        name = self.cluster["DBClusterParameterGroup"]
        pages = rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=name)
        return {p["ParameterName"]: p.get("ParameterValue") for page in pages for p in page["Parameters"]}

    # --- secret -----------------------------------------------------------------
    @cached_property
    def secret_arn(self) -> str:
        return self.one("AWS::SecretsManager::Secret")

    @cached_property
    def secret(self) -> dict[str, Any]:
        value = self.target.client("secretsmanager").get_secret_value(SecretId=self.secret_arn)
        try:
            doc = json.loads(value["SecretString"])
        except (KeyError, ValueError):
            raise Fail("the secret's SecretString is not a JSON object") from None
        return doc

    # --- database connections ------------------------------------------------------
    def endpoint(self, reader: bool = False) -> tuple[str, int]:
        if reader:
            if self.db_host and not self.db_reader_host:
                raise Skip("--db-host overrides the writer only; pass --db-reader-host for reader probes")
            host = self.db_reader_host or self.outputs.get("ClusterReaderEndpoint") or self.cluster.get("ReaderEndpoint")
            port = self.db_reader_port or self.db_port
        else:
            host = self.db_host or self.outputs.get("ClusterEndpoint") or self.cluster.get("Endpoint")
            port = self.db_port
        port = port or int(self.outputs.get("ClusterPort") or self.cluster.get("Port") or 5432)
        if not host:
            raise Skip("no database endpoint in the stack outputs")
        return host, int(port)

    def connect(self, reader: bool = False, sslmode: str = "require", dbname: str | None = None) -> Any:
        """A psycopg connection with the secret's credentials. Unreachable -> Skip;
        reachable but refusing the credentials -> Fail."""
        import psycopg

        host, port = self.endpoint(reader)
        try:
            creds = self.secret
        except Exception as e:  # noqa: BLE001
            raise Skip(f"cannot read the secret's credentials: {e}") from None
        if "username" not in creds or "password" not in creds:
            raise Fail("the secret holds no username/password")
        dbname = dbname or creds.get("dbname") or self.cluster.get("DatabaseName") or "postgres"
        try:
            return psycopg.connect(
                host=host, port=port, user=creds["username"], password=creds["password"], dbname=dbname,
                sslmode=sslmode, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True,
            )
        except psycopg.OperationalError as e:
            text = " ".join(str(e).split())
            if "password authentication failed" in text or "does not exist" in text:
                raise Fail(f"{host}:{port} refused the secret's credentials: {text}") from None
            raise Skip(f"cannot reach the database at {host}:{port} (gave up within {CONNECT_TIMEOUT_S} s): {text}") from None


def run_probe(p: Probe, ctx: Context) -> Result:
    started = time.monotonic()
    try:
        detail = p.func(ctx)
        status = "pass"
    except Fail as e:
        status, detail = "fail", str(e)
    except Skip as e:
        status, detail = "skip", str(e)
    except Exception as e:  # noqa: BLE001 - an API error is a failed probe, with its reason
        from tapcheck.errors import UsageError

        if isinstance(e, UsageError):
            raise
        status, detail = "fail", f"could not check: {type(e).__name__}: {' '.join(str(e).split())}"
    return Result(p.req, p.name, p.plane, status, detail, time.monotonic() - started)


def run_all(ctx: Context, only: Callable[[Probe], bool] | None = None) -> list[Result]:
    return [run_probe(p, ctx) for p in PROBES if only is None or only(p)]


# ================================================================== control plane
@probe("R1", "engine aurora-postgresql 15.x, provisioned, db.serverless instances")
def engine(ctx: Context) -> str:
    c = ctx.cluster
    check(c["Engine"] == "aurora-postgresql", f"engine is {c['Engine']}")
    check(str(c["EngineVersion"]).split(".")[0] == "15", f"engine version is {c['EngineVersion']}")
    check(c.get("EngineMode", "provisioned") == "provisioned", f"engine mode is {c.get('EngineMode')}")
    classes = sorted({i["DBInstanceClass"] for i in ctx.instances})
    check(bool(ctx.instances) and classes == ["db.serverless"], f"instance classes are {classes}")
    return f"{c['Engine']} {c['EngineVersion']} provisioned, instances {classes}"


@probe("R2", "Serverless v2 scaling 0.5-1 ACU")
def scaling(ctx: Context) -> str:
    s = ctx.cluster.get("ServerlessV2ScalingConfiguration")
    check(bool(s), "no ServerlessV2ScalingConfiguration on the cluster")
    check(float(s["MinCapacity"]) == 0.5 and float(s["MaxCapacity"]) == 1.0,
          f"scaling is {s['MinCapacity']}-{s['MaxCapacity']} ACU")
    return f"{s['MinCapacity']}-{s['MaxCapacity']} ACU"


@probe("R3", "deletion protection off, storage encrypted")
def protection_and_encryption(ctx: Context) -> str:
    c = ctx.cluster
    check(c.get("DeletionProtection") is False, f"DeletionProtection is {c.get('DeletionProtection')}")
    check(c.get("StorageEncrypted") is True, f"StorageEncrypted is {c.get('StorageEncrypted')}")
    return "DeletionProtection false, StorageEncrypted true"


@probe("C7", "storage encrypted with the AWS-managed KMS key")
def kms_key(ctx: Context) -> str:
    key_id = ctx.cluster.get("KmsKeyId")
    check(bool(key_id), "the cluster reports no KmsKeyId")
    meta = ctx.target.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    check(meta.get("KeyManager") == "AWS", f"key {key_id} is managed by {meta.get('KeyManager')}, not AWS")
    return f"{meta['Arn']} (KeyManager AWS)"


@probe("R4", "7-day backup retention, backup window 03:00-04:00")
def backups(ctx: Context) -> str:
    c = ctx.cluster
    check(c.get("BackupRetentionPeriod") == 7, f"retention is {c.get('BackupRetentionPeriod')} days")
    check(c.get("PreferredBackupWindow") == "03:00-04:00", f"backup window is {c.get('PreferredBackupWindow')}")
    return "7 days, 03:00-04:00"


@probe("S1", "maintenance window mon:04:00-mon:05:00")
def maintenance(ctx: Context) -> str:
    w = str(ctx.cluster.get("PreferredMaintenanceWindow", "")).lower()
    check(w == "mon:04:00-mon:05:00", f"maintenance window is {w}")
    return w


@probe("S2", "postgresql log exported to CloudWatch Logs")
def log_exports(ctx: Context) -> str:
    exports = ctx.cluster.get("EnabledCloudwatchLogsExports") or []
    check("postgresql" in exports, f"log exports are {exports}")
    return f"exports {exports}"


@probe("R7", "stack's cluster parameter group attached, log_statement=all")
def parameter_group(ctx: Context) -> str:
    attached = ctx.cluster.get("DBClusterParameterGroup")
    own = ctx.physical("AWS::RDS::DBClusterParameterGroup")
    check(bool(own), "the stack has no DBClusterParameterGroup")
    check(attached in [o.lower() for o in own] or attached in own,
          f"cluster uses parameter group {attached}, not the stack's {own[0]}")
    rds = ctx.target.client("rds")
    group = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=attached)["DBClusterParameterGroups"][0]
    check(group["DBParameterGroupFamily"] == "aurora-postgresql15", f"family is {group['DBParameterGroupFamily']}")
    value = ctx.cluster_params.get("log_statement")
    check(value == "all", f"log_statement is {value!r} in {attached}")
    return f"{attached} ({group['DBParameterGroupFamily']}) log_statement=all"


@probe("H1", "parameter group requires TLS (rds.force_ssl=1)")
def force_ssl(ctx: Context) -> str:
    value = ctx.cluster_params.get("rds.force_ssl")
    check(value == "1", f"rds.force_ssl is {value!r} in {ctx.cluster.get('DBClusterParameterGroup')}")
    return "rds.force_ssl=1"


@probe("R5", "subnet group from the two subnet parameters")
def subnet_group(ctx: Context) -> str:
    name = ctx.cluster.get("DBSubnetGroup")
    group = ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    subnets = sorted(s["SubnetIdentifier"] for s in group["Subnets"])
    wanted = sorted(v for k, v in ctx.parameters.items() if k in ("SubnetId1", "SubnetId2"))
    check(len(wanted) == 2, f"the stack has subnet parameters {wanted}")
    check(subnets == wanted, f"subnet group {name} has {subnets}, parameters say {wanted}")
    own = ctx.physical("AWS::RDS::DBSubnetGroup")
    check(name in [o.lower() for o in own] or name in own, f"cluster uses subnet group {name}, not the stack's")
    return f"{name}: {subnets}"


@probe("C6", "subnet group spans two AZs")
def subnet_azs(ctx: Context) -> str:
    name = ctx.cluster.get("DBSubnetGroup")
    group = ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    azs = sorted({s["SubnetAvailabilityZone"]["Name"] for s in group["Subnets"]})
    check(len(azs) >= 2, f"subnet group {name} covers AZs {azs}")
    return f"AZs {azs}"


@probe("C6", "two instances in the cluster, in two AZs")
def instances_azs(ctx: Context) -> str:
    members = ctx.cluster.get("DBClusterMembers") or []
    check(len(members) == 2, f"cluster has {len(members)} members")
    check(sum(1 for m in members if m.get("IsClusterWriter")) == 1, "cluster does not have exactly one writer")
    azs = sorted({i.get("AvailabilityZone") for i in ctx.instances})
    check(len(ctx.instances) == 2 and len(azs) == 2, f"instances are in AZs {azs}")
    return f"writer + reader in {azs}"


@probe("S3", "instances private and in the cluster")
def instances_private(ctx: Context) -> str:
    cid = ctx.cluster["DBClusterIdentifier"]
    check(bool(ctx.instances), "the stack has no DB instances")
    for i in ctx.instances:
        check(i.get("PubliclyAccessible") is False, f"{i['DBInstanceIdentifier']} is publicly accessible")
        check(i.get("DBClusterIdentifier") == cid, f"{i['DBInstanceIdentifier']} is not in cluster {cid}")
    return f"{len(ctx.instances)} private instances in {cid}"


@probe("H5", "enhanced monitoring with a role RDS can assume")
def enhanced_monitoring(ctx: Context) -> str:
    iam = ctx.target.client("iam")
    for i in ctx.instances:
        check((i.get("MonitoringInterval") or 0) > 0, f"{i['DBInstanceIdentifier']} MonitoringInterval is "
              f"{i.get('MonitoringInterval')}")
        arn = i.get("MonitoringRoleArn")
        check(bool(arn), f"{i['DBInstanceIdentifier']} has no MonitoringRoleArn")
        role = iam.get_role(RoleName=arn.split("/")[-1])["Role"]
        trust = json.dumps(role.get("AssumeRolePolicyDocument"))
        check("monitoring.rds.amazonaws.com" in trust, f"role {role['RoleName']} does not trust monitoring.rds")
        attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]]
        check("AmazonRDSEnhancedMonitoringRole" in attached, f"role {role['RoleName']} has policies {attached}")
    return f"interval {ctx.instances[0].get('MonitoringInterval')} s, role with AmazonRDSEnhancedMonitoringRole"


@probe("H2", "IAM database authentication enabled")
def iam_auth(ctx: Context) -> str:
    check(ctx.cluster.get("IAMDatabaseAuthenticationEnabled") is True, "IAM database authentication is off")
    return "enabled"


@probe("H3", "tags copied to snapshots")
def copy_tags(ctx: Context) -> str:
    check(ctx.cluster.get("CopyTagsToSnapshot") is True, "CopyTagsToSnapshot is off")
    return "CopyTagsToSnapshot true"


@probe("R6", "secret generated: 32 chars without / \" @, attached, feeding the master credentials")
def secret(ctx: Context) -> str:
    sm = ctx.target.client("secretsmanager")
    sm.describe_secret(SecretId=ctx.secret_arn)
    doc = ctx.secret
    pw = doc.get("password", "")
    check(len(pw) == 32, f"password has {len(pw)} characters")
    bad = sorted(set(pw) & set('/"@'))
    check(not bad, f"password contains {bad}")
    c = ctx.cluster
    check(doc.get("username") == c.get("MasterUsername"),
          f"secret username {doc.get('username')!r} is not the cluster's master user {c.get('MasterUsername')!r}")
    # SecretTargetAttachment adds the connection details of the cluster.
    check(doc.get("host") == c.get("Endpoint"), f"secret host {doc.get('host')!r} is not the cluster endpoint")
    check(str(doc.get("port")) == str(c.get("Port")), f"secret port {doc.get('port')!r} is not {c.get('Port')}")
    check(doc.get("engine") == "postgres", f"secret engine is {doc.get('engine')!r}")
    check(doc.get("dbname") == c.get("DatabaseName"), f"secret dbname {doc.get('dbname')!r} is not "
          f"{c.get('DatabaseName')!r}")
    return "32 chars, no / \" @, attached to the cluster (host, port, engine, dbname)"


@probe("R8", "CPUUtilization > 80 for 5 minutes on this cluster")
def cpu_alarm(ctx: Context) -> str:
    names = ctx.physical("AWS::CloudWatch::Alarm")
    alarms = ctx.target.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"] if names else []
    cid = ctx.cluster["DBClusterIdentifier"]
    for a in alarms:
        dims = {d["Name"]: d["Value"] for d in a.get("Dimensions") or []}
        if a.get("MetricName") == "CPUUtilization" and dims.get("DBClusterIdentifier") == cid:
            check(a.get("Namespace") == "AWS/RDS", f"namespace is {a.get('Namespace')}")
            check(a.get("ComparisonOperator") == "GreaterThanThreshold" and float(a["Threshold"]) == 80,
                  f"condition is {a.get('ComparisonOperator')} {a.get('Threshold')}")
            window = int(a.get("Period", 0)) * int(a.get("EvaluationPeriods", 0))
            check(window == 300, f"period x evaluation periods is {window} s")
            return f"{a['AlarmName']}: {a.get('Statistic')} CPUUtilization > 80 over {window} s on {cid}"
    raise Fail(f"no CPUUtilization alarm on DBClusterIdentifier={cid} among {names}")


@probe("H4", "the CPU alarm notifies the stack's SNS topic")
def alarm_action(ctx: Context) -> str:
    names = ctx.physical("AWS::CloudWatch::Alarm")
    topics = ctx.physical("AWS::SNS::Topic")
    check(bool(names) and bool(topics), f"alarms {names}, topics {topics}")
    alarms = ctx.target.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    actions = {arn for a in alarms for arn in a.get("AlarmActions") or []}
    hit = sorted(actions & set(topics))
    check(bool(hit), f"alarm actions {sorted(actions)} do not include the topic {topics}")
    ctx.target.client("sns").get_topic_attributes(TopicArn=hit[0])
    return f"AlarmActions -> {hit[0]}"


@probe("R9", "outputs point at the writer and reader endpoints and the secret, exported")
def outputs(ctx: Context) -> str:
    out = ctx.outputs
    missing = [k for k in EXPECTED_OUTPUTS if k not in out]
    check(not missing, f"missing outputs {missing}")
    c = ctx.cluster
    check(out["ClusterEndpoint"] == c.get("Endpoint"), f"ClusterEndpoint {out['ClusterEndpoint']} != {c.get('Endpoint')}")
    check(out["ClusterReaderEndpoint"] == c.get("ReaderEndpoint"),
          f"ClusterReaderEndpoint {out['ClusterReaderEndpoint']} != {c.get('ReaderEndpoint')}")
    check(out["DatabaseSecretArn"] == ctx.secret_arn, f"DatabaseSecretArn {out['DatabaseSecretArn']} != {ctx.secret_arn}")
    if "ClusterPort" in out:
        check(str(out["ClusterPort"]) == str(c.get("Port")), f"ClusterPort {out['ClusterPort']} != {c.get('Port')}")
    exports = {o.get("ExportName") for o in ctx.stack.get("Outputs") or []}
    wanted = {f"{ctx.stack_name}-{k}" for k in EXPECTED_OUTPUTS}
    check(wanted <= exports, f"exports missing: {sorted(wanted - exports)}")
    return f"{len(out)} outputs; endpoints and secret match, exported as {ctx.stack_name}-<name>"


@probe("R10", "Environment=Production and ManagedBy=CloudFormation on every taggable resource")
def tags(ctx: Context) -> str:
    t = ctx.target
    seen: dict[str, dict[str, str]] = {}
    as_dict = lambda items: {i["Key"]: i["Value"] for i in items or []}  # noqa: E731
    rds = t.client("rds")
    seen[f"cluster {ctx.cluster['DBClusterIdentifier']}"] = as_dict(
        rds.list_tags_for_resource(ResourceName=ctx.cluster["DBClusterArn"])["TagList"])
    for i in ctx.instances:
        seen[f"instance {i['DBInstanceIdentifier']}"] = as_dict(
            rds.list_tags_for_resource(ResourceName=i["DBInstanceArn"])["TagList"])
    for name in ctx.physical("AWS::RDS::DBSubnetGroup"):
        g = rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
        seen[f"subnet group {name}"] = as_dict(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"])
    for name in ctx.physical("AWS::RDS::DBClusterParameterGroup"):
        g = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name)["DBClusterParameterGroups"][0]
        seen[f"parameter group {name}"] = as_dict(
            rds.list_tags_for_resource(ResourceName=g["DBClusterParameterGroupArn"])["TagList"])
    for arn in ctx.physical("AWS::SecretsManager::Secret"):
        seen[f"secret {arn.split(':')[-1]}"] = as_dict(t.client("secretsmanager").describe_secret(SecretId=arn).get("Tags"))
    for arn in ctx.physical("AWS::SNS::Topic"):
        seen[f"topic {arn.split(':')[-1]}"] = as_dict(t.client("sns").list_tags_for_resource(ResourceArn=arn)["Tags"])
    cw = t.client("cloudwatch")
    names = ctx.physical("AWS::CloudWatch::Alarm")
    for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"] if names else []:
        seen[f"alarm {a['AlarmName']}"] = as_dict(cw.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"])
    for name in ctx.physical("AWS::IAM::Role"):
        seen[f"role {name}"] = as_dict(t.client("iam").list_role_tags(RoleName=name)["Tags"])
    bad = [f"{what} ({', '.join(f'{k}={tags.get(k)}' for k in REQUIRED_TAGS if tags.get(k) != REQUIRED_TAGS[k])})"
           for what, tags in seen.items() if any(tags.get(k) != v for k, v in REQUIRED_TAGS.items())]
    check(not bad, "missing or wrong tags on " + "; ".join(bad))
    return f"{len(seen)} resources tagged"


# ================================================================== data plane
@probe("H1", "writer accepts TLS with the secret's credentials and refuses plaintext", "data")
def tls(ctx: Context) -> str:
    import psycopg

    with ctx.connect() as conn:
        check(conn.info.pgconn.ssl_in_use, "the connection is not encrypted")
    host, port = ctx.endpoint()
    creds = ctx.secret
    try:
        plain = psycopg.connect(host=host, port=port, user=creds["username"], password=creds["password"],
                                dbname=creds.get("dbname") or "postgres", sslmode="disable",
                                connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as e:
        text = " ".join(str(e).split())
        if "timeout" in text.lower() or "could not connect" in text.lower() or "Connection refused" in text:
            raise Skip(f"plaintext attempt did not reach the server: {text}") from None
        why = text.split("FATAL:", 1)[-1].strip()
        return f"TLS accepted; plaintext refused: {why}"
    plain.close()
    raise Fail(f"a plaintext connection to {host}:{port} was accepted")


@probe("R6", "the secret's host, port and dbname reach the cluster's database with its credentials", "data")
def login_with_secret(ctx: Context) -> str:
    doc = ctx.secret
    with ctx.connect() as conn:
        db, user = conn.execute("SELECT current_database(), current_user").fetchone()
    want = ctx.cluster.get("DatabaseName")
    check(db == want, f"current database is {db}, the cluster's DatabaseName is {want}")
    check(user == doc.get("username"), f"logged in as {user}")
    return f"logged in as {user} to {db}"


@probe("R1", "server major version 15", "data")
def server_version(ctx: Context) -> str:
    with ctx.connect() as conn:
        num = conn.info.server_version
    check(num // 10000 == 15, f"server version is {num}")
    return f"server_version_num {num}"


@probe("R7", "SHOW log_statement is all on the writer", "data")
def show_log_statement(ctx: Context) -> str:
    with ctx.connect() as conn:
        value = conn.execute("SHOW log_statement").fetchone()[0]
    check(value == "all", f"the writer reports log_statement={value}")
    return "log_statement=all"


@probe("C6", f"a row committed on the writer is visible on the reader within {REPLICATION_BOUND_S:.0f} s", "data")
def replication(ctx: Context) -> str:
    table = "tapcheck_probe"
    token = uuid.uuid4().hex
    with ctx.connect(reader=True) as reader, ctx.connect() as writer:
        writer.execute(f"CREATE TABLE IF NOT EXISTS {table} (token text PRIMARY KEY, at timestamptz DEFAULT now())")
        writer.execute(f"INSERT INTO {table} (token) VALUES (%s)", (token,))
        started = time.monotonic()
        try:
            while True:
                try:
                    row = reader.execute(f"SELECT 1 FROM {table} WHERE token = %s", (token,)).fetchone()
                except Exception:  # noqa: BLE001 - the table itself may not have replicated yet
                    row = None
                if row:
                    lag = time.monotonic() - started
                    return f"visible on the reader after {lag * 1000:.0f} ms"
                if time.monotonic() - started > REPLICATION_BOUND_S:
                    raise Fail(f"row not visible on the reader after {REPLICATION_BOUND_S:.0f} s")
                time.sleep(0.02)
        finally:
            writer.execute(f"DELETE FROM {table} WHERE token = %s", (token,))


@probe("C6", "the reader endpoint rejects writes", "data")
def reader_read_only(ctx: Context) -> str:
    import psycopg

    with ctx.connect(reader=True) as reader:
        try:
            reader.execute("CREATE TABLE tapcheck_ro_probe (x int)")
        except psycopg.errors.ReadOnlySqlTransaction as e:
            return f"write refused: {type(e).__name__}"
        reader.execute("DROP TABLE IF EXISTS tapcheck_ro_probe")
    raise Fail("the reader endpoint accepted a write")
