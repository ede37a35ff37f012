"""The team store: PostgreSQL (psycopg 3, the ``postgres`` extra). ``target`` takes the URL
apart and connects, ``store`` is the store, ``lock`` its advisory lock, ``writer`` writes with
COPY, ``schema`` holds the tables and migrations. psycopg is imported only when it is used."""

from __future__ import annotations

from offerspec.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
