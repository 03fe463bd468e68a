"""Hypothesis strategies over mutants and rewrites of a compliant template.

- ``mutants(template)`` draws (check id, operator_name, mutant template): an operator,
  then one of its choices (near misses first, so shrinking lands on them) or a value from its
  wider strategy.
- ``rewrites(template)`` draws a composition of equivalence rewrites, each with a seed, and
  renders it as a dict (JSON) or, sometimes, YAML text with short-form tags.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import strategies as st

from tapcheck.mutation.operators import OPERATORS, Operator
from tapcheck.mutation.rewrites import REWRITES, Rewrite
from tapcheck.mutation.yaml_emit import to_yaml


def applicable(
    template: dict,
    operators: Iterable[Operator] = OPERATORS,
    requirement: str | None = None,
    tools: bool | None = None,
    check: str | None = None,
) -> list[Operator]:
    return [
        op
        for op in operators
        if (requirement is None or requirement in op.requirements)
        and (check is None or op.check == check)
        and (tools is None or op.tools == tools)
        and op.choices(template)
    ]


def choices(op: Operator, template: dict) -> st.SearchStrategy:
    fixed = st.sampled_from(op.choices(template))
    return st.one_of(fixed, op.strategy(template)) if op.strategy is not None else fixed


def mutant_specs(
    template: dict,
    requirement: str | None = None,
    tools: bool | None = None,
    operators: Iterable[Operator] = OPERATORS,
    check: str | None = None,
) -> st.SearchStrategy:
    """(operator, choice) for operators applicable to the template: short to print when shrunk."""
    ops = applicable(template, operators, requirement, tools, check)
    if not ops:
        raise ValueError(f"no operator applies (requirement={requirement}, check={check}, tools={tools})")
    return st.sampled_from(ops).flatmap(lambda op: choices(op, template).map(lambda choice: (op, choice)))


def mutants(
    template: dict, requirement: str | None = None, tools: bool | None = None, operators: Iterable[Operator] = OPERATORS
) -> st.SearchStrategy:
    """(check id, operator name, mutant) for operators applicable to the template."""
    return mutant_specs(template, requirement, tools, operators).map(
        lambda spec: (spec[0].check, f"{spec[0].name}({spec[1]!r})", spec[0](template, spec[1]))
    )


@st.composite
def rewrite_steps(draw, available: Iterable[Rewrite] = REWRITES, max_steps: int | None = None):
    pool = list(available)
    chosen = draw(
        st.lists(st.sampled_from(pool), min_size=1, max_size=max_steps or len(pool), unique_by=lambda r: r.name)
    )
    return [(r, draw(st.integers(0, 2**16))) for r in chosen]


@st.composite
def rewrites(
    draw,
    template: dict,
    yaml: bool | None = None,
    available: Iterable[Rewrite] = REWRITES,
    max_steps: int | None = None,
):
    """A rewrite of template: a dict, or YAML text (yaml=None: drawn)."""
    result = template
    for rewrite, seed in draw(rewrite_steps(available, max_steps)):
        result = rewrite(result, seed)
    as_yaml = draw(st.booleans()) if yaml is None else yaml
    return to_yaml(result) if as_yaml else result
