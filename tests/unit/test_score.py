"""The deterministic mutation score: 100 % for every requirement, every rewrite passing.
The table is printed in the run's summary."""

from __future__ import annotations

import pytest

from tapcheck.mutation.score import run_score
from tapcheck.requirements.registry import registry

REQUIREMENTS = registry().requirements


@pytest.fixture(scope="module")
def score(base_template_path):
    return run_score(base_template_path)


def test_mutation_score_is_100_percent_for_every_requirement(score):
    import conftest as unit_conftest  # tests/unit/conftest.py (the summary hook)

    table = score.table()
    print(table)
    if hasattr(unit_conftest, "SUMMARY"):
        unit_conftest.SUMMARY.append(table)
    assert [r.id for r in REQUIREMENTS if r.id not in score.per_requirement()] == []
    assert not score.uncovered, f"requirements without mutants: {score.uncovered}"
    assert not score.survivors, "surviving mutants:\n" + "\n".join(
        f"{m.label}: {m.verdict.summary()}" for m in score.survivors
    )


def test_every_rewrite_passes(score):
    assert score.rewrites and not score.flagged, "flagged rewrites:\n" + "\n".join(
        f"{r.label}: {r.verdict.summary()}" for r in score.flagged
    )
