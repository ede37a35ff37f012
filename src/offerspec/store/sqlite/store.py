"""The embedded default store: one SQLite file (``.offerspec/store.db`` unless told otherwise).

Tables: ``heads`` (the live object per kind + id, with the hash offerspec last wrote, for drift),
``versions`` (every version ever written, append-only), ``revisions`` (one row per apply),
``locks`` (the apply lock: holder id, user, host, pid, time) and ``meta`` (store identity).
Writes run in one ``BEGIN IMMEDIATE`` transaction in WAL mode with ``synchronous=FULL``:
a killed apply leaves the store exactly as before it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import (
    Change,
    label,
)
from offerspec.store.base import (
    ApplyMeta,
    LiveObject,
    LockInfo,
    Progress,
    RevisionInfo,
    Snapshot,
    StaleRevision,
    StoreLocked,
    text_hash,
)
from offerspec.store.sqlite.conn import (
    current_user,
    enable_wal,
    is_read_only_error,
    is_refusal,
    now,
    pid_alive,
    store_error,
)
from offerspec.store.sqlite.writer import WRITERS, Writer, record

SCHEMA_VERSION = "1"
LOCK_NAME = "apply"
BATCH = 2000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heads (
    kind TEXT NOT NULL, id TEXT NOT NULL, generation INTEGER NOT NULL, revision INTEGER NOT NULL,
    data TEXT NOT NULL, written_hash TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
    kind TEXT NOT NULL, id TEXT NOT NULL, generation INTEGER NOT NULL, revision INTEGER NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (kind, id, generation, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revisions (
    number INTEGER PRIMARY KEY, time TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL,
    catalog_hash TEXT NOT NULL, summary TEXT NOT NULL, changes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locks (
    name TEXT PRIMARY KEY, id TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL,
    pid INTEGER NOT NULL, since TEXT NOT NULL);
"""


