"""``offerspec store copy``: a catalog with its whole history, from one store into a new one.

The source is opened read-only (never migrated, never written) and read in one read
transaction; the target must be empty and is written in one transaction under its apply lock
(``HistoryStore.load_history``), so a failed or interrupted copy leaves it as it was. A SQLite
target that does not exist yet is built in a temporary file beside it and linked into place
once complete: until then there is no file at its path (a killed copy leaves only that
temporary ``.NAME.copy-*`` file behind).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from offerspec.diagnostics import OfferspecError
from offerspec.store.base import HistoryStore, Progress
from offerspec.store.dump import DumpHeader, HistoryRecord, not_empty
from offerspec.store.migrations import MIGRATE_HINT, OldStore

if TYPE_CHECKING:
    from offerspec.store.base import Store
    from offerspec.store.url import StoreLocation


@dataclass(frozen=True, slots=True)
class Copied:
    source: str
    target: str
    """Both URLs redacted."""
    revisions: int
    objects: int
    versions: int
    seconds: float


def copy_store(source: StoreLocation, target: StoreLocation, *, lock_timeout: float = 30.0,
               progress: Progress | None = None) -> Copied:
    """Copy the store at ``source`` into the new (or empty) store at ``target``."""
    started = time.monotonic()
    if _same(source, target):
        raise OfferspecError(f"--from and --to are the same store ({source.url})",
                             hint="copy into a new store: point --to elsewhere")
    opened = _open_source(source, lock_timeout)
    try:
        headers: list[DumpHeader] = []
        records = _watch(_history(opened, source).dump_history(), headers)
        revisions = _load(target, records, lock_timeout, progress)
    finally:
        opened.close()
    header = headers[0] if headers else DumpHeader("", 0, 0, 0, 0)
    return Copied(source.url, target.url, revisions, header.objects,
                  header.versions, time.monotonic() - started)


def holds_revisions(location: StoreLocation) -> bool:
    """Whether the store at ``location`` exists and holds a revision (read-only)."""
    from offerspec.store.url import open_store, store_is_new

    if store_is_new(location):
        return False
    opened = open_store(location, writable=False)
    try:
        return opened.current_revision() > 0
    finally:
        opened.close()


def _same(source: StoreLocation, target: StoreLocation) -> bool:
    if source.path is None or target.path is None:
        return source.url.replace("postgres://", "postgresql://", 1) == \
            target.url.replace("postgres://", "postgresql://", 1)
    try:
        return source.path.resolve() == target.path.resolve()
    except OSError:
        return False


def _watch(records: Iterator[HistoryRecord], headers: list[DumpHeader],
           ) -> Iterator[HistoryRecord]:
    for record in records:
        if isinstance(record, DumpHeader):
            headers.append(record)
        yield record


def _history(opened: Store, location: StoreLocation) -> HistoryStore:
    if not isinstance(opened, HistoryStore):
        raise OfferspecError(f"{location.url}: this kind of store cannot be copied "
                             "with its history", hint="copy from or to a SQLite or PostgreSQL "
                                                      "store")
    return opened


def _open_source(location: StoreLocation, lock_timeout: float) -> Store:
    from offerspec.store.url import open_store

    url = location.url
    if location.path is not None and not location.path.is_file():
        raise OfferspecError(f"no store at {location.path} ({url}, from {location.source})",
                             hint="point --from (or --env, OFFERSPEC_STORE) at the store to copy")
    try:
        return open_store(location, lock_wait=lock_timeout, writable=False)
    except OldStore as exc:
        raise OldStore(exc.message, hint=f"the copy needs a current store: back the source up, "
                       f"then run: {MIGRATE_HINT} --store {url}") from exc


def _load(location: StoreLocation, records: Iterator[HistoryRecord], lock_timeout: float,
          progress: Progress | None) -> int:
    path = location.path
    if path is None:
        from offerspec.store.postgres.history_copy import load_into

        return load_into(location, records, lock_timeout, progress)
    if path.exists() and not (path.is_file() and path.stat().st_size == 0):
        return _into_existing(location, records, lock_timeout, progress)
    return _into_new_file(location, path, records, progress)


def _into_existing(location: StoreLocation, records: Iterator[HistoryRecord],
                   lock_timeout: float, progress: Progress | None) -> int:
    from offerspec.store.url import open_store

    return load_locked(open_store(location, lock_wait=lock_timeout, writable=True), location,
                       records, lock_timeout, progress)


def load_locked(opened: Store, location: StoreLocation, records: Iterator[HistoryRecord],
                lock_timeout: float, progress: Progress | None) -> int:
    """Load into an existing store (refused unless empty) under its apply lock; closes it."""
    try:
        target = _history(opened, location)
        if target.current_revision() != 0 or any(target.snapshot().objects.values()):
            raise not_empty(location.url)
        with target.lock(lock_timeout):
            return target.load_history(records, progress)
    finally:
        opened.close()


def _into_new_file(location: StoreLocation, path: Path, records: Iterator[HistoryRecord],
                   progress: Progress | None) -> int:
    """Build the store in a temporary file beside the target, then put it in place at once."""
    from offerspec.store.sqlite import SQLiteStore
    from offerspec.store.sqlite.history_copy import seal

    if not path.parent.is_dir():
        raise OfferspecError(f"store directory {path.parent} does not exist "
                             f"({location.url})",
                             hint="create it, or point --to elsewhere")
    temp = path.with_name(f".{path.name}.copy-{uuid.uuid4().hex[:8]}")
    try:
        store = SQLiteStore(temp, location.url)
        try:
            revisions = store.load_history(records, progress)
            seal(store.conn, location.url)
        finally:
            store.close()
        _put_in_place(temp, path, location)
        return revisions
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with suppress(OSError):
                Path(f"{temp}{suffix}").unlink()


def _put_in_place(temp: Path, path: Path, location: StoreLocation) -> None:
    """Link the finished file at ``path``, unless something appeared there meanwhile (an empty
    file may be replaced: it was empty when the copy began)."""
    appeared = OfferspecError(f"{location.url}: a store appeared at {path} while "
                              "copying; it was left untouched and nothing was copied",
                              hint="an apply may have created it: copy into another new store")
    if path.exists():
        if not (path.is_file() and path.stat().st_size == 0):
            raise appeared
        os.replace(temp, path)
    else:
        try:
            os.link(temp, path)
        except FileExistsError:
            raise appeared from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise appeared from None
            os.replace(temp, path)
    with suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
