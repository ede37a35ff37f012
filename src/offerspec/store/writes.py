"""How typed changes become rows of layout v2 (objects, versions, heads, revisions), any backend.

One writer function per change type collects rows in a ``Rows``; a backend subclasses it with
``flush`` (SQLite: ``executemany``; PostgreSQL: ``COPY``). ``write_changes`` runs the whole
apply body the same way on every backend: the stale check against the live hashes, the writes in
batches (with progress), and the revision's change records, each referring to the version it
wrote instead of copying it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diff.changes import (
    Archive,
    Change,
    Create,
    Delete,
    Rename,
    Replace,
    Unarchive,
    Update,
    label,
    moves_of,
    to_dict,
    touched,
)
from offerspec.diff.compare import follow_references
from offerspec.store.base import LiveObject, Progress, StaleRevision, text_hash
from offerspec.store.compact import pack, unpack

BATCH = 2000
"""Changes written per flush (and per progress report)."""

ObjectRow = tuple[int, str, str, int]
"""(number, kind, id, generation)"""
HeadRow = tuple[str, str, int, int, str, str]
"""(kind, id, number, revision, written_hash, status)"""
VersionRow = tuple[int, int, str, int]
"""(number, revision, stored data, compact 0/1)"""


class Rows:
    """The rows one batch of changes writes; ``flush`` writes and forgets them."""

    def __init__(self, revision: int, numbers: dict[tuple[str, str], int], last_number: int,
                 written_hashes: dict[tuple[str, str], str] | None = None) -> None:
        self.revision = revision
        self.numbers = numbers
        """(kind, id) -> the head's object number, before this revision."""
        self.last_number = last_number
        """The highest object number ever given out."""
        self.written_hashes = written_hashes or {}
        self.objects: list[ObjectRow] = []
        self.heads: list[HeadRow] = []
        self.versions: list[VersionRow] = []
        self.deleted: list[tuple[int, str, str]] = []
        """(revision, kind, id) of hard-deleted objects."""
        self.moves: dict[str, dict[str, str]] = {}
        """kind -> old id -> new id of this revision's renames (set before writing)."""

    def new_object(self, kind: str, ident: str, generation: int) -> int:
        self.last_number += 1
        self.objects.append((self.last_number, kind, ident, generation))
        return self.last_number

    def put(self, kind: str, ident: str, number: int, data: dict[str, Any], *,
            head: bool = True, text: str | None = None) -> tuple[int, str]:
        """Write one version of object ``number``; returns (number, its full canonical text)."""
        text = text if text is not None else canonical_json(data)
        stored, is_compact = pack(kind, data, text)
        self.versions.append((number, self.revision, stored, int(is_compact)))
        if head:
            written = self.written_hashes.get((kind, ident)) or text_hash(text)
            self.heads.append((kind, ident, number, self.revision, written,
                               data.get("status", "active")))
        return number, text

    def flush(self) -> None:
        raise NotImplementedError

    def move_id(self, kind: str, old: str, new: str) -> None:
        """Every generation (``objects``) and the head of ``kind/old`` are ``new``'s, at once."""
        raise NotImplementedError

    def old_generations(self, kind: str) -> Iterable[tuple[int, str, int, str, bool]]:
        """(number, id, revision, stored data, compact) of the latest version of every
        generation of ``kind`` that is no head and not deleted (a replaced plan's old ones)."""
        raise NotImplementedError

    def clear(self) -> None:
        self.objects, self.heads, self.versions, self.deleted = [], [], [], []


def record(change: Change, number: int | None) -> str:
    """The change's plan-JSON record with the version written referenced, not copied
    (``version``: its object number; the revision is this one)."""
    if type(change) is Create and change.live_hash is None and number is not None:
        # the most common record (an apply of thousands of creates), as json.dumps writes it
        return (f'{{"action":"create","kind":{_string(change.kind)},"id":{_string(change.id)},'
                f'"live_hash":null,"version":{int(number)}}}')
    out = to_dict(change)
    out.pop("data", None)
    if number is not None:
        out["version"] = number
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


_string = json.encoder.encode_basestring
"""A JSON string, as ``json.dumps(..., ensure_ascii=False)`` writes it."""


def _head(w: Rows, c: Change) -> int:
    number = w.numbers.get((c.kind, c.id))
    if number is None:  # checked against the plan's live hash before: cannot happen
        raise AssertionError(f"no head for {c.kind}/{c.id}")
    return number


def _write_create(w: Rows, c: Change) -> int:
    assert isinstance(c, Create)
    return w.put(c.kind, c.id, w.new_object(c.kind, c.id, 1), c.data, text=c.text)[0]


def _write_in_place(w: Rows, c: Change) -> int:
    assert isinstance(c, Update | Archive | Unarchive)
    return w.put(c.kind, c.id, _head(w, c), c.data)[0]


