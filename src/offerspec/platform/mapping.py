"""Catalog objects <-> platform objects (docs/platform-api.md): pure functions, no I/O.

A catalog object is the canonical dict of a compiled catalog (``Catalog.objects()``, a store's
``LiveObject.data``). A platform object is what the plans REST API shows: integer ids, references
as integer ids, ``active``/``status``, ``entitlements``, and the catalog id in
``metadata.offerspec_id``. ``Refs`` turns catalog ids into platform numbers and back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

OFFERSPEC_ID = "offerspec_id"
OFFERSPEC_HASH = "offerspec_hash"
OFFERSPEC_REPLACES = "offerspec_replaces"
"""In a create's metadata: the platform id of the generation it replaces (never stored)."""

# Plan attributes that are the same name and value on both sides.
PLAN_SAME_FIELDS: tuple[str, ...] = (
    "amount", "currency", "interval", "interval_count", "auto_renew", "nickname", "name_internal",
    "description", "trial_period_days", "renewal_strategy", "shipments_per_interval",
    "available_online", "is_hidden", "refundable", "type", "member_seat_capacity", "countries",
    "ip_addresses", "domains", "is_donation", "allow_send_invoice", "auto_uncollectible_days",
    "invoice_upcoming_notification", "apple_product_id", "gift_description", "image",
    "agency_remit_rate", "expires_at", "revenue_recognition", "segment",
)
SIMPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "products": ("name", "description"),
    "offers": ("name", "description"),
    "plans": PLAN_SAME_FIELDS,
}
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,15})\Z")
_NUMBERED_ID = re.compile(r"[a-z]+-([1-9][0-9]*)\Z")


def singular(kind: str) -> str:
    return kind.removesuffix("s")


def assigned_id(kind: str, number: int) -> str:
    """The catalog id of an object created through the API without ``metadata.offerspec_id``:
    ``plan-17`` (a valid catalog slug, so ``offerspec pull`` from that store still works)."""
    return f"{singular(kind)}-{number}"


class Refs(Protocol):
    """Catalog id <-> platform number of the head generation of an object."""

    def number(self, kind: str, ident: str) -> int | None: ...

    def ident(self, kind: str, number: int) -> str | None: ...


class RefTable:
    """A ``Refs`` from (kind, catalog id, number) rows of head generations."""

    def __init__(self, rows: Iterable[tuple[str, str, int]] = ()) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._idents: dict[tuple[str, int], str] = {}
        for kind, ident, number in rows:
            self.add(kind, ident, number)

    @classmethod
    def from_platform(cls, objects: dict[str, list[dict[str, Any]]]) -> RefTable:
        """The table a platform's lists give (kind -> platform objects, any order): every number
        names its catalog id; a catalog id's number is its newest object's (the highest number:
        a replaced plan's new generation comes after the old one)."""
        table = cls()
        for kind, items in objects.items():
            for item in sorted(items, key=lambda o: int(o["id"])):
                ident = catalog_id_of(item) or assigned_id(kind, int(item["id"]))
                table.add(kind, ident, int(item["id"]))
        return table

    def add(self, kind: str, ident: str, number: int) -> None:
        self._numbers[(kind, ident)] = number
        self._idents[(kind, number)] = ident

    def remove(self, kind: str, ident: str) -> None:
        number = self._numbers.pop((kind, ident), None)
        if number is not None and self._idents.get((kind, number)) == ident:
            del self._idents[(kind, number)]

    def copy(self) -> RefTable:
        table = RefTable()
        table._numbers = dict(self._numbers)
        table._idents = dict(self._idents)
        return table

    def number(self, kind: str, ident: str) -> int | None:
        return self._numbers.get((kind, ident))

    def ident(self, kind: str, number: int) -> str | None:
        return self._idents.get((kind, number))


class UnresolvedReference(LookupError):
    """A catalog object refers to an object the platform has no number for."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"no platform id for {singular(kind)} {ident}")
        self.kind = kind
        self.ident = ident


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request body, at a field path (``entitlements.product_ids[1]``)."""

    path: str
    code: str
    message: str
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "code": self.code, "message": self.message, "hint": self.hint}


def _number(refs: Refs, kind: str, ident: str) -> int:
    number = refs.number(kind, ident)
    if number is None:
        raise UnresolvedReference(kind, ident)
    return number


def _metadata_out(data: dict[str, Any], offerspec_hash: str | None) -> dict[str, str]:
    metadata = {**data.get("metadata", {}), OFFERSPEC_ID: data["id"]}
    if offerspec_hash is not None:
        metadata[OFFERSPEC_HASH] = offerspec_hash
    return metadata


def _agency_id_out(agency: str | None) -> tuple[int | None, str | None]:
    if agency is None:
        return None, None
    if _DECIMAL.match(agency):
        return int(agency), None
    return None, agency


def to_platform(kind: str, data: dict[str, Any], number: int, refs: Refs, *,
                offerspec_hash: str | None = None) -> dict[str, Any]:
    """The platform object for one catalog object (its canonical dict) with platform id ``number``.

    ``offerspec_hash`` goes to ``metadata.offerspec_hash`` (what offerspec last wrote).
    """
    status = data.get("status", "active")
    out: dict[str, Any] = {"id": number, "active": status, "status": status}
    for name in SIMPLE_FIELDS[kind]:
        out[name] = data.get(name)
    if kind == "plans":
        out["product_id"] = _number(refs, "products", data["product"])
        out["entitlements"] = {"product_ids": [_number(refs, "products", g) for g in data["grants"]]}
        owner = data.get("group_owner_plan")
        out["group_owner_plan_id"] = None if owner is None else _number(refs, "plans", owner)
        out["agency_id"], out["agency_name"] = _agency_id_out(data.get("agency_id"))
        out["is_imported"] = False
        out["old_provider_id"] = None
    elif kind == "offers":
        out["plan_ids"] = [_number(refs, "plans", p) for p in data["plans"]]
    out["metadata"] = _metadata_out(data, offerspec_hash)
    return out


