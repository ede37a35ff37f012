"""Helpers for the store tests: a copy of the examples, and the store's rows read or edited
behind offerspec's back (as a DBA would), on SQLite and PostgreSQL alike: each helper takes the
store URL (or, for SQLite, the file's path)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from conftest import EXAMPLES
from offerspec.catalog import Catalog
from offerspec.store.url import resolve_store


def copy_examples(dest: Path) -> Path:
    target = dest / "catalog"
    shutil.copytree(EXAMPLES, target)
    return target


def write_big_catalog(directory: Path, plans: int, amount: int) -> Path:
    """One product and ``plans`` monthly plans priced ``amount + i``: a new ``amount`` replaces
    every plan."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["products:", "  - id: prod", "    name: Product", "plans:"]
    for i in range(plans):
        lines += [f"  - id: plan-{i}", f"    nickname: Plan {i}", "    product: prod",
                  f"    amount: {amount + i}", "    currency: USD", "    interval: month"]
    (directory / "big.yaml").write_text("\n".join(lines) + "\n")
    return directory


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def drop_from(path: Path, marker: str) -> None:
    """Remove everything from ``marker`` to the end of the file."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(marker)], encoding="utf-8")


def open_sqlite(url: str) -> Any:
    from offerspec.store.sqlite import SQLiteStore

    location = resolve_store(url)
    return SQLiteStore(location.path, location.url)


def open_url(url: str) -> Any:
    """Open (creating) the store at any URL, as apply does."""
    from offerspec.store.url import open_store

    return open_store(resolve_store(url))


def is_pg(store: Path | str) -> bool:
    return isinstance(store, str) and store.startswith(("postgresql:", "postgres:"))


def query(store: Path | str, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Run one statement (``?`` placeholders) on the store's tables, committed; its rows."""
    if is_pg(store):
        import psycopg
        from psycopg import sql

        from offerspec.store.postgres.target import parse

        assert isinstance(store, str)
        target = parse(store, store)
        with psycopg.connect(target.conninfo, autocommit=True) as pg:
            pg.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(target.schema)))
            cursor = pg.execute(statement.replace("?", "%s"), params or None)
            return cursor.fetchall() if cursor.description else []
    path = store if isinstance(store, Path) else resolve_store(store).path
    assert path is not None
    with sqlite3.connect(path) as conn:
        rows = conn.execute(statement, params).fetchall()
    conn.close()
    return rows


HEAD_TEXTS = ("SELECT h.kind, h.id, h.data, v.data, v.compact FROM heads h LEFT JOIN versions v "
              "ON v.number = h.number AND v.revision = h.revision")


def heads(db: Path | str) -> dict[tuple[str, str], str]:
    """(kind, id) -> the live object's full canonical JSON, read from the store's rows (an HTTP
    store: from the platform, mapped back as its snapshot maps it)."""
    from offerspec.store.compact import unpack

    if isinstance(db, str) and db.startswith(("http:", "https:")):
        from offerspec.store.http.config import load_config
        from offerspec.store.http.store import HttpStore

        store = HttpStore(load_config(db))
        try:
            return {(k, i): o.text for k, t in store.snapshot().objects.items() for i, o in t.items()}
        finally:
            store.close()

    rows = query(db, HEAD_TEXTS)
    return {(k, i): edited if edited is not None else unpack(k, d, bool(c))
            for k, i, edited, d, c in rows}


def live_text(db: Path | str, ident: str, kind: str = "plans") -> str:
    return heads(db)[(kind, ident)]


def edit_live(db: Path | str, ident: str, text: str, kind: str = "plans") -> None:
    """An edit of the live object outside offerspec (as a DBA would: the head's own text)."""
    query(db, "UPDATE heads SET data = ? WHERE kind = ? AND id = ?", (text, kind, ident))


def versions_of(db: Path | str, ident: str, kind: str = "plans") -> list[tuple[int, int, str]]:
    """(revision, generation, full text) of every stored version of one object."""
    from offerspec.store.compact import unpack

    rows = query(db, "SELECT v.revision, o.generation, v.data, v.compact FROM objects o JOIN "
                     "versions v ON v.number = o.number WHERE o.kind = ? AND o.id = ? ORDER BY "
                     "v.revision, o.generation", (kind, ident))
    return [(r, g, unpack(kind, d, bool(c))) for r, g, d, c in rows]


def live_objects(url: str) -> dict[str, dict[str, dict[str, Any]]]:
    store = open_url(url)
    try:
        snap = store.snapshot()
    finally:
        store.close()
    return {kind: {i: o.data for i, o in table.items()} for kind, table in snap.objects.items()}


def active_catalog_objects(url: str) -> dict[str, dict[str, dict[str, Any]]]:
    return {kind: {i: d for i, d in table.items() if d["status"] == "active"}
            for kind, table in live_objects(url).items()}


def objects_of(catalog: Catalog) -> dict[str, dict[str, dict[str, Any]]]:
    return catalog.objects()


def exists(url: str) -> bool:
    """Whether anything was created at ``url`` (SQLite: a file; PostgreSQL: the store's tables)."""
    from offerspec.store.url import store_is_new

    location = resolve_store(url)
    if location.path is not None:
        return location.path.exists()
    return not store_is_new(location)


def scheme(url: str) -> str:
    return url.split(":", 1)[0]
