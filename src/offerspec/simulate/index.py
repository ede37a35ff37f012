"""Per-catalog lookups built once, so each simulated checkout is a few dict hits."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from offerspec.catalog import Catalog
from offerspec.check.schema import did_you_mean_id
from offerspec.diagnostics import OfferspecError
from offerspec.model import Interval, Plan

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """The fields of a plan a simulation reads, flattened for speed."""

    id: str
    nickname: str
    grants: tuple[str, ...]
    amount: int
    currency: str
    interval: Interval | None
    interval_count: int
    trial_days: int
    auto_renew: bool
    archived: bool
    expires_at: date | None
    online: bool
    hidden: bool
    countries: frozenset[str]
    seat_capacity: int | None
    is_donation: bool
    # No status, date, channel, country or seat limit: no member can be refused it.
    unrestricted: bool = False

    @classmethod
    def of(cls, plan: Plan) -> PlanFacts:
        seat_capacity = plan.member_seat_capacity if plan.type == "membership" else None
        return cls(
            unrestricted=(plan.status != "archived" and plan.expires_at is None
                          and plan.available_online and not plan.is_hidden and not plan.countries
                          and seat_capacity is None),
            id=plan.id, nickname=plan.nickname, grants=tuple(plan.grants or ()),
            amount=plan.amount, currency=plan.currency, interval=plan.interval,
            interval_count=plan.interval_count, trial_days=plan.trial_period_days,
            auto_renew=bool(plan.auto_renew), archived=plan.status == "archived",
            expires_at=plan.expires_at, online=plan.available_online, hidden=plan.is_hidden,
            countries=frozenset(plan.countries),
            seat_capacity=seat_capacity,
            is_donation=plan.is_donation,
        )


@dataclass(frozen=True, slots=True)
class OfferFacts:
    id: str
    name: str
    archived: bool
    plans: tuple[str, ...]
    plan_set: frozenset[str]


@dataclass(frozen=True, slots=True)
class CatalogIndex:
    plans: dict[str, PlanFacts]
    offers: dict[str, OfferFacts]
    products: frozenset[str]
    plans_by_domain: dict[str, tuple[str, ...]]
    networks: tuple[tuple[Network, str], ...]
    # What a purchase grants depends only on (plan, day, renewals) when the member holds
    # nothing: batches buy the same plans on the same days, so results are shared.
    grant_memo: dict[tuple[str, date, int], Any] = field(default_factory=dict)

    def plan(self, ident: str) -> PlanFacts:
        facts = self.plans.get(ident)
        if facts is None:
            raise unknown_id("plan", ident, self.plans)
        return facts

    def offer(self, ident: str) -> OfferFacts:
        facts = self.offers.get(ident)
        if facts is None:
            raise unknown_id("offer", ident, self.offers)
        return facts

    def check_product(self, ident: str) -> None:
        if ident not in self.products:
            raise unknown_id("product", ident, self.products)


def unknown_id(kind: str, ident: str, known: Collection[str]) -> OfferspecError:
    choices = sorted(known)
    hint = did_you_mean_id(ident, choices) or (
        f"known {kind}s: {', '.join(choices)}" if len(choices) <= 12 else None)
    return OfferspecError(f"unknown {kind} '{ident}'", hint=hint)


def build_index(catalog: Catalog) -> CatalogIndex:
    by_domain: dict[str, list[str]] = {}
    networks: list[tuple[Network, str]] = []
    for plan in catalog.plans.values():
        for domain in plan.domains:
            by_domain.setdefault(domain.lower(), []).append(plan.id)
        for text in plan.ip_addresses:
            networks.append((ipaddress.ip_network(text, strict=False), plan.id))
    return CatalogIndex(
        plans={ident: PlanFacts.of(plan) for ident, plan in catalog.plans.items()},
        offers={ident: OfferFacts(ident, offer.name, offer.status == "archived",
                                  tuple(offer.plans), frozenset(offer.plans))
                for ident, offer in catalog.offers.items()},
        products=frozenset(catalog.products),
        plans_by_domain={domain: tuple(ids) for domain, ids in by_domain.items()},
        networks=tuple(networks),
    )


_last: tuple[Catalog, CatalogIndex] | None = None


def index_for(catalog: Catalog) -> CatalogIndex:
    """The index of ``catalog``, built on first use and kept for the last catalog seen.

    Catalogs are immutable, so identity is a safe cache key; batches reuse one catalog.
    """
    global _last  # noqa: PLW0603 - a one-entry cache
    if _last is not None and _last[0] is catalog:
        return _last[1]
    index = build_index(catalog)
    _last = (catalog, index)
    return index
