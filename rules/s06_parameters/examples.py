"""S6 — a rewrite that keeps the detail met, and a change that breaks it."""


def passing_example(template: dict) -> None:
    template["Parameters"]["EnvironmentSuffix"]["AllowedPattern"] = "[a-z0-9]+"  # whole-value match anyway


def failing_example(template: dict) -> None:
    template["Parameters"]["DatabaseName"]["AllowedPattern"] = "^[a-zA-Z0-9_-]*$"


def passing_example_tighter_suffix(template: dict) -> None:
    """A shorter MaxLength keeps every name AWS accepts."""
    template["Parameters"]["EnvironmentSuffix"]["MaxLength"] = "12"


def failing_example_suffix_without_max_length(template: dict) -> None:
    """The seed before issue 22: a 40-character suffix makes the cluster identifier 64 characters."""
    template["Parameters"]["EnvironmentSuffix"].pop("MaxLength")


def failing_example_subnet_group_name_refused(template: dict) -> None:
    """A colon RDS does not accept in a DB subnet group name."""
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::RDS::DBSubnetGroup":
            resource["Properties"]["DBSubnetGroupName"] = {"Fn::Sub": "aurora:subnets-${EnvironmentSuffix}"}
