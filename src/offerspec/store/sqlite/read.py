"""Reading layout v2 (schema.py): every value checked (store/rows.py). Used by SQLite and
PostgreSQL alike: the queries are plain SQL, run through any connection with ``execute(sql,
params)`` and ``?`` placeholders (``Executes``; PostgreSQL wraps its connection)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, Protocol

from offerspec.store.base import LiveObject, PartialSnapshot, RevisionInfo, StoredObject, text_hash
from offerspec.store.compact import unpack
from offerspec.store.rows import RowReader

KINDS = ("products", "plans", "offers")


class Executes(Protocol):
    """A connection: ``execute(sql, params)`` returns a cursor (iterable rows, ``fetchone``,
    ``fetchall``); sqlite3's connections are one."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...


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


HEADS_SELECT = (
    "SELECT h.kind, h.id, o.generation, h.number, h.revision, h.data, v.data, v.compact, "
    "h.written_hash, h.status FROM heads h LEFT JOIN objects o ON o.number = h.number "
    "LEFT JOIN versions v ON v.number = h.number AND v.revision = h.revision")
HEADS = HEADS_SELECT + " ORDER BY h.kind, h.id"
FEW = 256
"""Up to this many objects are looked up one by one (primary key); more, in one scan."""


def heads(conn: Executes, url: str, only: Collection[tuple[str, str]] | None = None,
          rows_read: Iterable[Sequence[Any]] | None = None) -> dict[str, dict[str, LiveObject]]:
    """Every live object (``only``: just these (kind, id); ``rows_read``: rows of ``HEADS``
    the caller selected itself, e.g. filtered by the server)."""
    objects: dict[str, dict[str, LiveObject]] = {kind: {} for kind in KINDS}
    rows = RowReader(url, "heads")
    versions = RowReader(url, "versions")
    found: Iterable[Any]
    if rows_read is not None:
        found = rows_read
    elif only is not None and len(only) <= FEW:
        found = [row for key in sorted(only) for row in conn.execute(
            HEADS_SELECT + " WHERE h.kind = ? AND h.id = ?", key)]
    else:
        found = conn.execute(HEADS)
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


def stored_objects(conn: Executes, url: str, kind: str,
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


def some(conn: Executes, url: str, revision: int, keys: Collection[tuple[str, str]],
         ) -> PartialSnapshot:
    """The heads and every generation of these (kind, id) (``ReadsSome.read_some``; the
    caller holds the read transaction and read ``revision`` in it)."""
    wanted = set(keys)
    live = heads(conn, url, wanted)
    stored: dict[tuple[str, str], list[StoredObject]] = {key: [] for key in wanted}
    for kind in sorted({kind for kind, _ in wanted}):
        for obj in stored_objects(conn, url, kind, {i for k, i in wanted if k == kind}):
            stored[(kind, obj.id)].append(obj)
    return PartialSnapshot(revision, {(kind, ident): obj for kind, table in live.items()
                                      for ident, obj in table.items()}, stored)


def versions(conn: Executes, url: str, kind: str, ident: str,
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


def identity(conn: Executes, url: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
    return RowReader(url, "meta").text(None if row is None else row[0], "'identity'", "value")


def meta_version(conn: Executes, url: str, where: str) -> int | None:
    """The schema version in ``meta`` (None: ``meta`` is not an offerspec store's)."""
    from offerspec.store.migrations import parse_version

    rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                             "('identity', 'schema_version')").fetchall())
    if "identity" not in rows:
        return None
    if "schema_version" not in rows:
        raise RowReader(url, "meta").fail("'schema_version'", "it is missing")
    return parse_version(rows["schema_version"], where)


REVISION_COLUMNS = 'number, time, "user", host, catalog_hash, summary, source'


def history(conn: Executes, url: str) -> list[RevisionInfo]:
    rows = conn.execute(f"SELECT {REVISION_COLUMNS} FROM revisions ORDER BY number")
    return [revision_info(url, row) for row in rows]


def last_revision(conn: Executes, url: str) -> int:
    row = conn.execute("SELECT coalesce(max(number), 0) FROM revisions").fetchone()
    return RowReader(url, "revisions").integer(row[0], "max(number)", "number")


def revision(conn: Executes, url: str, number: int) -> RevisionInfo:
    """Revision ``number`` with its changes (each referenced version put back), or a user
    error saying which revisions there are."""
    from offerspec.diagnostics import OfferspecError

    row = None
    if 0 < number < 2**63:
        row = conn.execute(f"SELECT {REVISION_COLUMNS}, changes FROM revisions WHERE number = ?",
                           (number,)).fetchone()
    if row is None:
        last = last_revision(conn, url)
        raise OfferspecError(f"no revision {number} in {url} (revisions: 1..{last})"
                             if last else f"no revision {number}: {url} has none yet",
                             hint="offerspec history lists them")
    return revision_info(url, row[:7], revision_changes(conn, url, number, row[7]))


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


def revision_changes(conn: Executes, url: str, number: int, raw: Any,
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
