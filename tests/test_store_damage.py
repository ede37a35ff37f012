"""Damaged stores (issue 12): whatever was done to the file, every command that reads it exits 1
with a message naming what is damaged, never 3; read-only commands write nothing."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from storekit import edit_live, live_text

Damage = Callable[[Path], None]


def sql(statement: str, *params: object) -> Damage:
    def damage(db: Path) -> None:
        with sqlite3.connect(db) as conn:
            conn.execute(statement, params)
        conn.close()
    return damage


def live(text: Callable[[str], str]) -> Damage:
    return lambda db: edit_live(db, "monthly-digital", text(live_text(db, "monthly-digital")))


def malformed(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    for offset in range(page, len(data), page):  # every page's header, not the file header
        data[offset:offset + 8] = b"\xff" * 8
    db.write_bytes(bytes(data))


DEEP = "[" * 100_000 + "]" * 100_000
MONTHLY = "number = (SELECT number FROM heads WHERE id = 'monthly-digital')"
CLASSES: dict[str, tuple[Damage, str]] = {
    "malformed file": (malformed, "the store is damaged: database disk image is malformed"),
    "non-UTF-8 version": (sql(f"UPDATE versions SET data = CAST(x'7bff7d' AS TEXT) WHERE {MONTHLY}"),
                          "data is not UTF-8 text"),
    "non-UTF-8 revision user": (sql("UPDATE revisions SET user = CAST(x'ff' AS TEXT)"),
                                "revisions row (1): user is not UTF-8 text"),
    "invalid JSON version": (sql(f"UPDATE versions SET data = '{{oops' WHERE {MONTHLY}"),
                             "versions row (number"),
    "invalid JSON changes": (sql("UPDATE revisions SET changes = '[{' WHERE number = 1"),
                             "revisions row 1: changes is not valid JSON"),
    "invalid JSON source": (sql("UPDATE revisions SET source = 'x' WHERE number = 1"),
                            "revisions row 1: source is not valid JSON"),
    "dropped table": (sql("DROP TABLE objects"), "no such table: objects"),
    "wrong column type": (sql("UPDATE heads SET number = 'x' WHERE id = 'monthly-digital'"),
                          "heads row plans/monthly-digital: number is 'x', not an integer"),
    "missing version": (sql("DELETE FROM versions WHERE number = (SELECT number FROM heads "
                            "WHERE id = 'monthly-digital')"),
                        "the version this refers to is missing"),
    "100,000-deep JSON": (sql(f"UPDATE versions SET data = ? WHERE {MONTHLY}", "{\"a\":" + DEEP
                              + "}"), "data holds JSON nested too deeply"),
    "deep live object": (live(lambda _: "{\"a\":" + DEEP + "}"),
                         "the live plan monthly-digital in the store is not readable"),
    "schema_version not a number": (sql("UPDATE meta SET value = '2x' WHERE key = "
                                        "'schema_version'"), "not a version number"),
}
COMMANDS = {"plan": ["plan", "{cat}"], "history": ["history"], "show": ["show", "1"],
            "export": ["export"], "pull": ["pull", "--out", "{tmp}/out"],
            "simulate": ["simulate", "--from-store", "--offer", "subscribe", "--plan",
                         "monthly-digital"],
            "history-object": ["history", "--object", "plan/monthly-digital"],
            "apply": ["apply", "{cat}", "--auto-approve"]}
# Which commands meet which damage (a command that never reads the damaged part may pass).
HEADS = set(COMMANDS) - {"history", "history-object", "show"}
READS = {"non-UTF-8 revision user": {"history"}, "invalid JSON changes": {"show"},
         "invalid JSON source": {"history", "show"}, "dropped table": set(COMMANDS) - {"history"},
         "wrong column type": HEADS, "missing version": HEADS, "deep live object": HEADS}
# The rest: every command but history (which reads only the revisions table).


@pytest.fixture
def store(run, cat: Path, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/store.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    return url


@pytest.mark.parametrize("name", CLASSES)
def test_a_damaged_store_is_a_located_user_error(run, cat, tmp_path, store, name) -> None:
    damage, expected = CLASSES[name]
    damage(tmp_path / "store.db")
    for command in READS.get(name, set(COMMANDS) - {"history"}):
        args = [a.format(cat=cat, tmp=tmp_path) for a in COMMANDS[command]]
        result = run(*args, "--store", store)
        assert result.exit_code == 1, (command, result.output)
        assert expected in result.stderr, (command, result.stderr)
        assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["simulate", "pull", "export"])
def test_a_live_object_with_wrong_field_types_is_refused(run, cat, tmp_path, store,
                                                         command) -> None:
    live(lambda text: text.replace('"amount":999', '"amount":"999"'))(tmp_path / "store.db")
    args = [a.format(cat=cat, tmp=tmp_path) for a in COMMANDS[command]]
    result = run(*args, "--store", store)
    assert result.exit_code == 1, result.output
    assert "the live plan monthly-digital in the store is not a valid plan" in result.stderr
    assert "amount" in result.stderr and "hint:" in result.stderr


def test_a_lock_row_with_a_non_integer_pid(run, cat, tmp_path, store) -> None:
    sql("INSERT INTO locks VALUES ('apply', 'abc', 'u', 'h', 'x', 'now')")(tmp_path / "store.db")
    result = run("apply", str(cat), "--store", store, "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "locks row 'apply' (id abc): pid is 'x', not an integer" in result.stderr


def test_read_only_commands_write_nothing_into_an_empty_file(run, tmp_path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    for args in (["history"], ["export"], ["show", "1"], ["pull", "--out", str(tmp_path / "o")]):
        result = run(*args, "--store", f"sqlite:///{db}")
        assert result.exit_code == 1 and "holds no catalog yet" in result.stderr, args
        assert db.read_bytes() == b""
        assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


@pytest.mark.parametrize("number", ["99999999999999999999", "0", "-1"])
def test_show_of_a_revision_out_of_range(run, store, number) -> None:
    result = run("show", "--store", store, "--", number)
    assert result.exit_code in (1, 2), result.output
    assert "no revision" in result.stderr or "Usage" in result.stderr


def test_a_file_size_limit_at_open_is_told_as_such(cat, tmp_path) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    script = ("import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1)); "
              "from offerspec.cli.main import main; main()")
    result = subprocess.run([sys.executable, "-c", script, "apply", str(cat), "--store",
                             f"sqlite:///{tmp_path}/s.db", "--auto-approve"],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 1, result.stderr
    assert "file size limit" in result.stderr and "ulimit -f" in result.stderr
    assert "move this one away" not in result.stderr


def test_revisions_and_history_survive_a_json_round_trip(run, store) -> None:
    shown = json.loads(run("show", "1", "--store", store, "--format", "json").stdout)
    assert len(shown["changes"]) == 20
