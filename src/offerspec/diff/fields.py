"""Which plan fields can change in place and which force a new version (replace).

A live subscription platform lets you edit a plan's presentation and availability under
existing subscribers, never what they bought: price, billing period, renewal, what it grants.
Products and offers carry nothing a subscriber bought, so every one of their fields is editable.
"""

from __future__ import annotations

from offerspec.model import data_fields

REPLACE_FORCING: dict[str, frozenset[str]] = {
    "products": frozenset(),
    "plans": frozenset({
        "amount", "currency", "interval", "interval_count", "auto_renew", "product", "grants",
        "type", "is_donation", "renewal_strategy", "revenue_recognition",
    }),
    "offers": frozenset(),
}
"""Fields whose change creates a new version of the object (existing subscribers keep the old one)."""

STATUS_FIELD = "status"
"""Changed by archive / unarchive, never by an update."""

PLAN_EDITABLE: tuple[str, ...] = tuple(
    name for name in data_fields("plans")
    if name not in REPLACE_FORCING["plans"] and name not in {"id", STATUS_FIELD})
"""Every other plan field (nickname, description, trial_period_days, countries, ...): updated in place."""


def forcing_fields(kind: str, fields: list[str]) -> tuple[str, ...]:
    forcing = REPLACE_FORCING[kind]
    return tuple(f for f in fields if f in forcing)
