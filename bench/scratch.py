"""A scratch store for a benchmark run: a SQLite file in a temp dir, or a PostgreSQL schema of
its own (``offerspec_bench_<tag>_<pid>``) beside whatever the given URL's database holds,
dropped afterwards (only a schema this run created is ever dropped)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from offerspec.store.url import resolve_store


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql:", "postgres:"))


def with_schema(url: str, schema: str) -> str:
    base, _, query = url.partition("?")
    rest = [p for p in query.split("&") if p and not p.startswith("schema=")]
    return f"{base}?{'&'.join([*rest, f'schema={schema}'])}"


def _pg(url: str, statement: str) -> list[tuple[object, ...]]:
    import psycopg

    from offerspec.store.postgres.target import parse

    target = parse(url, url)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        cursor = conn.execute(statement.replace("{schema}", target.schema))
        return cursor.fetchall() if cursor.description else []


@contextmanager
def scratch_store(url: str | None, tmp: Path, tag: str) -> Iterator[str]:
    """The URL of a new, empty store for one benchmark."""
    if not is_postgres(url):
        yield f"sqlite:///{tmp}/{tag}.db"
        return
    assert url is not None
    scratch = with_schema(url, f"offerspec_bench_{tag}_{os.getpid()}")
    if _pg(scratch, "SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'"):
        raise SystemExit(f"schema of {scratch} exists already: left alone")
    try:
        yield scratch
    finally:
        _pg(scratch, "DROP SCHEMA IF EXISTS {schema} CASCADE")


def store_size(url: str) -> int:
    """Bytes the store occupies. SQLite: the file and its -wal, after a checkpoint.
    PostgreSQL: pg_total_relation_size (tables, indexes, TOAST) of every table in its schema."""
    if is_postgres(url):
        rows = _pg(url, "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM "
                        "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                        "n.nspname = '{schema}' AND c.relkind = 'r'")
        return int(str(rows[0][0]))
    import sqlite3

    location = resolve_store(url)
    assert location.path is not None
    with sqlite3.connect(location.path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    wal = Path(f"{location.path}-wal")
    return location.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
