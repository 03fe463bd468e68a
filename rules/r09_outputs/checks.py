"""R9 — outputs for the writer endpoint, the reader endpoint and the secret ARN, from the right attributes."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, ResourceRef, show
from tapcheck.requirements.common import SECRET, credential_secret, the_cluster
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)


def expected_outputs(model: Model) -> dict[str, tuple[str, set[ResourceRef | AttrRef]]]:
    """Output name -> (what it is, acceptable values). Ref and GetAtt Id of a secret both give its ARN:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values"""
    cluster = the_cluster(model)
    if cluster is None:
        return {}
    secrets = model.of_type(SECRET)
    secret = credential_secret(model, cluster) or (secrets[0] if len(secrets) == 1 else None)
    wanted: dict[str, tuple[str, set[ResourceRef | AttrRef]]] = {
        V["writer_output"]: ("the writer endpoint", {AttrRef(cluster.logical_id, "Endpoint.Address")}),
        V["reader_output"]: ("the reader endpoint", {AttrRef(cluster.logical_id, "ReadEndpoint.Address")}),
    }
    if secret is not None:
        wanted[V["secret_output"]] = (
            "the credentials secret's ARN",
            {ResourceRef(secret.logical_id), AttrRef(secret.logical_id, "Id")},
        )
    return wanted


@check("required-outputs")
def required_outputs(model: Model):
    """ClusterEndpoint, ClusterReaderEndpoint and DatabaseSecretArn read the cluster's endpoints and the secret's ARN."""  # noqa: E501 - a check's description is one line (registry)
    for name, (what, accepted) in expected_outputs(model).items():
        output = model.outputs.get(name)
        if output is None:
            yield violation(None, f"/Outputs/{name}", f"Output {name} ({what}) is missing", f"Add output {name}")
        elif output.value not in accepted:
            shown = " or ".join(sorted(show(v) for v in accepted))
            yield violation(
                None,
                f"/Outputs/{name}/Value",
                f"Output {name} reads {show(output.value)}, not {what} ({shown})",
                f"Set its Value to {shown}",
            )
