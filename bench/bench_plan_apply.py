"""Benchmark plan and apply against a SQLite store (and PostgreSQL, with --store), beside the
YAML parse floor of the same run.

    python3 bench/bench_plan_apply.py            # 10,000 and 50,000 plans
    python3 bench/bench_plan_apply.py --quick    # 2,000 plans (smoke test)
    python3 bench/bench_plan_apply.py --store postgresql://USER@HOST/DB   # and PostgreSQL
                                                 # (in a scratch schema, dropped afterwards)

For each size: a catalog of ~100 plans per file is applied to a fresh store (timed: the creates),
then 1% of plans is changed (half nickname = update, half amount = replace), 0.5% added and 0.5%
removed, and ``plan`` (load + check + compile + snapshot + diff) and ``apply`` are timed.
Like the CLI, the bench freezes the GC after each load (``load_desired(freeze_gc=True)``).
Targets (issue 3): plan of 10,000 within 3x the parse floor; 10,000 creates in under 1 s.
PostgreSQL (issue 8): plan of 10,000 within 1.3x the SQLite plan of the same run; 10,000 creates
in under 1.5 s; 50,000 growing linearly (per 1,000 creates as for 10,000).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch import scratch_store

from offerspec.diff.safety import PlanOptions
from offerspec.store.url import open_store, resolve_store
from offerspec.workflow import apply, load_desired, plan

PER_FILE = 100
PRODUCTS = 10
COUNTRIES = ["DE", "FR", "IE", "NL", "NO", "US", "GB", "CA"]


def plan_yaml(i: int, product: int, amount: int, nickname: str) -> str:
    countries = ", ".join(COUNTRIES[i % 5:i % 5 + 3])
    interval = ("month", "year")[i % 2]
    return (f"  - id: plan-{i}\n"
            f"    nickname: {nickname}\n"
            f"    description: Plan number {i}, billed every {interval}, for readers of product "
            f"{product}.\n"
            f"    product: prod-{product}\n"
            f"    amount: {amount}\n"
            f"    currency: USD\n"
            f"    interval: {interval}\n"
            f"    refundable: {'true' if i % 3 == 0 else 'false'}\n"
            f"    countries: [{countries}]\n"
            f"    metadata:\n      sku: SKU-{i:06d}\n      channel: web\n")


def write_catalog(root: Path, ids: list[int], amounts: dict[int, int],
                  nicknames: dict[int, str]) -> None:
    root.mkdir(parents=True)
    products = "products:\n" + "".join(
        f"  - id: prod-{p}\n    name: Product {p}\n" for p in range(PRODUCTS))
    (root / "products.yaml").write_text(products)
    # Offers list plans that are never removed (ids below PRODUCTS * 5).
    listed = {p: ", ".join(f"plan-{p * 5 + k}" for k in range(5)) for p in range(PRODUCTS)}
    offers = "offers:\n" + "".join(
        f"  - id: offer-{p}\n    name: Offer {p}\n    plans: [{listed[p]}]\n" for p in range(PRODUCTS))
    (root / "offers.yaml").write_text(offers)
    for n, start in enumerate(range(0, len(ids), PER_FILE)):
        chunk = ids[start:start + PER_FILE]
        body = "plans:\n" + "".join(
            plan_yaml(i, (i // 5) % PRODUCTS, amounts.get(i, 100 + i % 5000),
                      nicknames.get(i, f"Plan {i}")) for i in chunk)
        (root / f"plans-{n:04d}.yaml").write_text(body)


def parse_floor(root: Path) -> float:
    start = time.perf_counter()
    for path in sorted(root.glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def catalogs(tmp_path: Path, size: int, rng: random.Random) -> None:
    """Catalog a (``size`` plans) and b (a's changed: 1% changed, 0.5% added, 0.5% removed)."""
    ids = list(range(size))
    write_catalog(tmp_path / "a", ids, {}, {})
    protected = PRODUCTS * 5
    changed = rng.sample(range(protected, size), size // 100)
    removed = set(rng.sample([i for i in range(protected, size) if i not in changed], size // 200))
    added = list(range(size, size + size // 200))
    half = len(changed) // 2
    nicknames = {i: f"Plan {i} (renamed)" for i in changed[:half]}
    amounts = {i: 100 + i % 5000 + 1 for i in changed[half:]}
    write_catalog(tmp_path / "b", [i for i in ids if i not in removed] + added, amounts,
                  nicknames)


def run_store(tmp_path: Path, url: str) -> dict[str, Any]:
    """Timings of the creates, then the plan (load, snapshot, diff) and apply of a -> b."""
    store = open_store(resolve_store(url))
    options = PlanOptions()
    catalog_a, _ = load_desired([tmp_path / "a"], freeze_gc=True)
    creates = plan(catalog_a, store.snapshot(), options)
    start = time.perf_counter()
    apply(store, creates)
    t: dict[str, Any] = {"creates": time.perf_counter() - start}
    start = time.perf_counter()
    catalog_b, _ = load_desired([tmp_path / "b"], freeze_gc=True)
    t["load"] = time.perf_counter() - start
    start = time.perf_counter()
    snapshot = store.snapshot()
    t["snapshot"] = time.perf_counter() - start
    start = time.perf_counter()
    changeset = plan(catalog_b, snapshot, options)
    t["diff"] = time.perf_counter() - start
    t["plan"] = t["load"] + t["snapshot"] + t["diff"]
    start = time.perf_counter()
    apply(store, changeset)
    t["apply"] = time.perf_counter() - start
    t["summary"] = changeset.summary()
    store.close()
    return t


def run_size(size: int, rng: random.Random, postgres: str | None) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        catalogs(tmp_path, size, rng)
        floor = parse_floor(tmp_path / "b")
        for name, given in (("sqlite", None), ("postgresql", postgres)):
            if name == "postgresql" and postgres is None:
                continue
            with scratch_store(given, tmp_path, f"plan{size}") as url:
                results[name] = run_store(tmp_path, url)
    print(f"\n{size:,} plans ({size // PER_FILE} files): {results['sqlite']['summary']}")
    print(f"  parse floor (PyYAML CSafeLoader)        {floor:7.2f} s   1.00x")
    for name, t in results.items():
        print(f"  [{name}]")
        print(f"  plan  = load+check+compile              {t['load']:7.2f} s")
        print(f"        + store snapshot                  {t['snapshot']:7.2f} s")
        print(f"        + diff                            {t['diff']:7.2f} s")
        print(f"        total                             {t['plan']:7.2f} s   "
              f"{t['plan'] / floor:4.2f}x   (target <= 3x)")
        if name != "sqlite":
            ratio = t["plan"] / results["sqlite"]["plan"]
            print(f"        vs the SQLite plan                          {ratio:4.2f}x"
                  "   (target <= 1.3x)")
        print(f"  apply of the plan above                 {t['apply']:7.2f} s   "
              f"{t['apply'] / floor:4.2f}x")
        target = {"sqlite": "   (target < 1 s)", "postgresql": "   (target < 1.5 s)"}[name]
        print(f"  apply of {size:,} creates (store write)  {t['creates']:7.2f} s"
              + (target if size == 10_000 else "")
              + f"   {t['creates'] / size * 1000 * 1000:5.1f} ms per 1,000")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 plans only (smoke test)")
    parser.add_argument("--sizes", type=int, nargs="+", help="plan counts (default 10000 50000)")
    parser.add_argument("--store", metavar="URL",
                        help="also a PostgreSQL store: postgresql://USER@HOST:PORT/DB (a scratch "
                             "schema in it, dropped afterwards)")
    args = parser.parse_args()
    sizes = [2_000] if args.quick else (args.sizes or [10_000, 50_000])
    rng = random.Random(42)
    print(f"Python {sys.version.split()[0]}, PyYAML {yaml.__version__} "
          f"(libyaml: {yaml.__with_libyaml__})")
    for size in sizes:
        run_size(size, rng, args.store)


if __name__ == "__main__":
    main()
