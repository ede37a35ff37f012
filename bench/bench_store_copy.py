"""How fast `offerspec store copy` moves a store, and that it streams (issue 8).

    python3 bench/bench_store_copy.py [--from-store URL] [--to-store URL] [--plans N] [--quick]

Builds a source store of N generated plans (bench/catalog_gen.py; 10,000 by default, 2,000 with
--quick) in three revisions: all created, half replaced (two versions each: the archived old
generation and the new one), a quarter replaced again. Then copies it with the CLI in a child
process and prints, measured in the same run:

- the copy's time against the floors: reading the whole history (``dump_history``, every value
  checked) and the first apply (writing N plans);
- the child's peak RSS against a child that only opens the store (``offerspec history``), and
  against the full JSON of every version: a copy that held the history in memory would need at
  least that much more.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_gen import write_catalog

from offerspec.diff.safety import PlanOptions
from offerspec.store.copy import copy_store
from offerspec.store.dump import ObjectRecord, VersionRecord
from offerspec.store.url import open_store, resolve_store
from offerspec.workflow import apply, load_desired, plan

ROOT = Path(__file__).resolve().parent.parent


def build(url: str, tmp: Path, plans: int) -> float:
    """The source store; returns the time of the first apply (N creates)."""
    store = open_store(resolve_store(url))
    try:
        first, _ = load_desired([write_catalog(tmp / "v1", plans)])
        changeset = plan(first, store.snapshot())
        started = time.perf_counter()
        apply(store, changeset)
        applied = time.perf_counter() - started
        for name, step in (("v2", 2), ("v3", 4)):
            catalog, _ = load_desired([write_catalog(tmp / name, plans, variants=dict.fromkeys(
                range(0, plans, step), step))])
            apply(store, plan(catalog, store.snapshot(), PlanOptions(max_archive_share=1.0)))
    finally:
        store.close()
    return applied


def dump_time(url: str) -> tuple[float, int, int]:
    """(seconds, versions, bytes of their full JSON) of reading the whole history (the bytes
    counted in a second, untimed pass)."""
    store = open_store(resolve_store(url), writable=False)
    try:
        started = time.perf_counter()
        versions = sum(isinstance(r, VersionRecord) for r in store.dump_history())  # type: ignore[attr-defined]
        seconds = time.perf_counter() - started
        kinds: dict[int, str] = {}
        size = 0
        for record in store.dump_history():  # type: ignore[attr-defined]
            if isinstance(record, ObjectRecord):
                kinds[record.number] = record.kind
            elif isinstance(record, VersionRecord):
                size += len(record.text(kinds[record.number]).encode())
    finally:
        store.close()
    return seconds, versions, size


LAUNCHER = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.exit(code)\n")
"""A small process starts the command: a child forked from this (large) benchmark process
would count the benchmark's pages in its peak RSS."""


def child(*args: str) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of one offerspec command in a fresh process."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, "-m", "offerspec",
                             *args], capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"offerspec {' '.join(args)} failed:\n{result.stderr}")
    return seconds, int(result.stdout.split()[-1]) * 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-store", help="source store URL (default: SQLite in a temp dir)")
    parser.add_argument("--to-store", help="target store URL, new or empty (default: SQLite)")
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="2,000 plans (smoke test)")
    args = parser.parse_args()
    plans = 2_000 if args.quick else args.plans
    with tempfile.TemporaryDirectory() as tmp:
        source = args.from_store or f"sqlite:///{tmp}/source.db"
        target = args.to_store or f"sqlite:///{tmp}/target.db"
        applied = build(source, Path(tmp), plans)
        read, versions, size = dump_time(source)
        _, baseline = child("history", "--store", source)
        copied, peak = child("store", "copy", "--from", source, "--to", target)
        check, _, _ = dump_time(target)
        started = time.perf_counter()
        copy_store(resolve_store(source), resolve_store(f"sqlite:///{tmp}/again.db"))
        in_process = time.perf_counter() - started
    print(f"source: {plans:,} plans, 3 revisions, {versions:,} versions "
          f"({size / 1e6:.1f} MB of JSON)")
    print(f"store copy (CLI, whole process): {copied:.2f} s = {versions / copied:,.0f} "
          f"versions/s")
    print(f"store copy (copy_store, in-process, to SQLite): {in_process:.2f} s = "
          f"{versions / in_process:,.0f} versions/s")
    print(f"  floor: dump_history alone {read:.2f} s ({in_process / read:.1f}x); first apply "
          f"of {plans:,} plans {applied:.2f} s ({in_process / applied:.1f}x)")
    print(f"  reading the copy back: {check:.2f} s")
    print(f"peak RSS: copy {peak / 1e6:.0f} MB, opening the store only {baseline / 1e6:.0f} MB: "
          f"+{(peak - baseline) / 1e6:.0f} MB for {size / 1e6:.1f} MB of versions "
          f"({(peak - baseline) / size:.2f}x; holding them all would be >= 1x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
