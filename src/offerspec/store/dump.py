"""A store's whole history as a stream of plain records, the same for every backend.

``HistoryStore.dump_history`` yields these records and ``HistoryStore.load_history`` writes
them into an empty store (``offerspec store copy``). The stream, in this order:

1. one ``DumpHeader``: how many objects, versions and revisions follow, and the highest object
   number the source ever handed out (numbers are never reused, also in the copy);
2. every ``ObjectRecord`` (one per kind + id + generation ever written), by object number;
3. per revision, oldest first: its ``RevisionRecord``, then every ``VersionRecord`` it wrote,
   by object number;
4. every ``HeadRecord`` (the live object per kind + id), by kind, then id.

A version's text is the full canonical JSON a store hands out (``LiveObject.text``), or its
compact form (``store/compact.py``, shared by every backend) when the source keeps it so: a
copy between stores that both keep versions compact moves them as they are, never expanding
and compacting each again. A revision's ``changes`` are its plan-JSON
records (JSON text) with each version written referenced as ``"version": NUMBER`` (that object's version
written in this revision) instead of a copy of its data. Locks are not part of a history.

The stream is read from a store whose content is untrusted; ``HistoryCheck`` is the one check of
its shape every loader runs, record by record, so a damaged source is a located error (naming
the record) before the target commits anything. It keeps per object only its number, kind and
latest revision, never the texts, and parses a revision's changes one record at a time: a copy
streams.
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.store.compact import unpack
from offerspec.store.rows import DamagedStore, damaged

KINDS = ("products", "plans", "offers")


@dataclass(frozen=True, slots=True)
class DumpHeader:
    url: str
    """The source store (redacted: no password), for messages."""
    objects: int
    versions: int
    revisions: int
    last_number: int
    """The highest object number the source handed out (the target goes on from there)."""


@dataclass(frozen=True, slots=True)
class ObjectRecord:
    number: int
    kind: str
    id: str
    generation: int
    deleted: int | None = None
    """The revision that hard-deleted this object (None: not deleted)."""


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    number: int
    time: str
    user: str
    host: str
    catalog_hash: str
    summary: str
    source: dict[str, str] = field(default_factory=dict)
    changes: str = "[]"
    """The JSON list of plan-JSON change records, as the source stores it (moved as it is, and
    parsed record by record to check it); ``"version": NUMBER`` refers to a version of this
    revision."""


@dataclass(frozen=True, slots=True)
class VersionRecord:
    number: int
    """The object this is a version of."""
    revision: int
    data: str
    """The version's full canonical JSON (a JSON object) or, when ``compact``, its compact form."""
    compact: bool = False
    """``data`` is compact (store/compact.py): ``unpack`` gives back the full text exactly.
    A backend that keeps versions compact stores it as it is; any other expands it."""

    def text(self, kind: str) -> str:
        """The full canonical JSON of this version."""
        return unpack(kind, self.data, self.compact)


@dataclass(frozen=True, slots=True)
class HeadRecord:
    kind: str
    id: str
    number: int
    revision: int
    """The revision of the version the head shows (its object's latest)."""
    written_hash: str
    status: str
    edited: str | None = None
    """The live text when it was edited outside offerspec (drift), verbatim; else None."""


def not_empty(url: str) -> OfferspecError:
    """The target of a copy holds something already (``load_history``'s refusal)."""
    from offerspec.store.base import StoreNotEmpty

    return StoreNotEmpty(f"{url}: the target store is not empty; nothing was copied",
                         hint="copy into a new store: point --to at a SQLite file that does not "
                              "exist yet, or a PostgreSQL schema nobody uses yet (?schema=NAME), "
                              "or a store that holds no revision")


HistoryRecord = DumpHeader | ObjectRecord | RevisionRecord | VersionRecord | HeadRecord


