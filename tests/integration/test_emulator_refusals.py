"""The emulator refuses at create time what CloudFormation and RDS refuse, with their texts,
and creates nothing when it does: parameter values (CreateStack, UpdateStack,
CreateChangeSet), missing IAM capabilities, deprecated engine versions, instance classes not
offered, names already taken. A cluster without a parameter group gets
default.aurora-postgresql15 with AWS's default values on its servers. Local target only."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tapcheck.errors import UsageError


@pytest.fixture
def seed(live_options) -> dict:
    return json.loads(Path(live_options.template).read_text())


def _suffix() -> str:
    return "rf" + uuid.uuid4().hex[:6]


def _write(tmp_path: Path, doc: dict, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def inventory(target) -> dict[str, set[str]]:
    """Everything the emulator holds that a deploy could create."""
    rds, ec2 = target.client("rds"), target.client("ec2")
    return {
        "stacks": {
            s["StackName"]
            for s in target.client("cloudformation").list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"
        },
        "clusters": {c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]},
        "instances": {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]},
        "secrets": {s["Name"] for s in target.client("secretsmanager").list_secrets()["SecretList"]},
        "vpcs": {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]},
        "subnets": {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]},
        "groups": {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]},
        "topics": {t["TopicArn"] for t in target.client("sns").list_topics()["Topics"]},
    }


def _client_error(call, /, **kwargs) -> tuple[str, str]:
    """The error code and message of call(**kwargs), which must raise ClientError. The arguments are
    passed here, not closed over in a lambda, so a loop's current values are the ones sent."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


# --- parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, expected",
    [
        (
            {"EnvironmentSuffix": "a..b"},
            "Parameter 'EnvironmentSuffix' failed to satisfy constraint: Must contain only",
        ),
        (
            {"EnvironmentSuffix": "Prod"},
            "Parameter 'EnvironmentSuffix' failed to satisfy constraint: Must contain only",
        ),
        ({"EnvironmentSuffix": "../../etc"}, "Parameter 'EnvironmentSuffix' failed to satisfy constraint"),
        ({"DatabaseName": 'evil" CONNECTION LIMIT 0 --'}, "Parameter 'DatabaseName' failed to satisfy constraint"),
        ({"MasterUsername": 'admin","password":"x'}, "Parameter 'MasterUsername' failed to satisfy constraint"),
        ({"MasterUsername": "a" * 17}, "Parameter 'MasterUsername' failed to satisfy constraint"),
        (
            {"SubnetId1": "subnet-../x"},
            "Parameter validation failed: parameter value subnet-../x for parameter name SubnetId1 does not exist",
        ),
    ],
)
def test_deploy_with_forbidden_parameter_values_creates_nothing(local_target, live_options, params, expected) -> None:
    from tapcheck.live import deploy

    before = inventory(local_target)
    name = f"tapcheck-par-{uuid.uuid4().hex[:6]}"
    with pytest.raises(deploy.DeployFailed) as info:
        deploy.deploy(local_target, live_options.template, name, params)
    assert info.value.status == "CREATE_REJECTED"
    assert expected in info.value.reason
    assert inventory(local_target) == before  # not even the network deploy makes for the stack


TYPES_TEMPLATE = {
    "Parameters": {
        "Count": {"Type": "Number", "MinValue": 1, "MaxValue": 5},
        "Ports": {"Type": "List<Number>"},
        "Names": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]},
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
        "Subnet": {"Type": "AWS::EC2::Subnet::Id"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
    },
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "types-${AWS::StackName}"}}}
    },
}


@pytest.fixture
def network(local_target):
    from tapcheck.live import deploy

    net = deploy.ensure_network(local_target, f"tapcheck-net-{uuid.uuid4().hex[:6]}")
    yield net
    deploy.delete_network_ids(local_target, net)


