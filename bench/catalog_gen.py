"""Generate large, valid catalogs for the benchmarks (~100 plans per file, ~400 bytes a plan)."""

from __future__ import annotations

import random
from pathlib import Path

MODELINE = "# yaml-language-server: $schema=../../schemas/offerspec.schema.json\n"
COUNTRIES = ["US", "CA", "GB", "DE", "FR", "NO", "SE", "ES", "IT", "NL", "IE", "AU", "NZ", "JP"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "NOK"]


def plan_yaml(index: int, rng: random.Random, *, variant: int = 0) -> str:
    interval = rng.choice(["month", "year", "week", None])
    currency = rng.choice(CURRENCIES)
    amount = rng.randrange(100, 50_000) + variant
    lines = [
        f"  - id: plan-{index:06d}",
        f"    nickname: Plan {index} {'v' + str(variant) if variant else ''}".rstrip(),
        f"    description: Generated plan number {index} for the benchmark catalog.",
        f"    product: product-{index % 50:03d}",
        f"    amount: {amount}",
        f"    currency: {currency}",
    ]
    if interval:
        lines += [f"    interval: {interval}", f"    interval_count: {rng.choice([1, 1, 3])}"]
        if rng.random() < 0.2:
            lines.append("    trial_period_days: 14")
    else:
        lines.append("    auto_renew: false")
    lines.append(f"    countries: [{', '.join(rng.sample(COUNTRIES, 3))}]")
    lines.append(f"    refundable: {'true' if rng.random() < 0.5 else 'false'}")
    if index % 10 == 0:
        lines.append(f"    domains: [org{index}.example.com]")
        lines.append(f"    ip_addresses: [10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}/32]")
    lines.append("    metadata:")
    lines.append(f"      campaign: c{index % 17}")
    return "\n".join(lines) + "\n"


def write_catalog(root: Path, plans: int, *, per_file: int = 100, seed: int = 7,
                  skip: set[int] | None = None, variants: dict[int, int] | None = None,
                  extra: range | None = None) -> Path:
    """``plans`` plans in files of ``per_file``; ``skip`` drops, ``variants`` changes, ``extra`` adds."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    skip = skip or set()
    variants = variants or {}
    products = "".join(f"  - id: product-{i:03d}\n    name: Product {i}\n" for i in range(50))
    (root / "products.yaml").write_text(MODELINE + "products:\n" + products)
    indexes = [i for i in range(plans) if i not in skip] + list(extra or [])
    for start in range(0, len(indexes), per_file):
        chunk = indexes[start:start + per_file]
        body = "".join(plan_yaml(i, random.Random(seed * 1_000_003 + i), variant=variants.get(i, 0))
                       for i in chunk)
        offer = (f"offers:\n  - id: offer-{start // per_file:05d}\n    name: Offer {start // per_file}\n"
                 f"    plans: [{', '.join(f'plan-{i:06d}' for i in chunk[:5])}]\n")
        (root / f"plans-{start // per_file:05d}.yaml").write_text(MODELINE + offer + "plans:\n" + body)
    del rng
    return root
