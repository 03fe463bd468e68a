"""The drift table (tapcheck.live.drift), without AWS: its normalisation (equal meanings compare equal,
different ones do not), its rows (known checks, AWS pages, one row per property), its coverage of
what the template sets (a row, or a reason in NOT_CHECKED that the resource schema confirms), the
binding of deploy-time symbols, and docs/drift.md kept equal to it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tapcheck.live.drift import normalise as n
from tapcheck.live.drift.expected import Deployed, Unbound, bind, pseudo_parameters
from tapcheck.live.drift.probe import difference, items, shown
from tapcheck.live.drift.table import ABSENT, ANY, CREATE_ONLY, NOT_CHECKED, ROWS, markdown
from tapcheck.model import AttrRef, ParamRef, PseudoRef, ResourceRef, Str, Text, build_model

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "lib" / "TapStack.json").read_text())
PARAMS = {"SubnetId1": "subnet-1", "SubnetId2": "subnet-2", "VpcSecurityGroupId": "sg-1", "EnvironmentSuffix": "prod"}


def model(template: dict = TEMPLATE) -> Any:
    return build_model("t.json", template, PARAMS)


# --- normalisation ---------------------------------------------------------------------------------

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "B",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
        },
        {
            "Sid": "A",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:CreateGrant",
            "Resource": ["*"],
            "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false"}},
        },
    ],
}


@pytest.mark.parametrize(
    "normalise, spellings",
    [
        (n.boolean, [True, "true", "True", "TRUE"]),
        (n.boolean, [False, "false"]),
        (n.integer, [7, "7", 7.0, Str("7")]),
        (n.number, [80, "80", 80.0, "80.0"]),
        (n.number, [0.5, "0.5"]),
        (n.lower, ["aurora-pg-params-prod", "Aurora-PG-Params-Prod"]),
        (n.lower, ["mon:04:00-mon:05:00", "Mon:04:00-Mon:05:00"]),
        (n.parameter_value, ["all", "ALL", Str("all")]),
        (n.parameter_value, ["1", 1]),
        (n.id_set, [["sg-2", "sg-1"], ["sg-1", "sg-2"], ("sg-1", "sg-2")]),
        (n.id_set, [None, []]),
        (
            n.dimensions,
            [
                [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}],
                [{"Name": "B", "Value": "2"}, {"Name": "A", "Value": 1}],
            ],
        ),
        (
            n.tags,
            [
                [{"Key": "Environment", "Value": "Production"}],
                [{"TagKey": "Environment", "TagValue": "Production"}],
                {"Environment": "Production"},
            ],
        ),
        (
            n.policy,
            [
                POLICY,
                json.dumps(POLICY),
                dict(POLICY, Statement=list(reversed(POLICY["Statement"]))),
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        dict(
                            POLICY["Statement"][0],
                            Principal={"Service": "cloudwatch.amazonaws.com"},
                            Action=["kms:Decrypt", "kms:GenerateDataKey*"],
                            Resource=["*"],
                        ),
                        dict(
                            POLICY["Statement"][1],
                            Principal={"AWS": ["*"]},
                            Action=["kms:CreateGrant"],
                            Condition={"BoolIfExists": {"kms:GrantIsForAWSResource": ["false"]}},
                        ),
                    ],
                },
            ],
        ),
        (
            n.policy,
            [
                {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}},
                {"Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"]}]},
            ],
        ),
    ],
)
def test_equal_meanings_compare_equal(normalise, spellings):
    values = [normalise(s) for s in spellings]
    assert all(v == values[0] for v in values), values


@pytest.mark.parametrize(
    "normalise, a, b",
    [
        (n.boolean, True, False),
        (n.boolean, True, None),
        (n.integer, 7, 1),
        (n.integer, 365, None),
        (n.number, 80, 90),
        (n.number, 0.5, 1),
        (n.text, "15.12", "15.13"),
        (n.lower, "mon:04:00-mon:05:00", "sun:04:00-sun:05:00"),
        (n.parameter_value, "all", "ddl"),
        (n.id_set, ["sg-1"], ["sg-1", "sg-2"]),
        (n.id_set, ["postgresql"], []),
        (n.dimensions, [{"Name": "A", "Value": "1"}], [{"Name": "A", "Value": "2"}]),
        (n.tags, [{"Key": "Environment", "Value": "Production"}], [{"Key": "Environment", "Value": "production"}]),
        (n.policy, POLICY, dict(POLICY, Statement=POLICY["Statement"][:1])),
        (
            n.policy,
            POLICY,
            dict(POLICY, Statement=[dict(POLICY["Statement"][0], Action="kms:Decrypt"), POLICY["Statement"][1]]),
        ),
        (
            n.policy,
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}}]},
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]},
        ),
    ],
)
def test_different_meanings_differ(normalise, a, b):
    assert normalise(a) != normalise(b)


def test_an_engine_version_given_as_its_major_holds_any_minor_of_it():
    row = next(r for r in ROWS if r.label == "EngineVersion")
    assert row.same("15", "15.12") and row.same("15.12", "15.12")
    assert not row.same("15.1", "15.12") and not row.same("15.12", "15.13") and not row.same("15", "16.1")


# --- the rows -------------------------------------------------------------------------------------


def test_every_row_names_a_known_check_an_aws_page_and_the_calls_that_change_it():
    from tapcheck.requirements.registry import registry

    checks = registry().checks
    for row in ROWS:
        assert row.check in checks, row
        assert row.page.startswith("https://docs.aws.amazon.com/") and row.page.endswith(".html"), row
        assert row.calls and all(re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z]+", c) for c in row.calls), row
        assert row.calls[0].split(":")[1] in row.page, f"the page is the first call's: {row}"
        assert (row.read.__doc__ or "").strip(), f"the row does not say where its value is read: {row}"


def test_one_row_per_property_and_type():
    keys = [(r.type, r.path) for r in ROWS]
    assert len(keys) == len(set(keys))


def test_every_property_the_template_sets_has_a_row_or_a_reason():
    for logical, resource in TEMPLATE["Resources"].items():
        rtype = resource["Type"]
        covered = {r.path[0] for r in ROWS if r.type == rtype}
        for prop in resource.get("Properties", {}):
            assert prop in covered or (rtype, prop) in NOT_CHECKED, f"{logical}.{prop} ({rtype}): no row, no reason"


def test_what_is_called_create_only_is_create_only_in_the_resource_schema():
    from tapcheck.plan.schema import conditional_create_only, create_only

    for (rtype, prop), why in NOT_CHECKED.items():
        assert why.strip()
        if why == CREATE_ONLY:
            assert (prop,) in create_only(rtype) + conditional_create_only(rtype), (rtype, prop)
    for row in ROWS:
        assert (row.path[0],) not in create_only(row.type), f"{row}: create-only, no API call changes it"


def test_items_expand_tags_and_parameters_and_apply_the_documented_defaults():
    m = model()
    cluster, key, group = (
        m.resources["AuroraCluster"],
        m.resources["AlarmTopicKey"],
        m.resources["DBClusterParameterGroup"],
    )
    labels = {(i.label, i.row.check) for i in items(cluster)}
    assert ("Tags.Name", "names-carry-suffix") in labels and ("Tags.Environment", "required-tags") in labels
    assert ("Tags.ManagedBy", "required-tags") in labels and ("BackupRetentionPeriod", "backup-retention") in labels
    assert len(items(cluster)) == 13 + 3
    assert ("Enabled", "alarm-topic-deliverable") in {(i.label, i.row.check) for i in items(key)}  # default true
    assert {i.label for i in items(group)} == {
        "Parameters.log_statement",
        "Parameters.rds.force_ssl",
        "Tags.Environment",
        "Tags.ManagedBy",
        "Tags.Name",
    }
    t = copy.deepcopy(TEMPLATE)
    t["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["work_mem"] = 8192
    del t["Resources"]["AlarmTopic"]["Properties"]["DisplayName"]
    m = model(t)
    assert ("Parameters.work_mem", "parameter-group-family") in {
        (i.label, i.row.check) for i in items(m.resources["DBClusterParameterGroup"])
    }
    assert "DisplayName" not in {i.label for i in items(m.resources["AlarmTopic"])}  # omitted: no default, no row


def test_every_resource_type_of_the_template_with_a_row_is_a_type_the_table_knows():
    types = {r["Type"] for r in TEMPLATE["Resources"].values()}
    assert {r.type for r in ROWS} <= types
    assert {ANY, "Name"} <= {r.path[-1] for r in ROWS if r.path[0] == "Tags"}
    assert all(r.default is ABSENT or isinstance(r.default, bool) for r in ROWS)


# --- what the deployed template's symbols become ------------------------------------------------------

STACK = {"StackId": "arn:aws:cloudformation:eu-west-1:111122223333:stack/s/guid", "StackName": "s"}


class FakeReader:
    def role(self, pid: str) -> dict:
        return {"Arn": f"arn:aws:iam::111122223333:role/{pid}"}


def deployed(template: dict = TEMPLATE) -> Deployed:
    m = model(template)
    return Deployed(m, {logical: f"{logical.lower()}-id" for logical in m.resources}, pseudo_parameters(STACK))


def test_symbols_bind_to_the_stacks_ids_and_attributes():
    dep = deployed()
    assert bind(ResourceRef("AlarmTopic"), dep, FakeReader()) == "alarmtopic-id"
    assert (
        bind(AttrRef("MonitoringRole", "Arn"), dep, FakeReader()) == "arn:aws:iam::111122223333:role/monitoringrole-id"
    )
    assert (
        bind(
            Text((Str("arn:"), PseudoRef("AWS::Partition"), Str(":iam::"), PseudoRef("AWS::AccountId"), Str(":root"))),
            dep,
            FakeReader(),
        )
        == "arn:aws:iam::111122223333:root"
    )
    assert bind([{"Value": ResourceRef("AuroraCluster")}], dep, FakeReader()) == [{"Value": "auroracluster-id"}]
    assert pseudo_parameters(STACK)["AWS::Region"] == "eu-west-1"
    assert (
        pseudo_parameters({**STACK, "StackId": STACK["StackId"].replace(":aws:", ":aws-cn:")})["AWS::URLSuffix"]
        == "amazonaws.com.cn"
    )


@pytest.mark.parametrize(
    "value",
    [
        AttrRef("AuroraCluster", "Endpoint.Address"),
        ParamRef("NoDefault"),
        ResourceRef("NotInTheStack"),
        PseudoRef("AWS::Nothing"),
    ],
)
def test_a_value_the_stack_cannot_tell_is_unbound_never_guessed(value):
    with pytest.raises(Unbound):
        bind(value, deployed(), FakeReader())


def test_messages_show_sets_sorted_and_policies_by_the_statements_that_differ():
    assert shown(n.id_set(["b", "a"])) == "['a', 'b']" and shown(None) == "absent" and shown(n.number(80)) == "80"
    template = n.policy(POLICY)
    live = n.policy(dict(POLICY, Statement=POLICY["Statement"][1:]))
    text = difference(template, live)
    assert "statements only in the deployed template" in text and "cloudwatch.amazonaws.com" in text
    assert "only live" not in text
    assert difference(n.integer(7), n.integer(3)) == "is 3 live, 7 in the deployed template"


def test_docs_drift_md_shows_the_table():
    doc = (ROOT / "docs" / "drift.md").read_text()
    begin, end = "<!-- drift-table:begin -->\n", "<!-- drift-table:end -->"
    assert begin in doc and end in doc
    assert doc.split(begin, 1)[1].split(end, 1)[0] == markdown(), (
        "docs/drift.md's table is stale: run scripts/drift-table"
    )


# --- a probe's verdict, from what a run has read (no AWS: the reads are cached in the context) ----------


def judged(template: dict, reads: dict[tuple, Any], check: str) -> str:
    """judge() on a context whose describe calls already answered `reads` ((describe, physical id) -> answer)."""
    from tapcheck.live.context import Context
    from tapcheck.live.drift.probe import judge

    ctx = Context(target=None, stack_name="s")  # type: ignore[arg-type]  # no target: every read is memoised
    ctx._memo["drift deployed"] = deployed(template)
    for key, answer in reads.items():
        ctx._memo[("drift", *key)] = answer
    return judge(ctx, check)


def test_a_wildcard_row_judges_a_parameter_only_the_template_sets_and_names_the_fix():
    from tapcheck.live.context import Fail

    t = copy.deepcopy(TEMPLATE)
    t["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["work_mem"] = 8192
    live = {"log_statement": "all", "rds.force_ssl": "1", "work_mem": "8192"}
    pid = "dbclusterparametergroup-id"
    assert (
        judged(t, {("cluster parameters", pid): live}, "parameter-group-family")
        == "1 value(s) as deployed: DBClusterParameterGroup.Parameters.work_mem='8192'"
    )
    with pytest.raises(Fail) as failed:
        judged(t, {("cluster parameters", pid): {**live, "work_mem": "4096"}}, "parameter-group-family")
    assert str(failed.value) == (
        "drift from the deployed template (R7): DBClusterParameterGroup (dbclusterparametergroup-id) "
        "Parameters.work_mem is '4096' live, '8192' in the deployed template; fix: set it back with "
        "rds:ModifyDBClusterParameterGroup (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
        "API_ModifyDBClusterParameterGroup.html), or deploy a template that sets '4096'"
    )
    assert judged(TEMPLATE, {}, "parameter-group-family") == "the deployed template sets none of these values"


def test_a_resource_gone_fails_every_row_of_it_and_an_unknown_value_is_a_skip():
    from tapcheck.live.context import Fail, Skip
    from tapcheck.live.drift.reader import Gone

    gone = Gone("DescribeDBInstances says DBInstanceNotFound: not found")
    with pytest.raises(Fail) as failed:
        judged(
            TEMPLATE,
            {("instance", "aurorainstance1-id"): gone, ("instance", "aurorainstance2-id"): gone},
            "instances-private",
        )
    text = str(failed.value)
    assert text.startswith("drift from the deployed template (S3): ")
    for instance in ("AuroraInstance1 (aurorainstance1-id)", "AuroraInstance2 (aurorainstance2-id)"):
        assert (
            f"{instance} is gone (DescribeDBInstances says DBInstanceNotFound: not found), so its "
            "PubliclyAccessible as the deployed template sets them cannot hold" in text
        )
    assert "using-cfn-stack-drift.html" in text
    t = copy.deepcopy(TEMPLATE)
    t["Resources"]["CPUUtilizationAlarm"]["Properties"]["Dimensions"][0]["Value"] = {
        "Fn::GetAtt": ["AuroraCluster", "Endpoint.Address"]
    }
    alarm = {"MetricName": "CPUUtilization", "Namespace": "AWS/RDS", "Dimensions": []}
    with pytest.raises(Skip) as skipped:
        judged(t, {("alarm", "cpuutilizationalarm-id"): alarm}, "cpu-alarm")
    assert "CPUUtilizationAlarm (cpuutilizationalarm-id) Dimensions: the template's value is not known" in str(
        skipped.value
    )


# --- drift that survives AWS's own maintenance ---------------------------------------------------------


def _cluster_live(version: str) -> dict:
    instances = {("instance", f"aurorainstance{n}-id"): {"AutoMinorVersionUpgrade": True} for n in (1, 2)}
    return {("cluster", "auroracluster-id"): {"EngineVersion": version, "AutoMinorVersionUpgrade": True}, **instances}


def test_a_newer_minor_aws_applied_holds_with_a_note_to_update_the_pin():
    detail = judged(TEMPLATE, _cluster_live("15.13"), "engine-version")
    assert "AuroraCluster.EngineVersion='15.13'" in detail
    assert detail.endswith(
        "; note: AuroraCluster (auroracluster-id) EngineVersion: AWS upgraded the minor "
        "(15.12 -> 15.13: automatic minor version upgrade); update the template's pin to 15.13 (no "
        "call sets 15.12 back: upgrade only: ModifyDBCluster's EngineVersion is the version to "
        "which you want to upgrade)"
    )


@pytest.mark.parametrize("live", ["15.10", "16.4"])
def test_an_older_minor_or_another_major_is_drift_and_the_fix_says_the_call_only_upgrades(live):
    from tapcheck.live.context import Fail

    with pytest.raises(Fail) as failed:
        judged(TEMPLATE, _cluster_live(live), "engine-version")
    assert (
        f"AuroraCluster (auroracluster-id) EngineVersion is '{live}' live, '15.12' in the deployed template; fix: "
        "set it back with rds:ModifyDBCluster (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
        "API_ModifyDBCluster.html, upgrade only: ModifyDBCluster's EngineVersion is the version to which you want "
        "to upgrade)"
    ) in str(failed.value)


def test_the_template_sets_automatic_minor_upgrades_at_the_cluster_level():
    cluster = TEMPLATE["Resources"]["AuroraCluster"]["Properties"]
    assert cluster["AutoMinorVersionUpgrade"] is True
    assert any(r.type == "AWS::RDS::DBCluster" and r.label == "AutoMinorVersionUpgrade" for r in ROWS)
