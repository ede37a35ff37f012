"""The PostgreSQL store's whole history (``store copy``): read through server-side cursors in one
``REPEATABLE READ READ ONLY`` transaction (a consistent cut, fetched in batches, so a reader role
can be copied from), written with ``COPY`` in one transaction under the apply lock. A store that
does not exist yet is created in that same transaction: a failed copy leaves no schema, no
table behind."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from offerspec.store.base import Progress, now
from offerspec.store.dump import HistoryRecord
from offerspec.store.postgres import lock as pglock
from offerspec.store.postgres.schema import SCHEMA_VERSION, create_tables
from offerspec.store.postgres.target import Target, connect, parse, refusals
from offerspec.store.sqlite import history_copy

if TYPE_CHECKING:
    from offerspec.store.postgres.store import PostgresStore
    from offerspec.store.url import StoreLocation

FETCH = 2000
"""Rows a server-side cursor fetches per round trip."""
SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
TABLES_OF = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')")


def dump(store: PostgresStore) -> Iterator[HistoryRecord]:
    """See ``HistoryStore.dump_history``."""
    import psycopg

    names = itertools.count()

    def query(sql: str) -> Iterator[Any]:
        cursor = store.conn.cursor(name=f"offerspec_dump_{next(names)}")
        cursor.itersize = FETCH
        try:
            cursor.execute(sql)
            yield from cursor
        finally:
            with suppress(psycopg.Error):
                cursor.close()

    with store._transaction(SNAPSHOT, writing=False):
        yield from history_copy.dump(query, store.url, collate=' COLLATE "C"')


def _query(conn: Any) -> history_copy.Query:
    return conn.execute  # type: ignore[no-any-return]


def write_rows(conn: Any, url: str, records: Iterable[HistoryRecord],
               progress: Progress | None) -> int:
    """Check the store is empty and write the records with COPY (in the caller's transaction,
    holding the apply key as a transaction lock)."""
    history_copy.check_empty(_query(conn), url)
    cursor = conn.cursor()

    def flush(table: str, rows: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(history_copy.COLUMNS[table])
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    check = history_copy.load(flush, url, records, progress)
    return check.counts["revisions"]


def load(store: PostgresStore, records: Iterable[HistoryRecord],
         progress: Progress | None = None) -> int:
    """See ``HistoryStore.load_history``."""
    from offerspec.load.files import gc_paused

    with gc_paused(), store._transaction() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", store.key)
        return write_rows(conn, store.url, records, progress)


def load_into(location: StoreLocation, records: Iterator[HistoryRecord], lock_timeout: float,
              progress: Progress | None) -> int:
    """Copy into the PostgreSQL store at ``location``: created with the copy when it does not
    exist yet, else loaded (when empty) under its apply lock."""
    from offerspec.store.copy import load_locked
    from offerspec.store.postgres.store import PostgresStore

    target = parse(location.target, location.url)
    created = _create_and_load(target, records, progress)
    if created is not None:
        return created
    opened = PostgresStore(target, writable=True, create=False, lock_wait=lock_timeout)
    return load_locked(opened, location, records, lock_timeout, progress)


def _create_and_load(target: Target, records: Iterable[HistoryRecord],
                     progress: Progress | None) -> int | None:
    """Create the store and write the records in one transaction; None (nothing done) when
    the schema holds tables already."""
    import psycopg
    from psycopg import sql

    conn = connect(target)
    state = {"committing": False}
    try:
        with refusals(target, writing=True, committing=lambda: state["committing"]):
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                             (pglock.CLASS_ID, pglock.CREATE_ID))
                if conn.execute(TABLES_OF, (target.schema,)).fetchone() is not None:
                    conn.execute("ROLLBACK")
                    return None
                if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                (target.schema,)).fetchone() is None:
                    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target.schema)))
                create_tables(conn)
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO meta VALUES (%s, %s)", [
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("identity", f"postgresql:{uuid.uuid4()}"), ("created", now())])
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                             pglock.lock_key(target.schema))
                revisions = write_rows(conn, target.shown, records, progress)
            except BaseException:
                with suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            state["committing"] = True
            conn.execute("COMMIT")
            return revisions
    finally:
        conn.close()
