"""Desired catalog vs live snapshot -> a list of changes; one comparator per kind.

Cheap by construction: each desired object's canonical JSON text is compared with the stored
text first; only objects that differ are parsed and compared field by field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import (
    SINGULAR,
    Archive,
    Change,
    Create,
    Delete,
    FieldChange,
    Rename,
    Replace,
    Unarchive,
    Update,
)
from offerspec.diff.fields import STATUS_FIELD, forcing_fields
from offerspec.model import KINDS
from offerspec.store.base import LiveObject, Snapshot

Objects = dict[str, dict[str, dict[str, Any]]]
"""kind -> id -> canonical dict (``Catalog.objects()``)."""


@dataclass(frozen=True, slots=True)
class CompareContext:
    desired: Objects
    snapshot: Snapshot
    delete_removed: bool
    texts: dict[str, dict[str, str]]
    """kind -> id -> canonical JSON text of the desired object."""
    moves: dict[str, dict[str, str]] = field(default_factory=dict)
    """kind -> old id -> new id: the renames this plan applies (diff/renames.py)."""


Comparator = Callable[[CompareContext, list[Change]], None]
COMPARATORS: dict[str, Comparator] = {}


def comparator(kind: str) -> Callable[[Comparator], Comparator]:
    def register(func: Comparator) -> Comparator:
        COMPARATORS[kind] = func
        return func
    return register


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Top-level fields that differ, in the model's field order (``None`` = absent)."""
    keys = list(new) + [k for k in old if k not in new]
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k))


REFERENCES: dict[str, dict[str, str]] = {
    "plans": {"product": "products", "grants": "products", "group_owner_plan": "plans"},
    "offers": {"plans": "plans"},
}
"""kind -> field -> the kind of the objects it names."""


def _follow_value(field: str, value: Any, moved: dict[str, str]) -> Any:
    if isinstance(value, list):
        renamed = [moved.get(v, v) if isinstance(v, str) else v for v in value]
        return sorted(renamed) if field == "grants" else renamed
    return moved.get(value, value) if isinstance(value, str) else value


def _followed(kind: str, f: FieldChange, moves: dict[str, dict[str, str]]) -> Any:
    """The old value with the ids renamed in this plan replaced by their new ids."""
    target = REFERENCES.get(kind, {}).get(f.field)
    moved = moves.get(target, {}) if target is not None else {}
    return _follow_value(f.field, f.old, moved) if moved else f.old


def follow_references(kind: str, data: dict[str, Any],
                      moves: dict[str, dict[str, str]]) -> dict[str, Any]:
    """``data`` referring by their new ids to the objects renamed in ``moves`` (kind -> old id
    -> new id); ``data`` itself when it refers to none of them."""
    out = data
    for name, target in REFERENCES.get(kind, {}).items():
        moved = moves.get(target)
        if moved and name in data:
            value = _follow_value(name, data[name], moved)
            if value != data[name]:
                out = {**out, name: value}
    return out


def real_forcing(kind: str, fields: tuple[FieldChange, ...],
                 moves: dict[str, dict[str, str]] | None = None) -> tuple[str, ...]:
    """The replace-forcing fields that really change: naming a renamed object by its new id
    (``product: digital → digital-access`` after that product's rename) is the same object."""
    return forcing_fields(kind, [f.field for f in fields
                                 if not moves or _followed(kind, f, moves) != f.new])


def compare_rename(kind: str, live: LiveObject, data: dict[str, Any], offers: tuple[str, ...],
                   *, group_plans: tuple[str, ...] = (),
                   moves: dict[str, dict[str, str]] | None = None) -> Rename:
    """``live`` (the old id) renamed to ``data["id"]``, with whatever else changed."""
    fields = tuple(f for f in field_changes(live.data, data) if f.field != "id")
    forcing = real_forcing(kind, fields, moves)
    return Rename(kind, data["id"], live.id, fields, data, live.hash, live.generation, forcing,
                  offers if forcing else (), group_plans if forcing else (), live.drifted)


def compare_existing(kind: str, live: LiveObject, data: dict[str, Any], text: str,
                     offers: tuple[str, ...], *, group_plans: tuple[str, ...] = (),
                     moves: dict[str, dict[str, str]] | None = None) -> Change | None:
    drifted = live.drifted
    if text == live.text:
        if drifted:  # changed outside offerspec, and the catalog now says the same: adopt it
            return Update(kind, live.id, (), data, live.hash, live.generation, drifted=True)
        return None
    fields = field_changes(live.data, data)
    if not fields:  # same content, different text (e.g. edited by hand with other spacing)
        return Update(kind, live.id, (), data, live.hash, live.generation, drifted=drifted)
    forcing = real_forcing(kind, fields, moves)
    if forcing:
        return Replace(kind, live.id, fields, forcing, data, live.hash, live.generation,
                       offers=offers, group_plans=group_plans, drifted=drifted)
    editable = tuple(f for f in fields if f.field != STATUS_FIELD)
    was, now = live.status, data.get(STATUS_FIELD, "active")
    if was != now and now == "archived":
        return Archive(kind, live.id, data, live.hash, live.generation, editable, drifted)
    if was != now:
        return Unarchive(kind, live.id, fields, data, live.hash, live.generation, drifted)
    return Update(kind, live.id, fields, data, live.hash, live.generation, drifted)


