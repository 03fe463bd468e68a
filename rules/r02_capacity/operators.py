"""R2 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props
from tapcheck.requirements.unit import operator


def _numbers_around(wanted: float):
    def strategy(_t):
        from hypothesis import strategies as st

        return st.one_of(
            st.floats(0, 256, allow_nan=False, allow_infinity=False).filter(lambda v: v != wanted),
            st.integers(0, 256).filter(lambda v: v != wanted),
        )

    return strategy


@operator("capacity", [1, 0, 0.25, 1.5, "1", "0"], strategy=_numbers_around(0.5))
def min_capacity_changed(t, value):
    cluster_props(t)["ServerlessV2ScalingConfiguration"]["MinCapacity"] = value


@operator("capacity", [2, 0.5, 1.5, 128, "2", 16], strategy=_numbers_around(1.0))
def max_capacity_changed(t, value):
    cluster_props(t)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] = value


@operator("capacity", ["MinCapacity", "MaxCapacity"])
def capacity_bound_removed(t, key):
    cluster_props(t)["ServerlessV2ScalingConfiguration"].pop(key)
