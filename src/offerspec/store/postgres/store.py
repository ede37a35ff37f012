"""The team store: layout v2 (as SQLite's) in a PostgreSQL schema of its own.

Every apply is one transaction, under a session-level advisory lock (lock.py) and, inside the
transaction, the same key as a transaction lock, so writes are serialized even by a caller that
skipped ``lock``. Reads run in ``READ ONLY`` transactions (the snapshot in ``REPEATABLE READ``:
the revision and the heads belong together); a store opened for reading only also sets
``default_transaction_read_only``, so a role granted only ``SELECT`` can plan, pull, export,
read the history and simulate. New rows are written with ``COPY`` (writer.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Change
from offerspec.store.base import (
    ApplyMeta,
    LockInfo,
    PartialSnapshot,
    Progress,
    RevisionInfo,
    Snapshot,
    StoredObject,
    StoreLocked,
    now,
)
from offerspec.store.dump import HistoryRecord
from offerspec.store.migrations import check_version, run_pending
from offerspec.store.postgres import lock as pglock
from offerspec.store.postgres.schema import MIGRATIONS, SCHEMA_VERSION, create_tables
from offerspec.store.postgres.target import LockWaitTimeout, Target, connect, refusals
from offerspec.store.postgres.writer import IN_KEYS, CopyWriter
from offerspec.store.sqlite import read
from offerspec.store.writes import (
    check_live_hashes,
    source_text,
    stale_revision,
    touched_keys,
    write_changes,
)

SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
READ = "BEGIN READ ONLY"
TABLES_OF = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1")
HEADS_ALL = read.HEADS_SELECT + ' ORDER BY h.kind COLLATE "C", h.id COLLATE "C"'
HEADS_OF = read.HEADS_SELECT + " WHERE " + IN_KEYS.replace("(kind, id)", "(h.kind, h.id)")


class _Placeholders:
    """The connection as the shared queries (store/sqlite/read.py) want it: ``?`` placeholders."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), parameters or None)


