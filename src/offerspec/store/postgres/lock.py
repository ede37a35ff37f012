"""The PostgreSQL store's apply lock: a session-level advisory lock, one per store schema.

The server releases it when the holder's connection ends, so a killed apply never leaves it
behind. Who holds it is told from a row in ``locks`` the holder writes once it has the lock
(user, host, pid, since; and its backend pid), or, in the moment before that row is written,
from ``pg_stat_activity``.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.store.base import LockInfo, StoreLocked, current_user, now
from offerspec.store.sqlite.lock import LOCK_NAME, lock_info

CLASS_ID = 0x4F53  # "OS": the first key of every offerspec advisory lock
CREATE_ID = 1
"""The second key of the lock serializing the store's creation (the apply lock's is the
schema's hash, never 1)."""


def lock_key(schema: str) -> tuple[int, int]:
    """(classid, objid) of the apply lock of the store in ``schema`` (advisory locks are per
    database already)."""
    objid = int.from_bytes(hashlib.sha256(schema.encode()).digest()[:4], "big", signed=True)
    return CLASS_ID, objid if objid != CREATE_ID else CREATE_ID + 1


WAIT_HINT = ("wait for that apply to finish (--lock-timeout SECONDS); the server releases the "
             "lock as soon as its connection ends, so a killed apply never keeps it")

HELD_BY = ("SELECT a.pid, coalesce(a.usename, '?'), coalesce(host(a.client_addr), 'local'), "
           "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', "
           "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '?') FROM pg_locks l LEFT JOIN pg_stat_activity "
           "a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND "
           "l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
           "l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 2")


def holder_backend(conn: Any, key: tuple[int, int]) -> tuple[Any, ...] | None:
    """(backend pid, role, client address, since) of the connection holding the lock."""
    classid, objid = key
    row: tuple[Any, ...] | None = conn.execute(HELD_BY, (classid, objid & 0xFFFFFFFF)).fetchone()
    return row


def holder(conn: Any, url: str, key: tuple[int, int]) -> LockInfo | None:
    """Who holds the apply lock now (None: nobody)."""
    backend = holder_backend(conn, key)
    if backend is None:
        return None
    row = conn.execute("SELECT id, \"user\", host, pid, since, backend_pid FROM locks "
                       "WHERE name = %s", (LOCK_NAME,)).fetchone()
    if row is not None and row[5] == backend[0]:
        return lock_info(url, row[:5])
    # Taken a moment ago, its row not written yet: what the server knows of that connection.
    return LockInfo(f"backend-{backend[0]}", str(backend[1]), str(backend[2]), int(backend[0]),
                    str(backend[3]))


def acquire(conn: Any, url: str, key: tuple[int, int], timeout: float,
            on_wait: Callable[[LockInfo], None] | None) -> LockInfo:
    """Take the lock (polling until ``timeout``), then write our row; returns our LockInfo."""
    me = LockInfo(uuid.uuid4().hex[:12], current_user(), socket.gethostname(), os.getpid(), now())
    deadline = time.monotonic() + timeout
    delay = 0.02
    waiting = False
    while not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", key).fetchone()[0]:
        found = holder(conn, url, key)
        if found is None:
            continue  # released between the two statements: try again at once
        if time.monotonic() >= deadline:
            raise StoreLocked(found, timeout, hint=WAIT_HINT)
        if not waiting and on_wait is not None:
            on_wait(found)
        waiting = True
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 0.25)
    conn.execute("INSERT INTO locks VALUES (%s, %s, %s, %s, %s, %s, pg_backend_pid()) "
                 "ON CONFLICT (name) DO UPDATE SET id = excluded.id, \"user\" = excluded.user, "
                 "host = excluded.host, pid = excluded.pid, since = excluded.since, "
                 "backend_pid = excluded.backend_pid",
                 (LOCK_NAME, me.id, me.user, me.host, me.pid, me.since))
    return me


def release(conn: Any, key: tuple[int, int], me: LockInfo) -> None:
    conn.execute("DELETE FROM locks WHERE name = %s AND id = %s", (LOCK_NAME, me.id))
    conn.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def force_unlock(conn: Any, url: str, key: tuple[int, int], lock_id: str) -> LockInfo:
    """Remove a lock row left behind; a lock held by a live connection is never taken away."""
    found = holder(conn, url, key)
    row = conn.execute("SELECT id, \"user\", host, pid, since FROM locks WHERE name = %s",
                       (LOCK_NAME,)).fetchone()
    if found is not None:
        backend = holder_backend(conn, key)
        pid = backend[0] if backend else "?"
        raise OfferspecError(
            f"{url}: the {found.describe()} is held by a live connection (server backend pid "
            f"{pid}); offerspec does not take it away",
            hint=f"wait for that apply; the server releases the lock when its connection ends "
                 f"(an administrator can end it: SELECT pg_terminate_backend({pid}))")
    if row is None:
        raise OfferspecError(f"{url} is not locked", hint="nothing to unlock")
    info = lock_info(url, row)
    if info.id != lock_id:
        raise OfferspecError(f"the lock id is {info.id}, not {lock_id}",
                             hint=f"{info.describe()}; pass that id to force-unlock")
    conn.execute("DELETE FROM locks WHERE name = %s AND id = %s", (LOCK_NAME, lock_id))
    return info
