"""C8 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cpu_alarm, properties
from tapcheck.requirements.unit import operator


@operator("cpu-alarm-threshold", [85, 81, 100, "90", 79])
def cpu_threshold_changed(t, value):
    properties(cpu_alarm(t)[1])["Threshold"] = value


@operator("cpu-alarm-threshold", ["GreaterThanOrEqualToThreshold", "LessThanThreshold"])
def cpu_comparison_changed(t, value):
    properties(cpu_alarm(t)[1])["ComparisonOperator"] = value