def _params(**values: str) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def test_parameter_types_on_create_update_and_change_set(local_target, network) -> None:
    cfn = local_target.client("cloudformation")
    good = {
        "Count": "3",
        "Ports": "80,443",
        "Names": "a, b",
        "Subnet": network["SubnetId1"],
        "Subnets": f"{network['SubnetId1']},{network['SubnetId2']}",
    }
    body = json.dumps(TYPES_TEMPLATE)
    refusals = [
        ({"Count": "three"}, "Parameter 'Count' must be a number"),
        ({"Count": "6"}, "Parameter 'Count' must be a number not greater than 5"),
        ({"Count": "0"}, "Parameter 'Count' must be a number not less than 1"),
        ({"Ports": "80,http"}, "Parameter 'Ports' must be a number"),
        ({"Names": "a,c"}, "Parameter 'Names' must be one of AllowedValues"),
        ({"Env": "Dev"}, "Parameter 'Env' must be one of AllowedValues"),
        (
            {"Subnet": "subnet-0123456789abcdef0"},
            "parameter value subnet-0123456789abcdef0 for parameter name Subnet does not exist",
        ),
        (
            {"Subnets": f"{network['SubnetId1']},vpc-1"},
            "parameter value vpc-1 for parameter name Subnets does not exist",
        ),
    ]
    for change, text in refusals:
        name = f"tapcheck-types-{uuid.uuid4().hex[:6]}"
        code, message = _client_error(
            cfn.create_stack, StackName=name, TemplateBody=body, Parameters=_params(**{**good, **change})
        )
        assert code == "ValidationError" and text in message, (change, message)
        with pytest.raises(UsageError):  # no stack record is left
            from tapcheck.live import deploy

            deploy.describe(local_target, name)
    code, message = _client_error(
        lambda: cfn.create_stack(StackName="tapcheck-types-x", TemplateBody=body, Parameters=_params(Count="1"))
    )
    assert message.startswith("Parameters: [") and "must have values" in message
    name = f"tapcheck-types-{uuid.uuid4().hex[:6]}"
    cfn.create_stack(StackName=name, TemplateBody=body, Parameters=_params(**good))
    try:
        assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        code, message = _client_error(
            lambda: cfn.update_stack(StackName=name, TemplateBody=body, Parameters=_params(**{**good, "Count": "9"}))
        )
        assert message == "Parameter 'Count' must be a number not greater than 5"
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Count"] == "3"
        code, message = _client_error(
            lambda: cfn.create_change_set(
                StackName=name,
                ChangeSetName="c1",
                TemplateBody=body,
                ChangeSetType="UPDATE",
                Parameters=_params(**{**good, "Env": "test"}),
            )
        )
        assert message == "Parameter 'Env' must be one of AllowedValues"
    finally:
        cfn.delete_stack(StackName=name)


# --- capabilities -------------------------------------------------------------------------
def test_named_iam_role_without_capability_named_iam_is_refused(local_target, live_options, seed, tmp_path) -> None:
    from tapcheck.live import deploy

    before = inventory(local_target)
    for caps in ((), ("CAPABILITY_IAM",)):
        with pytest.raises(deploy.DeployFailed) as info:
            deploy.deploy(
                local_target,
                live_options.template,
                f"tapcheck-cap-{uuid.uuid4().hex[:6]}",
                {"EnvironmentSuffix": _suffix()},
                capabilities=caps,
            )
        assert info.value.status == "CREATE_REJECTED"
        assert info.value.reason == "Requires capabilities : [CAPABILITY_NAMED_IAM]"
    assert inventory(local_target) == before

    unnamed = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ec2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                },
            }
        }
    }
    cfn = local_target.client("cloudformation")
    code, message = _client_error(
        lambda: cfn.create_stack(StackName="tapcheck-cap-unnamed", TemplateBody=json.dumps(unnamed))
    )
    assert (code, message) == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
    cfn.create_stack(
        StackName="tapcheck-cap-unnamed", TemplateBody=json.dumps(unnamed), Capabilities=["CAPABILITY_IAM"]
    )
    try:
        named = copy.deepcopy(unnamed)
        named["Resources"]["Role"]["Properties"]["RoleName"] = "tapcheck-cap-named-" + uuid.uuid4().hex[:6]
        code, message = _client_error(
            lambda: cfn.update_stack(
                StackName="tapcheck-cap-unnamed", TemplateBody=json.dumps(named), Capabilities=["CAPABILITY_IAM"]
            )
        )
        assert message == "Requires capabilities : [CAPABILITY_NAMED_IAM]"
    finally:
        cfn.delete_stack(StackName="tapcheck-cap-unnamed")


# --- engine version and instance class ----------------------------------------------------
def _pg_dirs(emulator, cluster_id: str) -> list[Path]:
    from tapcheck.emulator.pgcluster import cluster_dirs

    return cluster_dirs(Path(emulator["root"]), cluster_id)


