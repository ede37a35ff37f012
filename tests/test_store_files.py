"""Store files that are not what offerspec wrote: another application's database, hand edits."""

from __future__ import annotations

import sqlite3

import pytest

from storekit import edit_live


def test_another_applications_database_is_refused_and_left_untouched(run, cat, tmp_path) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    before = db.read_bytes()
    for args in (["plan", str(cat)], ["apply", str(cat), "--auto-approve"], ["history"]):
        result = run(*args, "--store", f"sqlite:///{db}")
        assert result.exit_code == 1, args
        assert "is a SQLite database but not an offerspec store (it holds tables users)" in (
            result.stderr)
        assert "hint:" in result.stderr
    assert db.read_bytes() == before  # no offerspec tables, still in rollback-journal mode


def test_an_empty_file_becomes_a_store(run, cat, tmp_path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    result = run("apply", str(cat), "--store", f"sqlite:///{db}", "--auto-approve")
    assert result.exit_code == 0 and "Applied revision 1" in result.stdout


@pytest.mark.parametrize("text, why", [("{bad", "Expecting property name"),
                                       ("[1, 2]", "a JSON list, not an object")])
def test_unreadable_live_object_is_a_user_error(run, cat, tmp_path, text: str, why: str) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit_live(tmp_path / "s.db", "annual-digital", text)
    result = run("plan", str(cat), "--store", url)
    assert result.exit_code == 1, result.output
    assert "the live plan annual-digital in the store is not readable" in result.stderr
    assert why in result.stderr and "offerspec history --object plan/annual-digital" in (
        result.stderr)


def test_store_in_a_read_only_place_says_so(run, cat, tmp_path, monkeypatch) -> None:
    # Root ignores file modes, so stand in for a read-only directory the way SQLite reports it.
    from offerspec.store.sqlite import store as store_module

    def refuse(conn: sqlite3.Connection, timeout: float) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store_module, "enable_wal", refuse)
    result = run("apply", str(cat), "--store", f"sqlite:///{tmp_path}/s.db", "--auto-approve")
    assert result.exit_code == 1
    assert "cannot open the store: attempt to write a readonly database" in result.stderr
    assert "needs write access to the store file and its directory" in result.stderr
    # plan only reads: an empty file is no store yet, so it plans the first apply and writes nothing.
    (tmp_path / "s.db").write_bytes(b"")
    result = run("plan", str(cat), "--store", f"sqlite:///{tmp_path}/s.db")
    assert result.exit_code == 0 and "20 to create" in result.stdout
    assert (tmp_path / "s.db").read_bytes() == b""
