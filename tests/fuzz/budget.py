"""The fuzz suite's budget: a fixed seed (derandomized) and a bounded number of examples.

CI runs every property with ``examples(n)`` examples; ``OFFERSPEC_FUZZ_SCALE`` multiplies them
(e.g. 0.2 for a quick local run). The long run (bench/fuzz_long.py) uses its own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("OFFERSPEC_FUZZ_SCALE", "1"))


def examples(n: int) -> settings:
    """Settings of one CI property: ``n`` examples (scaled), always the same ones."""
    return settings(
        max_examples=max(1, round(n * SCALE)),
        derandomize=True,          # the same examples on every run: CI never flakes
        database=None,             # and nothing is written into the repository
        deadline=None,             # the CLI's first run imports modules: time is not a property
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )
