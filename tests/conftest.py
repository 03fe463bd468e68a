"""Hypothesis profiles for every test directory (registered here so that
`pytest --hypothesis-profile=nightly` works whichever tests are selected).

- ``ci`` (default): bounded and derandomized, so the unit suite stays well under 3 minutes on
  two cores and a red build reproduces;
- ``nightly``: many more examples, random each night, for depth.

Pick one with HYPOTHESIS_PROFILE=nightly or pytest --hypothesis-profile=nightly. Property tests
scale their example counts from the active profile's max_examples (100 under ci).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, print_blob=True, suppress_health_check=_SLOW_IS_FINE
)
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, print_blob=True, suppress_health_check=_SLOW_IS_FINE
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")