def catalog_id_of(fields: dict[str, Any]) -> str | None:
    """``metadata.offerspec_id`` of a platform object or request body, if it has a usable one."""
    metadata = fields.get("metadata")
    if isinstance(metadata, dict):
        value = metadata.get(OFFERSPEC_ID)
        if isinstance(value, str):
            return value
    return None


def offerspec_hash_of(fields: dict[str, Any]) -> str | None:
    metadata = fields.get("metadata")
    if isinstance(metadata, dict):
        value = metadata.get(OFFERSPEC_HASH)
        if isinstance(value, str):
            return value
    return None


def _ref_in(refs: Refs, kind: str, number: Any, path: str, problems: list[Problem]) -> str | None:
    ident = refs.ident(kind, number) if isinstance(number, int) and not isinstance(number, bool) \
        else None
    if ident is None:
        problems.append(Problem(
            path, "unknown-reference", f"no {singular(kind)} has id {number!r}",
            hint=f"use the id of an existing {singular(kind)} (GET /{kind})"))
    return ident


def from_platform(kind: str, fields: dict[str, Any], refs: Refs, *,
                  base: dict[str, Any] | None = None, new_id: str | None = None,
                  ) -> tuple[dict[str, Any], list[Problem]]:
    """A catalog object from platform ``fields`` (the attributes a client sent).

    ``base``: the catalog object being edited (fields not sent keep its values). The catalog id
    is ``metadata.offerspec_id``, else the base's, else ``new_id``. The result is not checked
    beyond references: run the catalog's checks on it.
    """
    problems: list[Problem] = []
    out: dict[str, Any] = dict(base) if base is not None else {}
    active, status = fields.get("active"), fields.get("status")
    if active is not None and status is not None and active != status:
        problems.append(Problem("status", "conflicting-status",
                                f"active is {active!r} but its alias status is {status!r}",
                                hint="send only `active`"))
    if active is not None or status is not None:
        out["status"] = active if active is not None else status
    elif "active" in fields or "status" in fields:
        out.pop("status", None)
    for name in SIMPLE_FIELDS[kind]:
        if name in fields:
            out[name] = fields[name]
    if kind == "plans":
        _plan_refs_in(fields, refs, out, problems)
    elif kind == "offers" and "plan_ids" in fields:
        plan_ids = fields["plan_ids"]
        if isinstance(plan_ids, list):
            out["plans"] = [_ref_in(refs, "plans", n, f"plan_ids[{i}]", problems)
                            for i, n in enumerate(plan_ids)]
        else:
            out["plans"] = plan_ids
    if "metadata" in fields:
        metadata = fields["metadata"]
        if isinstance(metadata, dict):
            out["metadata"] = {k: v for k, v in metadata.items() if k not in (OFFERSPEC_ID, OFFERSPEC_HASH)}
        else:
            out["metadata"] = metadata
    ident = catalog_id_of(fields)
    if base is not None and ident is not None and ident != base["id"]:
        problems.append(Problem(
            f"metadata.{OFFERSPEC_ID}", "offerspec-id-changed",
            f"metadata.{OFFERSPEC_ID} is {base['id']!r} and cannot change (sent {ident!r})",
            hint=f"create a new {singular(kind)} for a new catalog id"))
    out["id"] = base["id"] if base is not None else ident if ident is not None else new_id
    return out, problems


def _plan_refs_in(fields: dict[str, Any], refs: Refs, out: dict[str, Any],
                  problems: list[Problem]) -> None:
    if "product_id" in fields:
        out["product"] = _ref_in(refs, "products", fields["product_id"], "product_id", problems)
    if "entitlements" in fields:
        entitlements = fields["entitlements"]
        if entitlements is None:
            out.pop("grants", None)  # the catalog's default: the plan's own product
        else:
            ids = entitlements.get("product_ids", []) if isinstance(entitlements, dict) else []
            out["grants"] = [_ref_in(refs, "products", n, f"entitlements.product_ids[{i}]", problems)
                             for i, n in enumerate(ids)]
    if "group_owner_plan_id" in fields:
        owner = fields["group_owner_plan_id"]
        out["group_owner_plan"] = None if owner is None else _ref_in(
            refs, "plans", owner, "group_owner_plan_id", problems)
    if "agency_id" in fields or "agency_name" in fields:
        number, name = fields.get("agency_id"), fields.get("agency_name")
        if number is not None and name is not None:
            problems.append(Problem("agency_name", "conflicting-agency",
                                    "agency_id and agency_name are both set",
                                    hint="send agency_id for a numeric agency, agency_name otherwise"))
        out["agency_id"] = name if name is not None else None if number is None else str(number)


def numbered_id(kind: str, ident: str) -> int | None:
    """17 for ``plan-17`` (an id ``assigned_id`` could have made), else None."""
    match = _NUMBERED_ID.match(ident)
    if match is None or not ident.startswith(singular(kind) + "-"):
        return None
    return int(match.group(1))
