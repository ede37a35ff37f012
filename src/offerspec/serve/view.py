"""What the server shows at one store revision: every platform object, ready to send.

A ``View`` is built once per revision in the store's thread, every object mapped and encoded
there (objects unchanged since the previous view, with the same references, are reused), and
then only read in the event loop: a ``GET`` costs a dict look-up, a page of a list a slice.
The compiled catalog the simulator reads is built on first use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from offerspec.catalog import Catalog, canonical_json
from offerspec.diff.compare import references
from offerspec.model import KINDS
from offerspec.platform import RefTable, to_platform

if TYPE_CHECKING:
    from offerspec.store.base import LiveObject, Snapshot, StoredObject


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
    generations: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    """(kind, id) -> the numbers of its generations in ``objects``."""
    referrers: dict[tuple[str, str], frozenset[tuple[str, int]]] = field(default_factory=dict)
    """(kind, id) -> the (kind, number) of every object whose rendering names it."""
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
        generations: dict[tuple[str, str], list[int]] = {}
        referrers: dict[tuple[str, str], set[tuple[str, int]]] = {}
        for kind in KINDS:
            for number, obj in objects[kind].items():
                hit = old.get((kind, number))
                if hit is None or hit.text != obj.text or hit.written_hash != obj.written_hash or \
                        any(refs.number(k, i) != n for k, i, n in hit.refs):
                    hit = _render(kind, obj, refs)
                view.rendered_objects[(kind, number)] = hit
                generations.setdefault((kind, obj.id), []).append(number)
                for k, i, _ in hit.refs:
                    referrers.setdefault((k, i), set()).add((kind, number))
        view.generations = {key: tuple(numbers) for key, numbers in generations.items()}
        view.referrers = {key: frozenset(users) for key, users in referrers.items()}
        return view

    def updated(self, revision: int, heads: dict[tuple[str, str], LiveObject],
                stored: dict[tuple[str, str], list[StoredObject]]) -> View:
        """The next view, after a write that touched only the keys of ``stored`` (their heads
        in ``heads``, every generation in ``stored``): this view's tables copied, only what
        changed read and rendered again. This view stays as it was (the event loop reads it)."""
        touched = set(stored)
        kinds = {kind for kind, _ in touched}
        live = {kind: dict(table) if kind in kinds else table
                for kind, table in self.snapshot.objects.items()}
        for kind, ident in touched:
            table = live.setdefault(kind, {})
            head = heads.get((kind, ident))
            if head is None:
                table.pop(ident, None)
            else:
                table[ident] = head  # a new id comes last (a full read has them by id)
        snapshot = replace(self.snapshot, revision=revision, objects=live)
        objects = {kind: dict(table) if kind in kinds else table
                   for kind, table in self.objects.items()}
        refs = self.refs.copy()
        generations = dict(self.generations)
        for kind, ident in touched:
            old_numbers = self.generations.get((kind, ident), ())
            new_numbers = tuple(o.number for o in stored[(kind, ident)])
            for number in set(old_numbers) - set(new_numbers):
                objects[kind].pop(number, None)
            for obj in stored[(kind, ident)]:
                objects[kind][obj.number] = obj  # a new number is the highest: order kept
            if new_numbers:
                generations[(kind, ident)] = new_numbers
            else:
                generations.pop((kind, ident), None)
            refs.remove(kind, ident)
            head_number = next((o.number for o in stored[(kind, ident)] if o.head), None)
            if head_number is not None:
                refs.add(kind, ident, head_number)
        view = View(revision, snapshot, objects, refs, dict(self.rendered_objects), generations,
                    dict(self.referrers))
        # what to render again: the touched objects, and those naming them whose numbers moved
        again = {(kind, n) for kind, ident in touched for n in generations.get((kind, ident), ())}
        again.update(user for key in touched for user in self.referrers.get(key, ())
                     if user not in again and any(
                         refs.number(k, i) != n for k, i, n in self.rendered_objects[user].refs))
        for kind, ident in touched:
            for number in set(self.generations.get((kind, ident), ())) - set(
                    generations.get((kind, ident), ())):
                view._forget(kind, number)
        for kind, number in again:
            view._forget(kind, number)
            again_obj = objects[kind].get(number)
            if again_obj is None:
                continue
            rendered = _render(kind, again_obj, refs)
            view.rendered_objects[(kind, number)] = rendered
            for k, i, _ in rendered.refs:
                view.referrers[(k, i)] = view.referrers.get((k, i), frozenset()) | {(kind, number)}
        return view

    def _forget(self, kind: str, number: int) -> None:
        """Drop one rendered object and its entries in ``referrers``."""
        old = self.rendered_objects.pop((kind, number), None)
        if old is None:
            return
        for k, i, _ in old.refs:
            users = self.referrers.get((k, i), frozenset()) - {(kind, number)}
            if users:
                self.referrers[(k, i)] = users
            else:
                self.referrers.pop((k, i), None)

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
