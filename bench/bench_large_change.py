"""Benchmark: one change of a large value is planned in about the time validate takes (issue 12).

One plan's `domains` list of N entries is replaced by N others; `offerspec plan` must describe
that change in time linear in its size. Each figure is a whole process, measured in the same
run as its floor (`offerspec validate` of the same catalog), and reported as a ratio to it; N
and 4N show the growth (a quadratic description took 165 s at 60,000 domains).

    python bench/bench_large_change.py            # 15,000 and 60,000 domains
    python bench/bench_large_change.py --quick    # 2,000 and 8,000 (smoke test)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 3.0
"""plan (which also validates, reads the store and renders the change) / validate."""


def write(directory: Path, domains: int, tld: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    listed = ", ".join(f"d{i}.example.{tld}" for i in range(domains))
    (directory / "c.yaml").write_text(
        "products:\n  - {id: p, name: P}\n"
        "plans:\n  - id: campus\n    nickname: Campus\n    product: p\n    amount: 0\n"
        f"    currency: USD\n    interval: year\n    domains: [{listed}]\n", encoding="utf-8")
    return directory


def timed(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [2_000, 8_000] if args.quick else [15_000, 60_000]
    cli = [sys.executable, "-m", "offerspec"]
    print(f"{'domains':>8} {'validate':>9} {'plan':>8} {'plan/validate':>14}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            store = f"sqlite:///{tmp}/s{size}.db"
            before = write(Path(tmp) / f"a{size}", size, "com")
            subprocess.run([*cli, "apply", str(before), "--store", store, "--auto-approve"],
                           capture_output=True, check=True)
            after = write(Path(tmp) / f"b{size}", size, "org")
            validate = timed([*cli, "validate", str(after)], args.repeat)
            plan = timed([*cli, "plan", str(after), "--store", store, "--detailed-exitcode"],
                         args.repeat, ok=(2,))
            ratios.append(plan / validate)
            print(f"{size:>8,} {validate:>8.2f}s {plan:>7.2f}s {plan / validate:>13.2f}x")
    growth = ratios[-1] / ratios[0]
    print(f"plan/validate at {sizes[-1]:,} vs {sizes[0]:,}: {growth:.2f} (linear: about 1); "
          f"target plan/validate <= {TARGET:g}x: "
          f"{'met' if ratios[-1] <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