@pytest.mark.parametrize(
    "change, resource, text",
    [
        (("AuroraCluster", "EngineVersion", "15.4"), "AuroraCluster", "Cannot find version 15.4 for aurora-postgresql"),
        (("AuroraCluster", "EngineVersion", "15"), "AuroraCluster", "Cannot find version 15 for aurora-postgresql"),
        (
            ("AuroraInstance1", "DBInstanceClass", "db.t2.small"),
            "AuroraInstance1",
            (
                "RDS does not support creating a DB instance with the following combination: "
                "DBInstanceClass=db.t2.small, Engine=aurora-postgresql, EngineVersion=15.12"
            ),
        ),
        (("AuroraInstance2", "DBInstanceClass", "db.m1.small"), "AuroraInstance2", "DBInstanceClass=db.m1.small"),
        (
            ("AuroraCluster", "DBClusterIdentifier", "c" * 64),
            "AuroraCluster",
            "The parameter DBClusterIdentifier is not a valid identifier.",
        ),
        (
            ("DBSubnetGroup", "DBSubnetGroupName", "Default"),
            "DBSubnetGroup",
            "The parameter DBSubnetGroupName is not a valid identifier.",
        ),
        (
            (
                "AlarmTopicKey",
                "KeyPolicy",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        }
                    ],
                },
            ),
            "AlarmTopicKey",
            "The new key policy will not allow you to update the key policy in the future. (Service: Kms",
        ),
    ],
)
def test_what_rds_cannot_create_fails_the_resource_and_leaves_nothing(
    local_target, emulator, seed, tmp_path, change, resource, text
) -> None:
    from tapcheck.live import deploy

    logical, prop, value = change
    doc = copy.deepcopy(seed)
    doc["Resources"][logical]["Properties"][prop] = value
    suffix = _suffix()
    before = inventory(local_target)
    with pytest.raises(deploy.DeployFailed) as info:
        deploy.deploy(local_target, _write(tmp_path, doc), f"tapcheck-rds-{suffix}", {"EnvironmentSuffix": suffix})
    err = info.value
    assert (err.status, err.resource) == ("ROLLBACK_COMPLETE", resource)
    assert text in err.reason and "Resource handler returned message" in err.reason
    assert err.survey is not None and err.survey.clean, err.survey.left
    assert inventory(local_target) == before
    assert not _pg_dirs(emulator, f"aurora-postgres-cluster-{suffix}")


