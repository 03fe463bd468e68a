"""C6 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import INSTANCE, SUBNET_GROUP, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["AvailabilityZone"] = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}


def failing_example(template: dict) -> None:
    props(template, SUBNET_GROUP)["SubnetIds"] = [{"Ref": "SubnetId1"}, {"Ref": "SubnetId1"}]


def _pin(template: dict, indexes: tuple[int, int]) -> None:
    instances = [r for r in template["Resources"].values() if r.get("Type") == INSTANCE]
    for instance, index in zip(instances, indexes):
        instance["Properties"]["AvailabilityZone"] = {"Fn::Select": [index, {"Fn::GetAZs": ""}]}


def passing_example_pinned_to_two_listed_zones(template: dict) -> None:
    """Items 0 and 1 of the region's zone list: two zones, whichever they turn out to be."""
    _pin(template, (0, 1))


def failing_example_pinned_to_one_listed_zone(template: dict) -> None:
    """Item 0 of the zone list twice (once as !GetAZs '', once as !GetAZs !Ref AWS::Region): one AZ."""
    _pin(template, (0, 0))
    instances = [r for r in template["Resources"].values() if r.get("Type") == INSTANCE]
    instances[1]["Properties"]["AvailabilityZone"]["Fn::Select"][1] = {"Fn::GetAZs": {"Ref": "AWS::Region"}}
