"""A write's desired catalog through the same schema and semantic checks as ``validate``.

``offerspec.check.objects`` runs the checks (the same mechanism as ``apply --plan``); here each
problem is told in platform terms (``entitlements.product_ids[1]``, ``plans/17.plan_ids[0]``
for another object).
"""

from __future__ import annotations

from typing import Any

from offerspec.check.objects import ObjectProblem
from offerspec.check.objects import check_objects as check_catalog_objects
from offerspec.platform import Problem, Refs

PLATFORM_FIELD: dict[str, dict[str, str]] = {
    "products": {"status": "active", "id": "metadata.offerspec_id"},
    "plans": {"status": "active", "id": "metadata.offerspec_id", "product": "product_id",
              "grants": "entitlements.product_ids", "group_owner_plan": "group_owner_plan_id"},
    "offers": {"status": "active", "id": "metadata.offerspec_id", "plans": "plan_ids"},
}
DOCUMENT = "<api>"


def platform_path(kind: str, rest: tuple[Any, ...]) -> str:
    """``("grants", 1)`` -> ``entitlements.product_ids[1]``; ``("metadata", "k")`` -> ``metadata.k``."""
    if not rest:
        return ""
    name = PLATFORM_FIELD[kind].get(str(rest[0]), str(rest[0]))
    out = name
    for part in rest[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def check_objects(objects: dict[str, dict[str, dict[str, Any]]], target: tuple[str, str] | None,
                  refs: Refs) -> list[Problem]:
    """The errors ``validate`` would report on this catalog, each at its platform field path.

    ``objects`` holds catalog objects (kind -> id -> dict, canonical or as sent); ``target`` is the
    object the request writes: its problems have bare paths, others are prefixed
    ``<kind>/<platform id>.``.
    """
    found = check_catalog_objects(objects, () if target is None else (target,), document=DOCUMENT)
    problems = [_problem(p, target, refs) for p in found if p.diagnostic.is_error]
    # the request's own object first, then the others; each in the order of its fields
    return sorted(problems, key=lambda p: ("/" in p.path.split(".")[0], p.path, p.code))


def _problem(found: ObjectProblem, target: tuple[str, str] | None, refs: Refs) -> Problem:
    where = ""
    diagnostic = found.diagnostic
    if found.kind is not None and found.id is not None:
        kind, ident = found.kind, found.id
        field = platform_path(kind, found.path)
        if (kind, ident) == target:
            where = field
        else:
            number = refs.number(kind, ident)
            where = f"{kind}/{number if number is not None else ident}" + (f".{field}" if field else "")
    return Problem(where, diagnostic.code, diagnostic.message, diagnostic.hint)
