"""An App Store purchase must map back to exactly one plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from offerspec.check.context import CheckContext, Located
from offerspec.check.rules import rule
from offerspec.diagnostics import Diagnostic
from offerspec.model import Plan


def _apple_id(kind: str, obj: Any) -> list[str]:
    return [obj.apple_product_id] if kind == "plans" and obj.apple_product_id else []


@rule("apple-product-conflict", shared=_apple_id)
def unique_apple_product_ids(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Archived plans keep their id for existing subscriptions but sell nothing new.
    owners: dict[str, Located[Plan]] = {}
    for located in ctx.plans.values():
        apple_id = located.obj.apple_product_id
        if apple_id is None or located.obj.status != "active":
            continue
        first = owners.setdefault(apple_id, located)
        if first is located:
            continue
        where = first.where("apple_product_id")
        yield located.diagnostic(
            ("apple_product_id",), "apple-product-conflict",
            f"apple_product_id '{apple_id}' is already used by plan '{first.obj.id}' "
            f"(at {where[0]}:{where[1]}:{where[2]})",
            hint="an App Store purchase must map to one plan: give each plan its own product id",
            related=(where,))
