"""C4 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, SECRET, logical_id, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["MasterUserPassword"] = {
        "Fn::Join": [
            "",
            ["{{resolve:secretsmanager:", {"Ref": logical_id(template, SECRET)}, ":SecretString:password}}"],
        ]
    }


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["MasterUserPassword"] = "Sup3rS3cretPassw0rd!"
