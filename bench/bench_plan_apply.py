"""Benchmark plan and apply against a SQLite store, beside the YAML parse floor of the same run.

    python3 bench/bench_plan_apply.py            # 10,000 and 50,000 plans
    python3 bench/bench_plan_apply.py --quick    # 2,000 plans (smoke test)

For each size: a catalog of ~100 plans per file is applied to a fresh store (timed: the creates),
then 1% of plans is changed (half nickname = update, half amount = replace), 0.5% added and 0.5%
removed, and ``plan`` (load + check + compile + snapshot + diff) and ``apply`` are timed.
Like the CLI, the bench freezes the GC after each load (``load_desired(freeze_gc=True)``).
Targets (issue 3): plan of 10,000 within 3x the parse floor; 10,000 creates in under 1 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from offerspec.diff.safety import PlanOptions
from offerspec.store.sqlite import SQLiteStore
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


def run_size(size: int, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
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

        floor = parse_floor(tmp_path / "b")
        store = SQLiteStore(tmp_path / "store.db", "sqlite:///store.db")
        options = PlanOptions()

        catalog_a, _ = load_desired([tmp_path / "a"], freeze_gc=True)
        creates = plan(catalog_a, store.snapshot(), options)
        start = time.perf_counter()
        apply(store, creates)
        t_creates = time.perf_counter() - start

        start = time.perf_counter()
        catalog_b, _ = load_desired([tmp_path / "b"], freeze_gc=True)
        t_load = time.perf_counter() - start
        start = time.perf_counter()
        snapshot = store.snapshot()
        t_snapshot = time.perf_counter() - start
        start = time.perf_counter()
        changeset = plan(catalog_b, snapshot, options)
        t_diff = time.perf_counter() - start
        t_plan = t_load + t_snapshot + t_diff

        start = time.perf_counter()
        apply(store, changeset)
        t_apply = time.perf_counter() - start
        store.close()

    print(f"\n{size:,} plans ({len(ids) // PER_FILE} files): {changeset.summary()}")
    print(f"  parse floor (PyYAML CSafeLoader)        {floor:7.2f} s   1.00x")
    print(f"  plan  = load+check+compile              {t_load:7.2f} s")
    print(f"        + store snapshot                  {t_snapshot:7.2f} s")
    print(f"        + diff                            {t_diff:7.2f} s")
    print(f"        total                             {t_plan:7.2f} s   {t_plan / floor:4.2f}x"
          "   (target <= 3x)")
    print(f"  apply of the plan above                 {t_apply:7.2f} s   {t_apply / floor:4.2f}x")
    print(f"  apply of {size:,} creates (store write)  {t_creates:7.2f} s"
          + ("   (target < 1 s)" if size == 10_000 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 plans only (smoke test)")
    parser.add_argument("--sizes", type=int, nargs="+", help="plan counts (default 10000 50000)")
    args = parser.parse_args()
    sizes = [2_000] if args.quick else (args.sizes or [10_000, 50_000])
    rng = random.Random(42)
    print(f"Python {sys.version.split()[0]}, PyYAML {yaml.__version__} "
          f"(libyaml: {yaml.__with_libyaml__})")
    for size in sizes:
        run_size(size, rng)


if __name__ == "__main__":
    main()
