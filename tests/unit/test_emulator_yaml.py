"""The emulator reads YAML short forms as CloudFormation does (emulator/stacks/yaml_short_form.py)."""

from __future__ import annotations

import yaml

from tapcheck.emulator.stacks.yaml_short_form import construct_short_form


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("", construct_short_form)  # as moto registers it
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


def _read(text: str):
    return yaml.load(text, Loader=_Loader)


def test_getatt_splits_at_the_first_dot_only():
    assert _read("a: !GetAtt Cluster.Endpoint.Address") == {"a": {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}}
    assert _read("a: !GetAtt Topic.TopicArn") == {"a": {"Fn::GetAtt": ["Topic", "TopicArn"]}}


def test_sequence_and_mapping_arguments_are_values_with_nested_tags_read_too():
    assert _read("a: !GetAtt [Cluster, Endpoint.Port]") == {"a": {"Fn::GetAtt": ["Cluster", "Endpoint.Port"]}}
    assert _read("a: !Join ['', [!Ref X, '-', !Sub '${Y}']]") == {
        "a": {"Fn::Join": ["", [{"Ref": "X"}, "-", {"Fn::Sub": "${Y}"}]]}
    }
    assert _read("a: !Sub ['${A}', {A: !Ref B}]") == {"a": {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}}
    assert _read("a: !Transform {Name: X, Parameters: {P: !Ref Q}}") == {
        "a": {"Fn::Transform": {"Name": "X", "Parameters": {"P": {"Ref": "Q"}}}}
    }


def test_an_unquoted_date_stays_the_text_written():
    assert _read("Version: 2012-10-17") == {"Version": "2012-10-17"}