class HistoryCheck:
    """The shape of a history stream, checked record by record (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.header: DumpHeader | None = None
        self.kinds: dict[int, str] = {}
        """Object number -> kind (what a loader needs to store a version)."""
        self.latest: dict[int, int] = {}
        """Object number -> the revision of its latest version."""
        self._deleted: dict[int, int] = {}
        self.revision = 0
        self._refs = array("q")
        """The versions this revision's changes refer to."""
        self._written = array("q")
        """The object numbers of the versions this revision wrote, ascending."""
        self._head: tuple[str, str] | None = None
        self._last_object = 0
        self.counts = {"objects": 0, "versions": 0, "revisions": 0, "heads": 0}

    def fail(self, table: str, row: str, why: str) -> DamagedStore:
        source = self.header.url if self.header is not None else self.url
        return damaged(source, table, row, why)

    def see(self, record: HistoryRecord) -> None:
        if self.header is None:
            if not isinstance(record, DumpHeader):
                raise self.fail("history", "1", "the stream does not start with its header")
            self.header = record
            return
        if isinstance(record, ObjectRecord):
            self._object(record)
        elif isinstance(record, RevisionRecord):
            self._revision(record)
        elif isinstance(record, VersionRecord):
            self._version(record)
        elif isinstance(record, HeadRecord):
            self._head_record(record)
        else:
            raise self.fail("history", type(record).__name__, "a second header")

    def _object(self, o: ObjectRecord) -> None:
        row = f"number {o.number}"
        if self.revision or self._head is not None:
            raise self.fail("objects", row, "comes after the revisions")
        if o.number <= self._last_object:
            raise self.fail("objects", row, "out of order (or its number is used twice)")
        if o.kind not in KINDS:
            raise self.fail("objects", row, f"kind {o.kind!r} is not products, plans or offers")
        if not o.id or o.generation < 1:
            raise self.fail("objects", row, "its id is empty or its generation is not positive")
        if o.deleted is not None:
            self._deleted[o.number] = o.deleted
        self.kinds[o.number] = KINDS[KINDS.index(o.kind)]  # one str per kind, not per row
        self._last_object = o.number
        self.counts["objects"] += 1

    def _revision(self, r: RevisionRecord) -> None:
        if self._head is not None:
            raise self.fail("revisions", str(r.number), "comes after the heads")
        if r.number <= self.revision:
            raise self.fail("revisions", str(r.number), "out of order")
        self._end_revision()
        self.revision = r.number
        where = str(r.number)
        index = 0
        try:
            for index, entry in enumerate(json_list_items(r.changes), start=1):
                if not isinstance(entry, dict):
                    raise self.fail("revisions", where, f"change {index} is not a JSON object")
                ref = entry.get("version")
                if ref is not None:
                    if type(ref) is not int or not 0 < ref < 2**63:
                        raise self.fail("revisions", where, f"change {index} refers to "
                                        f"version {str(ref)[:40]!r}")
                    self._refs.append(ref)
        except RecursionError:
            raise self.fail("revisions", where, "changes holds JSON nested too deeply") from None
        except ValueError as exc:
            raise self.fail("revisions", where, f"changes is not valid JSON ({exc})") from None
        self.counts["revisions"] += 1

    def _end_revision(self) -> None:
        written = self._written
        for ref in self._refs:
            at = bisect_left(written, ref)
            if at == len(written) or written[at] != ref:
                raise self.fail("revisions", str(self.revision), f"change {self._change_of(ref)} "
                                 f"refers to version {ref}, which is not in the versions table")
        self._refs, self._written = array("q"), array("q")

    def _change_of(self, ref: int) -> int:
        """The position of the change that refers to ``ref`` (for the message only)."""
        return _position(ref, self._refs)

    def _version(self, v: VersionRecord) -> None:
        row = f"(number {v.number}, revision {v.revision})"
        if self._head is not None:
            raise self.fail("versions", row, "comes after the heads")
        if v.revision != self.revision:
            raise self.fail("versions", row, "not in the order of its revision")
        if v.number not in self.kinds:
            raise self.fail("versions", row, f"object number {v.number} is not in the "
                             "objects table")
        if self._written and v.number <= self._written[-1]:
            raise self.fail("versions", row, "out of order (or written twice)")
        self._written.append(v.number)
        self.latest[v.number] = v.revision
        self.counts["versions"] += 1

    def _head_record(self, h: HeadRecord) -> None:
        where = f"{h.kind}/{h.id}"
        if self._head is None:
            self._end_revision()
        elif (h.kind, h.id) <= self._head:
            raise self.fail("heads", where, "out of order")
        self._head = (h.kind, h.id)
        kind = self.kinds.get(h.number)
        if kind is None:
            raise self.fail("heads", where, f"its object number {h.number} is not in the "
                             "objects table")
        if kind != h.kind:
            raise self.fail("heads", where, f"its object number {h.number} is a {kind} object")
        if h.number in self._deleted:
            raise self.fail("heads", where, f"its object number {h.number} was deleted")
        if h.edited is None and self.latest.get(h.number) != h.revision:
            raise self.fail("heads", where, "the version this refers to is missing "
                             f"(object {h.number}, revision {h.revision})")
        self.counts["heads"] += 1

    def finish(self) -> None:
        """The stream ended: it held what its header announced, and nothing dangles."""
        if self.header is None:
            raise self.fail("history", "1", "the stream is empty")
        if self._head is None:
            self._end_revision()
        for number, revision in self._deleted.items():
            if not 0 < revision <= self.revision:
                raise self.fail("objects", f"number {number}", f"deleted in revision "
                                 f"{revision}, which is not in the revisions table")
        announced = {"objects": self.header.objects, "versions": self.header.versions,
                     "revisions": self.header.revisions}
        for what, count in announced.items():
            if self.counts[what] != count:
                raise self.fail("history", what, f"{count} announced, {self.counts[what]} "
                                 "read (the source changed or was cut short)")
        if self.header.last_number < self._last_object:
            raise self.fail("history", "last_number", f"{self.header.last_number} is below "
                             f"object number {self._last_object}")


def _position(ref: int, refs: array[int]) -> int:
    return refs.index(ref) + 1


_SPACE = re.compile(r"[ \t\n\r]*")


def json_list_items(text: str) -> Iterator[Any]:
    """The items of a JSON list, parsed one at a time (``ValueError`` when it is not one)."""
    decoder = json.JSONDecoder()
    pos = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    if text[pos:pos + 1] != "[":
        raise ValueError("not a JSON list")
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos:pos + 1] != "]":
        while True:
            value, pos = decoder.raw_decode(text, pos)
            yield value
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            found = text[pos:pos + 1]
            if found == "]":
                break
            if found != ",":
                raise ValueError(f"expected ',' or ']' at character {pos}")
            pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if _SPACE.match(text, pos + 1).end() != len(text):  # type: ignore[union-attr]
        raise ValueError(f"extra data at character {pos + 1}")
