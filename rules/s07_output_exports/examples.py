"""S7 — a rewrite that keeps the detail met, and a change that breaks it."""


def passing_example(template: dict) -> None:
    template["Outputs"]["ClusterPort"]["Export"]["Name"] = {
        "Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "ClusterPort"]]
    }


def failing_example(template: dict) -> None:
    template["Outputs"]["ClusterPort"]["Export"]["Name"] = "ClusterPort"
