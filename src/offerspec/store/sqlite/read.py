"""Reading the SQLite store's layout v2 (schema.py): every value checked (store/rows.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from offerspec.store.base import LiveObject, RevisionInfo, StoredObject, text_hash
from offerspec.store.compact import unpack
from offerspec.store.rows import RowReader

KINDS = ("products", "plans", "offers")


def version_text(reader: RowReader, kind: Any, number: Any, revision: Any,
                 version: tuple[Any, Any]) -> str:
    """The full canonical text of a stored version ``(data, compact)``, checked."""
    data, compact = version
    row = f"(number {number}, revision {revision})"
    if data is None and compact is None:
        raise reader.fail(row, "the version this refers to is missing")
    if kind not in KINDS:
        raise reader.fail(row, f"its object's kind is {kind!r}")
    stored = reader.text(data, row, "data")
    if compact not in (0, 1):
        raise reader.fail(row, f"compact is {compact!r}, not 0 or 1")
    if compact:
        reader.json_object(stored, row, "data")  # located errors before expanding
    try:
        return unpack(kind, stored, bool(compact))
    except (ValueError, TypeError, RecursionError) as exc:
        raise reader.fail(row, f"data cannot be expanded ({exc})") from None


HEADS = ("SELECT h.kind, h.id, o.generation, h.number, h.revision, h.data, v.data, v.compact, "
         "h.written_hash, h.status FROM heads h LEFT JOIN objects o ON o.number = h.number "
         "LEFT JOIN versions v ON v.number = h.number AND v.revision = h.revision")
FEW = 256
"""Up to this many objects are looked up one by one (primary key); more, in one scan."""


def heads(conn: sqlite3.Connection, url: str, only: Collection[tuple[str, str]] | None = None,
          ) -> dict[str, dict[str, LiveObject]]:
    """Every live object (``only``: just these (kind, id))."""
    objects: dict[str, dict[str, LiveObject]] = {kind: {} for kind in KINDS}
    rows = RowReader(url, "heads")
    versions = RowReader(url, "versions")
    found: Iterable[Any]
    if only is not None and len(only) <= FEW:
        found = [row for key in sorted(only) for row in conn.execute(
            HEADS + " WHERE h.kind = ? AND h.id = ?", key)]
    else:
        found = conn.execute(HEADS + " ORDER BY h.kind, h.id")
    for row in found:
        kind, revision, edited, written, status = row[0], row[4], row[5], row[8], row[9]
        if only is not None and (kind, row[1]) not in only:
            continue
        ident = rows.text(row[1], repr(row[1]), "id")
        where = f"{kind}/{ident}"
        if kind not in KINDS:
            raise rows.fail(where, f"kind {kind!r} is not products, plans or offers")
        number = rows.integer(row[3], where, "number")
        if row[2] is None:
            raise rows.fail(where, f"its object number {number} is not in the objects table")
        generation = rows.integer(row[2], where, "generation")
        rows.integer(revision, where, "revision")
        if edited is not None:
            text = rows.text(edited, where, "data")
        else:
            text = version_text(versions, kind, number, revision, (row[6], row[7]))
        objects[kind][ident] = LiveObject(kind, ident, generation, text,
                                          rows.text(written, where, "written_hash"),
                                          rows.text(status, where, "status"), number)
    return objects


STORED = ("SELECT o.number, o.id, o.generation, v.revision, v.data, v.compact FROM objects o "
          "LEFT JOIN versions v ON v.number = o.number AND v.revision = (SELECT max(revision) "
          "FROM versions WHERE number = o.number) WHERE o.kind = ? AND o.deleted IS NULL")


def stored_objects(conn: sqlite3.Connection, url: str, kind: str,
                   only: Collection[str] | None = None) -> list[StoredObject]:
    """Every generation of ``kind`` not hard-deleted, with its latest version (two queries;
    ``only``: of just these ids)."""
    if only is not None:
        ids = sorted(only)
        marks = ",".join("?" * len(ids))
        live_rows = conn.execute("SELECT number, revision, data, written_hash FROM heads WHERE "
                                 f"kind = ? AND id IN ({marks})", (kind, *ids)).fetchall()
        object_rows = conn.execute(STORED + f" AND o.id IN ({marks}) ORDER BY o.number",
                                   (kind, *ids)).fetchall()
    else:
        live_rows = conn.execute("SELECT number, revision, data, written_hash FROM heads "
                                 "WHERE kind = ?", (kind,)).fetchall()
        object_rows = conn.execute(STORED + " ORDER BY o.number", (kind,)).fetchall()
    return _stored(url, kind, live_rows, object_rows)


def _stored(url: str, kind: str, live_rows: Iterable[Any], object_rows: Iterable[Any],
            ) -> list[StoredObject]:
    reader = RowReader(url, "objects")
    versions = RowReader(url, "versions")
    live = {number: (revision, edited, written) for number, revision, edited, written in live_rows}
    out = []
    for row in object_rows:
        where = f"number {row[0]}"
        number = reader.integer(row[0], where, "number")
        ident = reader.text(row[1], where, "id")
        generation = reader.integer(row[2], where, "generation")
        revision = row[3]
        head = live.get(number)
        if head is not None and head[1] is not None:  # edited outside offerspec
            text = RowReader(url, "heads").text(head[1], f"{kind}/{ident}", "data")
        else:
            text = version_text(versions, kind, number, revision, (row[4], row[5]))
        written = head[2] if head is not None else text_hash(text)
        out.append(StoredObject(number, kind, ident, generation, text,
                                RowReader(url, "heads").text(written, f"{kind}/{ident}",
                                                             "written_hash"),
                                head is not None, reader.integer(revision, where, "revision")))
    return out


def versions(conn: sqlite3.Connection, url: str, kind: str, ident: str,
             ) -> Iterator[tuple[int, int, str]]:
    """(revision, generation, full text) of every version of one object, oldest first."""
    reader = RowReader(url, "versions")
    for number, revision, generation, data, compact in conn.execute(
            "SELECT o.number, v.revision, o.generation, v.data, v.compact FROM objects o "
            "JOIN versions v ON v.number = o.number WHERE o.kind = ? AND o.id = ? AND "
            "o.deleted IS NULL ORDER BY v.revision, o.generation", (kind, ident)).fetchall():
        where = f"(number {number}, revision {revision})"
        yield (reader.integer(revision, where, "revision"),
               reader.integer(generation, where, "generation"),
               version_text(reader, kind, number, revision, (data, compact)))


REVISION_COLUMNS = "number, time, user, host, catalog_hash, summary, source"


def revision_info(url: str, row: tuple[Any, ...], changes: list[dict[str, Any]] | None = None,
                  ) -> RevisionInfo:
    reader = RowReader(url, "revisions")
    number = reader.integer(row[0], repr(row[0]), "number")
    where = str(number)
    time_, user, host, catalog_hash, summary = (
        reader.text(value, where, column) for value, column in
        zip(row[1:6], ("time", "user", "host", "catalog_hash", "summary"), strict=True))
    return RevisionInfo(number, time_, user, host, catalog_hash, summary, changes,
                        reader.string_map(row[6], where, "source"))


def revision_changes(conn: sqlite3.Connection, url: str, number: int, raw: Any,
                     ) -> list[dict[str, Any]]:
    """The revision's change records with each referenced version put back as ``data``."""
    import json

    reader = RowReader(url, "revisions")
    records = reader.json_list(raw, str(number), "changes")
    written = {n: (d, c) for n, d, c in conn.execute(
        "SELECT number, data, compact FROM versions WHERE revision = ?", (number,))}
    kinds = dict(conn.execute("SELECT o.number, o.kind FROM objects o JOIN versions v ON "
                              "v.number = o.number WHERE v.revision = ?", (number,)).fetchall())
    versions_reader = RowReader(url, "versions")
    out = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise reader.fail(str(number), f"change {index + 1} is not a JSON object")
        ref = record.pop("version", None)
        if ref is not None:
            if type(ref) is not int or ref not in written:
                raise reader.fail(str(number), f"change {index + 1} refers to version {ref!r}, "
                                  "which is not in the versions table")
            record["data"] = json.loads(version_text(versions_reader, kinds.get(ref), ref,
                                                     number, written[ref]))
        out.append(record)
    return out
