"""How big the store grows (issue 8, "a store that stays small").

    python3 bench/bench_store_size.py [--store URL] [--quick]

Applies 10,000 generated plans (bench/catalog_gen.py; 2,000 with --quick) to a fresh store and
prints its size against the compiled catalog JSON (target: at most 1.5x); then one revision
replacing half the plans (a new amount forces a new generation: two versions each, the
archived old one and the new one) and the growth against the full canonical JSON of the
versions it wrote (target: at most 1.5x). ``store_size(url)`` is the one place that measures a
store, per URL scheme (SQLite: the file plus its -wal after a checkpoint).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_gen import write_catalog
from scratch import scratch_store, store_size

from offerspec.catalog import canonical_json
from offerspec.diff.changes import Replace
from offerspec.diff.safety import PlanOptions
from offerspec.store.url import open_store, resolve_store
from offerspec.workflow import apply, load_desired, plan

TARGET = 1.5


def written_size(changes: list[object]) -> int:
    """Full canonical JSON of every version a change list writes."""
    total = 0
    for change in changes:
        data = getattr(change, "data", None)
        if data is None:
            continue
        total += len(canonical_json(data).encode())
        if isinstance(change, Replace):  # and the archived old generation
            old = {**data, **{f.field: f.old for f in change.fields}, "status": "archived"}
            total += len(canonical_json(old).encode())
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a postgresql:// URL: measure a scratch schema in that "
                                        "database (default: a SQLite file in a temp dir)")
    parser.add_argument("--quick", action="store_true", help="2,000 plans (smoke test)")
    args = parser.parse_args()
    plans = 2_000 if args.quick else 10_000
    with tempfile.TemporaryDirectory() as tmp, scratch_store(args.store, Path(tmp),
                                                             "size") as url:
        first = write_catalog(Path(tmp) / "v1", plans)
        catalog, _ = load_desired([first])
        compiled = len(catalog.to_json().encode())
        store = open_store(resolve_store(url))
        try:
            apply(store, plan(catalog, store.snapshot()))
            size = store_size(url)
            second = write_catalog(Path(tmp) / "v2", plans,
                                   variants=dict.fromkeys(range(0, plans, 2), 1))
            changed, _ = load_desired([second])
            changeset = plan(changed, store.snapshot(), PlanOptions(max_archive_share=1.0))
            wrote = written_size(list(changeset.changes))
            apply(store, changeset)
            grown = store_size(url) - size
        finally:
            store.close()
    ratio, growth = size / compiled, grown / wrote
    print(f"{url.split(':')[0]}: store after {plans:,} plans: {size / 1e6:.2f} MB, compiled catalog JSON "
          f"{compiled / 1e6:.2f} MB: {ratio:.2f}x (target <= {TARGET}x)")
    print(f"revision of {len(changeset.changes):,} changes: grew {grown / 1e6:.2f} MB, versions "
          f"written {wrote / 1e6:.2f} MB: {growth:.2f}x (target <= {TARGET}x)")
    return 0 if ratio <= TARGET and growth <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
