"""Batch checkout simulation throughput on one core (target: 50,000 checkouts/s).

Figures on the bundled examples, with a mix of accepted and refused checkouts and a few
invalid rows, over three years of dates, each row with its own member email:

* core     - ``simulate_checkout`` on already-parsed checkouts (the library path;
             repeated (plan, day) purchases share their results);
* distinct - the same over 500 years of dates, so nearly every purchase is computed afresh
             (the worst case for the caches);
* batch    - CSV text in, one JSON line out per row: ``simulate_jsonl`` (``offerspec.simulate.jsonl``), all of
             ``simulate --batch`` but the file and the catalog load;
* batch-distinct - the same over 500 years of dates (nearly every row distinct);
* plain    - the same CSV through ``write_jsonl(run_batch(...))``, the row-by-row path
             (what ``simulate --batch`` ran before ``simulate_jsonl``; same bytes out);
* cli      - ``python -m offerspec simulate EXAMPLES --batch FILE.csv``, output to /dev/null:
             the whole command, Python start-up and catalog load included (``cli-empty``:
             the same on a header-only file, i.e. that fixed cost alone);
* floors, measured in the same run so the figures can be judged on this machine:
  ``csv.reader`` alone over the same text, and ``csv.reader`` + ``json.dumps`` of the
  same output objects (no simulation at all) written as joined lines.

Run: ``PYTHONPATH=src python3 bench/bench_simulate.py [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from offerspec.api import check_catalog
from offerspec.simulate import CatalogIndex, Checkout, index_for, simulate_checkout
from offerspec.simulate.batch import run_batch, write_jsonl
from offerspec.simulate.dates import add_periods
from offerspec.simulate.jsonl import simulate_jsonl

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
    ("subscribe", "annual-digital", "US", "", "print-edition:2026-12-31", ""),
    ("subscribe", "annual-digital-print", "FR", "", "", ""),  # refused: country
    ("subscribe", "monthly-digital", "XX", "", "", ""),  # invalid row: unknown country
]


def make_csv(rows: int, seed: int = 4, years: int = 3) -> str:
    rng = random.Random(seed)
    first = date(2026, 1, 1)
    lines = ["offer,plan,date,country,email,direct_link,holdings,renewals"]
    for _ in range(rows):
        offer, plan, country, direct, holdings, renewals = rng.choice(CHOICES)
        day = first + timedelta(days=rng.randrange(years * 365))
        email = f"member{rng.randrange(10_000_000)}@example.com"
        lines.append(f"{offer},{plan},{day.isoformat()},{country},{email},{direct},{holdings},"
                     f"{renewals}")
    return "\n".join(lines) + "\n"


def parse(text: str, index: CatalogIndex) -> list[Checkout]:
    results = run_batch(io.StringIO(text), "bench", index, date(2026, 1, 1))
    requests = [r.outcome.checkout for r in results if r.outcome is not None]
    assert requests
    return requests


def best_rate(runs: int, rows: int, work: Callable[[], object]) -> float:
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
    rows, runs = (20_000, 1) if args.quick else (200_000, 5)

    catalog, _ = check_catalog([EXAMPLES])
    assert catalog is not None
    index = index_for(catalog)
    text = make_csv(rows)
    text_distinct = make_csv(rows, years=500)
    requests = parse(text, index)
    distinct = parse(text_distinct, index)
    start = date(2026, 1, 1)

    def core() -> None:
        index.grant_memo.clear()
        for request in requests:
            simulate_checkout(index, request)

    def core_distinct() -> None:
        index.grant_memo.clear()
        for request in distinct:
            simulate_checkout(index, request)

    def batch_of(csv_text: str, out: io.StringIO | None = None) -> Callable[[], object]:
        def batch() -> None:
            index.grant_memo.clear()
            for _ in simulate_jsonl(io.StringIO(csv_text), "bench", index, start, out or io.StringIO()):
                pass
        return batch

    def plain(out: io.StringIO | None = None) -> None:
        index.grant_memo.clear()
        for _ in write_jsonl(run_batch(io.StringIO(text), "bench", index, start), out or io.StringIO()):
            pass

    fast_out, plain_out = io.StringIO(), io.StringIO()
    batch_of(text, fast_out)()
    plain(plain_out)
    output = fast_out.getvalue()
    assert output == plain_out.getvalue(), "simulate_jsonl and write_jsonl(run_batch(...)) differ"
    fast_out, plain_out = io.StringIO(), io.StringIO()
    batch_of(text_distinct, fast_out)()
    index.grant_memo.clear()
    for _ in write_jsonl(run_batch(io.StringIO(text_distinct), "bench", index, start), plain_out):
        pass
    assert fast_out.getvalue() == plain_out.getvalue(), "the distinct batch's outputs differ"
    del fast_out, plain_out
    # Rows without their email (which is only checked): how many a memo of rows could share.
    distinct_rows = len({(*cells[:4], *cells[5:]) for cells in
                         (line.split(",") for line in text_distinct.splitlines()[1:])})
    objects: list[object] = []  # the output's objects, for the json.dumps floor (loaded last)

    def floor_read() -> None:
        for _ in csv.reader(io.StringIO(text)):
            pass

    def floor_read_dump() -> None:
        out = io.StringIO()
        dumps = json.dumps
        for _ in csv.reader(io.StringIO(text)):
            pass
        lines = [dumps(obj, ensure_ascii=False) for obj in objects]
        out.write("\n".join(lines) + "\n")

    folder = tempfile.TemporaryDirectory()
    csv_path, empty_path = Path(folder.name) / "batch.csv", Path(folder.name) / "empty.csv"
    csv_path.write_text(text, encoding="utf-8")
    empty_path.write_text(text.partition("\n")[0] + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(EXAMPLES.parent.parent / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}

    def cli(path: Path) -> Callable[[], object]:
        return lambda: subprocess.run(
            [sys.executable, "-m", "offerspec", "simulate", str(EXAMPLES), "--batch", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)

    command = [sys.executable, "-m", "offerspec", "simulate", str(EXAMPLES), "--batch", str(csv_path)]
    once = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert once.stdout == output and once.returncode == 1, f"the cli's output differs: {once.stderr[-500:]}"
    print(f"{rows:,} rows ({output.count(chr(10)):,} results), best of {runs}; target {TARGET:,}/s; "
          f"batch-distinct: {distinct_rows:,} distinct rows (email aside)")
    for name, work in (("core", core), ("distinct", core_distinct), ("batch", batch_of(text)),
                       ("batch-distinct", batch_of(text_distinct)), ("plain", plain),
                       ("cli", cli(csv_path)),
                       ("floor: csv.reader", floor_read),
                       ("floor: csv.reader + json.dumps", floor_read_dump)):
        if work is floor_read_dump:
            objects.extend(json.loads(line) for line in output.splitlines())
        rate = best_rate(runs, rows, work)
        print(f"{name:34} {rate:>10,.0f} rows/s  ({rate / TARGET:5.2f}x target, "
              f"{rows / rate:.3f} s)")
    fixed = rows / best_rate(runs, rows, cli(empty_path))
    print(f"{'cli-empty (header-only file)':34} {fixed:.3f} s: the command's fixed cost, in the cli figure")
    folder.cleanup()


if __name__ == "__main__":
    main()
