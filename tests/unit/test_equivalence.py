"""Property: rewrites that keep the template's meaning keep it compliant — in the fast checks
for many compositions, and through the full gate (cfn-lint, cfn-guard, Control Tower) for a
sample, as JSON and as YAML with short-form tags.
"""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from tapcheck.loader import parse_text
from tapcheck.mutation.evaluate import judge, load_base
from tapcheck.mutation.rewrites import REWRITES
from tapcheck.mutation.strategies import rewrite_steps
from tapcheck.mutation.yaml_emit import to_yaml

SCALE = settings.default.max_examples / 100


@functools.cache
def _base(path: str) -> dict:
    return load_base(path)


@pytest.fixture(scope="module")
def base(base_template_path):
    return _base(base_template_path)


def _apply(base, steps):
    result = base
    for rewrite, seed in steps:
        result = rewrite(result, seed)
    return result


def test_yaml_emitter_round_trips(base):
    text = to_yaml(base)
    assert "!Ref " in text and "!Sub " in text and "!GetAtt " in text
    assert json.loads(json.dumps(parse_text(text))) == base


@pytest.mark.parametrize("rewrite", REWRITES, ids=lambda r: r.name)
def test_each_rewrite_changes_the_text(base, rewrite):
    assert any(json.dumps(rewrite(base, seed)) != json.dumps(base) for seed in range(5)), f"{rewrite.name} is a no-op"


@settings(max_examples=max(20, int(80 * SCALE)))
@given(data=st.data())
def test_rewrite_passes_the_checks(base_template_path, data):
    base = _base(base_template_path)
    steps = data.draw(rewrite_steps(), label="rewrites")
    as_yaml = data.draw(st.booleans(), label="yaml")
    note(f"rewrites: {[(r.name, seed) for r, seed in steps]}, yaml={as_yaml}")
    result = _apply(base, steps)
    verdict = judge(to_yaml(result) if as_yaml else result)
    assert verdict.compliant, f"a meaning-preserving rewrite is flagged: {verdict.summary()}"


@settings(max_examples=max(3, int(5 * SCALE)))
@given(data=st.data())
def test_rewrite_passes_the_full_gate(base_template_path, data):
    """cfn-lint and cfn-guard (project rules and Control Tower) agree: still clean."""
    base = _base(base_template_path)
    steps = data.draw(rewrite_steps(), label="rewrites")
    as_yaml = data.draw(st.booleans(), label="yaml")
    note(f"rewrites: {[(r.name, seed) for r, seed in steps]}, yaml={as_yaml}")
    result = _apply(base, steps)
    verdict = judge(to_yaml(result) if as_yaml else result, tools=True)
    assert verdict.compliant, f"a meaning-preserving rewrite is flagged by the full gate: {verdict.summary()}"
