"""Helpers for the store tests: a copy of the examples and a SQLite store in a tmp dir."""

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


HEAD_TEXTS = ("SELECT h.kind, h.id, h.data, v.data, v.compact FROM heads h LEFT JOIN versions v "
              "ON v.number = h.number AND v.revision = h.revision")


def heads(db: Path) -> dict[tuple[str, str], str]:
    """(kind, id) -> the live object's full canonical JSON, read from the store file."""
    from offerspec.store.compact import unpack

    with sqlite3.connect(db) as conn:
        rows = conn.execute(HEAD_TEXTS).fetchall()
    conn.close()
    return {(k, i): edited if edited is not None else unpack(k, d, bool(c))
            for k, i, edited, d, c in rows}


def live_text(db: Path, ident: str, kind: str = "plans") -> str:
    return heads(db)[(kind, ident)]


def edit_live(db: Path, ident: str, text: str, kind: str = "plans") -> None:
    """An edit of the live object outside offerspec (as a DBA would: the head's own text)."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE heads SET data = ? WHERE kind = ? AND id = ?", (text, kind, ident))
    conn.close()


def versions_of(db: Path, ident: str, kind: str = "plans") -> list[tuple[int, int, str]]:
    """(revision, generation, full text) of every stored version of one object."""
    from offerspec.store.compact import unpack

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT v.revision, o.generation, v.data, v.compact FROM objects o JOIN versions v "
            "ON v.number = o.number WHERE o.kind = ? AND o.id = ? ORDER BY v.revision, "
            "o.generation", (kind, ident)).fetchall()
    conn.close()
    return [(r, g, unpack(kind, d, bool(c))) for r, g, d, c in rows]


def live_objects(url: str) -> dict[str, dict[str, dict[str, Any]]]:
    store = open_sqlite(url)
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
