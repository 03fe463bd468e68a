"""Wider hypothesis strategies for operators' choices that several requirement folders share (R4 and
C3 both break the 7-day backup retention). hypothesis is imported when a strategy is drawn, not when
the gate imports a folder."""

from __future__ import annotations

from typing import Any


def retention_days(_template: dict) -> Any:
    """Any retention RDS accepts (0-35 days) but 7, as an int or as text."""
    from hypothesis import strategies as st

    days = st.integers(0, 35).filter(lambda d: d != 7)
    return st.one_of(days, days.map(str))