def _offers_listing(desired: Objects) -> dict[str, tuple[str, ...]]:
    listing: dict[str, list[str]] = {}
    for offer in desired.get("offers", {}).values():
        for plan_id in offer.get("plans", []):
            listing.setdefault(plan_id, []).append(offer["id"])
    return {k: tuple(v) for k, v in listing.items()}


def _group_listing(desired: Objects) -> dict[str, tuple[str, ...]]:
    """Owner plan id -> the plans naming it as their group_owner_plan."""
    listing: dict[str, list[str]] = {}
    for plan in desired.get("plans", {}).values():
        if plan.get("group_owner_plan"):
            listing.setdefault(plan["group_owner_plan"], []).append(plan["id"])
    return {k: tuple(v) for k, v in listing.items()}


def _compare_kind(kind: str, ctx: CompareContext, ops: list[Change]) -> None:
    desired = ctx.desired.get(kind, {})
    live = ctx.snapshot.objects.get(kind, {})
    offers = _offers_listing(ctx.desired) if kind == "plans" else {}
    groups = _group_listing(ctx.desired) if kind == "plans" else {}
    moved = ctx.moves.get(kind, {})
    renamed_to = {new: old for old, new in moved.items()}
    for ident, data in desired.items():
        current = live.get(ident)
        if current is None and ident in renamed_to:
            ops.append(compare_rename(kind, live[renamed_to[ident]], data, offers.get(ident, ()),
                                      group_plans=groups.get(ident, ()), moves=ctx.moves))
            continue
        if current is None:
            ops.append(Create(kind, ident, data, text=ctx.texts[kind][ident]))
            continue
        text = ctx.texts[kind][ident]
        change = compare_existing(kind, current, data, text, offers.get(ident, ()),
                                  group_plans=groups.get(ident, ()), moves=ctx.moves)
        if change is not None:
            ops.append(change)
    for ident, current in live.items():
        if ident in desired or ident in moved:
            continue
        # An object left out of the catalog still refers to a renamed one by its new id.
        data = follow_references(kind, current.data, ctx.moves) if ctx.moves else current.data
        followed = field_changes(current.data, data) if data is not current.data else ()
        if current.status != "archived":
            archived = {**data, STATUS_FIELD: "archived"}
            ops.append(Archive(kind, ident, archived, current.hash, current.generation,
                               (FieldChange(STATUS_FIELD, current.status, "archived"),
                                *followed), current.drifted))
        elif ctx.delete_removed:
            ops.append(Delete(kind, ident, current.hash, current.generation))
        elif followed:
            ops.append(Update(kind, ident, followed, data, current.hash, current.generation,
                              current.drifted))


@comparator("products")
def compare_products(ctx: CompareContext, ops: list[Change]) -> None:
    _compare_kind("products", ctx, ops)


@comparator("plans")
def compare_plans(ctx: CompareContext, ops: list[Change]) -> None:
    _compare_kind("plans", ctx, ops)


@comparator("offers")
def compare_offers(ctx: CompareContext, ops: list[Change]) -> None:
    _compare_kind("offers", ctx, ops)


def references(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, id) of every object this one refers to."""
    if kind == "plans":
        refs = [("products", data["product"]), *(("products", g) for g in data.get("grants") or [])]
        if data.get("group_owner_plan"):
            refs.append(("plans", data["group_owner_plan"]))
        return refs
    if kind == "offers":
        return [("plans", p) for p in data.get("plans", [])]
    return []


def check_deletions(ctx: CompareContext, ops: list[Change]) -> None:
    """Hard deletion never removes something an object that stays still refers to."""
    deleted = {(c.kind, c.id) for c in ops if isinstance(c, Delete)}
    if not deleted:
        return
    problems: list[str] = []
    for kind in KINDS:
        staying = {**{i: o.data for i, o in ctx.snapshot.objects.get(kind, {}).items()
                      if (kind, i) not in deleted and i not in ctx.desired.get(kind, {})},
                   **ctx.desired.get(kind, {})}
        for ident, data in staying.items():
            problems.extend(f"{SINGULAR[ref[0]]} {ref[1]} (referenced by {SINGULAR[kind]} {ident})"
                            for ref in references(kind, data) if ref in deleted)
    if problems:
        raise OfferspecError("refusing to delete objects that are still referenced: "
                             + ", ".join(sorted(set(problems))),
                             hint="remove the references first, or leave these objects archived")


ORDER = {kind: i for i, kind in enumerate(KINDS)}


def _sort_key(change: Change) -> tuple[int, int, str]:
    # Build up parents first (products, plans, offers); tear down children first.
    if isinstance(change, Archive | Delete):
        return (1, -ORDER[change.kind], change.id)
    return (0, ORDER[change.kind], change.id)


def canonical_texts(desired: Objects) -> dict[str, dict[str, str]]:
    return {kind: {i: canonical_json(d) for i, d in table.items()} for kind, table in desired.items()}


def compare(desired: Objects, snapshot: Snapshot, *, delete_removed: bool = False,
            texts: dict[str, dict[str, str]] | None = None,
            moves: dict[str, dict[str, str]] | None = None) -> list[Change]:
    """Every change that turns the snapshot into the desired catalog, in apply order.
    ``moves``: the renames to apply (kind -> old id -> new id, ``diff.renames.resolve``)."""
    texts = texts if texts is not None else canonical_texts(desired)
    ctx = CompareContext(desired, snapshot, delete_removed, texts, moves or {})
    ops: list[Change] = []
    for kind in KINDS:
        COMPARATORS[kind](ctx, ops)
    check_deletions(ctx, ops)
    ops.sort(key=_sort_key)
    return ops
