"""S6 — a rewrite that keeps the detail met, and a change that breaks it."""


def passing_example(template: dict) -> None:
    template["Parameters"]["EnvironmentSuffix"]["AllowedPattern"] = "[a-z0-9]+"   # whole-value match anyway


def failing_example(template: dict) -> None:
    template["Parameters"]["DatabaseName"]["AllowedPattern"] = "^[a-zA-Z0-9_-]*$"
