"""The SQLite store's connection helpers: opening in WAL mode, and telling the database's own
refusals (busy, read-only, disk full, a constraint added outside offerspec) from offerspec's bugs."""

from __future__ import annotations

import os
import sqlite3
import time

from offerspec.diagnostics import OfferspecError
from offerspec.store.base import current_user, now

__all__ = ["current_user", "now"]  # moved to store.base; re-exported for old imports


def is_refusal(exc: BaseException) -> bool:
    """An error of the database itself (busy, read-only, disk full, a constraint or trigger added
    outside offerspec, a damaged file), as opposed to a misuse of sqlite3 by offerspec (a bug)."""
    return isinstance(exc, sqlite3.OperationalError | sqlite3.IntegrityError | sqlite3.DataError) \
        or type(exc) is sqlite3.DatabaseError


def store_error(url: str, exc: sqlite3.Error) -> OfferspecError:
    """The database refused (busy past the timeout, read-only, disk full, a constraint): the
    transaction was rolled back, nothing was applied."""
    why = str(exc)
    if "full" in why:
        hint = "free space on the disk that holds the store, then try again"
    elif is_read_only_error(exc):
        hint = "offerspec needs write access to the store file and its directory to apply"
    elif isinstance(exc, sqlite3.IntegrityError):
        hint = ("a constraint or trigger of the store refused it: if one was added to the store "
                "outside offerspec, remove it; otherwise this is a bug, please report it")
    else:
        hint = "check that the store file is writable and no other tool keeps it locked, then try again"
    return OfferspecError(f"{url}: the database refused the write: {why}; nothing was changed",
                          hint=hint)


def is_read_only_error(exc: sqlite3.Error) -> bool:
    why = str(exc)
    return "readonly" in why or "read-only" in why


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch to WAL, retrying: the switch needs an exclusive lock and SQLite answers "database is
    locked" at once, without the busy handler, while another process opens the same new file."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
