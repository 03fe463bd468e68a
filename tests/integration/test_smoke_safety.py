"""Smoke is safe to point at production (issue 21 items 1 and 5), on the AWS code path against an
emulator with its network boundary on (as test_runner.py: the data-plane probes run in the in-VPC
runner), and on the local target.

- A default smoke of a healthy stack passes every requirement while an on-call queue subscribed to
  the alarm's topic receives nothing, the alarm's history does not change, and the database's
  relations, functions, schemas, triggers and roles are as before; with the alarm in ALARM (a real
  incident) it stays in ALARM with its reason, with and without --fire-alarm.
- --fire-alarm notifies the topic's subscribers (ALARM, then OK) and ends in the state it found;
  --write-probes writes only in a schema of its own, dropped after.
- A low-privileged role with CREATE on the schema public plants a table named like a probe's with a
  trigger that makes it a member of rds_superuser; no smoke run fires it, with or without
  --write-probes, on either target.
- SIGTERM, SIGHUP and SIGINT at the worst moment (alarm fired, queue subscribed; the runner's
  function invoked; the write probe's schema made) leave nothing and exit 143, 129, 130.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_faults import BrokenStack, Smoke
from test_runner import _ingress, assert_nothing_left, handler_processes, subscribe_on_call

ROOT = Path(__file__).resolve().parents[2]
LOW = "app_owner"  # the low-privileged role of the escalation drill
INCIDENT = "Threshold Crossed: 1 datapoint [97.2] was greater than the threshold (80.0) (a real incident)"


# --- what must not change ------------------------------------------------------------------------------
def catalog(stack: BrokenStack) -> dict[str, list]:
    """The stack database's schemas, relations, functions and triggers, and the cluster's roles with
    their memberships, as the emulator's superuser reads them on the writer."""
    queries = {
        "schemas": "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace ORDER BY 1",
        "relations": "SELECT n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 1, 2",
        "functions": "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace ORDER BY 1, 2, 3",
        "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger ORDER BY 1, 2",
        "roles": "SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcanlogin, ARRAY(SELECT b.rolname FROM "
        "pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) "
        "FROM pg_roles r ORDER BY 1",
    }
    with stack.connect("writer", stack.creds["dbname"]) as conn:
        return {name: conn.execute(query).fetchall() for name, query in queries.items()}


# What the stack's servers log (its parameter group sets log_statement = all) that would write: a
# statement or an extended-protocol execute starting with a writing command.
_WRITING = re.compile(
    r"LOG:\s+(?:statement|execute [^:]*):\s*(CREATE|INSERT|UPDATE|DELETE|DROP|ALTER|GRANT|REVOKE|"
    r"TRUNCATE|COPY|DO|SELECT\s+set_config|SET\s+(?!search_path|statement_timeout|TRANSACTION))\b",
    re.IGNORECASE,
)


def log_marks(stack: BrokenStack) -> dict[Path, int]:
    return {path: path.stat().st_size for path in stack.cluster_dir.glob("*.log")}


def writes_logged_since(stack: BrokenStack, marks: dict[Path, int]) -> list[str]:
    """The writing statements the servers logged after `marks`, and proof the log is being read: the
    number of statements logged at all."""
    found, seen = [], 0
    for path, size in marks.items():
        with open(path, errors="replace") as handle:
            handle.seek(size)
            for line in handle:
                seen += "LOG:  statement:" in line or "LOG:  execute" in line
                if _WRITING.search(line):
                    found.append(line.strip())
    assert seen, "nothing logged: the check would be blind"
    return found


def alarm(stack: BrokenStack) -> dict[str, Any]:
    return stack.client("cloudwatch").describe_alarms(AlarmNames=[stack.one("AWS::CloudWatch::Alarm")])["MetricAlarms"][
        0
    ]


def history(stack: BrokenStack) -> list[tuple]:
    items = stack.client("cloudwatch").describe_alarm_history(
        AlarmName=stack.one("AWS::CloudWatch::Alarm"), MaxRecords=100
    )["AlarmHistoryItems"]
    return [(i["Timestamp"], i["HistoryItemType"], i["HistorySummary"]) for i in items]


