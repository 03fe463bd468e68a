"""R9 — a rewrite that keeps the requirement met, and a change that breaks it."""


def passing_example(template: dict) -> None:
    output = template["Outputs"]["ClusterReaderEndpoint"]
    cluster = output["Value"]["Fn::GetAtt"][0]
    output["Value"] = {"Fn::Sub": "${" + cluster + ".ReadEndpoint.Address}"}


def failing_example(template: dict) -> None:
    output = template["Outputs"]["ClusterReaderEndpoint"]
    output["Value"] = {"Fn::GetAtt": [output["Value"]["Fn::GetAtt"][0], "Endpoint.Address"]}
