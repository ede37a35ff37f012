"""The compiled catalog: resolved, normalized objects and their canonical JSON form.

Every later stage (diff, apply, simulate) reads this, whether it was compiled
from YAML or read back from a store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from offerspec.model import KINDS, Offer, Plan, Product

FORMAT_VERSION = 1

CatalogObject = Product | Plan | Offer


def canonical_json(value: Any) -> str:
    """The one serialization used for hashing and comparing: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def object_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def dump_object(obj: CatalogObject) -> dict[str, Any]:
    """An object's canonical dict: every field present, JSON types only."""
    return obj.model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class Catalog:
    """Products, plans and offers by id, already normalized (see ``compile``)."""

    products: dict[str, Product] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    offers: dict[str, Offer] = field(default_factory=dict)
    rename_sources: dict[tuple[str, str], tuple[str, int, int]] = field(
        default_factory=dict, compare=False, repr=False)
    """(kind, id) -> where the object's ``renamed_from`` is written (file, line, col)."""

    def renames(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """kind -> id -> the old ids its ``renamed_from`` names (only objects that have one)."""
        return {kind: {ident: tuple(dict.fromkeys(obj.renamed_from))
                       for ident, obj in sorted(self.kind(kind).items()) if obj.renamed_from}
                for kind in KINDS}

    def kind(self, kind: str) -> dict[str, Any]:
        table: dict[str, Any] = getattr(self, kind)
        return table

    def objects(self) -> dict[str, dict[str, dict[str, Any]]]:
        """kind -> id -> canonical dict, ids sorted."""
        return {kind: {ident: dump_object(obj) for ident, obj in sorted(self.kind(kind).items())}
                for kind in KINDS}

    def serialized(self) -> dict[str, list[str]]:
        """kind -> each object's canonical JSON, sorted by id (computed once, reused)."""
        return {kind: [canonical_json(dump_object(obj)) for _, obj in sorted(self.kind(kind).items())]
                for kind in KINDS}

    def content_hash(self, serialized: dict[str, list[str]] | None = None) -> str:
        """sha256 of the canonical JSON of {kind: [objects]}: independent of files and key order."""
        serialized = serialized if serialized is not None else self.serialized()
        # Exactly canonical_json({kind: [...]}) — built from the per-object strings.
        body = "{" + ",".join(f'"{kind}":[{",".join(serialized[kind])}]' for kind in sorted(serialized)) + "}"
        return "sha256:" + hashlib.sha256(body.encode()).hexdigest()

    def to_document(self) -> dict[str, Any]:
        """The compiled catalog file's content (``offerspec compile``), as Python values."""
        document: dict[str, Any] = json.loads(self.to_json())
        return document

    def to_json(self) -> str:
        return self.to_json_and_hash()[0]

    def to_json_and_hash(self) -> tuple[str, str]:
        """Sorted keys, one object per line: stable bytes and readable diffs.

        (``json.dumps(indent=...)`` would fall back to the pure-Python encoder, 4x slower.)
        """
        serialized = self.serialized()
        content_hash = self.content_hash(serialized)
        header = [f'  "catalog_hash": "{content_hash}"',
                  f'  "format_version": {FORMAT_VERSION}']
        lists = []
        for kind in sorted(serialized):
            items = ",\n".join(f"    {item}" for item in serialized[kind])
            lists.append(f'  "{kind}": [\n{items}\n  ]' if items else f'  "{kind}": []')
        return "{\n" + ",\n".join(header + lists) + "\n}\n", content_hash

    @classmethod
    def from_objects(cls, objects: dict[str, list[dict[str, Any]]]) -> Catalog:
        """Rebuild from canonical dicts (a compiled file or a store snapshot)."""
        return cls(
            products={d["id"]: Product.model_validate(d) for d in objects.get("products", [])},
            plans={d["id"]: Plan.model_validate(d) for d in objects.get("plans", [])},
            offers={d["id"]: Offer.model_validate(d) for d in objects.get("offers", [])},
        )

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        return cls.from_objects(json.loads(text))
