"""Layout v2's whole history as the records of ``store/dump.py`` (``store copy``), for SQLite
and PostgreSQL alike (the tables are the same, as for read.py): read with every value checked,
through ``Query`` (SQLite: its cursor; PostgreSQL: a server-side cursor, fetched in batches),
and written in batches of ``BATCH`` rows per table by the backend's ``Flush`` (SQLite:
``executemany``; PostgreSQL: ``COPY``), inside the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
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
COLUMNS = {"objects": ("number", "kind", "id", "generation", "deleted"),
           "versions": ("number", "revision", "data", "compact"),
           "revisions": ("number", "time", '"user"', "host", "catalog_hash", "summary", "source",
                         "changes"),
           "heads": ("kind", "id", "number", "revision", "written_hash", "status", "data")}

Query = Callable[[str], Iterable[Any]]
"""Runs one SELECT and gives its rows (tuples) as they are fetched."""
Flush = Callable[[str, list[tuple[Any, ...]]], None]
"""Writes rows (in ``COLUMNS`` order) into one table."""

SQLITE_LAST_NUMBER = ("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
                      "'objects'), 0), coalesce((SELECT max(number) FROM objects), 0))")
LAST_NUMBER = "SELECT coalesce(max(number), 0) FROM objects"


def _count(query: Query, url: str, sql: str, what: str) -> int:
    value = next(iter(query(sql)))[0]
    return RowReader(url, what).integer(value if value is not None else 0, what, "count")


def dump(query: Query, url: str, *, last_number: str = LAST_NUMBER, collate: str = "",
         ) -> Iterator[HistoryRecord]:
    """The records, read inside the caller's read transaction. ``collate``: what makes the
    database order text by code point (PostgreSQL: ``COLLATE "C"``)."""
    counts = {table: _count(query, url, f"SELECT count(*) FROM {table}", table)
              for table in ("objects", "versions", "revisions")}
    yield DumpHeader(url, counts["objects"], counts["versions"], counts["revisions"],
                     _count(query, url, last_number, "objects"))
    yield from _objects(query, url)
    yield from _revisions(query, url)
    yield from _heads(query, url, collate)


def _objects(query: Query, url: str) -> Iterator[ObjectRecord]:
    reader = RowReader(url, "objects")
    for row in query("SELECT number, kind, id, generation, deleted FROM objects ORDER BY number"):
        where = f"number {row[0]}"
        yield ObjectRecord(reader.integer(row[0], where, "number"),
                           reader.text(row[1], where, "kind"), reader.text(row[2], where, "id"),
                           reader.integer(row[3], where, "generation"),
                           None if row[4] is None else reader.integer(row[4], where, "deleted"))


VERSIONS = ("SELECT v.number, v.revision, v.data, v.compact, o.kind FROM versions v LEFT JOIN "
            "objects o ON o.number = v.number ORDER BY v.revision, v.number")


def _revisions(query: Query, url: str) -> Iterator[RevisionRecord | VersionRecord]:
    """Each revision, then the versions it wrote: two cursors read side by side."""
    reader = RowReader(url, "revisions")
    versions = RowReader(url, "versions")
    cursor = iter(query(VERSIONS))
    pending = next(cursor, None)
    for row in query(f"SELECT {read.REVISION_COLUMNS}, changes FROM revisions ORDER BY number"):
        info = read.revision_info(url, row[:7])
        yield RevisionRecord(info.number, info.time, info.user, info.host, info.catalog_hash,
                             info.summary, info.source,
                             reader.text(row[7], str(info.number), "changes"))
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
            pending = next(cursor, None)
    if pending is not None:
        where = f"(number {pending[0]}, revision {pending[1]})"
        raise versions.fail(where, f"revision {pending[1]!r} is not in the revisions table")


def _heads(query: Query, url: str, collate: str) -> Iterator[HeadRecord]:
    reader = RowReader(url, "heads")
    for row in query("SELECT kind, id, number, revision, written_hash, status, data FROM heads "
                     f"ORDER BY kind{collate}, id{collate}"):
        kind = reader.text(row[0], repr(row[0]), "kind")
        ident = reader.text(row[1], repr(row[1]), "id")
        where = f"{kind}/{ident}"
        yield HeadRecord(kind, ident, reader.integer(row[2], where, "number"),
                         reader.integer(row[3], where, "revision"),
                         reader.text(row[4], where, "written_hash"),
                         reader.text(row[5], where, "status"),
                         reader.optional_text(row[6], where, "data"))


def check_empty(query: Query, url: str) -> None:
    for table in TABLES:
        if next(iter(query(f"SELECT 1 FROM {table} LIMIT 1")), None) is not None:
            raise not_empty(url)


def seal(conn: sqlite3.Connection, url: str) -> None:
    """Make a newly built SQLite file whole in itself (no -wal file), before it is moved into
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


def _row(check: HistoryCheck, record: HistoryRecord) -> tuple[str, tuple[Any, ...]] | None:
    if isinstance(record, VersionRecord):
        return "versions", (record.number, record.revision, *stored_form(check, record))
    if isinstance(record, ObjectRecord):
        return "objects", (record.number, record.kind, record.id, record.generation,
                           record.deleted)
    if isinstance(record, RevisionRecord):
        return "revisions", (record.number, record.time, record.user, record.host,
                             record.catalog_hash, record.summary,
                             json.dumps(record.source, ensure_ascii=False, sort_keys=True),
                             record.changes)
    if isinstance(record, HeadRecord):
        return "heads", (record.kind, record.id, record.number, record.revision,
                         record.written_hash, record.status, record.edited)
    return None


def load(flush: Flush, url: str, records: Iterable[HistoryRecord],
         progress: Progress | None = None) -> HistoryCheck:
    """Check and write the records (the caller checked the store is empty, inside its write
    transaction); returns the finished check (its header: the last object number)."""
    check = HistoryCheck(url)
    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
    waiting = done = 0

    def write() -> None:
        for table in TABLES:  # objects before the versions and heads that refer to them
            if rows[table]:
                flush(table, rows[table])
                rows[table] = []

    for record in records:
        check.see(record)
        found = _row(check, record)
        if found is None:
            continue
        rows[found[0]].append(found[1])
        done += found[0] == "versions"
        waiting += 1
        if waiting >= BATCH:
            write()
            waiting = 0
            if progress is not None and check.header is not None:
                progress(done, check.header.versions)
    write()
    check.finish()
    if progress is not None and check.header is not None:
        progress(done, check.header.versions)
    return check


def load_sqlite(conn: sqlite3.Connection, url: str, records: Iterable[HistoryRecord],
                progress: Progress | None = None) -> int:
    """``load`` into SQLite with ``executemany``; the object numbers go on from the source's."""
    check_empty(conn.execute, url)

    def flush(table: str, rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * len(COLUMNS[table]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    check = load(flush, url, records, progress)
    assert check.header is not None
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'objects'")
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('objects', ?)",
                 (check.header.last_number,))
    return check.counts["revisions"]
