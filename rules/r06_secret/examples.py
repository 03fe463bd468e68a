"""R6 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import SECRET, props


def passing_example(template: dict) -> None:
    generator = props(template, SECRET)["GenerateSecretString"]
    generator.pop("PasswordLength", None)  # Secrets Manager's default is 32
    generator["ExcludeCharacters"] = "@/\" \\'"


def failing_example(template: dict) -> None:
    props(template, SECRET)["GenerateSecretString"]["ExcludeCharacters"] = '"@\\'  # '/' may appear


def failing_example_single_quote_allowed(template: dict) -> None:
    """The seed's alphabet before issue 22: ' may appear, which the Aurora quotas page refuses."""
    props(template, SECRET)["GenerateSecretString"]["ExcludeCharacters"] = '"@/\\ '
