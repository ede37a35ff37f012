"""The checkout simulator: pure functions from a compiled catalog to what a member gets.

Nothing here reads files or a store: callers pass a ``Catalog`` (compiled from YAML
or read back from a store) and get plain frozen values back.
"""

from __future__ import annotations

from offerspec.simulate.checkout import REFUSAL_CODES, checkout, simulate_checkout
from offerspec.simulate.index import CatalogIndex, build_index, index_for
from offerspec.simulate.offer_view import offer_view
from offerspec.simulate.signup import email_domain, signup
from offerspec.simulate.types import (
    Charge,
    Checkout,
    Entitlement,
    Holding,
    Member,
    NotShown,
    OfferView,
    Outcome,
    Reason,
    ShownPlan,
    SignupMatch,
    SignupOutcome,
)

__all__ = [
    "REFUSAL_CODES", "CatalogIndex", "Charge", "Checkout", "Entitlement", "Holding", "Member",
    "NotShown", "OfferView", "Outcome", "Reason", "ShownPlan", "SignupMatch", "SignupOutcome",
    "build_index", "checkout", "email_domain", "index_for", "offer_view", "signup",
    "simulate_checkout",
]
