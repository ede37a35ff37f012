"""A SQLite store damaged outside offerspec (a malformed file, a dropped table, text that is
not UTF-8): told as such, naming the row when one is to blame — never a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from offerspec.store.rows import REPAIR_HINT, DamagedStore, damaged

KEYS = {"meta": "key", "objects": "number", "versions": "number, revision", "heads": "kind, id",
        "revisions": "number", "locks": "name"}


def bad_text_row(conn: sqlite3.Connection) -> tuple[str, str, str] | None:
    """(table, row, column) of the first value that is not UTF-8 text."""
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        for table, key in KEYS.items():
            try:
                cursor = conn.execute(f"SELECT {key}, * FROM {table}")
            except sqlite3.Error:
                continue
            columns = [d[0] for d in cursor.description][len(key.split(",")):]
            for row in cursor:
                width = len(key.split(","))
                for column, value in zip(columns, row[width:], strict=True):
                    if isinstance(value, bytes):
                        try:
                            value.decode("utf-8")
                        except UnicodeDecodeError:
                            shown = ", ".join(v.decode("utf-8", "replace") if isinstance(v, bytes)
                                              else str(v) for v in row[:width])
                            return table, f"({shown})", column
    finally:
        conn.text_factory = factory
    return None


def translate(url: str, conn: sqlite3.Connection, exc: sqlite3.DatabaseError) -> DamagedStore:
    why = str(exc)
    if "decode" in why.lower() or "utf-8" in why.lower():
        found = bad_text_row(conn)
        if found is not None:
            table, row, column = found
            return damaged(url, table, row, f"{column} is not UTF-8 text")
        return damaged(url, "a", "value", "text that is not UTF-8")
    if "no such table" in why or "no such column" in why:
        return DamagedStore(f"{url}: the store is damaged: {why} (a table was dropped or "
                            "altered outside offerspec)", hint=REPAIR_HINT)
    return DamagedStore(f"{url}: the store is damaged: {why}",
                        hint="restore the store from a backup (SQLite's .recover may save what "
                             "is left); offerspec cannot read it as it is")


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    why = str(exc).lower()
    return any(word in why for word in ("malformed", "no such table",
                                         "no such column", "decode", "utf-8", "corrupt"))


@contextmanager
def reading(url: str, conn: sqlite3.Connection) -> Iterator[None]:
    """Turn the database's reports of damage met while reading into located user errors."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise translate(url, conn, exc) from exc
        raise


def open_failure(path: str, exc: sqlite3.DatabaseError) -> tuple[str, str] | None:
    """(what, hint) when opening failed for a reason of the file system, not of the file: a
    read-only file system, a full disk, the file size limit (``ulimit -f``)."""
    import os
    import resource

    why = str(exc)
    directory = os.path.dirname(os.path.abspath(path)) or "."
    try:
        read_only_fs = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        read_only_fs = False
    if read_only_fs:
        return (f"{path}: cannot open the store: {directory} is on a read-only file system "
                f"({why})", "read-only commands can read an existing store there; to apply, "
                            "put the store on a writable file system")
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY and ("full" in why or "I/O" in why):
        return (f"{path}: cannot open the store: the file size limit of this process "
                f"(ulimit -f: {limit} bytes) stops SQLite writing ({why})",
                "raise the limit (ulimit -f unlimited) and try again")
    if "full" in why:
        return (f"{path}: cannot open the store: the disk is full ({why})",
                "free space on the disk that holds the store, then try again")
    return None