class SQLiteStore:
    """A real SQLite file; see the module docstring for the layout."""

    def __init__(self, path: Path, url: str, *, busy_timeout: float = 30.0,
                 writable: bool = True) -> None:
        """``writable=False``: the caller only reads (plan, history, pull, ...); a store this
        process may not write (read-only file or directory) is then opened read-only."""
        self.path = path
        self.url = url
        self.read_only = False
        self._immutable_stamp: tuple[int, int, int] | None = None
        if not path.parent.is_dir():
            raise OfferspecError(f"store directory {path.parent} does not exist ({url})",
                                 hint="create it, or point --store / OFFERSPEC_STORE elsewhere")
        try:
            self.conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
            self._refuse_foreign()
            enable_wal(self.conn, busy_timeout)
            self.conn.execute("PRAGMA synchronous=FULL")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            if is_read_only_error(exc):
                self.conn.close()  # a read-only error comes after connect()
                if not writable and path.is_file():
                    self._open_read_only(busy_timeout)
                    return
                raise OfferspecError(
                    f"{path}: cannot open the store: {exc}",
                    hint="offerspec needs write access to the store file and its directory "
                         "(SQLite keeps -wal and -shm files beside it) to apply") from exc
            if not path.exists():
                raise OfferspecError(f"{path}: cannot create the store: {exc}",
                                     hint=f"a new store needs write access to {path.parent}; "
                                          "or point --store / OFFERSPEC_STORE elsewhere") from exc
            raise OfferspecError(f"{path}: cannot open the store: {exc}",
                                 hint="is this an offerspec SQLite store? point --store at another "
                                      "file, or move this one away") from exc

    def _open_read_only(self, busy_timeout: float) -> None:
        """Read a store this process may not write: through the -shm file others keep when it
        exists (SQLite shares it read-only), else, when no writer has the store open (no -wal
        file), as an immutable file; ``_check_unchanged`` then refuses a torn read."""
        self.read_only = True
        uri = self.path.resolve().as_uri()
        try:
            self.conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=busy_timeout,
                                        isolation_level=None)
            self._refuse_foreign()
            self._init_schema()
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
        self._refuse_foreign()
        self._init_schema()

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

    def _refuse_foreign(self) -> None:
        """Never add tables to (or switch the journal of) another application's database."""
        tables = [row[0] for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if not tables or ("meta" in tables and self.conn.execute(
                "SELECT 1 FROM meta WHERE key = 'identity'").fetchone() is not None):
            return
        self.conn.close()
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise OfferspecError(f"{self.path} is a SQLite database but not an offerspec store "
                             f"(it holds tables {shown}); left untouched",
                             hint="point --store / OFFERSPEC_STORE at an offerspec store, or at a "
                                  "new file to create one")

    def _init_schema(self) -> None:
        try:  # an existing store: no write lock needed just to open it
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            row = None
        if row is not None and row[0] == SCHEMA_VERSION:
            return
        if self.read_only:
            raise OfferspecError(
                f"{self.path}: " + ("the store is empty" if row is None else
                                    f"store schema version {row[0]} is not supported")
                + " and this user may not write it",
                hint="apply a catalog first (with write access)" if row is None else
                     "upgrade offerspec")
        with self._transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self.conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema_version", SCHEMA_VERSION), ("identity", f"sqlite:{uuid.uuid4()}"),
                    ("created", now())])
            elif row[0] != SCHEMA_VERSION:
                raise OfferspecError(f"{self.path}: store schema version {row[0]} is not supported "
                                     f"(this offerspec reads version {SCHEMA_VERSION})",
                                     hint="upgrade offerspec")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception,
        including an interrupt raised anywhere between BEGIN and COMMIT."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.DatabaseError) and is_refusal(exc):
                raise store_error(self.url, exc) from exc
            raise

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
        row = self.conn.execute("SELECT value FROM meta WHERE key='identity'").fetchone()
        return str(row[0])

    def _revision(self) -> int:
        row = self.conn.execute("SELECT coalesce(max(number), 0) FROM revisions").fetchone()
        return int(row[0])

    def current_revision(self) -> int:
        """The newest committed revision (0: none yet)."""
        self._rollback()
        revision = self._revision()
        self._check_unchanged()
        return revision

    def snapshot(self) -> Snapshot:
        objects: dict[str, dict[str, LiveObject]] = {"products": {}, "plans": {}, "offers": {}}
        # One read transaction: the revision and the heads belong together.
        self.conn.execute("BEGIN")
        try:
            revision = self._revision()
            for kind, ident, generation, data, written, status in self.conn.execute(
                    "SELECT kind, id, generation, data, written_hash, status FROM heads "
                    "ORDER BY kind, id"):
                objects.setdefault(kind, {})[ident] = LiveObject(kind, ident, generation, data,
                                                                 written, status)
            identity = self.identity
        finally:
            self.conn.execute("COMMIT")
        self._check_unchanged()
        return Snapshot(identity, self.url, revision, objects)

    def history(self) -> list[RevisionInfo]:
        rows = self.conn.execute(
            "SELECT number, time, user, host, catalog_hash, summary FROM revisions ORDER BY number")
        revisions = [RevisionInfo(*row) for row in rows]
        self._check_unchanged()
        return revisions

    def revision(self, number: int) -> RevisionInfo:
        row = self.conn.execute("SELECT number, time, user, host, catalog_hash, summary, changes "
                                "FROM revisions WHERE number = ?", (number,)).fetchone()
        if row is None:
            last = self._revision()
            raise OfferspecError(f"no revision {number} in {self.url} (revisions: 1..{last})"
                                 if last else f"no revision {number}: {self.url} has none yet",
                                 hint="offerspec history lists them")
        self._check_unchanged()
        number_, time_, user, host, catalog_hash, summary, changes = row
        return RevisionInfo(number_, time_, user, host, catalog_hash, summary, json.loads(changes))

    def versions(self, kind: str, ident: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
        for revision, generation, data in self.conn.execute(
                "SELECT revision, generation, data FROM versions WHERE kind = ? AND id = ? "
                "ORDER BY revision, generation", (kind, ident)):
            yield revision, generation, json.loads(data)
        self._check_unchanged()

    # -- the lock ----------------------------------------------------------------------------

    def _holder(self) -> LockInfo | None:
        row = self.conn.execute("SELECT id, user, host, pid, since FROM locks WHERE name = ?",
                                (LOCK_NAME,)).fetchone()
        return LockInfo(*row) if row else None

    @contextmanager
    def lock(self, timeout: float, on_wait: Callable[[LockInfo], None] | None = None,
             ) -> Iterator[LockInfo]:
        me = LockInfo(uuid.uuid4().hex[:12], current_user(), socket.gethostname(), os.getpid(), now())
        try:
            self._acquire(me, timeout, on_wait)
        except OfferspecError:
            raise  # timed out or refused: never held
        except BaseException:
            self._release(me, quiet=True)  # interrupted, maybe just after taking it
            raise
        try:
            yield me
        except BaseException:
            self._release(me, quiet=True)
            raise
        try:
            self._release(me)
        except BaseException:
            self._release(me, quiet=True)  # interrupted while releasing: once more
            raise

    def _acquire(self, me: LockInfo, timeout: float,
                 on_wait: Callable[[LockInfo], None] | None) -> None:
        deadline = time.monotonic() + timeout
        delay = 0.02
        waiting = False
        while True:
            with self._transaction():
                holder = self._holder()
                stale = holder is not None and holder.host == me.host and not pid_alive(holder.pid)
                if holder is None or stale:
                    self.conn.execute("INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?, ?, ?)",
                                      (LOCK_NAME, me.id, me.user, me.host, me.pid, me.since))
                    return
            assert holder is not None
            if time.monotonic() >= deadline:
                raise StoreLocked(holder, timeout, same_host=holder.host == me.host)
            if not waiting and on_wait is not None:
                on_wait(holder)
            waiting = True
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.25)

    def _release(self, me: LockInfo, *, quiet: bool = False) -> None:
        """Remove our lock row. ``quiet``: another exception is on its way; a failure here must
        not hide it (a lock left by this process is taken over once it has exited)."""
        try:
            self._rollback()
            holder = self._holder()  # a read: never waits behind another apply's transaction
            if holder is None or holder.id != me.id:
                return
            with self._transaction():
                self.conn.execute("DELETE FROM locks WHERE name = ? AND id = ?", (LOCK_NAME, me.id))
        except (sqlite3.Error, OfferspecError) as exc:
            if not quiet:
                cause = exc.__cause__ if isinstance(exc.__cause__, sqlite3.Error) else exc
                why = cause.message if isinstance(cause, OfferspecError) else str(cause)
                raise OfferspecError(
                    f"could not release the store's lock {me.id}: {why}",
                    hint=f"what was done under the lock stays done; a later apply on this host "
                         f"takes the lock over, or: offerspec force-unlock {me.id}") from exc

    def force_unlock(self, lock_id: str) -> LockInfo:
        with self._transaction():
            holder = self._holder()
            if holder is None:
                raise OfferspecError(f"{self.url} is not locked", hint="nothing to unlock")
            if holder.id != lock_id:
                raise OfferspecError(f"the lock id is {holder.id}, not {lock_id}",
                                     hint=f"{holder.describe()}; pass that id to force-unlock")
            self.conn.execute("DELETE FROM locks WHERE name = ?", (LOCK_NAME,))
        return holder

    # -- writing -----------------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], expected_revision: int, meta: ApplyMeta,
              progress: Progress | None = None) -> int:
        from offerspec.load.files import gc_paused

        with gc_paused(), self._transaction() as conn:
            current = self._revision()
            if current != expected_revision:
                raise StaleRevision(
                    f"the store moved from revision {expected_revision} to {current} since the plan "
                    "was made; nothing was applied", hint="run offerspec plan again")
            self._check_live_hashes(changes)
            revision = current + 1
            writer = Writer(conn, revision)
            total = len(changes)
            records: list[str] = []
            for start in range(0, total, BATCH):
                for change in changes[start:start + BATCH]:
                    text = WRITERS[type(change)](writer, change)
                    records.append(record(change, text))
                writer.flush()
                if progress is not None:
                    progress(min(start + BATCH, total), total)
            payload = "[" + ",".join(records) + "]"
            conn.execute("INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (revision, now(), meta.user, meta.host, meta.catalog_hash, meta.summary,
                          payload))
        return revision

    def _check_live_hashes(self, changes: Sequence[Change]) -> None:
        """Out-of-band edits don't move the revision: compare each touched object too."""
        heads = {(k, i): d for k, i, d in self.conn.execute("SELECT kind, id, data FROM heads")}
        changed = []
        for change in changes:
            text = heads.get((change.kind, change.id))
            live = None if text is None else text_hash(text)
            if live != change.live_hash:
                changed.append(label(change))
        if changed:
            raise StaleRevision(
                f"{len(changed)} object(s) changed since the plan was made: {', '.join(changed[:10])}"
                + (" ..." if len(changed) > 10 else "") + "; nothing was applied",
                hint="run offerspec plan again")
