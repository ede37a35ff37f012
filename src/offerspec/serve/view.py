"""What the server shows at one store revision: every platform object, ready to send.

A ``View`` is built once per revision (in the store's thread) and then only read (in the event
loop): platform objects are mapped and encoded on first use and remembered, so a ``GET`` costs
a dict look-up. The compiled catalog the simulator needs is built on first use too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from offerspec.catalog import Catalog, canonical_json
from offerspec.model import KINDS
from offerspec.platform import RefTable, to_platform

if TYPE_CHECKING:
    from offerspec.store.base import Snapshot, StoredObject


def etag_of(platform: dict[str, Any]) -> str:
    return '"' + hashlib.sha256(canonical_json(platform).encode()).hexdigest()[:32] + '"'


@dataclass(slots=True)
class Rendered:
    """One platform object: as a dict, as the bytes sent, and its ETag."""

    data: dict[str, Any]
    body: bytes
    etag: str


@dataclass(slots=True)
class View:
    revision: int
    snapshot: Snapshot
    objects: dict[str, dict[int, StoredObject]]
    """kind -> number -> stored object (every generation not hard-deleted), numbers ascending."""
    refs: RefTable
    _rendered: dict[tuple[str, int], Rendered] = field(default_factory=dict)
    _catalog: Catalog | None = None

    @classmethod
    def build(cls, snapshot: Snapshot, stored: dict[str, list[StoredObject]]) -> View:
        objects = {kind: {o.number: o for o in sorted(stored.get(kind, []), key=lambda o: o.number)}
                   for kind in KINDS}
        refs = RefTable((kind, o.id, o.number) for kind in KINDS for o in objects[kind].values()
                        if o.head)
        return cls(snapshot.revision, snapshot, objects, refs)

    def get(self, kind: str, number: int) -> StoredObject | None:
        return self.objects[kind].get(number)

    def head_number(self, kind: str, ident: str) -> int | None:
        return self.refs.number(kind, ident)

    def rendered(self, kind: str, number: int) -> Rendered:
        hit = self._rendered.get((kind, number))
        if hit is None:
            stored = self.objects[kind][number]
            data = to_platform(kind, stored.data, number, self.refs, offerspec_hash=stored.written_hash)
            body = json.dumps(data, ensure_ascii=False).encode()
            hit = self._rendered[(kind, number)] = Rendered(data, body, etag_of(data))
        return hit

    def numbers(self, kind: str, *, active: str | None = None,
                product_id: int | None = None) -> list[int]:
        """The numbers a list shows, ascending, after its filters."""
        out = []
        for number, stored in self.objects[kind].items():
            if active is not None and stored.status != active:
                continue
            if product_id is not None and self.rendered(kind, number).data.get("product_id") != product_id:
                continue
            out.append(number)
        return out

    def catalog(self) -> Catalog:
        """The live catalog (every head, archived ones too): what the simulator reads."""
        if self._catalog is None:
            self._catalog = Catalog.from_objects(
                {kind: [o.data for o in table.values()] for kind, table in self.snapshot.objects.items()})
        return self._catalog
