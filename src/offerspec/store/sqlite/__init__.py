"""The embedded default store: one SQLite file (see ``store.py`` for the layout)."""

from __future__ import annotations

from offerspec.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
