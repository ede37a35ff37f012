"""Schema versions: an old store (layout v1, written here as an old offerspec did) is refused
by every command until `offerspec store migrate`, then reads the same; a newer one is refused
before anything is written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from offerspec.catalog import canonical_json
from offerspec.store.base import text_hash
from offerspec.workflow import load_desired

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE heads (
    kind TEXT NOT NULL, id TEXT NOT NULL, generation INTEGER NOT NULL, revision INTEGER NOT NULL,
    data TEXT NOT NULL, written_hash TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE versions (
    kind TEXT NOT NULL, id TEXT NOT NULL, generation INTEGER NOT NULL, revision INTEGER NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (kind, id, generation, revision)) WITHOUT ROWID;
CREATE TABLE revisions (
    number INTEGER PRIMARY KEY, time TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL,
    catalog_hash TEXT NOT NULL, summary TEXT NOT NULL, changes TEXT NOT NULL);
CREATE TABLE locks (
    name TEXT PRIMARY KEY, id TEXT NOT NULL, user TEXT NOT NULL, host TEXT NOT NULL,
    pid INTEGER NOT NULL, since TEXT NOT NULL);
"""

READERS = [["plan", "{cat}"], ["history"], ["show", "1"], ["export"],
           ["history", "--object", "plan/monthly-digital"], ["pull", "--out", "{tmp}/pulled"],
           ["simulate", "--from-store", "--offer", "subscribe", "--plan", "monthly-digital"],
           ["apply", "{cat}", "--auto-approve"]]


def write_v1_store(db: Path, cat: Path, *, version: str = "1", drifted: str | None = None,
                   ) -> list[dict[str, object]]:
    """Revision 1 creating the catalog, with full JSON in heads, versions and revisions."""
    catalog, _ = load_desired([cat])
    records = []
    conn = sqlite3.connect(db)
    conn.executescript(V1)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("schema_version", version), ("identity", "sqlite:1234"), ("created", "2026-01-01T00:00:00Z")])
    for kind, table in catalog.objects().items():
        for ident, data in table.items():
            text = canonical_json(data)
            head = text if ident != drifted else text.replace('"status":"active"',
                                                              '"status": "active"')
            conn.execute("INSERT INTO heads VALUES (?, ?, 1, 1, ?, ?, ?)",
                         (kind, ident, head, text_hash(text), data["status"]))
            conn.execute("INSERT INTO versions VALUES (?, ?, 1, 1, ?)", (kind, ident, text))
            records.append({"action": "create", "kind": kind, "id": ident, "live_hash": None,
                            "data": data})
    conn.execute("INSERT INTO revisions VALUES (1, '2026-01-01T00:00:00Z', 'old', 'box', "
                 "?, '20 to create', ?)", (catalog.content_hash(), json.dumps(records)))
    conn.commit()
    conn.close()
    return records


def test_an_old_store_is_refused_until_migrated_then_reads_the_same(run, cat, tmp_path) -> None:
    db = tmp_path / "old.db"
    records = write_v1_store(db, cat, drifted="annual-digital")
    url = f"sqlite:///{db}"
    before = db.read_bytes()
    for args in READERS:
        result = run(*[a.format(cat=cat, tmp=tmp_path) for a in args], "--store", url)
        assert result.exit_code == 1, (args, result.output)
        assert "schema version 1, older than this offerspec's (2)" in result.stderr, args
        assert "offerspec store migrate" in result.stderr, args
    assert db.read_bytes() == before and not (tmp_path / "pulled").exists()
    migrated = run("store", "migrate", "--store", url)
    assert migrated.exit_code == 0, migrated.output
    assert "migrated to schema version 2" in migrated.stdout
    assert run("store", "migrate", "--store", url).stdout.endswith("nothing to migrate.\n")
    shown = json.loads(run("show", "1", "--store", url, "--format", "json").stdout)
    assert shown["changes"] == records and shown["user"] == "old"
    history = run("history", "--object", "plan/monthly-digital", "--store", url).stdout
    assert history.startswith("    1  v1  active")
    planned = run("plan", str(cat), "--store", url)
    # The hand-edited head stays what it was (verbatim): drift seen, nothing else changes.
    assert "plan annual-digital" in planned.stdout and "[drift: changed outside" in planned.stdout
    assert "0 to create, 1 to update" in planned.stdout
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    assert run("plan", str(cat), "--store", url).stdout.endswith("No changes.\n")


def test_a_migrated_store_plans_no_changes(run, cat, tmp_path) -> None:
    db = tmp_path / "old.db"
    write_v1_store(db, cat)
    url = f"sqlite:///{db}"
    assert run("store", "migrate", "--store", url).exit_code == 0
    assert run("plan", str(cat), "--store", url).stdout.endswith("No changes.\n")
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE "
                                                 "type = 'table'")}
    conn.close()
    assert not {t for t in tables if t.endswith("_v1")}


@pytest.mark.parametrize("args", [*READERS, ["store", "migrate"]])
def test_a_store_from_a_newer_offerspec_is_refused_and_left_untouched(run, cat, tmp_path,
                                                                     args) -> None:
    db = tmp_path / "new.db"
    write_v1_store(db, cat, version="99")  # rollback-journal mode: a switch would show
    before = db.read_bytes()
    result = run(*[a.format(cat=cat, tmp=tmp_path) for a in args], "--store", f"sqlite:///{db}")
    assert result.exit_code == 1, result.output
    assert "schema version 99, newer than this offerspec knows (2)" in result.stderr
    assert "upgrade offerspec" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("new.db")) == ["new.db"]


def test_migrate_without_a_store_is_an_error(run, tmp_path) -> None:
    result = run("store", "migrate", "--store", f"sqlite:///{tmp_path}/none.db")
    assert result.exit_code == 1 and "nothing to migrate" in result.stderr
    assert not (tmp_path / "none.db").exists()