def received(stack: BrokenStack, queue_url: str) -> list[str]:
    """The new states of the alarm notifications the queue got (drained)."""
    sqs, states = stack.client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not messages:
            return states
        for m in messages:
            states.append(json.loads(json.loads(m["Body"])["Message"])["NewStateValue"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def topic_subscribers(stack: BrokenStack) -> list[str]:
    subs = stack.client("sns").list_subscriptions_by_topic(TopicArn=stack.one("AWS::SNS::Topic"))["Subscriptions"]
    return sorted(s["Endpoint"] for s in subs)


def queues(stack: BrokenStack) -> list[str]:
    return sorted(stack.client("sqs").list_queues().get("QueueUrls", []))


def smoke_cli(env: dict[str, str], name: str, *extra: str, target: str = "aws") -> Smoke:
    proc = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "smoke", "--target", target, "--stack-name", name, *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    return Smoke(proc.returncode, proc.stdout + proc.stderr)


def passed(smoke: Smoke, name: str) -> str:
    """The detail of probe `name`, which passed."""
    details = {probe: detail for status, _, probe, detail in smoke.lines if status == "PASS"}
    assert name in details, smoke.out
    return details[name]


@pytest.fixture(scope="module")
def on_call(boundary_stack) -> str:
    """The boundary stack's on-call queue (test_runner.boundary_stack subscribes one)."""
    urls = [u for u in queues(boundary_stack) if "/on-call-" in u]
    assert len(urls) == 1, urls
    return urls[0]


@pytest.fixture
def healthy(boundary_stack, on_call, boundary_emulator) -> BrokenStack:
    """The boundary stack, reachable by the runner, alarm OK, on-call drained; afterwards nothing of a
    run is left (runner, queue, subscription) and the alarm is OK again."""
    _ingress(boundary_stack, allow=True)
    if alarm(boundary_stack)["StateValue"] != "OK":
        boundary_stack.client("cloudwatch").set_alarm_state(
            AlarmName=alarm(boundary_stack)["AlarmName"], StateValue="OK", StateReason="test: back to OK"
        )
    received(boundary_stack, on_call)
    before = (queues(boundary_stack), topic_subscribers(boundary_stack))
    yield boundary_stack
    assert (queues(boundary_stack), topic_subscribers(boundary_stack)) == before
    assert_nothing_left(boundary_stack, boundary_emulator)


# --- done when: a default smoke on AWS changes nothing and pages no one ---------------------------------
def test_a_default_smoke_on_aws_passes_and_changes_nothing(healthy, aws_env, on_call) -> None:
    before = (catalog(healthy), history(healthy), alarm(healthy)["StateValue"], alarm(healthy)["StateReason"])
    marks = log_marks(healthy)
    smoke = smoke_cli(aws_env, healthy.name)
    assert smoke.rc == 0 and not smoke.failing and smoke.skipped == [], smoke.out
    assert writes_logged_since(healthy, marks) == []
    assert "(read-only: no alarm fired, nothing written; --fire-alarm and --write-probes opt in)" in smoke.out
    assert passed(smoke, "alarm_delivers").startswith("judged without firing:"), smoke.out
    assert "1 confirmed subscription(s) (1 sqs)" in passed(smoke, "alarm_delivers")
    assert passed(smoke, "replication").startswith("read-only: aurora_replica_status()"), smoke.out
    assert passed(smoke, "reader_read_only").startswith("read-write transaction refused"), smoke.out
    assert received(healthy, on_call) == []
    after = (catalog(healthy), history(healthy), alarm(healthy)["StateValue"], alarm(healthy)["StateReason"])
    assert after == before


def test_in_a_real_incident_the_alarm_stays_in_alarm_with_its_reason(healthy, aws_env, on_call) -> None:
    cloudwatch = healthy.client("cloudwatch")
    name = alarm(healthy)["AlarmName"]
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=INCIDENT)
    assert received(healthy, on_call) == ["ALARM"]  # on-call was paged by the incident itself
    before = history(healthy)
    try:
        for extra in ((), ("--fire-alarm",)):
            smoke = smoke_cli(aws_env, healthy.name, "--only", "H4", *extra)
            assert smoke.rc == 0, smoke.out
            now = alarm(healthy)
            assert (now["StateValue"], now["StateReason"]) == ("ALARM", INCIDENT), extra
            assert history(healthy) == before, extra
            assert received(healthy, on_call) == [], extra
        assert passed(smoke, "alarm_delivers").startswith(f"not fired: {name} is ALARM (reason: {INCIDENT}"), smoke.out
        assert "judged without firing" in passed(smoke, "alarm_delivers")
    finally:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test: incident over")
        received(healthy, on_call)


def test_fire_alarm_notifies_every_subscriber_twice_and_ends_as_found(healthy, aws_env, on_call) -> None:
    smoke = smoke_cli(aws_env, healthy.name, "--only", "H4", "--fire-alarm")
    assert smoke.rc == 0, smoke.out
    assert "1 confirmed subscriber(s) of the topic (ALARM, then OK)" in passed(smoke, "alarm_delivers")
    assert received(healthy, on_call) == ["ALARM", "OK"]
    now = alarm(healthy)
    assert now["StateValue"] == "OK" and now["StateReason"].startswith("tapcheck probe"), now["StateReason"]


def test_write_probes_write_only_in_a_schema_of_their_own_and_drop_it(healthy, aws_env) -> None:
    before, marks = catalog(healthy), log_marks(healthy)
    smoke = smoke_cli(aws_env, healthy.name, "--only", "C6", "--write-probes")
    assert smoke.rc == 0, smoke.out
    written = writes_logged_since(healthy, marks)
    schemas = {m for w in written for m in re.findall(r"tapcheck_probe_[0-9a-f]{12}", w)}
    assert len(schemas) == 1 and all(next(iter(schemas)) in w for w in written), written  # one schema, its own
    assert "(--write-probes: a row written in a schema of the run's own, dropped)" in smoke.out
    assert passed(smoke, "replication").startswith("a row written in the probe's own schema tapcheck_probe_")
    assert catalog(healthy) == before


def test_read_only_h4_fails_without_a_confirmed_subscriber_or_with_a_failed_action(healthy, aws_env, on_call) -> None:
    """Nobody subscribed: H4 fails (nobody would be paged). A failed action in the alarm's history (the
    key's policy withdrawn, then the alarm set to ALARM by CloudWatch's own hand here): H4 fails quoting it."""
    sns, kms = healthy.client("sns"), healthy.client("kms")
    topic = healthy.one("AWS::SNS::Topic")
    (mine,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    sns.unsubscribe(SubscriptionArn=mine["SubscriptionArn"])
    try:
        smoke = smoke_cli(aws_env, healthy.name, "--only", "H4")
        assert smoke.rc == 1 and set(smoke.failing) == {"alarm_delivers"}, smoke.out
        assert "has no confirmed subscription: an alarm notification reaches no one" in smoke.failing["alarm_delivers"]
    finally:
        arn = healthy.client("sqs").get_queue_attributes(QueueUrl=on_call, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"])

    key = healthy.one("AWS::KMS::Key")
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    stripped = json.loads(policy)
    stripped["Statement"] = [s for s in stripped["Statement"] if "cloudwatch.amazonaws.com" not in json.dumps(s)]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(stripped))
    cloudwatch, name = healthy.client("cloudwatch"), alarm(healthy)["AlarmName"]
    try:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test: a failed delivery")
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy)  # the key is fine again ...
        smoke = smoke_cli(aws_env, healthy.name, "--only", "H4")
        assert smoke.rc == 1, smoke.out  # ... the history still says it failed
        assert "the alarm's history records a failed action" in smoke.failing["alarm_delivers"], smoke.out
        assert "Failed to execute action" in smoke.failing["alarm_delivers"]
    finally:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy)
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test: delivery fixed")
        received(healthy, on_call)
    assert passed(smoke_cli(aws_env, healthy.name, "--only", "H4"), "alarm_delivers")  # a later success clears it


