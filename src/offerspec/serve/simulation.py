"""What a site reads: the offer view and simulated checkouts and signups, through the simulator
the CLI uses (``offerspec.simulate``), on the live catalog of the current view.

Requests take the fields of a scenario's ``checkout:`` / ``signup:`` (docs/simulator.md), as
JSON; ``date`` defaults to today (UTC). Answers are the JSON of ``simulate --format json``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from offerspec.diagnostics import OfferspecError
from offerspec.model import IsoDate
from offerspec.scenarios.model import CheckoutSpec, SignupSpec
from offerspec.serve.errors import ApiError
from offerspec.serve.view import View
from offerspec.simulate import Checkout, Holding, Member, offer_view, signup, simulate_checkout
from offerspec.simulate.index import index_for
from offerspec.simulate.inputs import check_email, check_ip, parse_country, today_utc
from offerspec.simulate.serialize import offer_view_dict, outcome_dict, signup_dict


class CheckoutIn(CheckoutSpec):
    """A member selecting ``plan`` in ``offer``: ``simulate --offer --plan``'s options as JSON."""

    date: IsoDate | None = Field(  # type: ignore[assignment] # optional here, unlike in scenarios
        default=None, description="YYYY-MM-DD; default: today (UTC)")
    seats_used: Annotated[int, Field(ge=0, le=10_000_000)] = 0


class SignupIn(SignupSpec):
    """A member signing up by email and/or IP: ``simulate --signup``'s options as JSON."""

    date: IsoDate | None = Field(  # type: ignore[assignment] # optional here, unlike in scenarios
        default=None, description="YYYY-MM-DD; default: today (UTC)")
    seats_used: Annotated[int, Field(ge=0, le=10_000_000)] = 0


def _unprocessable(exc: OfferspecError) -> ApiError:
    return ApiError(422, "simulate-input", exc.message, hint=exc.hint)


def _member(view: View, *, country: str | None, email: str | None, ip: str | None,
            direct_link: bool, holdings: list[tuple[str, date | None]], seats_used: int) -> Member:
    index = index_for(view.catalog())
    for product, _ in holdings:
        index.check_product(product)
    return Member(parse_country(country) if country else None,
                  check_email(email) if email else None,
                  check_ip(ip) if ip else None,
                  direct_link, tuple(Holding(p, end) for p, end in holdings), seats_used)


def run_checkout(view: View, body: CheckoutIn) -> dict[str, Any]:
    try:
        member = _member(view, country=body.country, email=body.email, ip=body.ip,
                         direct_link=body.direct_link, holdings=[(h.product, h.end) for h in body.holdings],
                         seats_used=body.seats_used)
        request = Checkout(body.offer, body.plan, body.date or today_utc(), member, body.renewals)
        return outcome_dict(simulate_checkout(index_for(view.catalog()), request))
    except OfferspecError as exc:
        raise _unprocessable(exc) from exc


def run_signup(view: View, body: SignupIn) -> dict[str, Any]:
    try:
        member = _member(view, country=None, email=body.email, ip=body.ip, direct_link=False,
                         holdings=[], seats_used=body.seats_used)
        return signup_dict(signup(view.catalog(), member.email, member.ip, body.date or today_utc(),
                                  seats_used=body.seats_used))
    except OfferspecError as exc:
        raise _unprocessable(exc) from exc


def run_offer_view(view: View, offer_id: str, *, country: str | None, direct_link: bool,
                   day: date | None, email: str | None, ip: str | None, seats_used: int,
                   holdings: list[tuple[str, date | None]]) -> dict[str, Any]:
    try:
        member = _member(view, country=country, email=email, ip=ip, direct_link=direct_link,
                         holdings=holdings, seats_used=seats_used)
        return offer_view_dict(offer_view(view.catalog(), offer_id, member, day or today_utc()))
    except OfferspecError as exc:
        raise _unprocessable(exc) from exc


# -- the answers' shapes (for /openapi.json; the dicts come from offerspec.simulate.serialize) --

class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntitlementOut(_Out):
    product: str
    start: str
    end: str | None
    plan: str
    trial_end: str | None
    period: int
    note: str | None


class ChargeOut(_Out):
    date: str
    amount: int
    currency: str
    plan: str
    period: int


class CheckoutOut(_Out):
    accepted: bool
    reasons: list[str]
    reason_codes: list[str]
    offer: str
    plan: str
    date: str
    entitlements: list[EntitlementOut]
    charges: list[ChargeOut]
    notes: list[str]


class MatchOut(_Out):
    plan: str
    matched_by: list[str]
    accepted: bool
    reasons: list[str]
    reason_codes: list[str]
    entitlements: list[EntitlementOut]


class SignupOut(_Out):
    subscribed: bool
    email: str | None
    ip: str | None
    date: str
    plans: list[str]
    entitlements: list[EntitlementOut]
    charges: list[ChargeOut]
    matches: list[MatchOut]


class ShownPlanOut(_Out):
    plan: str
    nickname: str
    amount: int
    currency: str
    price: str
    interval: str | None
    interval_count: int
    trial_period_days: int
    grants: list[str]


class NotShownOut(_Out):
    plan: str
    reasons: list[str]
    reason_codes: list[str]


class OfferViewOut(_Out):
    offer: str
    name: str
    date: str
    plans: list[ShownPlanOut]
    not_shown: list[NotShownOut]
