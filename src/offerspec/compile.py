"""Stage 3: checked objects -> the canonical ``Catalog`` (defaults filled, lists normalized)."""

from __future__ import annotations

from offerspec.catalog import Catalog
from offerspec.check.context import CheckContext
from offerspec.geo import parse_cidr
from offerspec.model import Plan


def _sorted_unique(items: list[str]) -> list[str]:
    return sorted(set(items))


def normalize_plan(plan: Plan) -> Plan:
    """Sets stay sets: countries, domains, ranges and grants sorted and de-duplicated."""
    networks = []
    for text in plan.ip_addresses:
        network, _ = parse_cidr(text)
        networks.append(str(network) if network is not None else text)
    update = {
        "countries": _sorted_unique(plan.countries),
        "domains": _sorted_unique(plan.domains),
        "ip_addresses": _sorted_unique(networks),
        "grants": _sorted_unique(plan.grants or []),
        # 12 and 12.0 are the same rate: one canonical form, one hash.
        "agency_remit_rate": None if plan.agency_remit_rate is None else float(plan.agency_remit_rate),
    }
    if all(getattr(plan, name) == value for name, value in update.items()):
        return plan  # already canonical: most plans, and no copy needed
    return plan.model_copy(update=update)


def compile_context(ctx: CheckContext) -> Catalog:
    """A catalog from an error-free check context."""
    sources = {(kind, ident): located.where("renamed_from")
               for kind in ("products", "plans", "offers")
               for ident, located in getattr(ctx, kind).items() if located.obj.renamed_from}
    return Catalog(
        products={k: v.obj for k, v in sorted(ctx.products.items())},
        plans={k: normalize_plan(v.obj) for k, v in sorted(ctx.plans.items())},
        offers={k: v.obj for k, v in sorted(ctx.offers.items())},
        rename_sources=sources,
    )