# --- the planted trigger ---------------------------------------------------------------------------------
def plant_escalation_trigger(stack: BrokenStack, table: str = "tapcheck_probe") -> None:
    """As a role with CREATE on public and nothing else: public.<table> (the name the C6 probe used to
    write to), open to everyone, with a trigger that grants rds_superuser to the role when whoever writes
    a row runs it."""
    from psycopg import sql

    low = sql.Identifier(LOW)
    with stack.connect("writer", stack.creds["dbname"]) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(low))
        conn.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(low))
        conn.execute(sql.SQL("SET ROLE {}").format(low))
        conn.execute(
            sql.SQL("CREATE TABLE public.{} (token text PRIMARY KEY, at timestamptz DEFAULT now())").format(
                sql.Identifier(table)
            )
        )
        conn.execute(sql.SQL("GRANT ALL ON public.{} TO PUBLIC").format(sql.Identifier(table)))
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION public.tapcheck_probe_escalate() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN EXECUTE format('GRANT rds_superuser TO %I', {}); RETURN NEW; END $$"
            ).format(sql.Literal(LOW))
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER escalate BEFORE INSERT OR UPDATE OR DELETE ON public.{} "
                "FOR EACH ROW EXECUTE FUNCTION public.tapcheck_probe_escalate()"
            ).format(sql.Identifier(table))
        )
        conn.execute("RESET ROLE")
    assert not escalated(stack)


