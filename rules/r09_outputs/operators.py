"""R9 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster, credential_secret, duplicate, output, properties, secret_attachment
from tapcheck.requirements.unit import operator, values

R9_OUTPUTS = [v for k, v in values(__file__).items() if k.endswith("_output")]


@operator("required-outputs", list(R9_OUTPUTS))
def required_output_removed(t, name):
    output(t, name)
    del t["Outputs"][name]


@operator(
    "required-outputs",
    [
        ("ClusterEndpoint", "ReadEndpoint.Address"),
        ("ClusterEndpoint", "Endpoint.Port"),
        ("ClusterReaderEndpoint", "Endpoint.Address"),
        ("ClusterReaderEndpoint", "ReadEndpoint.Port"),
    ],
)
def endpoint_output_wrong_attribute(t, choice):
    """An endpoint output reading the wrong attribute."""
    name, attribute = choice
    output(t, name)["Value"] = {"Fn::GetAtt": [cluster(t)[0], attribute]}


@operator("required-outputs", ["attachment", "cluster", "other-secret", "literal"])
def secret_arn_output_wrong(t, how):
    found = output(t, "DatabaseSecretArn")
    if how == "attachment":
        found["Value"] = {"Ref": secret_attachment(t)[0]}
    elif how == "cluster":
        found["Value"] = {"Ref": cluster(t)[0]}
    elif how == "other-secret":
        key, _ = credential_secret(t)
        other = duplicate(t, key, "SpareSecret")
        properties(t["Resources"][other])["Name"] = {"Fn::Sub": "spare-credentials-${EnvironmentSuffix}"}
        found["Value"] = {"Ref": other}
    else:
        found["Value"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aurora-credentials"


@operator("required-outputs", ["other-cluster"])
def endpoint_output_other_cluster(t, _):
    """The writer endpoint of another cluster (the cluster duplicated, the output pointing at the copy)."""
    key, _ = cluster(t)
    other = duplicate(t, key, "OtherCluster")
    output(t, "ClusterEndpoint")["Value"] = {"Fn::GetAtt": [other, "Endpoint.Address"]}
