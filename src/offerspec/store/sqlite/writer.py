"""How each typed change is written to the SQLite store: one writer function per change type,
rows collected per statement and written with ``executemany``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diff.changes import Archive, Change, Create, Delete, Replace, Unarchive, Update, to_dict
from offerspec.store.base import text_hash


class Writer:
    """Collects rows per statement and writes them with executemany."""

    def __init__(self, conn: sqlite3.Connection, revision: int) -> None:
        self.conn = conn
        self.revision = revision
        self.heads: list[tuple[str, str, int, int, str, str, str]] = []
        self.versions: list[tuple[str, str, int, int, str]] = []
        self.deleted: list[tuple[str, str]] = []

    def put(self, kind: str, ident: str, generation: int, data: dict[str, Any], *,
            head: bool = True, text: str | None = None) -> str:
        text = text if text is not None else canonical_json(data)
        self.versions.append((kind, ident, generation, self.revision, text))
        if head:
            self.heads.append((kind, ident, generation, self.revision, text, text_hash(text),
                               data.get("status", "active")))
        return text

    def flush(self) -> None:
        if self.deleted:
            self.conn.executemany("DELETE FROM heads WHERE kind = ? AND id = ?", self.deleted)
            self.conn.executemany("DELETE FROM versions WHERE kind = ? AND id = ?", self.deleted)
        self.conn.executemany("INSERT INTO versions VALUES (?, ?, ?, ?, ?)", self.versions)
        self.conn.executemany("INSERT OR REPLACE INTO heads VALUES (?, ?, ?, ?, ?, ?, ?)", self.heads)
        self.heads, self.versions, self.deleted = [], [], []


def record(change: Change, data_text: str | None) -> str:
    """The change's plan-JSON record, splicing in the data text already encoded."""
    record = to_dict(change)
    if data_text is None:
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    del record["data"]
    head = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    return f'{head[:-1]},"data":{data_text}}}'


def _write_create(w: Writer, c: Change) -> str:
    assert isinstance(c, Create)
    return w.put(c.kind, c.id, 1, c.data, text=c.text)


def _write_in_place(w: Writer, c: Change) -> str:
    assert isinstance(c, Update | Archive | Unarchive)
    return w.put(c.kind, c.id, c.generation, c.data)


def _write_replace(w: Writer, c: Change) -> str:
    assert isinstance(c, Replace)
    # The old generation is archived (existing subscribers keep it); the id now means the new one.
    old = {**c.data, **{f.field: f.old for f in c.fields}, "status": "archived"}
    w.put(c.kind, c.id, c.generation, old, head=False)
    return w.put(c.kind, c.id, c.new_generation, c.data)


def _write_delete(w: Writer, c: Change) -> None:
    assert isinstance(c, Delete)
    w.deleted.append((c.kind, c.id))


WRITERS: dict[type[Any], Callable[[Writer, Change], str | None]] = {
    Create: _write_create, Update: _write_in_place, Archive: _write_in_place,
    Unarchive: _write_in_place, Replace: _write_replace, Delete: _write_delete,
}
