"""Helpers for the `offerspec store copy` tests: a source store with a varied history, and
everything a user can read from a store, to compare a copy with its source."""

from __future__ import annotations

import dataclasses
import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from offerspec.cli.main import cli
from offerspec.store.dump import DumpHeader
from offerspec.store.url import open_store, resolve_store
from storekit import copy_examples, edit, edit_live, live_text, query


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ok(*args: str) -> Result:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def build_history(directory: Path, url: str) -> Path:
    """Five revisions: create, replace, update, archive, hard delete; a drifted head and a
    lock row left by a dead process. Returns the catalog."""
    cat = copy_examples(directory)
    ok("apply", str(cat), "--store", url, "--auto-approve", "-m", "first apply")
    licence = cat / "institutions.yaml"
    edit(licence, "amount: 500000 ", "amount: 550000 ")
    ok("apply", str(cat), "--store", url, "--auto-approve")
    edit(licence, "nickname: Campus Site Licence", "nickname: Campus Licence")
    ok("apply", str(cat), "--store", url, "--auto-approve")
    edit(licence, "nickname: Campus Licence", "nickname: Campus Site Licence")
    kept = licence.read_text(encoding="utf-8")
    licence.unlink()
    scenarios = cat / "checkout.scenarios.yaml"
    scenarios.write_text("".join(line for line in scenarios.read_text(encoding="utf-8")
                                 .splitlines(keepends=True) if "campus" not in line),
                         encoding="utf-8")
    ok("apply", str(cat), "--store", url, "--auto-approve")
    ok("apply", str(cat), "--store", url, "--auto-approve", "--delete-removed")
    licence.write_text(kept, encoding="utf-8")  # created again: a new object number
    ok("apply", str(cat), "--store", url, "--auto-approve")
    return cat


def drift_and_lock(db: Path) -> None:
    """An edit outside offerspec, and a lock row of a process long gone (never copied)."""
    text = live_text(db, "monthly-digital")
    edit_live(db, "monthly-digital", text.replace('"nickname":"', '"nickname":"Edited '))
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO locks VALUES ('apply', 'dead', 'u', ?, 999999, 'then')",
                     (socket.gethostname(),))
    conn.close()


def pg_drift(url: str) -> None:
    store: Any = open_store(resolve_store(url), writable=False)
    try:
        text = store.snapshot().get("plans", "monthly-digital").text
    finally:
        store.close()
    query(url, "UPDATE heads SET data = ? WHERE kind = 'plans' AND id = 'monthly-digital'",
          (text.replace('"nickname":"', '"nickname":"Edited '),))


def records(url: str) -> list[Any]:
    """The store's whole history as its dump (the header without the source's URL)."""
    store: Any = open_store(resolve_store(url), writable=False)
    try:
        return [dataclasses.replace(r, url="") if isinstance(r, DumpHeader) else r
                for r in store.dump_history()]
    finally:
        store.close()


def everything(url: str, tmp: Path) -> dict[str, Any]:
    """What the commands show of a store: history, every revision, every object's versions,
    every generation with its object number, and what pull writes."""
    shown: dict[str, Any] = {"history": ok("history", "--format", "json", "--store", url).stdout}
    for revision in json.loads(shown["history"]):
        number = str(revision["revision"])
        shown[f"show {number}"] = ok("show", number, "--format", "json", "--store", url).stdout
    store: Any = open_store(resolve_store(url), writable=False)
    try:
        for kind in ("products", "plans", "offers"):
            generations = store.objects(kind)
            shown[kind] = [dataclasses.astuple(g) for g in generations]
            for ident in sorted({g.id for g in generations}):
                spec = f"{kind.removesuffix('s')}/{ident}"
                shown[spec] = ok("history", "--object", spec, "--format", "json", "--store",
                                 url).stdout
    finally:
        store.close()
    out = tmp / f"pulled-{len(list(tmp.iterdir()))}"
    ok("pull", "--out", str(out), "--store", url)
    shown["pull"] = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}
    return shown