def _write_replace(w: Rows, c: Change) -> int:
    assert isinstance(c, Replace)
    # The old generation is archived (existing subscribers keep it); the id now means the new one.
    old = {**c.data, **{f.field: f.old for f in c.fields}, "status": "archived"}
    old = follow_references(c.kind, old, w.moves)  # naming a renamed object by its new id
    w.put(c.kind, c.id, _head(w, c), old, head=False)
    return w.put(c.kind, c.id, w.new_object(c.kind, c.id, c.new_generation), c.data)[0]


def _write_rename(w: Rows, c: Change) -> int:
    """Every generation of the old id becomes the new id's (numbers and versions stay), at
    once: the rows this batch queues for the new id then land on the moved ones."""
    assert isinstance(c, Rename)
    number = w.numbers.pop((c.kind, c.old_id), None)
    if number is None:  # checked against the plan's live hash before: cannot happen
        raise AssertionError(f"no head for {c.kind}/{c.old_id}")
    w.move_id(c.kind, c.old_id, c.id)
    w.numbers[(c.kind, c.id)] = number
    then = c.then()
    return WRITERS[type(then)](w, then) or number


OLD_GENERATIONS = (
    "SELECT o.number, o.id, v.revision, v.data, v.compact FROM objects o JOIN versions v "
    "ON v.number = o.number AND v.revision = (SELECT max(revision) FROM versions WHERE "
    "number = o.number) WHERE o.kind = ? AND o.deleted IS NULL AND o.number NOT IN "
    "(SELECT number FROM heads)")
"""``Rows.old_generations`` in plain SQL with ``?`` (PostgreSQL: ``%s``)."""


REFERRING = {"products": ("plans",), "plans": ("plans", "offers")}
"""kind -> the kinds whose objects may name one of it (diff.compare.REFERENCES)."""


def follow_in_old_generations(w: Rows) -> None:
    """An old generation (no head: a replaced plan's, kept for its subscribers) that names a
    renamed object gets a version naming it by its new id. Run once every change is written
    and flushed (the heads are current), once per apply; skips what this revision wrote."""
    kinds = sorted({k for kind, moved in w.moves.items() if moved for k in REFERRING[kind]})
    for kind in kinds:
        for number, ident, revision, stored, compact in list(w.old_generations(kind)):
            if revision == w.revision:
                continue
            data = json.loads(unpack(kind, stored, bool(compact)))
            followed = follow_references(kind, data, w.moves)
            if followed is not data:
                w.put(kind, ident, number, followed, head=False)


def _write_delete(w: Rows, c: Change) -> None:
    assert isinstance(c, Delete)
    w.deleted.append((w.revision, c.kind, c.id))


WRITERS: dict[type[Any], Callable[[Rows, Change], int | None]] = {
    Create: _write_create, Update: _write_in_place, Archive: _write_in_place,
    Unarchive: _write_in_place, Replace: _write_replace, Delete: _write_delete,
    Rename: _write_rename,
}


def stale_revision(expected: int, current: int) -> StaleRevision:
    return StaleRevision(f"the store moved from revision {expected} to {current} since the plan "
                         "was made; nothing was applied", hint="run offerspec plan again")


def check_live_hashes(changes: Sequence[Change], heads: dict[str, dict[str, LiveObject]],
                      ) -> dict[tuple[str, str], int]:
    """Out-of-band edits don't move the revision: each touched object's live text must still
    hash as the plan saw it (a rename: its old id's, and its new id free). ``heads``: the
    touched heads (``touched_keys``). Returns (kind, id) -> object number."""
    live = {(kind, ident): obj for kind, table in heads.items() for ident, obj in table.items()}
    changed = []
    for change in changes:
        for key, want in touched(change):
            obj = live.get(key)
            if (None if obj is None else text_hash(obj.text)) != want:
                changed.append(label(change) if key[1] == change.id
                               else f"{label(change)} (from {key[1]})")
    if changed:
        raise StaleRevision(
            f"{len(changed)} object(s) changed since the plan was made: {', '.join(changed[:10])}"
            + (" ..." if len(changed) > 10 else "") + "; nothing was applied",
            hint="run offerspec plan again")
    return {key: obj.number for key, obj in live.items()}


def touched_keys(changes: Sequence[Change]) -> set[tuple[str, str]]:
    """Every (kind, id) the changes write or must find free (a rename's new id)."""
    return {key for change in changes for key, _ in touched(change)}


def write_changes(rows: Rows, changes: Sequence[Change], progress: Progress | None = None,
                  ) -> str:
    """Write every change through ``rows`` in batches; returns the revision's change records
    (a JSON list)."""
    rows.moves = moves_of(changes)
    total = len(changes)
    records: list[str] = []
    for start in range(0, total, BATCH):
        for change in changes[start:start + BATCH]:
            records.append(record(change, WRITERS[type(change)](rows, change)))
        rows.flush()
        rows.clear()
        if progress is not None:
            progress(min(start + BATCH, total), total)
    if rows.moves:
        follow_in_old_generations(rows)
        rows.flush()
        rows.clear()
    return "[" + ",".join(records) + "]"


def source_text(source: dict[str, str]) -> str:
    return json.dumps(source, ensure_ascii=False, sort_keys=True)
