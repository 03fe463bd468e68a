"""What `tapcheck requirements` prints and the README's requirement table shows: every
requirement with its checks, guard rules, probes, operators and AWS pages.

It spans the layers (the gate's checks, the live layer's probes, the mutation engine's
operators), so the caller hands the probes and operators in: this module imports neither."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tapcheck.requirements.registry import registry


def catalogue(probes: Iterable[Any], operators: Iterable[Any]) -> list[dict]:
    """Rows from the registry; `probes` carry .name and .checks, `operators` .check."""
    reg = registry()
    probe_list, operator_list = list(probes), list(operators)
    rows = []
    for requirement in reg.requirements:
        checks = [reg.checks[c] for c in requirement.checks]
        rows.append(
            {
                "id": requirement.id,
                "title": requirement.title,
                "spec": requirement.spec,
                "checks": [c.id for c in checks],
                "guard_rules": sorted({rule for c in checks for rule in c.guard_rules}),
                "tool_rules": sorted(
                    {f"{tool}:{rule}" for c in checks for tool, rules in c.tool_rules.items() for rule in rules}
                ),
                "probes": [p.name for p in probe_list if set(p.checks) & set(requirement.checks)],
                "operators": sum(1 for o in operator_list if o.check in requirement.checks),
                "no_probe_reason": requirement.no_probe_reason,
                "aws_docs": list(requirement.aws_docs),
            }
        )
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| id | requirement | from the specification | checks | guard rules | probes | operators |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        probes_cell = ", ".join(row["probes"]) or f"none: {row['no_probe_reason']}"
        tools = [r for r in row["tool_rules"] if not r.endswith(":*")]
        checks = ", ".join(row["checks"]) + (f" (+ {', '.join(tools)})" if tools else "")
        if any(r.endswith(":*") for r in row["tool_rules"]):
            checks += " (+ every other " + ", ".join(r[:-2] for r in row["tool_rules"] if r.endswith(":*")) + " rule)"
        lines.append(
            f"| {row['id']} | {row['title']} | {row['spec']} | {checks} | "
            f"{', '.join(row['guard_rules']) or '-'} | {probes_cell} | {row['operators']} |"
        )
    return "\n".join(lines) + "\n"
