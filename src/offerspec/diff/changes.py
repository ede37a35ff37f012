"""The diff as typed change objects (never text). Renderers and stores dispatch on the type.

Every change names the object (kind + id) and the hash of the live object it was computed
against (``None`` when the object is absent), so a saved plan can tell when it went stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from offerspec.diagnostics import OfferspecError

SINGULAR = {"products": "product", "plans": "plan", "offers": "offer"}


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Create:
    kind: str
    id: str
    data: dict[str, Any]
    live_hash: None = None
    text: str | None = field(default=None, compare=False, repr=False)
    """``canonical_json(data)`` when the diff already computed it (saves encoding twice)."""


@dataclass(frozen=True, slots=True)
class Update:
    """Editable fields change in place. ``fields == ()`` with ``drifted``: adopt a drifted object."""

    kind: str
    id: str
    fields: tuple[FieldChange, ...]
    data: dict[str, Any]
    live_hash: str
    generation: int
    drifted: bool = False


@dataclass(frozen=True, slots=True)
class Replace:
    """A replace-forcing field changed: create generation ``generation + 1``, point the offers
    at it, archive the old generation (its subscribers keep it)."""

    kind: str
    id: str
    fields: tuple[FieldChange, ...]
    forcing: tuple[str, ...]
    data: dict[str, Any]
    live_hash: str
    generation: int
    offers: tuple[str, ...] = ()
    drifted: bool = False
    group_plans: tuple[str, ...] = ()
    """Plans whose group_owner_plan is this one: they now refer to the new generation too."""

    @property
    def new_generation(self) -> int:
        return self.generation + 1


@dataclass(frozen=True, slots=True)
class Archive:
    """Removed from the catalog (or marked archived): kept, no longer available."""

    kind: str
    id: str
    data: dict[str, Any]
    live_hash: str
    generation: int
    fields: tuple[FieldChange, ...] = ()
    drifted: bool = False


@dataclass(frozen=True, slots=True)
class Unarchive:
    kind: str
    id: str
    fields: tuple[FieldChange, ...]
    data: dict[str, Any]
    live_hash: str
    generation: int
    drifted: bool = False


@dataclass(frozen=True, slots=True)
class Delete:
    """Hard deletion: only with an explicit flag, never for a referenced object."""

    kind: str
    id: str
    live_hash: str
    generation: int


@dataclass(frozen=True, slots=True)
class Rename:
    """The object the store holds as ``old_id`` is now ``id`` (the catalog's ``renamed_from``).

    A store moves every generation of ``kind/old_id`` to ``id`` — object numbers, versions and
    subscribers stay — then writes ``then()`` under the new id: ``data`` in place (an update;
    ``fields`` may be empty, or change the status), or, when a replace-forcing field changed
    too (``forcing``), a replace: the head generation archived, generation ``generation + 1``
    created. ``fields`` never lists ``id`` (``old_id`` says it).
    """

    kind: str
    id: str
    old_id: str
    fields: tuple[FieldChange, ...]
    data: dict[str, Any]
    live_hash: str
    generation: int
    forcing: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    group_plans: tuple[str, ...] = ()
    drifted: bool = False

    @property
    def new_generation(self) -> int:
        return self.generation + 1 if self.forcing else self.generation

    def then(self) -> Update | Replace:
        """What is written under the new id once the object has moved there."""
        if self.forcing:
            return Replace(self.kind, self.id, self.fields, self.forcing, self.data,
                           self.live_hash, self.generation, self.offers, self.drifted,
                           self.group_plans)
        return Update(self.kind, self.id, self.fields, self.data, self.live_hash,
                      self.generation, self.drifted)


Change = Create | Update | Replace | Archive | Unarchive | Delete | Rename

ACTIONS: dict[type[Any], str] = {
    Create: "create", Update: "update", Replace: "replace", Archive: "archive",
    Unarchive: "unarchive", Delete: "delete", Rename: "rename",
}
BY_ACTION = {name: cls for cls, name in ACTIONS.items()}


def action(change: Change) -> str:
    return ACTIONS[type(change)]


def label(change: Change) -> str:
    return f"{SINGULAR[change.kind]} {change.id}"


def touched(change: Change) -> list[tuple[tuple[str, str], str | None]]:
    """((kind, id), hash of the live object the change was computed against, None = absent)
    for every id the change writes: a rename's old id (the live object) and its new id (free)."""
    if isinstance(change, Rename):
        return [((change.kind, change.old_id), change.live_hash), ((change.kind, change.id), None)]
    return [((change.kind, change.id), change.live_hash)]


def moves_of(changes: Iterable[Change]) -> dict[str, dict[str, str]]:
    """kind -> old id -> new id of the renames among ``changes``."""
    moves: dict[str, dict[str, str]] = {}
    for c in changes:
        if isinstance(c, Rename):
            moves.setdefault(c.kind, {})[c.old_id] = c.id
    return moves


def is_drifted(change: Change) -> bool:
    return bool(getattr(change, "drifted", False))


def to_dict(change: Change) -> dict[str, Any]:
    """The plan-JSON form of one change (see docs/plan-and-apply.md, "Plan JSON")."""
    out: dict[str, Any] = {"action": action(change), "kind": change.kind, "id": change.id,
                           "live_hash": change.live_hash}
    if isinstance(change, Rename):
        out["old_id"] = change.old_id
    if not isinstance(change, Create):
        out["generation"] = change.generation
    if isinstance(change, Update | Replace | Unarchive | Archive | Rename):
        out["fields"] = [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields]
    if isinstance(change, Replace | Rename):
        out["forcing"] = list(change.forcing)
        out["new_generation"] = change.new_generation
        out["offers"] = list(change.offers)
        out["group_plans"] = list(change.group_plans)
    if not isinstance(change, Create | Delete):
        out["drifted"] = change.drifted
    if not isinstance(change, Delete):
        out["data"] = change.data
    return out


def from_dict(raw: Any) -> Change:
    """Read one change back from a plan file; a malformed entry is a user error."""
    try:
        cls = BY_ACTION[raw["action"]]
        common = {"kind": str(raw["kind"]), "id": str(raw["id"])}
        if common["kind"] not in SINGULAR:
            raise ValueError(f"unknown kind {common['kind']!r}")
        if cls is Create:
            return Create(common["kind"], common["id"], dict(raw["data"]))
        if cls is Delete:
            return Delete(live_hash=str(raw["live_hash"]), generation=int(raw["generation"]),
                          **common)
        fields = tuple(FieldChange(f["field"], f["old"], f["new"]) for f in raw.get("fields", []))
        rest: dict[str, Any] = {"data": dict(raw["data"]), "live_hash": str(raw["live_hash"]),
                                "generation": int(raw["generation"]),
                                "drifted": bool(raw.get("drifted", False)), **common}
        if cls is Replace or cls is Rename:
            more = {"old_id": str(raw["old_id"])} if cls is Rename else {}
            return cls(fields=fields, forcing=tuple(raw["forcing"]),  # type: ignore[no-any-return]
                       offers=tuple(raw.get("offers", [])),
                       group_plans=tuple(raw.get("group_plans", [])), **more, **rest)
        result: Update | Unarchive | Archive = cls(fields=fields, **rest)
        return result
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise OfferspecError(f"malformed change in plan file: {exc!r}",
                             hint="create the plan again with: offerspec plan --out FILE") from exc
