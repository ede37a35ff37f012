"""Test knobs a real platform has: a rate limit and injected faults (both off by default).

``--faults SPEC``: comma-separated entries, each a share of requests (0..1)::

    500:0.1            answer 10% of requests 500 (before handling them: nothing is written)
    503:0.05           answer 5% 503 with Retry-After: 1 (nothing is written)
    delay:0.1:200ms    delay 10% by 200 ms (ms or s) before handling them
    cut:0.05           for 5% of successful writes (POST/PUT/DELETE): commit, then close the
                       connection without a response
    seed:42            the random seed (default 0): the same seed, the same faults in order

``/healthz`` and ``/openapi.json`` are never faulted. ``--rate-limit N/s``: at most N requests a
second (a bucket of N, at least one, refilled continuously); more are answered 429 with
Retry-After in whole seconds (``RateLimiter``).
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from offerspec.diagnostics import OfferspecError
from offerspec.numbers import is_digits

_SHARE = r"(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s)\Z")
FAULT_HELP = "e.g. 500:0.1,503:0.05,delay:0.1:200ms,cut:0.05,seed:42 (see docs/serve.md)"


@dataclass(frozen=True, slots=True)
class Faults:
    error500: float = 0.0
    error503: float = 0.0
    delay: float = 0.0
    delay_seconds: float = 0.0
    cut: float = 0.0
    seed: int = 0

    def describe(self) -> str:
        parts = []
        if self.error500:
            parts.append(f"{self.error500:.0%} of requests answered 500")
        if self.error503:
            parts.append(f"{self.error503:.0%} answered 503")
        if self.delay:
            parts.append(f"{self.delay:.0%} delayed {self.delay_seconds * 1000:g} ms")
        if self.cut:
            parts.append(f"{self.cut:.0%} of successful writes committed and then cut "
                         "(connection closed, no response)")
        return "; ".join(parts) + f" (seed {self.seed})"


def _share(text: str, entry: str) -> float:
    if not re.fullmatch(_SHARE, text):
        raise OfferspecError(f"--faults: share {text!r} in {entry!r} is not a number from 0 to 1",
                             hint=FAULT_HELP)
    return float(text)


def parse_faults(spec: str) -> Faults:
    values: dict[str, float | int] = {}
    for raw in spec.split(","):
        entry = raw.strip()
        parts = entry.split(":")
        name = parts[0]
        if name in ("500", "503", "cut") and len(parts) == 2:
            values[{"500": "error500", "503": "error503", "cut": "cut"}[name]] = _share(parts[1], entry)
        elif name == "delay" and len(parts) == 3:
            values["delay"] = _share(parts[1], entry)
            match = _DURATION.match(parts[2])
            if match is None:
                raise OfferspecError(f"--faults: duration {parts[2]!r} in {entry!r}",
                                     hint="write it as 200ms or 1.5s")
            seconds = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
            if seconds > 60:
                raise OfferspecError(f"--faults: a delay of {parts[2]} is over 60 s", hint=FAULT_HELP)
            values["delay_seconds"] = seconds
        elif name == "seed" and len(parts) == 2 and is_digits(parts[1]) \
                and len(parts[1]) <= 18:
            values["seed"] = int(parts[1])
        else:
            raise OfferspecError(f"--faults: cannot read {entry!r}", hint=FAULT_HELP)
    if values.get("error500", 0) + values.get("error503", 0) > 1:
        raise OfferspecError("--faults: the 500 and 503 shares add up to more than 1", hint=FAULT_HELP)
    return Faults(**values)  # type: ignore[arg-type]


class FaultDice:
    """The faults of one server, drawn in request order from one seeded generator."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.random = random.Random(faults.seed)

    def draw(self) -> tuple[int | None, float, bool]:
        """(status to answer instead, seconds to wait first, cut the response if a write succeeds)."""
        f = self.faults
        roll = self.random.random()
        status = 500 if roll < f.error500 else 503 if roll < f.error500 + f.error503 else None
        wait = f.delay_seconds if self.random.random() < f.delay else 0.0
        cut = self.random.random() < f.cut
        return status, wait, cut


def parse_rate(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)/s", text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise OfferspecError(f"--rate-limit {text!r}: expected N/s with N > 0", hint="e.g. --rate-limit 50/s")
    return float(match.group(1))


class RateLimiter:
    """A token bucket: ``rate`` tokens a second, holding at most ``rate`` (at least one).

    Past it, the seconds to wait for the next token, rounded up to whole seconds (``Retry-After``
    is delta-seconds, RFC 9110): waiting that long always finds a token, and since a bucket
    refills completely in one second, clients that wait what they are told still get ``rate``
    requests a second in all (tests/test_serve_rate_limit.py)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()

    def take(self) -> int | None:
        """None when the request may go on, else the seconds to wait (Retry-After)."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return max(1, math.ceil((1 - self.tokens) / self.rate))
