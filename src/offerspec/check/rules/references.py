"""References between objects exist, and group ownership has no cycles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from offerspec.check.context import CheckContext, Located
from offerspec.check.rules import rule
from offerspec.check.schema import did_you_mean_id
from offerspec.diagnostics import Diagnostic, Severity


def _unknown(ctx: CheckContext, owner: Located[Any], sub: tuple[str | int, ...], kind: str,
             ident: str) -> Diagnostic | None:
    if ctx.known(kind, ident) or ident in ctx.unread_ids:
        return None
    singular = kind[:-1]
    renamed = ctx.renamed[kind].get(ident)
    if renamed is not None:
        return owner.diagnostic(
            sub, "renamed-reference", f"{singular} '{ident}' was renamed to '{renamed}'",
            hint=f"refer to it by its new id: {renamed}")
    choices = sorted(ctx.all_ids[kind])  # shared with the salvaged context: every id written
    return owner.diagnostic(
        sub, "unknown-reference", f"unknown {singular} '{ident}'",
        hint=did_you_mean_id(ident, choices) or f"define a {singular} with id '{ident}' first")


@rule("unknown-reference", "renamed-reference", local=True)
def references_exist(ctx: CheckContext) -> Iterator[Diagnostic]:
    for plan in ctx.plans.values():
        refs: list[tuple[tuple[str | int, ...], str, str]] = [(("product",), "products",
                                                               plan.obj.product)]
        if "grants" in plan.obj.model_fields_set:
            refs += [(("grants", i), "products", g) for i, g in enumerate(plan.obj.grants or [])]
        if plan.obj.group_owner_plan is not None:
            refs.append((("group_owner_plan",), "plans", plan.obj.group_owner_plan))
        for sub, kind, ident in refs:
            diag = _unknown(ctx, plan, sub, kind, ident)
            if diag:
                yield diag
    for offer in ctx.offers.values():
        for i, ident in enumerate(offer.obj.plans):
            diag = _unknown(ctx, offer, ("plans", i), "plans", ident)
            if diag:
                yield diag


@rule("group-owner-cycle", "group-owner-not-membership")
def group_ownership(ctx: CheckContext) -> Iterator[Diagnostic]:
    reported: set[str] = set()
    for start, located in ctx.plans.items():
        owner_id = located.obj.group_owner_plan
        if owner_id is None:
            continue
        owner = ctx.plans.get(owner_id)
        if owner is not None and owner.obj.type != "membership":
            yield located.diagnostic(
                ("group_owner_plan",), "group-owner-not-membership",
                f"group owner plan '{owner_id}' is not a membership plan",
                hint="point group_owner_plan at a plan with `type: membership`")
        chain = [start]
        current: str | None = owner_id
        while current is not None and current in ctx.plans and current not in chain:
            chain.append(current)
            current = ctx.plans[current].obj.group_owner_plan
        if current == start and start not in reported:
            reported.update(chain)
            yield located.diagnostic(
                ("group_owner_plan",), "group-owner-cycle",
                "group_owner_plan forms a cycle: " + " -> ".join([*chain, start]),
                hint="a group owner plan cannot, directly or not, be owned by itself")


@rule("archived-reference")
def active_refers_to_archived(ctx: CheckContext) -> Iterator[Diagnostic]:
    for plan in ctx.plans.values():
        if plan.obj.status != "active":
            continue
        targets: list[tuple[tuple[str | int, ...], str]] = [(("product",), plan.obj.product)]
        if "grants" in plan.obj.model_fields_set:
            targets += [(("grants", i), g) for i, g in enumerate(plan.obj.grants or [])]
        for sub, ident in targets:
            product = ctx.products.get(ident)
            if product is not None and product.obj.status == "archived":
                yield plan.diagnostic(
                    sub, "archived-reference", f"active plan refers to archived product '{ident}'",
                    severity=Severity.WARNING,
                    hint="archive the plan too, or reactivate the product")
        owner_id = plan.obj.group_owner_plan
        owner = ctx.plans.get(owner_id) if owner_id is not None else None
        if owner is not None and owner.obj.status == "archived":
            yield plan.diagnostic(
                ("group_owner_plan",), "archived-reference",
                f"active plan's group owner plan '{owner_id}' is archived",
                severity=Severity.WARNING,
                hint="archive this plan too, or reactivate the group owner plan",
                related=(owner.where("status"),))


