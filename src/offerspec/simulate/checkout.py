"""A member's checkout: refused with every reason, or the entitlements and charges it creates."""

from __future__ import annotations

from datetime import date

from offerspec.catalog import Catalog
from offerspec.simulate.dates import add_days, add_periods
from offerspec.simulate.index import CatalogIndex, OfferFacts, PlanFacts, index_for
from offerspec.simulate.types import Charge, Checkout, Entitlement, Holding, Member, Outcome, Reason

GRANT_MEMO_SIZE = 100_000

# Every refusal code, in the order they are checked and reported.
REFUSAL_CODES: tuple[str, ...] = (
    "plan-not-in-offer", "offer-archived", "plan-archived", "plan-expired",
    "plan-offline", "plan-hidden", "country-not-allowed", "seats-full",
)


def plan_reasons(plan: PlanFacts, member: Member, day: date) -> list[Reason]:
    """Why this member cannot take this plan on this day, whatever the offer."""
    reasons: list[Reason] = []
    if plan.archived:
        reasons.append(Reason("plan-archived", f"plan '{plan.id}' is archived"))
    if plan.expires_at is not None and day > plan.expires_at:
        reasons.append(Reason(
            "plan-expired",
            f"plan '{plan.id}' expired: it could be bought until {plan.expires_at.isoformat()}"))
    if not member.direct_link:
        if not plan.online:
            reasons.append(Reason(
                "plan-offline", f"plan '{plan.id}' is offline: it is reachable by direct link only"))
        if plan.hidden:
            reasons.append(Reason(
                "plan-hidden", f"plan '{plan.id}' is hidden: it is reachable by direct link only"))
    if plan.countries and member.country not in plan.countries:
        where = ", ".join(sorted(plan.countries))
        who = f"the member is in {member.country}" if member.country \
            else "the member's country is unknown"
        reasons.append(Reason("country-not-allowed",
                              f"plan '{plan.id}' is sold only in {where}; {who}"))
    if plan.seat_capacity is not None and member.seats_used >= plan.seat_capacity:
        reasons.append(Reason(
            "seats-full",
            f"membership plan '{plan.id}' has all {plan.seat_capacity} seats taken "
            f"({member.seats_used} used)"))
    return reasons


def offer_reasons(offer: OfferFacts, plan: PlanFacts) -> list[Reason]:
    reasons: list[Reason] = []
    if plan.id not in offer.plan_set:
        reasons.append(Reason("plan-not-in-offer",
                              f"plan '{plan.id}' is not in offer '{offer.id}'"))
    if offer.archived:
        reasons.append(Reason("offer-archived", f"offer '{offer.id}' is archived"))
    return reasons


def _held_note(product: str, holdings: tuple[Holding, ...], day: date) -> str | None:
    for holding in holdings:
        if holding.product == product and holding.active_on(day):
            until = f"until {holding.end.isoformat()}" if holding.end else "indefinitely"
            return (f"{product} is already held ({until}); that entitlement stays "
                    "and this one is created alongside")
    return None


Granted = tuple[tuple[Entitlement, ...], tuple[Charge, ...], tuple[str, ...]]


def grant(plan: PlanFacts, start: date, member: Member, renewals: int, *,
          charge: bool = True) -> Granted:
    """Entitlements, charges and notes for an accepted purchase of ``plan`` on ``start``."""
    trial_end = add_days(start, plan.trial_days) if plan.trial_days else None
    anchor = trial_end or start
    interval = plan.interval
    count = plan.interval_count
    end = add_periods(anchor, interval, count) if interval is not None else None
    entitlements = [
        Entitlement(product, start, end, plan.id, trial_end, 0,
                    _held_note(product, member.holdings, start) if member.holdings else None)
        for product in plan.grants]
    charges: list[Charge] = []
    notes: list[str] = []
    paid = charge and plan.amount > 0
    if paid:
        charges.append(Charge(anchor, plan.amount, plan.currency, plan.id, 0))
    if renewals and interval is not None and end is not None and plan.auto_renew:
        # Every period is counted from the anchor, so month ends do not drift.
        period_end = end
        for period in range(1, renewals + 1):
            period_start = period_end
            period_end = add_periods(anchor, interval, count * (period + 1))
            entitlements.extend(Entitlement(product, period_start, period_end, plan.id, None, period)
                                for product in plan.grants)
            if paid:
                charges.append(Charge(period_start, plan.amount, plan.currency, plan.id, period))
    elif renewals and interval is None:
        notes.append(f"plan '{plan.id}' never expires: there is no renewal to project")
    elif renewals:
        notes.append(f"plan '{plan.id}' does not auto-renew: no renewals to project")
    if plan.is_donation:
        notes.append(f"plan '{plan.id}' is a donation: it charges but grants no entitlement")
    elif charge and plan.amount == 0:
        notes.append(f"plan '{plan.id}' is free: nothing is charged")
    return tuple(entitlements), tuple(charges), tuple(notes)


def simulate_checkout(index: CatalogIndex, request: Checkout) -> Outcome:
    """``checkout`` on a prebuilt index (the batch path)."""
    offer = index.offer(request.offer)
    plan = index.plan(request.plan)
    member = request.member
    if not (plan.unrestricted and not offer.archived and plan.id in offer.plan_set):
        reasons = offer_reasons(offer, plan)
        reasons.extend(plan_reasons(plan, member, request.date))
        if reasons:
            return Outcome(request, False, tuple(reasons))
    granted: Granted | None
    if member.holdings:
        granted = grant(plan, request.date, member, request.renewals)
    else:
        memo = index.grant_memo
        key = (plan.id, request.date, request.renewals)
        granted = memo.get(key)
        if granted is None:
            if len(memo) >= GRANT_MEMO_SIZE:
                memo.clear()
            granted = memo[key] = grant(plan, request.date, member, request.renewals)
    return Outcome(request, True, (), *granted)


def checkout(catalog: Catalog, request: Checkout) -> Outcome:
    """Simulate one checkout. Unknown offer or plan ids raise ``OfferspecError``."""
    return simulate_checkout(index_for(catalog), request)
