"""Catalogs built in memory for simulator tests (no YAML, no rules: any store state)."""

from __future__ import annotations

from datetime import date
from typing import Any

from offerspec.catalog import Catalog
from offerspec.simulate import Checkout, Member

D = date.fromisoformat


def plan(ident: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": ident, "nickname": ident.title(), "product": "digital",
                            "amount": 1000, "currency": "USD", "interval": "month"}
    base.update(fields)
    return base


def make_catalog(plans: list[dict[str, Any]], offers: dict[str, Any] | None = None) -> Catalog:
    """Products digital + print; one offer 'shop' with every plan unless ``offers`` says otherwise."""
    offers = offers if offers is not None else {"shop": [p["id"] for p in plans]}
    offer_dicts = []
    for ident, spec in offers.items():
        plan_ids, status = (spec, "active") if isinstance(spec, list) else spec
        offer_dicts.append({"id": ident, "name": ident.title(), "plans": plan_ids, "status": status})
    return Catalog.from_objects({
        "products": [{"id": "digital", "name": "Digital"}, {"id": "print", "name": "Print"}],
        "plans": plans,
        "offers": offer_dicts,
    })


def buy(plan_id: str, day: str = "2026-01-15", offer: str = "shop", renewals: int = 0,
        **member: Any) -> Checkout:
    return Checkout(offer, plan_id, D(day), Member(**member), renewals)