def remove_escalation_trigger(stack: BrokenStack, table: str = "tapcheck_probe") -> None:
    from psycopg import sql

    with stack.connect("writer", stack.creds["dbname"]) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS public.{}").format(sql.Identifier(table)))
        conn.execute("DROP FUNCTION IF EXISTS public.tapcheck_probe_escalate()")
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(sql.Identifier(LOW)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(LOW)))


def escalated(stack: BrokenStack) -> bool:
    return stack.run("writer", "SELECT pg_has_role(%s, 'rds_superuser', 'MEMBER')", (LOW,))[0]


def test_a_planted_trigger_does_not_make_its_owner_rds_superuser_on_the_local_target(stack) -> None:
    """The local target writes by default (it is a test emulator): the write probe must still not fire it."""
    plant_escalation_trigger(stack)
    smoke = stack.smoke()
    assert smoke.rc == 0, smoke.out
    assert passed(smoke, "replication").startswith("a row written in the probe's own schema"), smoke.out
    assert not escalated(stack), "a smoke run made the trigger's owner a member of rds_superuser"


@pytest.mark.parametrize("extra", [(), ("--write-probes",)], ids=["default", "write-probes"])
def test_a_planted_trigger_does_not_make_its_owner_rds_superuser_on_aws(healthy, aws_env, extra) -> None:
    plant_escalation_trigger(healthy)
    try:
        smoke = smoke_cli(aws_env, healthy.name, "--only", "C6", *extra)
        assert smoke.rc == 0, smoke.out
        assert not escalated(healthy), f"smoke {extra} made the trigger's owner a member of rds_superuser"
    finally:
        remove_escalation_trigger(healthy)


# --- every exit path: a signal at the worst moment ----------------------------------------------------------
def _start(env: dict[str, str], name: str, *extra: str, target: str = "aws") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tapcheck.cli", "smoke", "--target", target, "--stack-name", name, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _wait_for(condition: Any, proc: subprocess.Popen, what: str, bound: float = 120.0) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        assert proc.poll() is None, f"smoke ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{what} did not happen within {bound:.0f} s"
        time.sleep(0.05)


EXIT = {signal.SIGTERM: 143, signal.SIGHUP: 129, signal.SIGINT: 130}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_while_the_alarm_is_fired_and_the_queue_subscribed_puts_everything_back(
    healthy, aws_env, on_call, sig
) -> None:
    """The key's policy withdrawn so that no notification arrives: the probe waits with the alarm in
    ALARM and its queue subscribed, and the signal lands then."""
    kms, key = healthy.client("kms"), healthy.one("AWS::KMS::Key")
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    stripped = json.loads(policy)
    stripped["Statement"] = [s for s in stripped["Statement"] if "cloudwatch.amazonaws.com" not in json.dumps(s)]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(stripped))
    subscribers = topic_subscribers(healthy)
    try:
        proc = _start(aws_env, healthy.name, "--only", "H4", "--fire-alarm")
        _wait_for(
            lambda: alarm(healthy)["StateValue"] == "ALARM" and len(topic_subscribers(healthy)) == 2,
            proc,
            "the alarm fired with the probe's queue subscribed",
        )
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == EXIT[sig], out + err
        assert "tapcheck: interrupted" in err and "Traceback" not in err, err
        now = alarm(healthy)
        assert now["StateValue"] == "OK" and "set back to OK" in now["StateReason"], now
        assert topic_subscribers(healthy) == subscribers  # the probe's subscription is gone
        assert [u for u in queues(healthy) if "tapcheck-probe-" in u] == []
    finally:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy)
        _deliver_once(healthy, on_call)


