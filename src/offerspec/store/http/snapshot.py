"""Reading a platform: its lists -> a ``Snapshot`` of catalog objects, with no local state.

Each platform object names its catalog object in ``metadata.offerspec_id`` and the hash
offerspec last wrote in ``metadata.offerspec_hash``. The objects sharing one ``offerspec_id`` are
its generations, oldest (lowest id) first; the newest is the head, the live object. Its catalog
form is the platform object mapped back (``offerspec.platform.from_platform``) and brought to
canonical form, so its text hashes exactly as the store under ``offerspec serve`` would hash it:
drift is a head whose content no longer hashes to its ``offerspec_hash``. Objects without an
``offerspec_id`` are unmanaged: listed, never part of the plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.check.rules.metadata import RESERVED_PREFIX
from offerspec.diff.changes import Change
from offerspec.model import KINDS, MODEL_BY_KIND, Plan
from offerspec.platform import (
    RefTable,
    catalog_id_of,
    from_platform,
    offerspec_hash_of,
    singular,
)
from offerspec.store.base import LiveObject, Snapshot, StoredObject


def platform_etag(platform: Mapping[str, Any]) -> str:
    """The ETag the contract gives an object (docs/platform-api.md): a list carries no
    headers, so a listed object's ETag is computed from its JSON."""
    return '"' + hashlib.sha256(canonical_json(dict(platform)).encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class Unmanaged:
    kind: str
    number: int
    name: str
    active: str

    def describe(self) -> str:
        return f"{singular(self.kind)} {self.number} ({self.name!r}, {self.active})"


@dataclass(frozen=True, slots=True)
class RemoteSnapshot(Snapshot):
    """A snapshot of a platform, with what applying over REST needs besides the catalog."""

    platform: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    """(kind, number) -> the platform object as listed (managed ones: every generation)."""
    etags: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, catalog id) -> the ETag of its head."""
    unmanaged: tuple[Unmanaged, ...] = ()
    old_active: tuple[tuple[str, str, int], ...] = ()
    """(kind, catalog id, number) of old generations still active (a replace stopped half-way
    on a platform that does not archive them itself)."""
    refs: RefTable = field(default_factory=RefTable)

    def plan_etags(self, changes: Sequence[Change]) -> dict[str, str]:
        """``kind/id`` -> the ETag of every object the plan's steps write (a saved plan records
        them: it applies only while they are unchanged)."""
        from offerspec.store.http.steps import touched

        return touched(changes, self)

    def plan_lines(self, changes: Sequence[Change]) -> list[str]:
        """The REST steps and the unmanaged objects, shown under the plan."""
        from offerspec.store.http.steps import step_lines

        return step_lines(changes, self)


def catalog_data(kind: str, item: Mapping[str, Any], refs: RefTable, ident: str) -> dict[str, Any]:
    """The catalog object a platform object is, in canonical form (as the stores hold it).

    offerspec's own metadata keys are dropped. An object the catalog's model refuses keeps the
    mapped fields as they are: its text then differs from anything offerspec wrote (drift), and
    commands that need valid objects (pull, simulate --from-store) report it."""
    data, _ = from_platform(kind, dict(item), refs, new_id=ident)
    data["id"] = ident
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        data["metadata"] = {k: v for k, v in metadata.items() if not str(k).startswith(RESERVED_PREFIX)}
    try:
        obj = MODEL_BY_KIND[kind].model_validate({k: v for k, v in data.items() if v is not None})
    except ValueError:
        return data
    if isinstance(obj, Plan):
        from offerspec.compile import normalize_plan

        obj = normalize_plan(obj)
    canonical: dict[str, Any] = obj.model_dump(mode="json")
    return canonical


def read_snapshot(url: str, identity: str, lists: Mapping[str, list[dict[str, Any]]]) -> RemoteSnapshot:
    """The snapshot the platform's lists (kind -> every object, any order) make."""
    managed = {kind: [o for o in lists.get(kind, []) if catalog_id_of(o) is not None] for kind in KINDS}
    refs = RefTable.from_platform({kind: list(lists.get(kind, [])) for kind in KINDS})
    objects: dict[str, dict[str, LiveObject]] = {kind: {} for kind in KINDS}
    platform: dict[tuple[str, int], dict[str, Any]] = {}
    etags: dict[tuple[str, str], str] = {}
    old_active: list[tuple[str, str, int]] = []
    for kind in KINDS:
        generations: dict[str, list[dict[str, Any]]] = {}
        for item in sorted(managed[kind], key=lambda o: int(o["id"])):
            ident = catalog_id_of(item)
            assert ident is not None
            generations.setdefault(ident, []).append(item)
            platform[(kind, int(item["id"]))] = item
        for ident, items in generations.items():
            head = items[-1]
            data = catalog_data(kind, head, refs, ident)
            objects[kind][ident] = LiveObject(
                kind, ident, len(items), canonical_json(data), offerspec_hash_of(head) or "",
                number=int(head["id"]))
            etags[(kind, ident)] = platform_etag(head)
            old_active.extend((kind, ident, int(o["id"])) for o in items[:-1]
                              if o.get("active") == "active")
    unmanaged = tuple(
        Unmanaged(kind, int(o["id"]), str(o.get("nickname") or o.get("name") or ""),
                  str(o.get("active", "active")))
        for kind in KINDS for o in sorted(lists.get(kind, []), key=lambda o: int(o["id"]))
        if catalog_id_of(o) is None)
    return RemoteSnapshot(identity, url, 0, objects, platform, etags, unmanaged,
                          tuple(old_active), refs)


def stored_objects(snapshot: RemoteSnapshot, kind: str) -> list[StoredObject]:
    """Every managed generation of ``kind`` (``Store.objects``), by number."""
    heads = {obj.number for obj in snapshot.objects.get(kind, {}).values()}
    seen: dict[str, int] = {}
    out = []
    for (k, number), item in sorted(snapshot.platform.items()):
        if k != kind:
            continue
        ident = catalog_id_of(item)
        assert ident is not None
        seen[ident] = generation = seen.get(ident, 0) + 1
        live = snapshot.objects[kind][ident]
        if number == live.number:
            text, written = live.text, live.written_hash
        else:
            text = canonical_json(catalog_data(kind, item, snapshot.refs, ident))
            written = offerspec_hash_of(item) or ""
        out.append(StoredObject(number, kind, ident, generation, text, written, number in heads, 0))
    return out
