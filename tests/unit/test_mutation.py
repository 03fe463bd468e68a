"""Property: every mutant of the compliant template fails the gate on the check it breaks (a
blocking finding of that check, carrying every requirement mapped to it). Hypothesis shrinks a
survivor to the first operator and the nearest choice that slips through, and prints it.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from tapcheck.mutation import operators as ops
from tapcheck.mutation.evaluate import judge, load_base
from tapcheck.mutation.rewrites import BY_NAME
from tapcheck.mutation.strategies import applicable, mutant_specs
from tapcheck.mutation.yaml_emit import to_yaml
from tapcheck.requirements.registry import registry

REQUIREMENTS = registry().requirements
SCALE = settings.default.max_examples / 100  # 1 under the ci profile
FAST_CHECKS = sorted({op.check for op in ops.OPERATORS if not op.tools})
TOOL_CHECKS = sorted({op.check for op in ops.OPERATORS if op.tools})
# Rewrites that change only the spelling, so a mutant rewritten by them is still the same mutant.
SYNTACTIC = ["shuffle_keys", "rename_logical_ids", "scalars_as_strings", "sub_join_swapped", "reorder_and_extend_tags"]


@functools.cache
def _base(path: str) -> dict:
    return load_base(path)


@pytest.fixture(scope="module")
def base(base_template_path):
    return _base(base_template_path)


def test_every_requirement_has_operators_that_apply(base):
    covered = {r for op in applicable(base) for r in op.requirements}
    missing = [r.id for r in REQUIREMENTS if r.id not in covered]
    assert not missing, f"requirements without an applicable mutation operator: {missing}"


def test_operators_do_not_touch_the_base(base):
    before = repr(base)
    for op in ops.OPERATORS:
        for choice in op.choices(base)[:1]:
            op(base, choice)
    assert repr(base) == before


def test_operators_find_resources_by_meaning_not_by_logical_id(base):
    """The same operator and choice hit the same resource after every logical id is renamed."""
    renamed = BY_NAME["rename_logical_ids"](base, 7)
    assert set(renamed["Resources"]) != set(base["Resources"])
    for op in ops.OPERATORS:
        assert len(op.choices(renamed)) == len(op.choices(base)), op.name


@pytest.mark.parametrize("check_id", FAST_CHECKS)
@settings(max_examples=max(4, int(8 * SCALE)))
@given(data=st.data())
def test_mutant_is_killed_by_its_check(base_template_path, check_id, data):
    base = _base(base_template_path)
    op, choice = data.draw(mutant_specs(base, check=check_id, tools=False), label="operator, choice")
    name, mutant = f"{op.name}({choice!r})", op(base, choice)
    verdict = judge(mutant)
    note(f"{check_id} {name}: {verdict.summary()}")
    assert not verdict.compliant, f"{name} survived: the gate passes a template that breaks {check_id}"
    assert verdict.kills(op.requirements), (
        f"{name} breaks {check_id} ({', '.join(op.requirements)}) but the gate "
        f"blames only {sorted(verdict.requirements)}"
    )


@pytest.mark.parametrize("check_id", TOOL_CHECKS)
@settings(max_examples=max(2, int(3 * SCALE)))
@given(data=st.data())
def test_tool_mutant_is_killed_by_the_full_gate(base_template_path, check_id, data):
    base = _base(base_template_path)
    op, choice = data.draw(mutant_specs(base, check=check_id, tools=True), label="operator, choice")
    name, mutant = f"{op.name}({choice!r})", op(base, choice)
    verdict = judge(mutant, tools=True)
    note(f"{check_id} {name}: {verdict.summary()}")
    assert verdict.kills(op.requirements), f"{name} survived the full gate: {verdict.summary()}"


@settings(max_examples=max(10, int(60 * SCALE)))
@given(data=st.data())
def test_rewritten_mutant_is_still_killed(base_template_path, data):
    """A mutant spelt differently (renamed ids, shuffled keys, strings for numbers, Join for Sub, YAML)
    is the same mutant: the gate must still blame the same requirement."""
    base = _base(base_template_path)
    op, choice = data.draw(mutant_specs(base, tools=False), label="operator, choice")
    name, mutant = f"{op.name}({choice!r})", op(base, choice)
    steps = data.draw(
        st.lists(
            st.tuples(st.sampled_from(SYNTACTIC), st.integers(0, 2**16)),
            min_size=1,
            max_size=4,
            unique_by=lambda s: s[0],
        ),
        label="rewrites",
    )
    for rewrite, seed in steps:
        mutant = BY_NAME[rewrite](mutant, seed)
    as_yaml = data.draw(st.booleans(), label="yaml")
    verdict = judge(to_yaml(mutant) if as_yaml else mutant)
    note(f"{op.check} {name} after {steps}: {verdict.summary()}")
    assert verdict.kills(op.requirements), f"{name} rewritten by {steps} survives: {verdict.summary()}"


def test_removing_any_check_lets_its_mutants_survive(base, monkeypatch):
    """Each static check is necessary: without it, some of its mutants no longer fail all its requirements.
    (This is what makes the property tests fail when a check is deleted.)"""
    from tapcheck.mutation.score import mutant_plan

    plan = mutant_plan(base)
    not_needed = []
    for check in registry().checks.values():
        if check.function is None:
            continue
        own = [(op, choice) for op, choice in plan if op.check == check.id and not op.tools]
        with monkeypatch.context() as patched:
            patched.setattr(check, "function", None)
            if own and all(judge(op(base, choice)).kills(op.requirements) for op, choice in own):
                not_needed.append(check.id)
    assert not not_needed, f"mutants of {not_needed} are still killed with their check removed"


@settings(max_examples=max(5, int(10 * SCALE)))
@given(data=st.data())
def test_mutants_strategy_yields_id_name_and_template(base_template_path, data):
    """The public strategy: (check id, operator(choice), mutant template)."""
    from tapcheck.mutation.strategies import mutants

    check_id, name, mutant = data.draw(
        mutants(_base(base_template_path), tools=False).map(lambda m: (m[0], m[1], m[2])), label="mutant"
    )
    assert check_id in registry().checks and "(" in name and "Resources" in mutant
    assert judge(mutant).kills(registry().requirements_of(check_id)), name
