"""Numbered schema migrations, shared by the transactional backends (SQLite, PostgreSQL).

Each backend keeps its schema version in the store and a list of ``Migration``s, one per
version it can upgrade to. Opening a store is checked with ``check_version`` before anything
is written: a store from a newer offerspec is refused; an older one is refused too unless the
caller is ``offerspec store migrate`` (migrations are explicit, like alembic's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from offerspec.diagnostics import OfferspecError

MIGRATE_HINT = "offerspec store migrate"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    """The schema version the store has after this migration."""
    name: str
    run: Callable[[Any], None]
    """Called with the backend's connection, inside the migration's transaction."""

    @property
    def label(self) -> str:
        return f"{self.version}: {self.name}"


class NewerStore(OfferspecError):
    """The store was written by a newer offerspec: nothing may be read or written."""


class OldStore(OfferspecError):
    """The store needs ``offerspec store migrate`` first."""


def parse_version(raw: Any, where: str) -> int:
    """The stored schema version, validated (it is data read from outside)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        value = int(raw)
    else:
        raise OfferspecError(f"{where}: the store's schema_version is {str(raw)[:40]!r}, "
                             "not a version number (damaged or changed outside offerspec)",
                             hint="restore the store from a backup, or repair its meta row "
                                  "schema_version")
    if value < 1:
        raise OfferspecError(f"{where}: the store's schema_version {value} is not valid",
                             hint="restore the store from a backup")
    return value


def check_version(found: int, current: int, where: str, *, migrating: bool = False) -> None:
    """Refuse a store this offerspec may not use as it is (before anything is written)."""
    if found > current:
        raise NewerStore(
            f"{where}: the store has schema version {found}, newer than this offerspec knows "
            f"({current}); it was left untouched",
            hint="upgrade offerspec to the version that wrote this store")
    if found < current and not migrating:
        raise OldStore(
            f"{where}: the store has schema version {found}, older than this offerspec's "
            f"({current}); it was left untouched",
            hint=f"back it up, then run: {MIGRATE_HINT} (with the same --store / --env)")


def pending(found: int, migrations: Sequence[Migration]) -> list[Migration]:
    """The migrations to run, in order, from schema version ``found``."""
    return sorted((m for m in migrations if m.version > found), key=lambda m: m.version)


def run_pending(found: int, current: int, migrations: Sequence[Migration], where: str, *,
                conn: Any, set_version: Callable[[int], object]) -> list[str]:
    """Inside the caller's transaction: check, then run each pending migration and record the
    version it reached; returns their labels (empty: the store was current)."""
    check_version(found, current, where, migrating=True)
    ran = []
    for migration in pending(found, migrations):
        migration.run(conn)
        set_version(migration.version)
        ran.append(migration.label)
    return ran
