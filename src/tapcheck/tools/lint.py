"""cfn-lint, in-process, on the tree the gate already parsed.

Errors and warnings block; informational matches are shown but do not. Each cfn-lint rule
lands on the check the requirement folders map it to ([cfn-lint] tables: W3690 is evidence
for engine-version, W3005 for references); every other rule on S8's catch-all check.
"""

from __future__ import annotations

from tapcheck.findings import Finding, Severity
from tapcheck.loader import LoadedTemplate
from tapcheck.requirements.registry import registry

REGION = "us-east-1"
TOOL = "cfn-lint"
SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "informational": Severity.INFO}


def run(loaded: LoadedTemplate) -> list[Finding]:
    from cfnlint.api import ConfigMixIn, run_template_by_data

    config = ConfigMixIn(regions=[REGION], include_checks=["I"])
    rules = _rules(config)
    matches = run_template_by_data(loaded.tree, config, rules)
    return [_finding(m, loaded.path) for m in matches]


_RULES_CACHE: dict = {}


def _rules(config):
    """Loading cfn-lint's rule collection is its costliest step: do it once per process."""
    key = tuple(config.include_checks or ())
    if key not in _RULES_CACHE:
        from cfnlint.runner import Runner

        _RULES_CACHE[key] = Runner(config).rules
    return _RULES_CACHE[key]


def _finding(match, path: str) -> Finding:
    rule_id = match.rule.id
    severity = SEVERITY.get(getattr(match.rule, "severity", "error"), Severity.ERROR)
    where = getattr(match, "path", None) or []      # E0002 (a rule crashed) carries no path
    pointer = "/" + "/".join(str(p) for p in where)
    resource = None
    if len(where) > 1 and where[0] == "Resources":
        resource = str(where[1])
    reg = registry()
    check = reg.check_of_tool_rule(TOOL, rule_id)
    return Finding(
        requirements=reg.requirements_of(check), check=check, rule=rule_id,
        resource=resource,
        path=pointer,
        message=" ".join(str(match.message).split()),
        fix=f"See {match.rule.source_url}" if getattr(match.rule, "source_url", "") else "See the cfn-lint rule",
        severity=severity,
        source="cfn-lint",
        file=path,
        line=getattr(match, "linenumber", None),
        column=getattr(match, "columnnumber", None),
    )
