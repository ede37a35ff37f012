"""The SQLite store's apply lock: a row in ``locks`` naming its holder (user, host, pid);
a holder on this host whose pid is gone is taken over."""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.store.base import LockInfo, StoreLocked, current_user, now
from offerspec.store.rows import RowReader
from offerspec.store.sqlite.conn import pid_alive
from offerspec.store.sqlite.damage import reading

LOCK_NAME = "apply"


def lock_info(url: str, row: tuple[Any, ...]) -> LockInfo:
    """A lock row, checked (a pid that is not an integer is damage, not a crash)."""
    reader = RowReader(url, "locks")
    ident = reader.text(row[0], repr(LOCK_NAME), "id")
    where = f"{LOCK_NAME!r} (id {ident})"
    pid = reader.integer(row[3], where, "pid")
    if not 0 < pid < 2**31:
        raise reader.fail(where, f"pid {pid} is not a process id")
    return LockInfo(ident, reader.text(row[1], where, "user"), reader.text(row[2], where, "host"),
                    pid, reader.text(row[4], where, "since"))


class LockMixin:
    """The lock methods of ``SQLiteStore`` (which provides the connection and transactions)."""

    conn: sqlite3.Connection
    url: str

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    @contextmanager
    def _lock_transaction(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the lock row, committed without waiting for the disk
        (``synchronous=NORMAL``: atomic, in order, not yet durable). A lock only means something
        while its holder runs: after a power loss the row may be back or gone, and a row whose
        pid is gone is taken over. The apply in between is durable (``synchronous=FULL``, which
        also makes the lock row's commit durable); this saves two disk flushes per apply."""
        self.conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with self._transaction() as conn:
                yield conn
        finally:
            self.conn.execute("PRAGMA synchronous=FULL")

    def _rollback(self) -> None:
        raise NotImplementedError

    def _holder(self) -> LockInfo | None:
        with reading(self.url, self.conn):
            row = self.conn.execute("SELECT id, user, host, pid, since FROM locks WHERE name = ?",
                                    (LOCK_NAME,)).fetchone()
        return None if row is None else lock_info(self.url, row)

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
            with self._lock_transaction():
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
            with self._lock_transaction():
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