class PostgresStore:
    def __init__(self, target: Target, *, writable: bool = True, create: bool = True,
                 migrating: bool = False, lock_wait: float = 30.0) -> None:
        """``writable=False``: only reads, in read-only transactions, and never creates the
        store. ``create=False``: a missing store is an error even for a writer. ``migrating``:
        ``offerspec store migrate`` may open an older store."""
        self.target = target
        self.url = target.shown
        self.writable = writable
        self.migrating = migrating
        self.lock_wait = lock_wait
        self.key = pglock.lock_key(target.schema)
        self.conn = connect(target)
        self.q = _Placeholders(self.conn)
        try:
            with self._errors(writing=False):
                self._open(create)
        except BaseException:
            self.conn.close()
            raise

    # -- opening -----------------------------------------------------------------------------

    def _open(self, create: bool) -> None:
        if not self.writable:
            self.conn.execute("SET default_transaction_read_only = on")
        found = self._schema_version()
        if found is None:
            if not self.writable or not create:
                raise missing(self.target)
            self._create()
            return
        check_version(found, SCHEMA_VERSION, self.url, migrating=self.migrating)

    def _schema_version(self) -> int | None:
        """The store's schema version (None: no store in the schema yet); refuses a schema
        holding other tables: offerspec never adds its tables among another application's."""
        tables = [row[0] for row in self.conn.execute(TABLES_OF, (self.target.schema,))]
        if not tables:
            return None
        if "meta" in tables:
            found = read.meta_version(self.q, self.url, self.url)
            if found is not None:
                return found
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise OfferspecError(f"{self.url}: the schema {self.target.schema} holds tables that are "
                             f"not an offerspec store ({shown}); left untouched",
                             hint="give the store a schema of its own: ?schema=NAME in the URL")

    def _create(self) -> None:
        from psycopg import sql

        with self._transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                              (pglock.CLASS_ID, pglock.CREATE_ID))
            if self._schema_version() is not None:
                return  # another process created it meanwhile
            exists = self.conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                       (self.target.schema,)).fetchone()
            if exists is None:  # CREATE SCHEMA IF NOT EXISTS would need CREATE on the database
                self.conn.execute(sql.SQL("CREATE SCHEMA {}").format(
                    sql.Identifier(self.target.schema)))
            create_tables(self.conn)
            with self.conn.cursor() as cur:
                cur.executemany("INSERT INTO meta VALUES (%s, %s)", [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("identity", f"postgresql:{uuid.uuid4()}"), ("created", now())])

    def migrate(self) -> list[str]:
        """Run the pending migrations in one transaction (open with ``migrating=True``)."""
        with self._transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", self.key)
            found = self._schema_version() or SCHEMA_VERSION
            ran = run_pending(found, SCHEMA_VERSION, MIGRATIONS, self.url, conn=self.conn,
                              set_version=lambda version: self.conn.execute(
                                  "UPDATE meta SET value = %s WHERE key = 'schema_version'",
                                  (str(version),)))
        self.migrating = False
        return ran

    # -- transactions and errors -------------------------------------------------------------

    def _errors(self, *, writing: bool, committing: Callable[[], bool] | None = None,
                ) -> AbstractContextManager[None]:
        return refusals(self.target, writing=writing, committing=committing)

    @contextmanager
    def _transaction(self, begin: str = "BEGIN", *, writing: bool = True) -> Iterator[Any]:
        """One transaction: committed when the block ends, rolled back on any exception
        (the server rolls back by itself when the connection is gone)."""
        state = {"committing": False}
        with self._errors(writing=writing, committing=lambda: state["committing"]):
            self.conn.execute(begin)
            try:
                yield self.conn
            except BaseException:
                self._rollback()
                raise
            state["committing"] = True
            self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        import psycopg

        with suppress(psycopg.Error):
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    # -- reading -----------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        return read.identity(self.q, self.url)

    def current_revision(self) -> int:
        with self._transaction(READ, writing=False):
            return read.last_revision(self.q, self.url)

    def snapshot(self) -> Snapshot:
        with self._transaction(SNAPSHOT, writing=False):
            revision = read.last_revision(self.q, self.url)
            objects = read.heads(self.q, self.url, rows_read=self.conn.execute(HEADS_ALL))
            identity = self.identity
        return Snapshot(identity, self.url, revision, objects)

    def objects(self, kind: str) -> list[StoredObject]:
        with self._transaction(SNAPSHOT, writing=False):
            return read.stored_objects(self.q, self.url, kind)

    def read_some(self, keys: Collection[tuple[str, str]]) -> PartialSnapshot:
        """``ReadsSome``: the heads and the generations of these (kind, id), in one read."""
        with self._transaction(SNAPSHOT, writing=False):
            return read.some(self.q, self.url, read.last_revision(self.q, self.url), keys)

    def history(self) -> list[RevisionInfo]:
        with self._transaction(READ, writing=False):
            return read.history(self.q, self.url)

    def revision(self, number: int) -> RevisionInfo:
        with self._transaction(SNAPSHOT, writing=False):
            return read.revision(self.q, self.url, number)

    def versions(self, kind: str, ident: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
        import json

        with self._transaction(READ, writing=False):
            found = list(read.versions(self.q, self.url, kind, ident))
        for revision, generation, text in found:
            yield revision, generation, json.loads(text)

    # -- the lock ----------------------------------------------------------------------------

    @contextmanager
    def lock(self, timeout: float, on_wait: Callable[[LockInfo], None] | None = None,
             ) -> Iterator[LockInfo]:
        try:
            with self._errors(writing=True):
                me = pglock.acquire(self.conn, self.url, self.key, timeout, on_wait)
        except StoreLocked:
            raise
        except BaseException:
            self._unlock_quietly()  # e.g. the row could not be written: never keep the lock
            raise
        try:
            yield me
        except BaseException:
            self._unlock_quietly(me)
            raise
        if self.conn.closed or self.conn.broken:
            return  # the connection is gone, and the server released the lock with it
        with self._errors(writing=False):
            pglock.release(self.conn, self.key, me)

    def _unlock_quietly(self, me: LockInfo | None = None) -> None:
        """Another exception is on its way: a failure here must not hide it (if the connection
        is gone, the server has released the lock already)."""
        import psycopg

        with suppress(psycopg.Error):
            self._rollback()
            if me is not None:
                pglock.release(self.conn, self.key, me)
            else:
                self.conn.execute("SELECT pg_advisory_unlock(%s, %s)", self.key)

    def force_unlock(self, lock_id: str) -> LockInfo:
        with self._transaction():
            return pglock.force_unlock(self.conn, self.url, self.key, lock_id)

    # -- writing -----------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], expected_revision: int, meta: ApplyMeta,
              progress: Progress | None = None) -> int:
        from offerspec.load.files import gc_paused

        try:
            with gc_paused(), self._transaction() as conn:
                conn.execute(f"SET LOCAL lock_timeout = '{int(self.lock_wait * 1000)}ms'")
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", self.key)
                return self._write(conn, changes, expected_revision, meta, progress)
        except LockWaitTimeout:
            with self._errors(writing=True):
                found = pglock.holder(self.conn, self.url, self.key)
            if found is None:
                raise
            raise StoreLocked(found, self.lock_wait, hint=pglock.WAIT_HINT) from None

    def _write(self, conn: Any, changes: Sequence[Change], expected_revision: int,
               meta: ApplyMeta, progress: Progress | None) -> int:
        current = read.last_revision(self.q, self.url)
        if current != expected_revision:
            raise stale_revision(expected_revision, current)
        touched = sorted(touched_keys(changes))
        rows = conn.execute(HEADS_OF, ([k for k, _ in touched], [i for _, i in touched]))
        numbers = check_live_hashes(changes, read.heads(self.q, self.url, rows_read=rows))
        revision = current + 1
        payload = write_changes(CopyWriter(conn, revision, numbers, meta.written_hashes),
                                changes, progress)
        conn.execute("INSERT INTO revisions VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                     (revision, now(), meta.user, meta.host, meta.catalog_hash, meta.summary,
                      source_text(meta.source), payload))
        return revision

    # -- the whole history (offerspec store copy: history_copy.py) -----------------------------

    def dump_history(self) -> Iterator[HistoryRecord]:
        from offerspec.store.postgres import history_copy

        return history_copy.dump(self)

    def load_history(self, records: Iterable[HistoryRecord],
                     progress: Progress | None = None) -> int:
        from offerspec.store.postgres import history_copy

        return history_copy.load(self, records, progress)


def missing(target: Target) -> OfferspecError:
    return OfferspecError(f"no store at {target.shown}: the schema {target.schema} holds no "
                          "offerspec store yet",
                          hint="apply a catalog first (with the writer role), or point --store / "
                               "--env / OFFERSPEC_STORE at the store")


def store_exists(target: Target) -> bool:
    """Whether the schema holds a store (or other tables: opening it then says so)."""
    conn = connect(target)
    try:
        with refusals(target, writing=False):
            conn.execute("SET default_transaction_read_only = on")
            return conn.execute(TABLES_OF, (target.schema,)).fetchone() is not None
    finally:
        conn.close()

