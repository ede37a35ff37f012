"""Benchmark: `offerspec validate` and `compile` against the PyYAML C-loader parse floor.

Each figure is a whole process (as CI runs it), measured in the same run as the floor,
and reported as a ratio to it. Targets (issue 2): validate 10k plans <= 2x the floor,
linear growth to 50k; `offerspec --help` close to a bare interpreter start.

    python bench/bench_validate.py            # 10,000 and 50,000 plans
    python bench/bench_validate.py --quick    # 2,000 plans (smoke test)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from catalog_gen import write_catalog

FLOOR = """
import sys, glob, yaml
for name in sorted(glob.glob(sys.argv[1] + '/*.yaml')):
    with open(name, 'rb') as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""


def timed(cmd: list[str], repeat: int) -> float:
    """Median wall time of a command (it must succeed)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 plans only")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [2_000] if args.quick else [10_000, 50_000]
    cli = [sys.executable, "-m", "offerspec"]
    bare = timed([sys.executable, "-c", "pass"], 5)
    help_time = timed([*cli, "--help"], 5)
    print(f"startup: python -c pass {bare:.3f}s, offerspec --help {help_time:.3f}s "
          f"(+{help_time - bare:.3f}s over a bare interpreter)")
    print(f"{'plans':>7} {'MB':>5} {'parse floor':>12} {'validate':>10} {'ratio':>6} "
          f"{'compile':>9} {'ratio':>6} {'validate/plan':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            root = write_catalog(Path(tmp) / f"c{size}", size)
            megabytes = sum(p.stat().st_size for p in root.glob("*.yaml")) / 1e6
            repeat = args.repeat if size <= 10_000 else 1
            floor = timed([sys.executable, "-c", FLOOR, str(root)], repeat)
            validate = timed([*cli, "validate", str(root)], repeat)
            compiled = timed([*cli, "compile", str(root), "-o", str(Path(tmp) / "out.json")], repeat)
            print(f"{size:>7} {megabytes:>5.1f} {floor:>11.2f}s {validate:>9.2f}s {validate / floor:>5.2f}x "
                  f"{compiled:>8.2f}s {compiled / floor:>5.2f}x {validate / size * 1e6:>11.0f} us")


if __name__ == "__main__":
    main()
