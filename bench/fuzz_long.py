"""The fuzz suite's long run (issue 12, "keep it found"), for local use.

    python3 bench/fuzz_long.py [--minutes 10] [--only NAME] [--seed N] [--quick]
    python3 bench/fuzz_long.py --replay NAME --seed N     # a failure again, shrunk by hypothesis

Runs every property of tests/fuzz/ (the same strategies and checks CI runs with a fixed seed and
a bounded budget) with new random examples, in rounds of 100 per property (fewer for one CI
runs fewer times), each round seeded (``--seed``, then +1 per round) so any round can be
replayed; the time is shared between the properties in proportion to their CI budgets. A
failing example is recorded, not raised, so the run goes on: the first message of each distinct
failure is written to bench/out/fuzz/. Prints cases run, failures found and time, per property
and in total; exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz.budget import REGISTRY, Property

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("fuzz.test_fuzz_catalogs", "fuzz.test_fuzz_roundtrip", "fuzz.test_fuzz_inputs")
ROUND = 100
QUICK = 5  # --quick: a few examples of each property (tests/fuzz/test_fuzz_long_smoke.py)
OUT = ROOT / "bench" / "out" / "fuzz"


class Tally:
    def __init__(self) -> None:
        self.cases = 0
        self.failures: dict[str, str] = {}  # signature -> first message
        self.failed_cases = 0
        self.seconds = 0.0


def _signature(exc: BaseException) -> str:
    """A failure's kind: its first line without the paths and numbers of one example."""
    import re

    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"/tmp/\S+|\d+", "#", f"{type(exc).__name__}: {first}")[:200]


def _counting(prop: Property, tally: Tally) -> Callable[..., None]:
    @functools.wraps(prop.function)  # the same signature: @given reads it
    def run(*args: Any, **kwargs: Any) -> None:
        tally.cases += 1
        try:
            prop.function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, the run goes on
            tally.failed_cases += 1
            tally.failures.setdefault(_signature(exc), f"{exc}")

    return run


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                    suppress_health_check=list(HealthCheck))


def run_round(prop: Property, tally: Tally, round_seed: int, size: int) -> None:
    test = _settings(size)(seed(round_seed)(given(*prop.strategies)(_counting(prop, tally))))
    started = time.perf_counter()
    test()
    tally.seconds += time.perf_counter() - started


def replay(prop: Property, round_seed: int) -> int:
    """The round again, failures raised: hypothesis shrinks the first and prints it."""
    test = _settings(ROUND)(seed(round_seed)(given(*prop.strategies)(prop.function)))
    try:
        test()
    except Exception as exc:  # noqa: BLE001 - shown, then the exit code says it
        print(f"{prop.name}: {type(exc).__name__}: {exc}")
        return 1
    print(f"{prop.name}: round with seed {round_seed} passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} examples of each property")
    parser.add_argument("--only", help="run the properties whose name contains this")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--replay", metavar="NAME", help="replay one round of this property")
    args = parser.parse_args()
    for module in MODULES:
        importlib.import_module(module)
    props = [p for p in REGISTRY if not args.only or args.only in p.name]
    if args.replay:
        return replay(next(p for p in REGISTRY if p.name == args.replay), args.seed)
    budget = args.minutes * 60
    total_weight = sum(p.ci_examples for p in props)
    tallies = {p.name: Tally() for p in props}
    started = time.perf_counter()
    how_long = f"{QUICK} examples each" if args.quick else f"{args.minutes:g} min"
    print(f"seed {args.seed}, {len(props)} properties, {how_long}")
    for prop in props:
        tally, share = tallies[prop.name], budget * prop.ci_examples / total_weight
        round_seed = args.seed
        while True:
            run_round(prop, tally, round_seed, QUICK if args.quick else min(ROUND, prop.ci_examples))
            if args.quick or tally.seconds >= share:
                break
            round_seed += 1
        print(f"{prop.name:62} {tally.cases:>8,} cases  {len(tally.failures):>3} failures "
              f"{tally.seconds:>7.1f} s  (seeds {args.seed}..{round_seed})", flush=True)
    elapsed = time.perf_counter() - started
    cases = sum(t.cases for t in tallies.values())
    failures = {(name, sig): msg for name, t in tallies.items() for sig, msg in t.failures.items()}
    print(f"total: {cases:,} cases, {len(failures)} distinct failures "
          f"({sum(t.failed_cases for t in tallies.values()):,} failing cases), {elapsed:.0f} s")
    if failures:
        OUT.mkdir(parents=True, exist_ok=True)
        for i, ((name, sig), message) in enumerate(sorted(failures.items())):
            (OUT / f"{i:03}-{name}.txt").write_text(f"{sig}\n\n{message}\n", encoding="utf-8")
            print(f"  {name}: {sig}")
        print(f"first message of each in {OUT}/ ; replay: bench/fuzz_long.py --replay NAME --seed N")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
