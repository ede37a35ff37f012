"""A plan: the changes plus what they were computed against (store, revision, catalog)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from offerspec.catalog import Catalog
from offerspec.diff.changes import Change, Rename, action, is_drifted, touched
from offerspec.diff.compare import canonical_texts, compare
from offerspec.diff.renames import PlanNote, look_alike_notes, resolve
from offerspec.diff.result import result_hash
from offerspec.diff.safety import PlanOptions, check_safety
from offerspec.store.base import NEW_STORE, Snapshot

SUMMARY_ACTIONS = ("create", "update", "replace", "archive")
EXTRA_ACTIONS = ("rename", "unarchive", "delete")


@dataclass(frozen=True, slots=True)
class ChangeSet:
    changes: tuple[Change, ...]
    store_identity: str
    store_url: str
    base_revision: int
    catalog_hash: str
    options: PlanOptions = field(default_factory=PlanOptions)
    result_hash: str = ""
    """The hash of the catalog the store holds once this plan is applied (what a revision
    records): computed from the snapshot and the changes, never read from a plan file (empty
    until ``workflow.check_saved_plan`` has checked a saved plan)."""
    notes: tuple[PlanNote, ...] = ()
    """Renames already applied or with nothing to rename, creates that look like renames."""

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def store_is_new(self) -> bool:
        """Made before the store's first apply (there was no store: every object is new)."""
        return self.store_identity.startswith(NEW_STORE)

    def counts(self) -> Counter[str]:
        return Counter(action(c) for c in self.changes)

    def drift_count(self) -> int:
        return sum(1 for c in self.changes if is_drifted(c))

    def summary(self) -> str:
        """"3 to create, 1 to update, 1 to replace, 0 to archive" (+ unarchive/delete/drift if any)."""
        if self.empty:
            return "No changes."
        counts = self.counts()
        parts = [f"{counts[a]} to {a}" for a in SUMMARY_ACTIONS]
        parts += [f"{counts[a]} to {a}" + (self._with_replace() if a == "rename" else "")
                  for a in EXTRA_ACTIONS if counts[a]]
        drift = self.drift_count()
        if drift:
            parts.append(f"{drift} drifted")
        return ", ".join(parts)

    def _with_replace(self) -> str:
        """" (1 with a replace)": a rename that also forces a new version (diff.changes.Rename)."""
        n = sum(1 for c in self.changes if isinstance(c, Rename) and c.forcing)
        return f" ({n} with a replace)" if n else ""

    def touched(self) -> dict[tuple[str, str], str | None]:
        """(kind, id) -> hash of the live object this plan was computed against (None = absent)."""
        return {key: live for c in self.changes for key, live in touched(c)}


def content_hash(texts: dict[str, dict[str, str]]) -> str:
    """``Catalog.content_hash()`` from the per-object canonical texts, without encoding twice.

    canonical_json({kind: [obj, ...]}) is exactly '{"kind":[text,...],...}' with kinds sorted.
    """
    body = ",".join(f'"{kind}":[' + ",".join(table[i] for i in sorted(table)) + "]"
                    for kind, table in sorted(texts.items()))
    return "sha256:" + hashlib.sha256(("{" + body + "}").encode()).hexdigest()


def make_changeset(catalog: Catalog, snapshot: Snapshot, options: PlanOptions | None = None, *,
                   check: bool = True, objects: dict[str, dict[str, dict[str, Any]]] | None = None,
                   ) -> ChangeSet:
    """Diff ``catalog`` against ``snapshot``. ``check`` raises ``UnsafePlan`` past the safety rails."""
    from offerspec.load.files import gc_paused

    options = options or PlanOptions()
    with gc_paused():  # many small objects, no cycles: the cyclic GC only costs time here
        objects = objects if objects is not None else catalog.objects()
        texts = canonical_texts(objects)
        moves, notes = resolve(catalog.renames(), snapshot, catalog.rename_sources)
        changes = compare(objects, snapshot, delete_removed=options.delete_removed, texts=texts,
                          moves=moves)
        notes += look_alike_notes(changes)
    changeset = ChangeSet(tuple(changes), snapshot.identity, snapshot.url, snapshot.revision,
                          content_hash(texts), options, result_hash(snapshot, changes, texts),
                          tuple(notes))
    if check:
        check_safety(changes, snapshot, options)
    return changeset
