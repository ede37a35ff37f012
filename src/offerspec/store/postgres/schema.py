"""The PostgreSQL store's tables (layout v2, as SQLite's: store/sqlite/schema.py) and migrations.

The tables live in the store's own PostgreSQL schema (``offerspec``, or ``?schema=NAME``);
``search_path`` is that schema only, so the shared queries (store/sqlite/read.py) name the tables
unqualified. Texts are ``text``, not ``jsonb``: hashes compare the exact bytes offerspec wrote.
``compact`` is a smallint (0/1) like SQLite's. PostgreSQL schema version 1 is this layout;
later versions add ``Migration``s to ``MIGRATIONS`` (run by ``offerspec store migrate``).
"""

from __future__ import annotations

from typing import Any

from offerspec.store.migrations import Migration

SCHEMA_VERSION = 1

TABLES = """
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE objects (
    number bigint PRIMARY KEY, kind text NOT NULL, id text NOT NULL,
    generation integer NOT NULL, deleted bigint);
CREATE UNIQUE INDEX objects_live ON objects (kind, id, generation) WHERE deleted IS NULL;
CREATE TABLE versions (
    number bigint NOT NULL, revision bigint NOT NULL, data text NOT NULL,
    compact smallint NOT NULL, PRIMARY KEY (number, revision));
CREATE TABLE heads (
    kind text NOT NULL, id text NOT NULL, number bigint NOT NULL, revision bigint NOT NULL,
    written_hash text NOT NULL, status text NOT NULL, data text,
    PRIMARY KEY (kind, id));
CREATE TABLE revisions (
    number bigint PRIMARY KEY, time text NOT NULL, "user" text NOT NULL, host text NOT NULL,
    catalog_hash text NOT NULL, summary text NOT NULL, source text NOT NULL,
    changes text NOT NULL);
CREATE TABLE locks (
    name text PRIMARY KEY, id text NOT NULL, "user" text NOT NULL, host text NOT NULL,
    pid integer NOT NULL, since text NOT NULL, backend_pid integer NOT NULL)
"""

TABLE_NAMES = ("meta", "objects", "versions", "heads", "revisions", "locks")


def create_tables(conn: Any) -> None:
    """In the current transaction, with ``search_path`` at the (existing) store schema."""
    for statement in TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)


MIGRATIONS: list[Migration] = []
"""PostgreSQL layout 1 is SQLite's layout 2: nothing to migrate yet."""
