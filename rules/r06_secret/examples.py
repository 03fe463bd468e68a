"""R6 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, SECRET, first, logical_id, props


def passing_example(template: dict) -> None:
    generator = props(template, SECRET)["GenerateSecretString"]
    generator.pop("PasswordLength", None)  # Secrets Manager's default is 32
    generator["ExcludeCharacters"] = "@/\" \\'"


def failing_example(template: dict) -> None:
    props(template, SECRET)["GenerateSecretString"]["ExcludeCharacters"] = '"@\\'  # '/' may appear


def failing_example_single_quote_allowed(template: dict) -> None:
    """The seed's alphabet before issue 22: ' may appear, which the Aurora quotas page refuses."""
    props(template, SECRET)["GenerateSecretString"]["ExcludeCharacters"] = '"@/\\ '


def failing_example_secret_named_as_in_the_default_deployment(template: dict) -> None:
    """The password read from the secret by its name at the defaults ('aurora-credentials-prod'), with a
    DependsOn: a stack deployed with another EnvironmentSuffix reads the prod stack's secret."""
    from tapcheck.model import Resolver

    secret_id = logical_id(template, SECRET)
    name = str(Resolver(template).resolve(props(template, SECRET)["Name"]))
    cluster = first(template, CLUSTER)
    for prop, key in (("MasterUserPassword", "password"), ("MasterUsername", "username")):
        cluster["Properties"][prop] = f"{{{{resolve:secretsmanager:{name}:SecretString:{key}}}}}"
    depends = cluster.get("DependsOn", [])
    cluster["DependsOn"] = (depends if isinstance(depends, list) else [depends]) + [secret_id]


def passing_example_current_version_named(template: dict) -> None:
    """AWSCURRENT spelled out, and empty version fields: the same version a versionless reference reads."""
    cluster = first(template, CLUSTER)["Properties"]
    secret = "${" + logical_id(template, SECRET) + "}"
    reference = f"{{{{resolve:secretsmanager:{secret}:SecretString"
    cluster["MasterUserPassword"] = {"Fn::Sub": f"{reference}:password:AWSCURRENT}}}}"}
    cluster["MasterUsername"] = {"Fn::Sub": f"{reference}:username::}}}}"}


def failing_example_password_from_the_previous_version(template: dict) -> None:
    """The password read from AWSPREVIOUS: after a rotation the cluster gets the value the secret replaced."""
    secret = "${" + logical_id(template, SECRET) + "}"
    first(template, CLUSTER)["Properties"]["MasterUserPassword"] = {
        "Fn::Sub": f"{{{{resolve:secretsmanager:{secret}:SecretString:password:AWSPREVIOUS}}}}"
    }


def failing_example_username_pinned_to_a_version_id(template: dict) -> None:
    secret = "${" + logical_id(template, SECRET) + "}"
    version_id = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
    first(template, CLUSTER)["Properties"]["MasterUsername"] = {
        "Fn::Sub": f"{{{{resolve:secretsmanager:{secret}:SecretString:username::{version_id}}}}}"
    }
