"""R9 — outputs for the writer endpoint, the reader endpoint and the secret ARN, from the right attributes."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, ResourceRef
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import SECRET, the_cluster
from tapcheck.requirements.r06_secret import credential_secret

SPEC = "Outputs for cluster endpoint, reader endpoint, secret ARN (seed R9)"


def expected_outputs(model: Model) -> dict:
    """Output name -> (description, acceptable values). Ref and GetAtt Id of a secret both give its ARN."""
    cluster, _ = the_cluster(model)
    if cluster is None:
        return {}
    secret = credential_secret(model, cluster) or next(iter(model.of_type(SECRET)), None)
    wanted = {
        "ClusterEndpoint": ("the writer endpoint", {AttrRef(cluster.logical_id, "Endpoint.Address")}),
        "ClusterReaderEndpoint": ("the reader endpoint", {AttrRef(cluster.logical_id, "ReadEndpoint.Address")}),
    }
    if secret is not None:
        wanted["DatabaseSecretArn"] = ("the credentials secret's ARN",
                                       {ResourceRef(secret.logical_id), AttrRef(secret.logical_id, "Id")})
    return wanted


def check(model: Model):
    cluster, problems = the_cluster(model)
    yield from problems
    for name, (what, accepted) in expected_outputs(model).items():
        output = model.outputs.get(name)
        if output is None:
            yield violation(None, f"/Outputs/{name}", f"Output {name} ({what}) is missing",
                            f"Add output {name}", "missing")
        elif output.value not in accepted:
            shown = " or ".join(sorted(_show(v) for v in accepted))
            yield violation(None, f"/Outputs/{name}/Value", f"Output {name} does not read {what} ({shown})",
                            f"Set its Value to {shown}", "value")


def _show(value) -> str:
    if isinstance(value, AttrRef):
        return f"GetAtt {value.logical_id}.{value.attribute}"
    return f"Ref {value.logical_id}"


def passing_example(template: dict) -> None:
    output = template["Outputs"]["ClusterReaderEndpoint"]
    cluster = output["Value"]["Fn::GetAtt"][0]
    output["Value"] = {"Fn::Sub": "${" + cluster + ".ReadEndpoint.Address}"}


def failing_example(template: dict) -> None:
    output = template["Outputs"]["ClusterReaderEndpoint"]
    output["Value"] = {"Fn::GetAtt": [output["Value"]["Fn::GetAtt"][0], "Endpoint.Address"]}


REQUIREMENT = Requirement("R9", "Outputs: writer, reader endpoint and secret ARN", SPEC, check,
                          passing_example, failing_example)
