"""Batch checkout simulation throughput on one core (target: 50,000 checkouts/s).

Figures on the bundled examples, with a mix of accepted and refused checkouts:

* core     - ``simulate_checkout`` on already-parsed checkouts over three years of dates
             (the library path; repeated (plan, day) purchases share their results);
* distinct - the same over 500 years of dates, so nearly every purchase is computed afresh
             (the worst case for the caches);
* batch    - CSV text in, one JSON line out per row (all of ``simulate --batch`` but the file).

Run: ``PYTHONPATH=src python3 bench/bench_simulate.py [--quick]``.
"""

from __future__ import annotations

import argparse
import io
import random
import time
from datetime import date, timedelta
from pathlib import Path

from offerspec.api import check_catalog
from offerspec.simulate import CatalogIndex, Checkout, index_for, simulate_checkout
from offerspec.simulate.batch import run_batch, write_jsonl
from offerspec.simulate.dates import add_periods

TARGET = 50_000
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "offers"
CHOICES = [  # (offer, plan, country, direct_link, holdings, renewals)
    ("subscribe", "annual-digital-print", "US", "", "", ""),
    ("subscribe", "monthly-digital", "GB", "", "digital-access:2027-06-01", "2"),
    ("try-digital", "monthly-digital-trial", "CA", "", "", ""),
    ("try-digital", "monthly-digital-trial", "NO", "", "", ""),  # refused: country
    ("subscribe-europe", "annual-digital-eur", "DE", "", "", ""),
    ("subscribe-europe", "quarterly-digital-gbp", "GB", "", "", "4"),
    ("support-us", "monthly-donation", "", "", "", ""),
    ("support-us", "lifetime-digital", "", "", "", ""),
    ("institutions", "campus-site-licence", "", "", "", ""),
    ("subscribe", "print-weekender-offline", "", "true", "", ""),  # refused: not in offer
]


def make_csv(rows: int, seed: int = 4, years: int = 3) -> str:
    rng = random.Random(seed)
    first = date(2026, 1, 1)
    lines = ["offer,plan,date,country,direct_link,holdings,renewals"]
    for _ in range(rows):
        offer, plan, country, direct, holdings, renewals = rng.choice(CHOICES)
        day = first + timedelta(days=rng.randrange(years * 365))
        lines.append(f"{offer},{plan},{day.isoformat()},{country},{direct},{holdings},{renewals}")
    return "\n".join(lines) + "\n"


def parse(text: str, index: CatalogIndex) -> list[Checkout]:
    results = run_batch(io.StringIO(text), "bench", index, date(2026, 1, 1))
    requests = [r.outcome.checkout for r in results if r.outcome is not None]
    assert requests
    return requests


def best_rate(runs: int, rows: int, work: object) -> float:
    assert callable(work)
    best = float("inf")
    for _ in range(runs):
        add_periods.cache_clear()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return rows / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and runs (for CI)")
    args = parser.parse_args()
    rows, runs = (20_000, 2) if args.quick else (200_000, 5)

    catalog, _ = check_catalog([EXAMPLES])
    assert catalog is not None
    index = index_for(catalog)
    text = make_csv(rows)
    requests = parse(text, index)
    distinct = parse(make_csv(rows, years=500), index)

    def core() -> None:
        index.grant_memo.clear()
        for request in requests:
            simulate_checkout(index, request)

    def core_distinct() -> None:
        index.grant_memo.clear()
        for request in distinct:
            simulate_checkout(index, request)

    def batch() -> None:
        index.grant_memo.clear()
        out = io.StringIO()
        for _ in write_jsonl(run_batch(io.StringIO(text), "bench", index, date(2026, 1, 1)), out):
            pass

    for name, work in (("core", core), ("distinct", core_distinct), ("batch", batch)):
        rate = best_rate(runs, rows, work)
        print(f"{name:8} {rate:>10,.0f} checkouts/s  ({rate / TARGET:.2f}x the {TARGET:,}/s target, "
              f"{rows:,} rows, best of {runs})")


if __name__ == "__main__":
    main()
