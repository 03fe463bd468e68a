"""build_model with given parameter values: a value beats the Default, typed as the parameter's
Type says, and a parameter with neither stays symbolic."""

from __future__ import annotations

from tapcheck.loader import parse_text
from tapcheck.model import ParamRef, Str, build_model

YAML = """
Parameters:
  Suffix: {Type: String, Default: prod}
  Subnets: {Type: CommaDelimitedList, Default: "a,b"}
  Vpc: {Type: AWS::EC2::VPC::Id}
  Size: {Type: Number, Default: 7}
Conditions:
  IsProd: !Equals [!Ref Suffix, prod]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "alarms-${Suffix}"
      DisplayName: !If [IsProd, production, other]
  Subnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: !Ref Vpc
      SubnetIds: !Ref Subnets
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds: !Ref Size
"""


def test_defaults_apply_when_no_value_is_given():
    model = build_model("t.yaml", parse_text(YAML))
    assert model.resources["Topic"].properties["TopicName"] == "alarms-prod"
    assert model.resources["Topic"].properties["DisplayName"] == "production"
    assert model.resources["Subnets"].properties["DBSubnetGroupDescription"] == ParamRef("Vpc")


def test_given_values_beat_defaults_and_drive_conditions():
    model = build_model(
        "t.yaml", parse_text(YAML), {"Suffix": "dev", "Subnets": "x, y, z", "Vpc": "vpc-1", "Size": "9"}
    )
    topic = model.resources["Topic"].properties
    assert topic["TopicName"] == "alarms-dev" and topic["TopicName"].params == {"Suffix"}
    assert topic["DisplayName"] == "other"
    assert model.resources["Subnets"].properties["SubnetIds"] == ["x", "y", "z"]
    assert model.resources["Subnets"].properties["DBSubnetGroupDescription"] == "vpc-1"
    assert isinstance(model.resources["Queue"].properties["DelaySeconds"], Str)
    assert model.resources["Queue"].properties["DelaySeconds"] == "9"
