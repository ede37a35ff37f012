"""The SQLite store's layout (version 2) and its numbered migrations.

Version 2 ("a store that stays small"): ``objects`` numbers every (kind, id, generation) ever
written (AUTOINCREMENT: a number is never reused, also after a hard delete, which only marks
the row ``deleted``); ``versions`` holds each version once, compact (store/compact.py);
``heads`` points at the live version (``data`` is NULL unless the live object was edited
outside offerspec: then it holds that text verbatim); ``revisions`` records each change by
reference (``version``: the object number written in that revision) instead of a copy.
Version 1 had ``heads``/``versions``/``revisions`` with the full JSON in each.
"""

from __future__ import annotations

import json
import sqlite3

from offerspec.catalog import canonical_json
from offerspec.store.compact import pack, unpack
from offerspec.store.migrations import Migration

SCHEMA_VERSION = 2

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    number INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, id TEXT NOT NULL,
    generation INTEGER NOT NULL, deleted INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS objects_live ON objects (kind, id, generation)
    WHERE deleted IS NULL;
CREATE TABLE IF NOT EXISTS versions (
    number INTEGER NOT NULL, revision INTEGER NOT NULL, data TEXT NOT NULL,
    compact INTEGER NOT NULL, PRIMARY KEY (number, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS heads (
    kind TEXT NOT NULL, id TEXT NOT NULL, number INTEGER NOT NULL, revision INTEGER NOT NULL,
    written_hash TEXT NOT NULL, status TEXT NOT NULL, data TEXT,
    PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revisions (
    number INTEGER PRIMARY KEY, time TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL,
    catalog_hash TEXT NOT NULL, summary TEXT NOT NULL, source TEXT NOT NULL,
    changes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locks (
    name TEXT PRIMARY KEY, id TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL,
    pid INTEGER NOT NULL, since TEXT NOT NULL);
"""


def create_tables(conn: sqlite3.Connection) -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)


def exact_pack(kind: str, text: str) -> tuple[str, bool]:
    """(stored, compact) for a text read from an old store: compact only when expanding gives
    back exactly that text (hashes compare it), else the text verbatim."""
    try:
        data = json.loads(text)
    except ValueError:
        return text, False
    if not isinstance(data, dict):
        return text, False
    stored, is_compact = pack(kind, data, text)
    if is_compact and unpack(kind, stored, True) != text:
        return text, False
    return stored, is_compact


def _written_generation(record: dict[str, object]) -> object:
    if record.get("action") == "create":
        return 1
    if record.get("action") == "replace":
        return record.get("new_generation")
    return record.get("generation")


def migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Full JSON in heads, versions and revisions → each version once, compact, referenced."""
    for table in ("heads", "versions", "revisions"):
        conn.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")
    create_tables(conn)
    numbers: dict[tuple[str, str, int], int] = {}
    texts: dict[tuple[int, int], str] = {}
    rows = conn.execute(
        "SELECT kind, id, generation, revision, data FROM versions_v1 ORDER BY revision, kind, "
        "id, generation").fetchall()
    for kind, ident, generation, revision, text in rows:
        key = (kind, ident, generation)
        if key not in numbers:
            numbers[key] = conn.execute("INSERT INTO objects (kind, id, generation) VALUES "
                                        "(?, ?, ?)", key).lastrowid or 0
        stored, is_compact = exact_pack(kind, text)
        conn.execute("INSERT INTO versions VALUES (?, ?, ?, ?)",
                     (numbers[key], revision, stored, int(is_compact)))
        texts[(numbers[key], revision)] = text
    for kind, ident, generation, revision, text, written, status in conn.execute(
            "SELECT kind, id, generation, revision, data, written_hash, status FROM heads_v1"
            ).fetchall():
        key = (kind, ident, generation)
        if key not in numbers:  # a head without versions: keep it, verbatim
            numbers[key] = conn.execute("INSERT INTO objects (kind, id, generation) VALUES "
                                        "(?, ?, ?)", key).lastrowid or 0
        number = numbers[key]
        edited = None if texts.get((number, revision)) == text else text
        conn.execute("INSERT INTO heads VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (kind, ident, number, revision, written, status, edited))
    for number, time_, user, host, catalog_hash, summary, changes in conn.execute(
            "SELECT number, time, user, host, catalog_hash, summary, changes FROM revisions_v1"
            ).fetchall():
        conn.execute("INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, '{}', ?)",
                     (number, time_, user, host, catalog_hash, summary,
                      _referenced(changes, number, numbers, texts)))
    for table in ("heads", "versions", "revisions"):
        conn.execute(f"DROP TABLE {table}_v1")


def _referenced(changes: str, revision: int, numbers: dict[tuple[str, str, int], int],
                texts: dict[tuple[int, int], str]) -> str:
    """A v1 change list with each copy of a version replaced by a reference to it (a copy
    with no version left, e.g. of a hard-deleted object, stays inline)."""
    try:
        records = json.loads(changes)
    except ValueError:
        return changes
    if not isinstance(records, list):
        return changes
    out = []
    for entry in records:
        if isinstance(entry, dict) and isinstance(entry.get("data"), dict):
            key = (entry.get("kind"), entry.get("id"), _written_generation(entry))
            number = numbers.get(key)  # type: ignore[arg-type]
            if number is not None and texts.get((number, revision)) == canonical_json(
                    entry["data"]):
                out.append({**{k: v for k, v in entry.items() if k != "data"},
                            "version": number})
                continue
        out.append(entry)
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


MIGRATIONS = [Migration(2, "compact versions, referenced by heads and revisions; object numbers",
                        migrate_1_to_2)]
