"""The resolver: what CloudFormation would make of intrinsic functions, defaults and conditions."""

from __future__ import annotations

from tapcheck.loader import parse_text
from tapcheck.model import (
    AttrRef,
    ParamRef,
    PseudoRef,
    ResourceRef,
    Str,
    Text,
    Unknown,
    as_bool,
    as_int,
    as_number,
    build_model,
)

YAML = """
Parameters:
  Suffix: {Type: String, Default: prod}
  Subnet: {Type: AWS::EC2::Subnet::Id}
  Mode: {Type: String, Default: strict, AllowedValues: [strict, loose]}
Conditions:
  Strict: !Equals [!Ref Mode, strict]
  Loose: !Not [!Condition Strict]
Resources:
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      DBClusterIdentifier: !Sub "db-${Suffix}"
      Joined: !Join ["-", [db, !Ref Suffix]]
      Subnet: !Ref Subnet
      Secret: !Sub "{{resolve:secretsmanager:${Vault}:SecretString:password}}"
      Endpoint: !GetAtt Db2.Endpoint.Address
      SubAttr: !Sub "${Db2.ReadEndpoint.Address}"
      Picked: !If [Strict, "7", "1"]
      Dropped: !If [Loose, x, !Ref AWS::NoValue]
      Stack: !Ref AWS::StackName
      Export: !Sub "${AWS::StackName}-Port"
      Escaped: !Sub "${!Literal}"
      Chosen: !Select [1, [a, b, c]]
  Db2:
    Type: AWS::RDS::DBCluster
    DeletionPolicy: Delete
  Vault:
    Type: AWS::SecretsManager::Secret
  Gone:
    Type: AWS::SNS::Topic
    Condition: Loose
  Member:
    Type: AWS::RDS::DBInstance
    Properties: {DBClusterIdentifier: !Ref Db}
  Lone:
    Type: AWS::RDS::DBInstance
"""


def model():
    return build_model("t.yaml", parse_text(YAML))


def test_parameter_defaults_resolve_and_remember_their_parameter():
    props = model().resources["Db"].properties
    assert props["DBClusterIdentifier"] == "db-prod"
    assert isinstance(props["DBClusterIdentifier"], Str) and props["DBClusterIdentifier"].params == {"Suffix"}
    assert props["Joined"] == "db-prod" and props["Joined"].params == {"Suffix"}


def test_parameters_without_default_stay_symbolic():
    assert model().resources["Db"].properties["Subnet"] == ParamRef("Subnet")


def test_sub_with_resource_and_pseudo_parameters():
    props = model().resources["Db"].properties
    assert props["Secret"] == Text(
        (Str("{{resolve:secretsmanager:"), ResourceRef("Vault"), Str(":SecretString:password}}"))
    )
    assert props["Stack"] == PseudoRef("AWS::StackName")
    assert props["Export"] == Text((PseudoRef("AWS::StackName"), Str("-Port")))
    assert props["Escaped"] == "${Literal}"


def test_getatt_long_short_and_sub_forms_agree():
    props = model().resources["Db"].properties
    assert props["Endpoint"] == AttrRef("Db2", "Endpoint.Address")
    assert props["SubAttr"] == AttrRef("Db2", "ReadEndpoint.Address")


def test_conditions_if_novalue_select():
    m = model()
    props = m.resources["Db"].properties
    assert props["Picked"] == "7"
    assert "Dropped" not in props
    assert props["Chosen"] == "b"
    assert "Gone" not in m.resources and m.excluded == {"Gone": "Loose"}


def test_aws_default_policies():
    m = model()
    assert m.resources["Db"].deletion_policy == "Snapshot" and not m.resources["Db"].deletion_policy_explicit
    assert m.resources["Db"].update_replace_policy == "Delete"  # UpdateReplacePolicy defaults to Delete everywhere
    assert m.resources["Db2"].deletion_policy == "Delete"
    assert m.resources["Vault"].deletion_policy == "Delete"
    assert m.resources["Member"].deletion_policy == "Delete"  # instance inside a cluster
    assert m.resources["Lone"].deletion_policy == "Snapshot"  # stand-alone instance


def test_coercion_as_cloudformation_does():
    assert as_int("7") == 7 and as_int(7.0) == 7 and as_int("7.5") is None and as_int(True) is None
    assert as_number("0.5") == 0.5
    assert as_bool("true") is True and as_bool("False") is False and as_bool("yes") is None and as_bool(1) is None


def test_unsupported_functions_are_unknown_not_guessed():
    tree = parse_text(
        '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"X": {"Fn::ImportValue": "y"}}}}}'
    )
    assert isinstance(build_model("t", tree).resources["A"].properties["X"], Unknown)


def test_zones_picked_from_getazs_keep_their_identity():
    """Fn::Select of Fn::GetAZs is unknown before deploy, but the same item of the same region's list is the
    same zone ('' and !Ref AWS::Region both mean the stack's region) and another item another zone."""
    zone = {
        "first": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "first_again": {"Fn::Select": ["0", {"Fn::GetAZs": {"Ref": "AWS::Region"}}]},
        "second": {"Fn::Select": [1, {"Fn::GetAZs": ""}]},
        "elsewhere": {"Fn::Select": [0, {"Fn::GetAZs": "eu-west-1"}]},
    }
    tree = {"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": zone}}}
    props = build_model("t", tree).resources["A"].properties
    assert all(isinstance(v, Unknown) for v in props.values())
    assert props["first"] == props["first_again"]
    assert len({props["first"], props["second"], props["elsewhere"]}) == 3