def test_the_rds_and_kms_apis_refuse_what_aws_refuses_and_create_nothing(local_target) -> None:
    """moto takes all of these; RDS and KMS do not (emulator/resources/rds.py, resources/kms.py)."""
    from tapcheck.live import deploy

    rds, kms = local_target.client("rds"), local_target.client("kms")
    suffix = _suffix()
    for identifier in ("c" * 64, "under_score", "double--hyphen", "1digit"):
        code, message = _client_error(
            rds.create_db_cluster,
            DBClusterIdentifier=identifier,
            Engine="aurora-postgresql",
            EngineVersion="15.12",
            MasterUsername="someone",
            MasterUserPassword="password12",
        )
        assert (code, message.split(" Identifiers")[0]) == (
            "InvalidParameterValue",
            "The parameter DBClusterIdentifier is not a valid identifier.",
        )
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if "under_score" in c["DBClusterIdentifier"]]
    net = deploy.ensure_network(local_target, f"names-{suffix}")
    for name in ("default", "Default", "9groups", "slash/group", "g" * 256):
        code, _ = _client_error(
            rds.create_db_subnet_group,
            DBSubnetGroupName=name,
            DBSubnetGroupDescription="x",
            SubnetIds=[net["SubnetId1"], net["SubnetId2"]],
        )
        assert code == "InvalidParameterValue"
    locked = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ],
        }
    )
    keys_before = {k["KeyId"] for k in kms.list_keys()["Keys"]}
    assert _client_error(lambda: kms.create_key(Policy=locked)) == (
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
    )
    assert {k["KeyId"] for k in kms.list_keys()["Keys"]} == keys_before
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert (
        _client_error(lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=locked))[0]
        == "MalformedPolicyDocumentException"
    )
    assert "cloudwatch" not in kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    # "Use this parameter only when you intend to prevent the principal that is making the request from making
    # a subsequent PutKeyPolicy request" (CreateKey, BypassPolicyLockoutSafetyCheck): then KMS takes it
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=locked, BypassPolicyLockoutSafetyCheck=True)
    bypassed = kms.create_key(Policy=locked, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    for done in (key, bypassed):  # KMS may refuse it now: that is what the check was for
        with contextlib.suppress(ClientError):
            kms.schedule_key_deletion(KeyId=done, PendingWindowInDays=7)


# --- names already taken ------------------------------------------------------------------
def _make_secret(t, s):
    t.client("secretsmanager").create_secret(Name=f"aurora-credentials-{s}", SecretString="precious")
    return lambda: (
        t.client("secretsmanager").get_secret_value(SecretId=f"aurora-credentials-{s}")["SecretString"] == "precious"
    )


def _make_subnet_group(t, s):
    from tapcheck.live import deploy

    net = deploy.ensure_network(t, f"pre-{s}")  # removed with the emulator at the end of the session
    t.client("rds").create_db_subnet_group(
        DBSubnetGroupName=f"aurora-subnet-group-{s}",
        DBSubnetGroupDescription="x",
        SubnetIds=[net["SubnetId1"], net["SubnetId2"]],
    )
    return lambda: (
        t.client("rds").describe_db_subnet_groups(DBSubnetGroupName=f"aurora-subnet-group-{s}")["DBSubnetGroups"][0][
            "DBSubnetGroupDescription"
        ]
        == "x"
    )


def _make_param_group(t, s):
    t.client("rds").create_db_cluster_parameter_group(
        DBClusterParameterGroupName=f"aurora-pg-params-{s}",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="x",
    )
    return lambda: (
        t.client("rds").describe_db_cluster_parameter_groups(DBClusterParameterGroupName=f"aurora-pg-params-{s}")[
            "DBClusterParameterGroups"
        ][0]["Description"]
        == "x"
    )


def _make_cluster(t, s):
    t.client("rds").create_db_cluster(
        DBClusterIdentifier=f"aurora-postgres-cluster-{s}",
        Engine="aurora-postgresql",
        EngineVersion="15.12",
        MasterUsername="someone",
        MasterUserPassword="password12",
    )
    return lambda: (
        t.client("rds").describe_db_clusters(DBClusterIdentifier=f"aurora-postgres-cluster-{s}")["DBClusters"][0][
            "MasterUsername"
        ]
        == "someone"
    )


def _make_role(t, s):
    t.client("iam").create_role(
        RoleName=f"aurora-monitoring-role-{s}",
        Description="x",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    return lambda: t.client("iam").get_role(RoleName=f"aurora-monitoring-role-{s}")["Role"]["Description"] == "x"


def _make_topic(t, s):
    arn = t.client("sns").create_topic(Name=f"aurora-alarms-{s}", Attributes={"DisplayName": "precious"})["TopicArn"]
    return lambda: t.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "precious"


def _make_alarm(t, s):
    t.client("cloudwatch").put_metric_alarm(
        AlarmName=f"aurora-cpu-high-{s}",
        MetricName="M",
        Namespace="N",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmDescription="precious",
    )
    return lambda: (
        t.client("cloudwatch").describe_alarms(AlarmNames=[f"aurora-cpu-high-{s}"])["MetricAlarms"][0][
            "AlarmDescription"
        ]
        == "precious"
    )


@pytest.mark.parametrize(
    "make, logical, rtype, name",
    [
        (_make_secret, "DatabaseSecret", "AWS::SecretsManager::Secret", "aurora-credentials-{s}"),
        (_make_subnet_group, "DBSubnetGroup", "AWS::RDS::DBSubnetGroup", "aurora-subnet-group-{s}"),
        (_make_param_group, "DBClusterParameterGroup", "AWS::RDS::DBClusterParameterGroup", "aurora-pg-params-{s}"),
        (_make_cluster, "AuroraCluster", "AWS::RDS::DBCluster", "aurora-postgres-cluster-{s}"),
        (_make_role, "MonitoringRole", "AWS::IAM::Role", "aurora-monitoring-role-{s}"),
        (_make_topic, "AlarmTopic", "AWS::SNS::Topic", "aurora-alarms-{s}"),
        (_make_alarm, "CPUUtilizationAlarm", "AWS::CloudWatch::Alarm", "aurora-cpu-high-{s}"),
    ],
)
def test_a_name_already_taken_fails_the_resource_and_the_existing_one_is_untouched(
    local_target, live_options, make, logical, rtype, name
) -> None:
    from tapcheck.live import deploy

    suffix = _suffix()
    intact = make(local_target, suffix)
    with pytest.raises(deploy.DeployFailed) as info:
        deploy.deploy(local_target, live_options.template, f"tapcheck-taken-{suffix}", {"EnvironmentSuffix": suffix})
    assert info.value.resource == logical
    assert f"Resource of type '{rtype}' with identifier '{name.format(s=suffix)}' already exists." in info.value.reason
    assert "HandlerErrorCode: AlreadyExists" in info.value.reason
    assert intact(), "the resource that already existed was changed or removed by the rollback"


def test_a_second_stack_with_the_same_names_fails_and_the_first_stays_healthy(local_target, live_options) -> None:
    from tapcheck.live import deploy
    from tapcheck.live.smoke import smoke

    suffix = _suffix()
    first = f"tapcheck-first-{suffix}"
    deploy.deploy(local_target, live_options.template, first, {"EnvironmentSuffix": suffix})
    try:
        with pytest.raises(deploy.DeployFailed) as info:
            deploy.deploy(
                local_target, live_options.template, f"tapcheck-second-{suffix}", {"EnvironmentSuffix": suffix}
            )
        assert info.value.resource == "DatabaseSecret" and "already exists" in info.value.reason
        out = io.StringIO()
        assert smoke(local_target, first, out=out, only=["R6", "R7", "C6"]) == 0, out.getvalue()
    finally:
        deploy.destroy(local_target, first)


# --- default cluster parameter group ------------------------------------------------------
def test_cluster_without_parameter_group_gets_the_aurora_postgresql15_default(local_target, seed, tmp_path) -> None:
    import psycopg

    from tapcheck.live import deploy
    from tapcheck.live.smoke import smoke

    doc = copy.deepcopy(seed)
    del doc["Resources"]["AuroraCluster"]["Properties"]["DBClusterParameterGroupName"]
    suffix = _suffix()
    name = f"tapcheck-dflt-{suffix}"
    deploy.deploy(local_target, _write(tmp_path, doc), name, {"EnvironmentSuffix": suffix})
    try:
        rds = local_target.client("rds")
        outputs = deploy.outputs_of(deploy.describe(local_target, name))
        cluster = rds.describe_db_clusters(DBClusterIdentifier=outputs["ClusterIdentifier"])["DBClusters"][0]
        assert cluster["DBClusterParameterGroup"] == "default.aurora-postgresql15"
        group = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName="default.aurora-postgresql15")[
            "DBClusterParameterGroups"
        ][0]
        assert group["DBParameterGroupFamily"] == "aurora-postgresql15"
        values = {
            p["ParameterName"]: p.get("ParameterValue")
            for p in rds.describe_db_cluster_parameters(DBClusterParameterGroupName="default.aurora-postgresql15")[
                "Parameters"
            ]
        }
        assert values["rds.force_ssl"] == "0" and values["log_statement"] == "none"
        _, message = _client_error(
            lambda: rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="default.aurora-postgresql15",
                Parameters=[{"ParameterName": "log_statement", "ParameterValue": "all", "ApplyMethod": "immediate"}],
            )
        )
        assert "Cannot modify a default parameter group" in message
        creds = json.loads(
            local_target.client("secretsmanager").get_secret_value(SecretId=outputs["DatabaseSecretArn"])[
                "SecretString"
            ]
        )
        common = {
            "host": outputs["ClusterEndpoint"],
            "port": int(outputs["ClusterPort"]),
            "user": creds["username"],
            "password": creds["password"],
            "dbname": "postgres",
            "connect_timeout": 5,
        }
        with psycopg.connect(sslmode="require", **common) as conn:  # TLS available
            assert conn.info.pgconn.ssl_in_use
            assert conn.execute("SHOW log_statement").fetchone()[0] == "none"
        with psycopg.connect(sslmode="disable", **common) as conn:  # plaintext allowed
            assert not conn.info.pgconn.ssl_in_use
        out = io.StringIO()
        assert smoke(local_target, name, out=out, only=["R7", "H1"]) == 1
        assert "failed requirements: R7, C5, H1" in out.getvalue(), out.getvalue()
    finally:
        deploy.destroy(local_target, name)


def test_cli_capabilities_choice(local_target, live_options, emulator) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])

    def run(*a):
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "tapcheck.cli",
                "deploy",
                live_options.template,
                "--stack-name",
                f"tapcheck-clicap-{uuid.uuid4().hex[:6]}",
                "--param",
                f"EnvironmentSuffix={_suffix()}",
                *a,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    proc = run("--capabilities", "CAPABILITY_IAM")
    assert proc.returncode == 1, proc.stderr
    assert "Requires capabilities : [CAPABILITY_NAMED_IAM]" in proc.stderr
    assert "refused before anything was created" in proc.stderr
    proc = run("--capabilities", "CAPABILITY_EVERYTHING")
    assert proc.returncode == 2 and "is not a CloudFormation capability" in proc.stderr
