"""Does `tapcheck plan` predict what an update does? Agreement between the plan and the emulator.

    .venv/bin/python benchmarks/plan_agreement.py [--only NAME,...] [--template lib/TapStack.json]

For every edit of the template (each one found by resource type, never by logical id), on a fresh
stack of the local emulator with rows written into its database:

1. the plan's prediction: `failed` when a change carries a certain update-fails risk, otherwise per
   resource `replaced`, `in place` or `maybe replaced` (a conditional replacement);
2. CloudFormation's prediction as the emulator's change set reports it (DescribeChangeSet), checked
   against the plan the way `tapcheck deploy --target aws` checks it;
3. what the update did, through `tapcheck deploy` with every blocking change allowed: failed (rolled
   back) or not, per resource replaced (new physical id) or updated in place (same physical id, an
   UPDATE_COMPLETE event), and the database: the rows still there (and the same PostgreSQL servers,
   by pg_postmaster_start_time) or a new, empty database, and whether the secret's credentials
   still log in (the plan's credentials-diverge).

An edit agrees when the outcome is the plan's (failed or not, the same resources replaced and
updated in place, `maybe` matching either; diverging credentials or not) and the change set agrees
with the plan. Prints one line
per edit and the agreement figure; exit 1 when an edit disagrees. Starts a private emulator.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

Doc = dict[str, Any]


# --- edits, by resource type --------------------------------------------------------------------
def props(doc: Doc, rtype: str) -> list[dict[str, Any]]:
    found = [r.setdefault("Properties", {}) for r in doc["Resources"].values() if r["Type"] == rtype]
    if not found:
        raise SystemExit(f"the template has no {rtype}: this edit does not apply")
    return found


def resources(doc: Doc, rtype: str) -> list[dict[str, Any]]:
    return [r for r in doc["Resources"].values() if r["Type"] == rtype]


def each(rtype: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        for p in props(doc, rtype):
            change(p)
    return edit


def suffixed(prop: str, tail: str) -> Callable[[dict[str, Any]], None]:
    def change(p: dict[str, Any]) -> None:
        value = p[prop]
        p[prop] = {"Fn::Sub": value["Fn::Sub"] + tail} if isinstance(value, dict) and "Fn::Sub" in value else f"{value}{tail}"
    return change


@dataclass
class Edit:
    name: str
    edit: Callable[[Doc], None] | None = None
    params: dict[str, str] = field(default_factory=dict)


def edits() -> list[Edit]:
    cluster, group, instance = "AWS::RDS::DBCluster", "AWS::RDS::DBClusterParameterGroup", "AWS::RDS::DBInstance"
    secret_gen = lambda change: each("AWS::SecretsManager::Secret", lambda p: change(p["GenerateSecretString"]))  # noqa: E731
    return [
        Edit("alarm threshold 80 -> 75", each("AWS::CloudWatch::Alarm", lambda p: p.__setitem__("Threshold", 75))),
        Edit("alarm renamed", each("AWS::CloudWatch::Alarm", suffixed("AlarmName", "-v2"))),
        Edit("cluster tag added", each(cluster, lambda p: p["Tags"].append({"Key": "CostCentre", "Value": "ledger"}))),
        Edit("cluster backup retention 7 -> 14", each(cluster, lambda p: p.__setitem__("BackupRetentionPeriod", 14))),
        Edit("cluster max capacity 1 -> 2", each(cluster, lambda p: p["ServerlessV2ScalingConfiguration"]
                                                 .__setitem__("MaxCapacity", 2))),
        Edit("cluster maintenance window", each(cluster, lambda p: p.__setitem__("PreferredMaintenanceWindow",
                                                                                 "tue:04:00-tue:05:00"))),
        Edit("cluster engine version 15.12 -> 15.13", each(cluster, lambda p: p.__setitem__("EngineVersion", "15.13"))),
        Edit("cluster port 5432 -> 5433", each(cluster, lambda p: p.__setitem__("Port", 5433))),
        Edit("cluster engine aurora-postgresql -> aurora-mysql", each(cluster, lambda p: p.__setitem__(
            "Engine", "aurora-mysql"))),
        Edit("cluster DeletionPolicy Delete -> Snapshot",
             lambda doc: [r.__setitem__("DeletionPolicy", "Snapshot") for r in resources(doc, cluster)]),
        Edit("cluster DatabaseName (same custom name)", each(cluster, lambda p: p.__setitem__("DatabaseName", "ledgerdb"))),
        Edit("cluster renamed with its DatabaseName", lambda doc: (
            each(cluster, lambda p: p.__setitem__("DatabaseName", "ledgerdb"))(doc),
            each(cluster, suffixed("DBClusterIdentifier", "-v2"))(doc),
            each(instance, suffixed("DBInstanceIdentifier", "-v2"))(doc),
            each("AWS::Logs::LogGroup", lambda p: p.__setitem__(
                "LogGroupName", {"Fn::Sub": "/aws/rds/cluster/aurora-postgres-cluster-${EnvironmentSuffix}-v2/postgresql"}))(doc))),
        Edit("cluster DBClusterIdentifier removed (instances keep names)",
             each(cluster, lambda p: p.pop("DBClusterIdentifier"))),
        Edit("parameter log_statement all -> ddl (dynamic)", each(group, lambda p: p["Parameters"]
                                                                 .__setitem__("log_statement", "ddl"))),
        Edit("parameter shared_preload_libraries (static)", each(group, lambda p: p["Parameters"]
                                                                 .__setitem__("shared_preload_libraries",
                                                                              "pg_stat_statements"))),
        Edit("parameter group description (same custom name)", each(group, lambda p: p.__setitem__(
            "Description", "changed description"))),
        Edit("instances renamed", each(instance, suffixed("DBInstanceIdentifier", "-v2"))),
        Edit("instances class db.serverless -> db.r6g.large", each(instance, lambda p: p.__setitem__(
            "DBInstanceClass", "db.r6g.large"))),
        Edit("instances Performance Insights on", each(instance, lambda p: p.__setitem__(
            "EnablePerformanceInsights", True))),
        Edit("instances monitoring 60 -> 30 s", each(instance, lambda p: p.__setitem__("MonitoringInterval", 30))),
        Edit("secret password length 32 -> 40", secret_gen(lambda g: g.__setitem__("PasswordLength", 40))),
        Edit("secret password length with the cluster's backup retention", lambda doc: (
            secret_gen(lambda g: g.__setitem__("PasswordLength", 40))(doc),
            each(cluster, lambda p: p.__setitem__("BackupRetentionPeriod", 14))(doc))),
        Edit("secret description", each("AWS::SecretsManager::Secret", lambda p: p.__setitem__("Description", "rotated"))),
        Edit("secret renamed", each("AWS::SecretsManager::Secret", suffixed("Name", "-v2"))),
        Edit("subnet group description", each("AWS::RDS::DBSubnetGroup", lambda p: p.__setitem__(
            "DBSubnetGroupDescription", "two AZs"))),
        Edit("log group retention 365 -> 30 days", each("AWS::Logs::LogGroup", lambda p: p.__setitem__(
            "RetentionInDays", 30))),
        Edit("monitoring role description", each("AWS::IAM::Role", lambda p: p.__setitem__("Description", "enhanced"))),
        Edit("monitoring role renamed", each("AWS::IAM::Role", suffixed("RoleName", "-v2"))),
        Edit("topic display name", each("AWS::SNS::Topic", lambda p: p.__setitem__("DisplayName", "Aurora alarms v2"))),
        Edit("KMS key rotation off", each("AWS::KMS::Key", lambda p: p.__setitem__("EnableKeyRotation", False))),
        Edit("parameter MasterUsername dbadmin -> ledgeradmin", params={"MasterUsername": "ledgeradmin"}),
        Edit("parameter DatabaseName transactiondb -> ledgerdb", params={"DatabaseName": "ledgerdb"}),
        Edit("parameter EnvironmentSuffix (every name)", params={"EnvironmentSuffix": "__new__"}),
    ]


# --- observing ----------------------------------------------------------------------------------
def secret_of(target: Any, stack: str) -> dict[str, str]:
    from tapcheck.live import deploy

    arn = deploy.outputs_of(deploy.describe(target, stack))["DatabaseSecretArn"]
    return json.loads(target.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def database_state(target: Any, stack: str, creds: dict[str, str]) -> tuple[str, Any]:
    """What the writer endpoint holds now ('rows kept' | 'empty database'), which credentials log
    in (the ones from before the update, else the secret's current ones), and the writer's start time."""
    import psycopg

    from tapcheck.live import deploy

    out = deploy.outputs_of(deploy.describe(target, stack))
    rds = target.client("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=out["ClusterIdentifier"])["DBClusters"][0]
    conn, notes = None, []
    for label, login in (("current secret's", secret_of(target, stack)), ("old", creds)):
        try:
            candidate = psycopg.connect(host=out["ClusterEndpoint"], port=int(out["ClusterPort"]),
                                        user=login["username"], password=login["password"],
                                        dbname=cluster["DatabaseName"], sslmode="require", connect_timeout=5,
                                        autocommit=True)
        except psycopg.OperationalError:
            notes.append(f"{label} credentials refused")
            continue
        if conn is None:
            conn = candidate
        else:
            candidate.close()
    if conn is None:
        return ", ".join(notes), None
    with conn:
        started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
        kept = conn.execute("SELECT to_regclass('public.ledger') IS NOT NULL").fetchone()[0]
        if kept:
            kept = conn.execute("SELECT count(*) FROM ledger").fetchone()[0] == 3
    return ", ".join([*notes, "rows kept" if kept else "empty database"]), started


@dataclass
class Outcome:
    failed: bool
    resources: dict[str, str]           # logical id -> replaced | in place | maybe replaced
    note: str = ""
    diverged: bool = False              # the secret holds credentials the database refuses

    def text(self) -> str:
        if self.failed:
            return "failed" + (f" ({self.note})" if self.note else "")
        groups: dict[str, list[str]] = {}
        for lid, what in sorted(self.resources.items()):
            groups.setdefault(what, []).append(lid)
        text = "; ".join(f"{what}: {', '.join(ids)}" for what, ids in sorted(groups.items())) or "no change"
        return text + ("; credentials diverge" if self.diverged else "")


def predicted(plan: Any) -> Outcome:
    fails = [c.resource for c in plan.changes if any(r.name == "update-fails" and r.certain for r in c.risks)]
    if fails:
        return Outcome(True, {}, f"update-fails: {', '.join(fails)}")
    diverged = any(r.name == "credentials-diverge" and r.certain for c in plan.changes for r in c.risks)
    out = {}
    for c in plan.changes:
        if c.action == "replace":
            out[c.resource] = "replaced"
        elif c.action == "modify" and all(p.name in ("DeletionPolicy", "UpdateReplacePolicy") for p in c.properties):
            out[c.resource] = "attribute only"
        elif c.action == "modify" and c.replacement == "conditional":
            out[c.resource] = "maybe replaced"
        elif c.action == "modify" and all(p.maybe for p in c.properties):
            out[c.resource] = "maybe updated"      # it reads a value the update may leave unchanged
        elif c.action == "modify":
            out[c.resource] = "in place"
        else:
            out[c.resource] = c.action
    return Outcome(False, out, diverged=diverged)


def agree(plan: Outcome, seen: Outcome) -> bool:
    """The same outcome. A resource the plan says "maybe replaced" matches replaced, in place, or
    untouched (its value turned out unchanged, so CloudFormation made no call); "maybe updated"
    matches in place or untouched."""
    if plan.failed or seen.failed:
        return plan.failed == seen.failed
    if plan.diverged != seen.diverged:
        return False
    for lid in set(plan.resources) | set(seen.resources):
        p, s = plan.resources.get(lid), seen.resources.get(lid)
        if p == s or p == "maybe replaced" or (p == "maybe updated" and s in ("in place", None)):
            continue
        return False
    return True


def stack_resources(target: Any, stack: str) -> dict[str, str]:
    """logical id -> physical id (two resources may share a physical id: a secret and its attachment)."""
    cfn = target.client("cloudformation")
    return {r["LogicalResourceId"]: r["PhysicalResourceId"]
            for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
            for r in page["StackResourceSummaries"]}


def policies(target: Any, stack: str) -> dict[str, tuple[Any, Any]]:
    from tapcheck.live.update import _deployed_template

    doc = json.loads(_deployed_template(target, stack))
    return {lid: (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) for lid, r in doc["Resources"].items()}


def observed(target: Any, stack: str, before: dict[str, str], old_policies: dict[str, Any],
             events: list[dict[str, Any]], status: str) -> Outcome:
    """From the stack itself: failed (rolled back) or, per resource, a new physical id (replaced),
    the same one with an UPDATE_COMPLETE event (in place), or only a changed policy attribute."""
    from tapcheck.live import deploy

    if status != "UPDATE_COMPLETE":
        resource, reason = deploy.first_failure(target, stack)
        return Outcome(True, {}, f"{resource}: {reason[:70]}")
    now = stack_resources(target, stack)
    new_policies = policies(target, stack)
    touched = {e["LogicalResourceId"] for e in events if e.get("ResourceStatus") in ("UPDATE_COMPLETE", "CREATE_COMPLETE")
               and e["LogicalResourceId"] != e.get("StackName")}
    out = {}
    for logical in sorted(set(before) | set(now)):
        if logical not in before:
            out[logical] = "add"
        elif logical not in now:
            out[logical] = "remove"
        elif now[logical] != before[logical]:
            out[logical] = "replaced"
        elif logical in touched:
            out[logical] = "in place"
        elif old_policies.get(logical) != new_policies.get(logical):
            out[logical] = "attribute only"
    return Outcome(False, out)


def run_edit(target: Any, template: Path, edit: Edit, workdir: Path) -> dict[str, Any]:
    from tapcheck.live import deploy, update
    from tapcheck.live.events import EventStream

    suffix = "pa" + uuid.uuid4().hex[:6]
    name = f"agree-{suffix}"
    deploy.deploy(target, template, name, {"EnvironmentSuffix": suffix})
    try:
        import psycopg

        out = deploy.outputs_of(deploy.describe(target, name))
        creds = json.loads(target.client("secretsmanager").get_secret_value(SecretId=out["DatabaseSecretArn"])["SecretString"])
        with psycopg.connect(host=out["ClusterEndpoint"], port=int(out["ClusterPort"]), user=creds["username"],
                             password=creds["password"], dbname=creds.get("dbname", "transactiondb"),
                             sslmode="require", autocommit=True) as conn:
            conn.execute("CREATE TABLE ledger (id int); INSERT INTO ledger VALUES (1), (2), (3)")
        _, started = database_state(target, name, creds)
        doc = json.loads(template.read_text())
        if edit.edit is not None:
            edit.edit(doc)
        path = workdir / f"{suffix}.json"
        path.write_text(json.dumps(doc))
        params = {k: (f"pn{uuid.uuid4().hex[:6]}" if v == "__new__" else v) for k, v in edit.params.items()}
        stack = deploy.describe(target, name)
        prepared = update.prepare(target, str(path), stack, params, [])
        plan = prepared.plan
        # CloudFormation's own prediction (the emulator's change set), compared as deploy --target aws does
        cs_id, changes = update.create_change_set(target, prepared, ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        rows = update.compare_verdicts(plan.changes, changes)
        if changes:
            target.client("cloudformation").delete_change_set(ChangeSetName=cs_id, StackName=name)
        change_set_ok = all(r.agree for r in rows)
        blocked = [c.resource for c in plan.changes if any(r.name in ("data-loss", "update-fails", "credentials-diverge")
                                                          and r.certain for r in c.risks)]
        before, old_policies = stack_resources(target, name), policies(target, name)
        stream = EventStream(target, stack["StackId"])
        stream.prime()
        try:
            deploy.deploy(target, path, name, params, allows=blocked)
        except deploy.DeployFailed:
            pass
        stream.poll()
        status = deploy.stack_status(target, name) or "gone"
        seen = observed(target, name, before, old_policies, stream.events, status)
        data, restarted = database_state(target, name, creds)
        seen.diverged = not seen.failed and "current secret's credentials refused" in data
        servers = "same servers" if restarted == started else ("other servers" if restarted else "")
        prediction = predicted(plan)
        return {"edit": edit.name, "plan": prediction.text(), "emulator": seen.text(),
                "data": ", ".join(x for x in (data, servers) if x),
                "change_set": "agrees" if change_set_ok else "DISAGREES: " + "; ".join(
                    f"{r.resource} plan {r.plan} / CloudFormation {r.cloudformation}" for r in rows if not r.agree),
                "agree": agree(prediction, seen) and change_set_ok}
    finally:
        deploy.destroy(target, name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", default=str(ROOT / "lib" / "TapStack.json"))
    ap.add_argument("--only", help="comma-separated substrings of edit names to run")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args(argv)

    from tapcheck.emulator import control
    from tapcheck.live.target import resolve

    chosen = [e for e in edits() if not args.only or any(s.strip() in e.name for s in args.only.split(","))]
    state = Path(tempfile.mkdtemp(prefix="tapcheck-agree-")) / "state.json"
    control.start(port=0, path=state, tie_to_caller=True)
    results = []
    started = time.monotonic()
    try:
        target = resolve("local", state=str(state))
        with tempfile.TemporaryDirectory() as work:
            for edit in chosen:
                r = run_edit(target, Path(args.template), edit, Path(work))
                results.append(r)
                print(f"{'agree   ' if r['agree'] else 'DISAGREE'} {r['edit']}\n"
                      f"         plan:       {r['plan']}\n         emulator:   {r['emulator']}\n"
                      f"         database:   {r['data']}\n         change set: {r['change_set']}", flush=True)
    finally:
        control.stop(state)
        state.parent.rmdir()
    agreeing = sum(r["agree"] for r in results)
    print(f"\nagreement: {agreeing}/{len(results)} edits ({100.0 * agreeing / max(len(results), 1):.0f} %) "
          f"in {time.monotonic() - started:.0f} s")
    for r in results:
        if not r["agree"]:
            print(f"  disagrees: {r['edit']}: plan {r['plan']} / emulator {r['emulator']} / change set {r['change_set']}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if agreeing == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
