"""Rules on offers: non-empty, no repeats, only plans a member can buy."""

from __future__ import annotations

from collections.abc import Iterator

from offerspec.check.context import CheckContext
from offerspec.check.rules import rule
from offerspec.diagnostics import Diagnostic, Severity


@rule("offer-empty", "offer-repeated-plan", local=True)
def offer_plan_list(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.offers.values():
        offer = located.obj
        if not offer.plans:
            yield located.diagnostic(("plans",), "offer-empty", "an offer needs at least one plan",
                                     hint="list plan ids under `plans:`")
        first_index: dict[str, int] = {}
        for i, plan_id in enumerate(offer.plans):
            if plan_id not in first_index:
                first_index[plan_id] = i
                continue
            where = located.where("plans", first_index[plan_id])
            yield located.diagnostic(
                ("plans", i), "offer-repeated-plan",
                f"plan '{plan_id}' is listed twice in this offer (first at {where[1]}:{where[2]})",
                hint="remove the repeat", related=(where,))


@rule("offer-archived-plan", "offer-offline-plan", "offer-hidden-plan")
def offer_plans_purchasable(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.offers.values():
        if located.obj.status == "archived":
            continue  # an archived offer is shown to no one
        for i, plan_id in enumerate(located.obj.plans):
            plan = ctx.plans.get(plan_id)
            if plan is None:
                continue
            if plan.obj.status == "archived":
                yield located.diagnostic(
                    ("plans", i), "offer-archived-plan",
                    f"plan '{plan_id}' is archived and cannot be subscribed to",
                    hint="remove it from the offer, or reactivate the plan",
                    related=(plan.where("status"),))
            elif not plan.obj.available_online:
                yield located.diagnostic(
                    ("plans", i), "offer-offline-plan",
                    f"plan '{plan_id}' is offline: members see it only by direct link",
                    severity=Severity.WARNING,
                    hint="set `available_online: true`, or keep it out of public offers")
            elif plan.obj.is_hidden:
                yield located.diagnostic(
                    ("plans", i), "offer-hidden-plan",
                    f"plan '{plan_id}' is hidden: members see it only by direct link",
                    severity=Severity.WARNING,
                    hint="set `is_hidden: false`, or keep it out of public offers")
