"""The fuzz suite's budget: a fixed seed (derandomized) and a bounded number of examples.

CI runs every property with ``examples(n)`` examples; ``OFFERSPEC_FUZZ_SCALE`` multiplies them
(e.g. 0.2 for a quick local run). The long run (bench/fuzz_long.py) uses its own settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy

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


@dataclass(frozen=True)
class Property:
    """One fuzz property: the test function before ``@given``, its strategies, its CI budget."""

    module: str
    name: str
    function: Callable[..., None]
    strategies: tuple[SearchStrategy[Any], ...]
    ci_examples: int


REGISTRY: list[Property] = []
"""Every property of the suite, for bench/fuzz_long.py (filled as the test modules are imported)."""


def fuzz(n: int, *strategies: SearchStrategy[Any]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``@examples(n) @given(*strategies)``, and the property recorded for the long run."""

    def wrap(function: Callable[..., None]) -> Callable[..., None]:
        REGISTRY.append(Property(function.__module__, function.__name__, function, strategies, n))
        return examples(n)(given(*strategies)(function))

    return wrap
