"""`tapcheck score`: the gate's mutation score per requirement, and its equivalence pass count.

Deterministic: every operator with every one of its listed choices (``--examples N`` keeps a
seeded sample of N per requirement), every rewrite with a few seeds on the fast path, each
rewrite rendered as YAML and a few full compositions through the whole gate (cfn-lint,
cfn-guard, Control Tower). Exit 0 when every requirement scores 100 % and every rewrite
passes, 1 otherwise; unusable input raises UsageError (exit 2).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tapcheck.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from tapcheck.mutation.evaluate import Verdict, judge, load_base
from tapcheck.mutation.operators import OPERATORS, Operator
from tapcheck.mutation.rewrites import REWRITES, Rewrite
from tapcheck.mutation.yaml_emit import to_yaml
from tapcheck.requirements.registry import registry

REWRITE_SEEDS = 3  # fast-path seeds per rewrite
COMPOSED_SEEDS = 2  # full compositions through the whole gate (each as JSON and as YAML)


@dataclass
class MutantResult:
    check: str
    requirements: tuple[str, ...]
    operator: str
    choice: Any
    tools: bool
    verdict: Verdict

    @property
    def killed(self) -> bool:
        return self.verdict.kills(self.requirements)

    @property
    def label(self) -> str:
        return f"{self.check} [{','.join(self.requirements)}] {self.operator}({self.choice!r})"


@dataclass
class RewriteResult:
    label: str
    tools: bool
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.compliant


@dataclass
class Score:
    template: str
    mutants: list[MutantResult] = field(default_factory=list)
    rewrites: list[RewriteResult] = field(default_factory=list)
    seconds: float = 0.0

    def per_requirement(self) -> dict[str, tuple[int, int, int]]:
        """id -> (operators, generated, killed), in matrix order."""
        table = {}
        for requirement in registry().requirements:
            own = [m for m in self.mutants if requirement.id in m.requirements]
            table[requirement.id] = (len({m.operator for m in own}), len(own), sum(m.killed for m in own))
        return table

    @property
    def survivors(self) -> list[MutantResult]:
        return [m for m in self.mutants if not m.killed]

    @property
    def flagged(self) -> list[RewriteResult]:
        return [r for r in self.rewrites if not r.passed]

    @property
    def uncovered(self) -> list[str]:
        return [rid for rid, (_, generated, _) in self.per_requirement().items() if generated == 0]

    @property
    def perfect(self) -> bool:
        return not self.survivors and not self.flagged and not self.uncovered

    def table(self) -> str:
        lines = [
            f"Mutation score of the gate on {self.template}",
            "",
            f"{'requirement':<12}{'operators':>10}{'mutants':>9}{'killed':>8}{'score':>9}",
        ]
        for rid, (operators, generated, killed) in self.per_requirement().items():
            score = f"{100 * killed / generated:.0f} %" if generated else "n/a"
            lines.append(f"{rid:<12}{operators:>10}{generated:>9}{killed:>8}{score:>9}")
        total_generated, total_killed = len(self.mutants), sum(m.killed for m in self.mutants)
        overall = f"{100 * total_killed / total_generated:.1f} %" if total_generated else "n/a"
        lines.append(
            f"{'all':<12}{len({m.operator for m in self.mutants}):>10}{total_generated:>9}{total_killed:>8}{overall:>9}"
        )
        passed = sum(r.passed for r in self.rewrites)
        full = [r for r in self.rewrites if r.tools]
        lines += [
            "",
            (
                f"rewrites: {passed}/{len(self.rewrites)} pass "
                f"({sum(r.passed for r in full)}/{len(full)} through the full gate with cfn-lint and cfn-guard)"
            ),
        ]
        for rid in self.uncovered:
            lines.append(f"NO OPERATOR: {rid} has no mutant that applies to this template")
        for m in self.survivors:
            lines.append(f"SURVIVED: {m.label}: {m.verdict.summary()}")
        for r in self.flagged:
            lines.append(f"FLAGGED REWRITE: {r.label}: {r.verdict.summary()}")
        lines.append(f"\n{len(self.mutants) + len(self.rewrites)} templates judged in {self.seconds:.1f} s")
        return "\n".join(lines)


def mutant_plan(
    template: dict, examples: int | None = None, seed: int = 0, operators: list[Operator] = OPERATORS
) -> list[tuple[Operator, Any]]:
    """Every (operator, choice) to judge; with examples, a seeded sample of that many per check."""
    plan: list[tuple[Operator, Any]] = []
    rng = random.Random(seed)
    for check in registry().checks:
        own = [(op, choice) for op in operators if op.check == check for choice in op.choices(template)]
        if examples is not None and len(own) > examples:
            # keep every operator represented before sampling more of them
            first: dict[str, tuple[Operator, Any]] = {}
            for op, choice in own:
                first.setdefault(op.name, (op, choice))
            rest = [pair for pair in own if pair not in first.values()]
            picked = list(first.values())[:examples]
            picked += rng.sample(rest, max(0, examples - len(picked)))
            own = [pair for pair in own if pair in picked]
        plan += own
    return plan


def rewrite_plan(rewrites: list[Rewrite] = REWRITES) -> list[tuple[str, list[tuple[Rewrite, int]], bool, bool]]:
    """(label, steps, as_yaml, full gate)."""
    plan = []
    for rewrite in rewrites:
        for seed in range(REWRITE_SEEDS):
            plan.append((f"{rewrite.name}[{seed}]", [(rewrite, seed)], False, False))
        plan.append((f"{rewrite.name}[0] as YAML", [(rewrite, 0)], True, True))
    for seed in range(COMPOSED_SEEDS):
        rng = random.Random(seed)
        steps = [(r, rng.randrange(2**16)) for r in rng.sample(rewrites, len(rewrites))]
        label = "all rewrites composed[" + str(seed) + "]"
        plan.append((label, steps, False, True))
        plan.append((label + " as YAML", steps, True, True))
    return plan


def run_score(
    template_path: str, examples: int | None = None, seed: int = 0, progress: Callable[[str], None] | None = None
) -> Score:
    started = time.monotonic()
    base = load_base(template_path)
    baseline = judge(base, tools=True, label="base.json")
    if not baseline.compliant:
        raise UsageError(
            template_path,
            "is not compliant, so mutants of it prove nothing: " + baseline.summary()[:200],
            "run `tapcheck check` and fix the template first",
        )
    score = Score(template_path)
    for op, choice in mutant_plan(base, examples, seed):
        verdict = judge(op(base, choice), tools=op.tools)
        score.mutants.append(MutantResult(op.check, op.requirements, op.name, choice, op.tools, verdict))
        if progress and not score.mutants[-1].killed:
            progress(f"survived: {score.mutants[-1].label}")
    for label, steps, as_yaml, tools in rewrite_plan():
        result = base
        for rewrite, step_seed in steps:
            result = rewrite(result, step_seed)
        verdict = judge(to_yaml(result) if as_yaml else result, tools=tools, label="rewrite.json")
        score.rewrites.append(RewriteResult(label, tools, verdict))
    score.seconds = time.monotonic() - started
    return score


def main(args) -> int:
    examples = getattr(args, "examples", None)
    if examples is not None and examples < 1:
        raise UsageError("--examples", f"must be at least 1, not {examples}", "pass a positive number")
    score = run_score(
        args.template, examples, getattr(args, "seed", None) or 0, progress=lambda line: print(line, file=sys.stderr)
    )
    print(score.table())
    return EXIT_OK if score.perfect else EXIT_FINDINGS
