"""The "choose a plan" page: which plans of an offer a member is shown, in order.

A plan is shown exactly when a checkout of it by this member would be accepted.
"""

from __future__ import annotations

from datetime import date

from offerspec.catalog import Catalog
from offerspec.simulate.checkout import plan_reasons
from offerspec.simulate.index import index_for
from offerspec.simulate.types import Member, NotShown, OfferView, Reason, ShownPlan


def offer_view(catalog: Catalog, offer_id: str, member: Member, day: date) -> OfferView:
    index = index_for(catalog)
    offer = index.offer(offer_id)
    shown: list[ShownPlan] = []
    not_shown: list[NotShown] = []
    for plan_id in offer.plans:
        plan = index.plan(plan_id)
        reasons = plan_reasons(plan, member, day)
        if offer.archived:
            reasons.insert(0, Reason("offer-archived", f"offer '{offer.id}' is archived"))
        if reasons:
            not_shown.append(NotShown(plan_id, tuple(reasons)))
        else:
            shown.append(ShownPlan(plan.id, plan.nickname, plan.amount, plan.currency,
                                   plan.interval, plan.interval_count, plan.trial_days,
                                   plan.grants, plan.auto_renew))
    return OfferView(offer.id, offer.name, day, tuple(shown), tuple(not_shown))
