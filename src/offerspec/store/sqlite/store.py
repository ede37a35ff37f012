"""The embedded default store: one SQLite file (``.offerspec/store.db`` unless told otherwise).

Tables (layout v2, see schema.py): ``objects`` (an object number per kind + id + generation),
``versions`` (every version ever written, once, compact; append-only), ``heads`` (the live
version per kind + id, with the hash offerspec last wrote, for drift), ``revisions`` (one row per
apply, its changes referring to the versions written), ``locks`` (the apply lock) and ``meta``
(store identity and schema version). Writes run in one ``BEGIN IMMEDIATE`` transaction in WAL
mode with ``synchronous=FULL``: a killed apply leaves the store exactly as before it.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Change
from offerspec.store.base import (
    ApplyMeta,
    PartialSnapshot,
    Progress,
    RevisionInfo,
    Snapshot,
    StoredObject,
    now,
)
from offerspec.store.dump import HistoryRecord
from offerspec.store.migrations import check_version, run_pending
from offerspec.store.sqlite import history_copy, read
from offerspec.store.sqlite.conn import enable_wal, is_read_only_error, is_refusal, store_error
from offerspec.store.sqlite.damage import open_failure, reading
from offerspec.store.sqlite.lock import LockMixin
from offerspec.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION, create_tables
from offerspec.store.sqlite.writer import Writer
from offerspec.store.writes import (
    check_live_hashes,
    source_text,
    stale_revision,
    touched_keys,
    write_changes,
)


class SQLiteStore(LockMixin):
    """A real SQLite file; see the module docstring for the layout."""

    def __init__(self, path: Path, url: str, *, busy_timeout: float = 30.0,
                 writable: bool = True, migrating: bool = False) -> None:
        """``writable=False``: the caller only reads (plan, history, pull, ...): nothing is
        written (no store is created, no journal mode switched) and a store this process may not
        write is opened read-only. ``migrating``: ``offerspec store migrate`` opens an old store
        (everyone else is refused it)."""
        self.path = path
        self.url = url
        self.read_only = False
        self._batching = False
        self.writable = writable
        self.migrating = migrating
        self._immutable_stamp: tuple[int, int, int] | None = None
        if not path.parent.is_dir():
            raise OfferspecError(f"store directory {path.parent} does not exist ({url})",
                                 hint="create it, or point --store / OFFERSPEC_STORE elsewhere")
        if not writable and not path.is_file():
            raise OfferspecError(f"no store at {path} ({url})",
                                 hint="apply a catalog first, or point --store / --env / "
                                      "OFFERSPEC_STORE at the store")
        existed = path.exists()
        try:
            self.conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
            self._open(busy_timeout)
        except sqlite3.DatabaseError as exc:
            if is_read_only_error(exc) or (existed and "unable to open" in str(exc)):
                with suppress(AttributeError):
                    self.conn.close()  # a read-only error may come after connect()
                if not writable and path.is_file():
                    self._open_read_only(busy_timeout)
                    return
                raise OfferspecError(
                    f"{path}: cannot open the store: {exc}",
                    hint="offerspec needs write access to the store file and its directory "
                         "(SQLite keeps -wal and -shm files beside it) to apply") from exc
            failure = open_failure(str(path), exc)
            if failure is not None:
                raise OfferspecError(failure[0], hint=failure[1]) from exc
            if not path.exists():
                raise OfferspecError(f"{path}: cannot create the store: {exc}",
                                     hint=f"a new store needs write access to {path.parent}; "
                                          "or point --store / OFFERSPEC_STORE elsewhere") from exc
            raise OfferspecError(f"{path}: cannot open the store: {exc}",
                                 hint="is this an offerspec SQLite store? point --store at another "
                                      "file, or move this one away") from exc

    def _open(self, busy_timeout: float) -> None:
        """Check what the file holds before anything is written to it."""
        found = self._schema_version()
        if found is None:
            if not self.writable or self.read_only:
                raise OfferspecError(
                    f"{self.path}: the file is empty: the store holds no catalog yet ({self.url})",
                    hint="apply a catalog first (with write access), or point --store / --env / "
                         "OFFERSPEC_STORE at the store")
            enable_wal(self.conn, busy_timeout)
            self.conn.execute("PRAGMA synchronous=FULL")
            self._create()
            return
        check_version(found, SCHEMA_VERSION, str(self.path), migrating=self.migrating)
        if self.writable and not self.read_only:
            enable_wal(self.conn, busy_timeout)
            self.conn.execute("PRAGMA synchronous=FULL")

    def _open_read_only(self, busy_timeout: float) -> None:
        """Read a store this process may not write: through the -shm file others keep when it
        exists (SQLite shares it read-only), else, when no writer has the store open (no -wal
        file), as an immutable file; ``_check_unchanged`` then refuses a torn read."""
        self.read_only = True
        uri = self.path.resolve().as_uri()
        try:
            self.conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=busy_timeout,
                                        isolation_level=None)
            self._open(busy_timeout)
            return
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            if not is_read_only_error(exc) and "unable to open" not in str(exc):
                raise
            if Path(f"{self.path}-wal").exists():
                raise OfferspecError(
                    f"{self.path}: cannot read the store while it is being written: this user "
                    f"may not write its directory nor its -shm file ({exc})",
                    hint="try again when no apply is running, or give this user write access "
                         "to the store's directory") from exc
        self._immutable_stamp = self._stamp()
        self.conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        self._open(busy_timeout)

    def _stamp(self) -> tuple[int, int, int]:
        stat = self.path.stat()
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def _check_unchanged(self) -> None:
        """An immutable read is only true if nobody wrote the file meanwhile."""
        if self._immutable_stamp is None:
            return
        if Path(f"{self.path}-wal").exists() or self._stamp() != self._immutable_stamp:
            raise OfferspecError(f"{self.path}: the store was written while it was read "
                                 "(read-only, without the -shm file); what was read may be torn",
                                 hint="try again when no apply is running")

    def _tables(self) -> list[str]:
        return [str(row[0]) for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    def _schema_version(self) -> int | None:
        """The store's schema version (None: an empty file); refuses another application's
        database: never add tables to (or switch the journal of) it."""
        with reading(self.url, self.conn):
            return self._read_schema_version()

    def _read_schema_version(self) -> int | None:
        tables = self._tables()
        if not tables:
            return None
        if "meta" in tables:
            found = read.meta_version(self.conn, self.url, str(self.path))
            if found is not None:
                return found
        self.conn.close()
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise OfferspecError(f"{self.path} is a SQLite database but not an offerspec store "
                             f"(it holds tables {shown}); left untouched",
                             hint="point --store / OFFERSPEC_STORE at an offerspec store, or at a "
                                  "new file to create one")

    def _create(self) -> None:
        with self._transaction():
            if self._schema_version() is not None:
                return  # another process created it meanwhile
            create_tables(self.conn)
            self.conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema_version", str(SCHEMA_VERSION)), ("identity", f"sqlite:{uuid.uuid4()}"),
                ("created", now())])

    def migrate(self) -> list[str]:
        """Run the pending migrations in one transaction (open with ``migrating=True``)."""
        with self._transaction():
            found = self._schema_version() or SCHEMA_VERSION
            ran = run_pending(found, SCHEMA_VERSION, MIGRATIONS, str(self.path), conn=self.conn,
                              set_version=lambda version: self.conn.execute(
                                  "UPDATE meta SET value = ? WHERE key = 'schema_version'",
                                  (str(version),)))
        self.migrating = False
        return ran

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception,
        including an interrupt raised anywhere between BEGIN and COMMIT. Inside ``batch``: a
        savepoint of the batch's transaction, released or rolled back alone."""
        if self._batching:
            self.conn.execute("SAVEPOINT offerspec_apply")
            try:
                yield self.conn
            except BaseException:
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK TO offerspec_apply")
                    self.conn.execute("RELEASE offerspec_apply")
                raise
            self.conn.execute("RELEASE offerspec_apply")
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.DatabaseError) and is_refusal(exc):
                raise store_error(self.url, exc) from exc
            raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        """``Batches``: the applies made in the block are one transaction, committed (one disk
        flush for all) when it ends, or none of them on any exception. Each apply is still
        its own revision, checked as always (a refused one is rolled back alone). Hold the
        lock around it; inside, reads see the batch's own writes."""
        with self._transaction():
            self._batching = True
            try:
                yield
            finally:
                self._batching = False

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A read transaction (the batch's own, inside ``batch``)."""
        if self._batching:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            # On failure SQLite has already rolled back, or closing the connection will.
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    # -- reading ---------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        return read.identity(self.conn, self.url)

    def _revision(self) -> int:
        with reading(self.url, self.conn):
            return read.last_revision(self.conn, self.url)

    def current_revision(self) -> int:
        """The newest committed revision (0: none yet; inside ``batch``, the batch's last)."""
        if not self._batching:
            self._rollback()
        revision = self._revision()
        self._check_unchanged()
        return revision

    def snapshot(self) -> Snapshot:
        # One read transaction: the revision and the heads belong together.
        with self._reading():
            revision = self._revision()
            with reading(self.url, self.conn):
                objects = read.heads(self.conn, self.url)
                identity = self.identity
        self._check_unchanged()
        return Snapshot(identity, self.url, revision, objects)

    def objects(self, kind: str) -> list[StoredObject]:
        with self._reading(), reading(self.url, self.conn):
            found = read.stored_objects(self.conn, self.url, kind)
        self._check_unchanged()
        return found

    def read_some(self, keys: Collection[tuple[str, str]]) -> PartialSnapshot:
        """``ReadsSome``: the heads and the generations of these (kind, id), in one read."""
        with self._reading():
            revision = self._revision()
            with reading(self.url, self.conn):
                part = read.some(self.conn, self.url, revision, keys)
        self._check_unchanged()
        return part

    def history(self) -> list[RevisionInfo]:
        with reading(self.url, self.conn):
            revisions = read.history(self.conn, self.url)
        self._check_unchanged()
        return revisions

    def revision(self, number: int) -> RevisionInfo:
        with self._reading(), reading(self.url, self.conn):
            found = read.revision(self.conn, self.url, number)
        self._check_unchanged()
        return found

    def versions(self, kind: str, ident: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
        with reading(self.url, self.conn):
            found = list(read.versions(self.conn, self.url, kind, ident))
        for revision, generation, text in found:
            yield revision, generation, json.loads(text)
        self._check_unchanged()

    def dump_history(self) -> Iterator[HistoryRecord]:
        """See ``HistoryStore.dump_history``: one read transaction, streamed."""
        self._rollback()
        self.conn.execute("BEGIN")
        try:
            with reading(self.url, self.conn):
                yield from history_copy.dump(self.conn.execute, self.url,
                                             last_number=history_copy.SQLITE_LAST_NUMBER)
        finally:
            with suppress(sqlite3.Error):
                self.conn.execute("COMMIT")
        self._check_unchanged()

    # -- writing -----------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], expected_revision: int, meta: ApplyMeta,
              progress: Progress | None = None) -> int:
        from offerspec.load.files import gc_paused

        with gc_paused(), self._transaction() as conn:
            current = self._revision()
            if current != expected_revision:
                raise stale_revision(expected_revision, current)
            with reading(self.url, self.conn):
                heads = read.heads(self.conn, self.url, touched_keys(changes)) if changes else {}
            numbers = check_live_hashes(changes, heads)
            revision = current + 1
            payload = write_changes(Writer(conn, revision, numbers, meta.written_hashes),
                                    changes, progress)
            conn.execute("INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (revision, now(), meta.user, meta.host, meta.catalog_hash, meta.summary,
                          source_text(meta.source), payload))
        return revision

    def load_history(self, records: Iterable[HistoryRecord],
                     progress: Progress | None = None) -> int:
        """See ``HistoryStore.load_history``: one write transaction."""
        from offerspec.load.files import gc_paused

        with gc_paused(), self._transaction() as conn:
            return history_copy.load_sqlite(conn, self.url, records, progress)
