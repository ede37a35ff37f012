"""``serve --rate-limit N/s``: a token bucket whose ``Retry-After`` (whole seconds, at least 1)
lets clients that honour it get close to N requests a second, never more."""

from __future__ import annotations

import heapq

import pytest

from offerspec.serve.faults import RateLimiter


def honouring_clients(rate: float, requests: int, parallelism: int, service: float,
                      ) -> tuple[float, int]:
    """``parallelism`` clients, each sending its next request when the previous one is answered
    (``service`` seconds) or when Retry-After says; a virtual clock. Returns (the time the
    last request was served, the number of 429s)."""
    clock = [0.0]
    limiter = RateLimiter(rate, clock=lambda: clock[0])
    ready = [(0.0, n) for n in range(parallelism)]
    served = refused = 0
    last = 0.0
    while served < requests:
        at, client = heapq.heappop(ready)
        clock[0] = at
        wait = limiter.take()
        if wait is None:
            served += 1
            last = at + service
            heapq.heappush(ready, (at + service, client))
        else:
            assert isinstance(wait, int) and wait >= 1
            refused += 1
            assert refused < 100 * requests, "the clients never get through"
            heapq.heappush(ready, (at + wait, client))
    return last, refused


@pytest.mark.parametrize("rate, requests", [(100, 1000), (10, 100), (250, 2500), (0.5, 10)])
@pytest.mark.parametrize("parallelism", [1, 4, 16])
def test_clients_honouring_retry_after_get_close_to_the_rate(rate: float, requests: int,
                                                             parallelism: int) -> None:
    elapsed, refused = honouring_clients(rate, requests, parallelism, service=0.003)
    allowed = requests / rate  # what the limit allows, the first second's burst aside
    burst = max(1.0, rate) / rate
    assert allowed - burst - 0.01 <= elapsed <= allowed * 1.15, (elapsed, allowed)
    assert refused > 0


def test_never_more_than_the_bucket_and_the_rate() -> None:
    clock = [0.0]
    limiter = RateLimiter(50, clock=lambda: clock[0])
    taken = 0
    for step in range(3000):  # a request every millisecond for three seconds
        clock[0] = step / 1000
        taken += limiter.take() is None
    assert 50 + 3 * 50 - 1 <= taken <= 50 + 3 * 50  # the bucket, then 50 a second


def test_a_rate_below_one_a_second_still_lets_one_through() -> None:
    clock = [0.0]
    limiter = RateLimiter(0.5, clock=lambda: clock[0])
    assert limiter.take() is None
    assert limiter.take() == 2  # the next token comes in two seconds
    clock[0] = 2.0
    assert limiter.take() is None
