"""What the server shows at one store revision: every platform object, ready to send.

A ``View`` is built once per revision in the store's thread, every object mapped and encoded
there (objects unchanged since the previous view, with the same references, are reused), and
then only read in the event loop: a ``GET`` costs a dict look-up, a page of a list a slice.
The compiled catalog the simulator reads is built on first use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from offerspec.catalog import Catalog, canonical_json
from offerspec.diff.compare import references
from offerspec.model import KINDS
from offerspec.platform import RefTable, to_platform

if TYPE_CHECKING:
    from offerspec.store.base import Snapshot, StoredObject


def etag_of(platform: dict[str, Any]) -> str:
    return '"' + hashlib.sha256(canonical_json(platform).encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class Rendered:
    """One platform object: as a dict, as the bytes sent, its ETag, and what it was made from."""

    data: dict[str, Any]
    body: bytes
    etag: str
    text: str
    written_hash: str
    refs: tuple[tuple[str, str, int | None], ...]
    """(kind, catalog id, platform number) of every object it refers to, when it was rendered."""


def _render(kind: str, stored: StoredObject, refs: RefTable) -> Rendered:
    data = stored.data
    platform = to_platform(kind, data, stored.number, refs, offerspec_hash=stored.written_hash)
    used = tuple((k, i, refs.number(k, i)) for k, i in references(kind, data))
    return Rendered(platform, json.dumps(platform, ensure_ascii=False).encode(), etag_of(platform),
                    stored.text, stored.written_hash, used)


@dataclass(slots=True)
class View:
    revision: int
    snapshot: Snapshot
    objects: dict[str, dict[int, StoredObject]]
    """kind -> number -> stored object (every generation not hard-deleted), numbers ascending."""
    refs: RefTable
    rendered_objects: dict[tuple[str, int], Rendered] = field(default_factory=dict)
    _lists: dict[tuple[str, str | None, int | None], list[int]] = field(default_factory=dict)
    _catalog: Catalog | None = None

    @classmethod
    def build(cls, snapshot: Snapshot, stored: dict[str, list[StoredObject]],
              previous: View | None = None) -> View:
        objects = {kind: {o.number: o for o in sorted(stored.get(kind, []), key=lambda o: o.number)}
                   for kind in KINDS}
        refs = RefTable((kind, o.id, o.number) for kind in KINDS for o in objects[kind].values()
                        if o.head)
        view = cls(snapshot.revision, snapshot, objects, refs)
        old = previous.rendered_objects if previous is not None else {}
        for kind in KINDS:
            for number, obj in objects[kind].items():
                hit = old.get((kind, number))
                if hit is None or hit.text != obj.text or hit.written_hash != obj.written_hash or \
                        any(refs.number(k, i) != n for k, i, n in hit.refs):
                    hit = _render(kind, obj, refs)
                view.rendered_objects[(kind, number)] = hit
        return view

    def get(self, kind: str, number: int) -> StoredObject | None:
        return self.objects[kind].get(number)

    def head_number(self, kind: str, ident: str) -> int | None:
        return self.refs.number(kind, ident)

    def rendered(self, kind: str, number: int) -> Rendered:
        return self.rendered_objects[(kind, number)]

    def numbers(self, kind: str, *, active: str | None = None,
                product_id: int | None = None) -> list[int]:
        """The numbers a list shows, ascending, after its filters (remembered per filter)."""
        key = (kind, active, product_id)
        hit = self._lists.get(key)
        if hit is None:
            shown = (self.rendered(kind, n).data for n in self.objects[kind])
            hit = [data["id"] for data in shown
                   if (active is None or data["active"] == active)
                   and (product_id is None or data.get("product_id") == product_id)]
            if len(self._lists) > 1000:  # bounded: a client can ask for any product_id
                self._lists.clear()
            self._lists[key] = hit
        return hit

    def catalog_ready(self) -> bool:
        return self._catalog is not None

    def catalog(self) -> Catalog:
        """The live catalog (every head, archived ones too): what the simulator reads."""
        if self._catalog is None:
            self._catalog = Catalog.from_objects(
                {kind: [o.data for o in table.values()] for kind, table in self.snapshot.objects.items()})
        return self._catalog