def _deliver_once(stack: BrokenStack, on_call: str) -> None:
    """ALARM and back with the key healthy: the alarm's history ends on actions that succeeded again."""
    cloudwatch, name = stack.client("cloudwatch"), alarm(stack)["AlarmName"]
    for state in ("ALARM", "OK"):
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test: delivery works again")
    assert received(stack, on_call) == ["ALARM", "OK"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_while_the_runner_runs_removes_it(healthy, aws_env, boundary_emulator, sig) -> None:
    """The writer frozen (SIGSTOP) keeps the handler waiting, so the signal lands while the function
    runs (test_runner.py does the same with SIGINT)."""
    lam = healthy.client("lambda")
    pid = healthy.signal_postmaster("writer", signal.SIGSTOP)
    try:
        proc = _start(aws_env, healthy.name)
        _wait_for(lambda: bool(lam.list_functions()["Functions"]), proc, "the runner's function appeared")
        time.sleep(1.0)  # the invoke is under way
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert proc.returncode == EXIT[sig], out + err
    assert lam.list_functions()["Functions"] == []
    deadline = time.monotonic() + 30  # the emulator's handler process ends once the writer answers again
    while handler_processes(boundary_emulator["pid"]):
        assert time.monotonic() < deadline, "the handler process was left running"
        time.sleep(0.2)
    assert_nothing_left(healthy, boundary_emulator)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_while_the_write_probe_holds_its_schema_drops_it(stack, emulator, sig) -> None:
    """Local target (writes by default), WAL replay paused on the standby so that the probe waits for its
    row with its schema made: the signal lands then, and the schema goes."""
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    before = catalog(stack)
    stack.run("reader", "SELECT pg_wal_replay_pause()")
    watch = stack.connect("writer", stack.creds["dbname"])
    proc = _start(env, stack.name, "--only", "C6", target="local")

    def schema_made() -> bool:
        return (
            watch.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", ("tapcheck\\_probe\\_%",)
            ).fetchone()[0]
            > 0
        )

    try:
        _wait_for(schema_made, proc, "the write probe's schema was made", bound=60)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        watch.close()
        stack.run("reader", "SELECT pg_wal_replay_resume()")
    assert proc.returncode == EXIT[sig], out + err
    assert catalog(stack) == before


# --- the read-only proofs see what they can ---------------------------------------------------------------
def _smoke_read_only(stack: BrokenStack, only: list[str]) -> Smoke:
    import io

    from tapcheck.live.smoke import smoke

    out = io.StringIO()
    rc = smoke(stack.target, stack.name, out=out, only=only, writes=False, fire_alarm=False)
    return Smoke(rc, out.getvalue())


def test_read_only_c6_fails_when_the_reader_stops_streaming_from_the_writer(stack) -> None:
    """The standby's primary_conninfo pointed at a port nobody listens on (as test_faults.py does):
    aurora_replica_status() on the writer no longer lists the reader, and the reader reports a transport
    error; nothing is written to find it out."""
    import socket

    from psycopg import sql

    assert _smoke_read_only(stack, ["C6"]).rc == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stack.run(
        "reader",
        sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(
            sql.Literal(f"host=127.0.0.1 port={port} user={stack.creds['username']}")
        ),
    )
    stack.reload("reader")
    before = catalog(stack)
    deadline = time.monotonic() + 30  # the writer notices its walsender gone within wal_sender_timeout
    while True:
        smoke = _smoke_read_only(stack, ["C6"])
        if smoke.rc == 1 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert smoke.rc == 1 and set(smoke.failing) == {"replication"}, smoke.out
    detail = smoke.failing["replication"]
    assert "on the reader endpoint, aurora_replica_status() gives reader" in detail, detail
    assert "last_transport_error 1 (its log stream from the writer is not running)" in detail, detail
    assert detail.endswith("(read-only; --write-probes also writes a row and reads it back)"), detail
    assert catalog(stack) == before


def test_read_only_h4_on_the_local_target_asks_for_a_confirmed_subscriber(stack) -> None:
    """--no-fire-alarm locally judges H4 as on AWS: the emulator's stack has nobody subscribed."""
    smoke = _smoke_read_only(stack, ["H4"])
    assert smoke.rc == 1 and set(smoke.failing) == {"alarm_delivers"}, smoke.out
    assert "has no confirmed subscription: an alarm notification reaches no one" in smoke.failing["alarm_delivers"]
    subscribe_on_call(stack)
    smoke = _smoke_read_only(stack, ["H4"])
    assert smoke.rc == 0, smoke.out
    assert passed(smoke, "alarm_delivers").startswith("judged without firing:")
