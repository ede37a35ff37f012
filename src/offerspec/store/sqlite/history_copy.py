"""The SQLite store's whole history as the records of ``store/dump.py`` (``store copy``): read
with every value checked, written in batches with ``executemany`` inside the caller's
transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.store.base import Progress
from offerspec.store.compact import pack
from offerspec.store.dump import (
    DumpHeader,
    HeadRecord,
    HistoryCheck,
    HistoryRecord,
    ObjectRecord,
    RevisionRecord,
    VersionRecord,
    not_empty,
)
from offerspec.store.rows import RowReader
from offerspec.store.sqlite import read

BATCH = 2000
TABLES = ("objects", "versions", "revisions", "heads")


def _count(conn: sqlite3.Connection, url: str, sql: str, what: str) -> int:
    value = conn.execute(sql).fetchone()[0]
    return RowReader(url, what).integer(value if value is not None else 0, what, "count")


def dump(conn: sqlite3.Connection, url: str) -> Iterator[HistoryRecord]:
    """The records, read inside the caller's read transaction (``SQLiteStore.dump_history``)."""
    counts = {table: _count(conn, url, f"SELECT count(*) FROM {table}", table)
              for table in ("objects", "versions", "revisions")}
    last = _count(conn, url, "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
                             "'objects'), 0), coalesce((SELECT max(number) FROM objects), 0))",
                  "sqlite_sequence")
    yield DumpHeader(url, counts["objects"], counts["versions"], counts["revisions"], last)
    yield from _objects(conn, url)
    yield from _revisions(conn, url)
    yield from _heads(conn, url)


def _objects(conn: sqlite3.Connection, url: str) -> Iterator[ObjectRecord]:
    reader = RowReader(url, "objects")
    for row in conn.execute("SELECT number, kind, id, generation, deleted FROM objects "
                            "ORDER BY number"):
        where = f"number {row[0]}"
        yield ObjectRecord(reader.integer(row[0], where, "number"),
                           reader.text(row[1], where, "kind"), reader.text(row[2], where, "id"),
                           reader.integer(row[3], where, "generation"),
                           None if row[4] is None else reader.integer(row[4], where, "deleted"))


VERSIONS = ("SELECT v.number, v.revision, v.data, v.compact, o.kind FROM versions v LEFT JOIN "
            "objects o ON o.number = v.number ORDER BY v.revision, v.number")


def _revisions(conn: sqlite3.Connection, url: str) -> Iterator[RevisionRecord | VersionRecord]:
    """Each revision, then the versions it wrote: two cursors read side by side."""
    reader = RowReader(url, "revisions")
    versions = RowReader(url, "versions")
    cursor = conn.execute(VERSIONS)
    pending = cursor.fetchone()
    for row in conn.execute(f"SELECT {read.REVISION_COLUMNS}, changes FROM revisions "
                            "ORDER BY number"):
        info = read.revision_info(url, row[:7])
        yield RevisionRecord(info.number, info.time, info.user, info.host, info.catalog_hash,
                             info.summary, info.source,
                             reader.json_list(row[7], str(info.number), "changes"))
        while pending is not None:
            number, revision, data, compact, kind = pending
            where = f"(number {number}, revision {revision})"
            revision = versions.integer(revision, where, "revision")
            if revision > info.number:
                break
            if revision < info.number:
                raise versions.fail(where, f"revision {revision} is not in the revisions table")
            number = versions.integer(number, where, "number")
            if kind is None:
                raise versions.fail(where, f"object number {number} is not in the objects table")
            if compact not in (0, 1):
                raise versions.fail(where, f"compact is {compact!r}, not 0 or 1")
            versions.json_object(data, where, "data")  # compact or not: a JSON object
            yield VersionRecord(number, revision, data, bool(compact))
            pending = cursor.fetchone()
    if pending is not None:
        where = f"(number {pending[0]}, revision {pending[1]})"
        raise versions.fail(where, f"revision {pending[1]!r} is not in the revisions table")


