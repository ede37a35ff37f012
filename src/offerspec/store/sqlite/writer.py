"""How each typed change is written to the SQLite store (layout v2, see schema.py): one writer
function per change type, rows collected per statement and written with ``executemany``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diff.changes import Archive, Change, Create, Delete, Replace, Unarchive, Update, to_dict
from offerspec.store.base import text_hash
from offerspec.store.compact import pack


class Writer:
    """Collects rows per statement and writes them with executemany."""

    def __init__(self, conn: sqlite3.Connection, revision: int,
                 numbers: dict[tuple[str, str], int],
                 written_hashes: dict[tuple[str, str], str] | None = None) -> None:
        self.conn = conn
        self.revision = revision
        self.numbers = numbers
        """(kind, id) -> the head's object number, before this revision."""
        self.written_hashes = written_hashes or {}
        row = conn.execute("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE "
                           "name = 'objects'), 0), coalesce((SELECT max(number) FROM objects), "
                           "0))").fetchone()
        self.last_number = int(row[0])
        self.objects: list[tuple[int, str, str, int]] = []
        self.heads: list[tuple[str, str, int, int, str, str]] = []
        self.versions: list[tuple[int, int, str, int]] = []
        self.deleted: list[tuple[int, str, str]] = []

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
        if self.deleted:
            self.conn.executemany("UPDATE objects SET deleted = ? WHERE kind = ? AND id = ? "
                                  "AND deleted IS NULL", self.deleted)
            self.conn.executemany("DELETE FROM heads WHERE kind = ? AND id = ?",
                                  [(k, i) for _, k, i in self.deleted])
        self.conn.executemany("INSERT INTO objects (number, kind, id, generation) "
                              "VALUES (?, ?, ?, ?)", self.objects)
        self.conn.executemany("INSERT INTO versions VALUES (?, ?, ?, ?)", self.versions)
        self.conn.executemany("INSERT OR REPLACE INTO heads VALUES (?, ?, ?, ?, ?, ?, NULL)",
                              self.heads)
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


def _head(w: Writer, c: Change) -> int:
    number = w.numbers.get((c.kind, c.id))
    if number is None:  # checked against the plan's live hash before: cannot happen
        raise AssertionError(f"no head for {c.kind}/{c.id}")
    return number


def _write_create(w: Writer, c: Change) -> int:
    assert isinstance(c, Create)
    return w.put(c.kind, c.id, w.new_object(c.kind, c.id, 1), c.data, text=c.text)[0]


def _write_in_place(w: Writer, c: Change) -> int:
    assert isinstance(c, Update | Archive | Unarchive)
    return w.put(c.kind, c.id, _head(w, c), c.data)[0]


def _write_replace(w: Writer, c: Change) -> int:
    assert isinstance(c, Replace)
    # The old generation is archived (existing subscribers keep it); the id now means the new one.
    old = {**c.data, **{f.field: f.old for f in c.fields}, "status": "archived"}
    w.put(c.kind, c.id, _head(w, c), old, head=False)
    return w.put(c.kind, c.id, w.new_object(c.kind, c.id, c.new_generation), c.data)[0]


def _write_delete(w: Writer, c: Change) -> None:
    assert isinstance(c, Delete)
    w.deleted.append((w.revision, c.kind, c.id))


WRITERS: dict[type[Any], Callable[[Writer, Change], int | None]] = {
    Create: _write_create, Update: _write_in_place, Archive: _write_in_place,
    Unarchive: _write_in_place, Replace: _write_replace, Delete: _write_delete,
}
