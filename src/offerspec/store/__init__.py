"""Live stores: where the applied catalog lives (SQLite now; PostgreSQL and HTTP later)."""

from __future__ import annotations

from offerspec.store.base import LiveObject, RevisionInfo, Snapshot, Store, StoreLocked
from offerspec.store.url import StoreLocation, open_store, resolve_store

__all__ = ["LiveObject", "RevisionInfo", "Snapshot", "Store", "StoreLocation", "StoreLocked",
           "open_store", "resolve_store"]