def _heads(conn: sqlite3.Connection, url: str) -> Iterator[HeadRecord]:
    reader = RowReader(url, "heads")
    for row in conn.execute("SELECT kind, id, number, revision, written_hash, status, data "
                            "FROM heads ORDER BY kind, id"):
        kind = reader.text(row[0], repr(row[0]), "kind")
        ident = reader.text(row[1], repr(row[1]), "id")
        where = f"{kind}/{ident}"
        yield HeadRecord(kind, ident, reader.integer(row[2], where, "number"),
                         reader.integer(row[3], where, "revision"),
                         reader.text(row[4], where, "written_hash"),
                         reader.text(row[5], where, "status"),
                         reader.optional_text(row[6], where, "data"))


def check_empty(conn: sqlite3.Connection, url: str) -> None:
    for table in TABLES:
        if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise not_empty(url)


def seal(conn: sqlite3.Connection, url: str) -> None:
    """Make a newly built store file whole in itself (no -wal file), before it is moved into
    place: offerspec switches it back to WAL when it next opens it for writing."""
    mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    if str(mode).lower() != "delete":
        raise OfferspecError(f"{url}: could not finish the new store file (journal mode "
                             f"{mode}); nothing was copied", hint="try again")


def stored_form(check: HistoryCheck, record: VersionRecord) -> tuple[str, int]:
    """(data, compact) of a version: as it comes when compact, else compacted when that gives
    back exactly its text (a version from a store that keeps them whole)."""
    if record.compact:
        return record.data, 1
    kind = check.kinds[record.number]
    try:
        data = json.loads(record.data)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        where = f"(number {record.number}, revision {record.revision})"
        raise check.fail("versions", where, "data is not a JSON object")
    if canonical_json(data) != record.data:
        return record.data, 0
    stored, is_compact = pack(kind, data, record.data)
    return stored, int(is_compact)


class _Rows:
    """Rows collected per table and written with executemany every ``BATCH``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self.waiting = 0

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)
        self.waiting += 1

    def flush(self) -> None:
        inserts = {"objects": "INSERT INTO objects VALUES (?, ?, ?, ?, ?)",
                   "versions": "INSERT INTO versions VALUES (?, ?, ?, ?)",
                   "revisions": "INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   "heads": "INSERT INTO heads VALUES (?, ?, ?, ?, ?, ?, ?)"}
        for table, rows in self.rows.items():
            if rows:
                self.conn.executemany(inserts[table], rows)
                rows.clear()
        self.waiting = 0


def load(conn: sqlite3.Connection, url: str, records: Iterable[HistoryRecord],
         progress: Progress | None = None) -> int:
    """Write the records inside the caller's write transaction; returns the revisions written."""
    check_empty(conn, url)
    check = HistoryCheck(url)
    rows = _Rows(conn)
    done = 0
    for record in records:
        check.see(record)
        if isinstance(record, VersionRecord):
            rows.add("versions", (record.number, record.revision, *stored_form(check, record)))
            done += 1
        elif isinstance(record, ObjectRecord):
            rows.add("objects", (record.number, record.kind, record.id, record.generation,
                                 record.deleted))
        elif isinstance(record, RevisionRecord):
            rows.add("revisions", (
                record.number, record.time, record.user, record.host, record.catalog_hash,
                record.summary, json.dumps(record.source, ensure_ascii=False, sort_keys=True),
                json.dumps(record.changes, separators=(",", ":"), ensure_ascii=False)))
        elif isinstance(record, HeadRecord):
            rows.add("heads", (record.kind, record.id, record.number, record.revision,
                               record.written_hash, record.status, record.edited))
        if rows.waiting >= BATCH:
            rows.flush()
            if progress is not None and check.header is not None:
                progress(done, check.header.versions)
    rows.flush()
    check.finish()
    assert check.header is not None
    last = check.header.last_number
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'objects'")
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('objects', ?)", (last,))
    if progress is not None:
        progress(done, check.header.versions)
    return check.counts["revisions"]
