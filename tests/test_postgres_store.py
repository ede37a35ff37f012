"""What only the PostgreSQL store does: its schema, URLs and passwords, roles, the advisory lock
(the store contract itself runs on both stores: test_plan_apply.py and the others)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT
from offerspec.store.url import redact
from storekit import exists, open_url, query

ROLE_SETUP = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 't_reader') THEN
    CREATE ROLE t_reader LOGIN;
  END IF;
END $$;
GRANT USAGE ON SCHEMA {schema} TO t_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO t_reader;
"""


def schema_of(url: str) -> str:
    return url.rsplit("schema=", 1)[1]


def test_the_first_apply_creates_the_default_schema_and_others_live_beside(run, cat, pg_cluster,
                                                                          ) -> None:
    database = f"db_{os.getpid()}_default"
    pg_cluster.sql(f"CREATE DATABASE {database}", "postgres")
    base = pg_cluster.base_url(database)
    assert run("plan", str(cat), "--store", base).exit_code == 0
    assert not exists(base)  # plan creates nothing
    assert run("apply", str(cat), "--store", base, "--auto-approve").exit_code == 0
    assert pg_cluster.sql("SELECT count(*) FROM information_schema.tables WHERE "
                          "table_schema = 'offerspec'", database) == [(6,)]
    staging = f"{base}?schema=staging"
    result = run("plan", str(cat), "--store", staging)
    assert "does not exist yet: every object is new" in result.stdout
    subscribe = cat / "subscribe.yaml"
    subscribe.write_text(subscribe.read_text().replace("nickname: Monthly Digital\n",
                                                       "nickname: Monthly\n"))
    assert run("apply", str(cat), "--store", staging, "--auto-approve").exit_code == 0
    assert "No changes." in run("plan", str(cat), "--store", staging).stdout
    assert "1 to update" in run("plan", str(cat), "--store", base).stdout  # its own store


def test_a_password_in_the_url_is_never_printed_nor_saved(run, cat, pg_cluster, tmp_path) -> None:
    # The test cluster trusts 127.0.0.1: any password is accepted, which is all this needs.
    secret = "s3cr3t-Pw"
    url = f"postgresql://postgres:{secret}@127.0.0.1:{pg_cluster.port}/offerspec_test?schema=pw"
    assert redact(url) == url.replace(secret, "***")
    assert redact(f"postgres://h/db?password={secret}&sslmode=require") == (
        "postgres://h/db?password=***&sslmode=require")
    out = tmp_path / "plan.json"
    outputs = [run("plan", str(cat), "--store", url, "--out", str(out)),
               run("plan", str(cat), "--store", url, "--format", "json"),
               run("plan", str(cat), "--store", url, "--format", "markdown"),
               run("apply", "--plan", str(out), "--store", url),
               run("history", "--store", url), run("show", "1", "--store", url),
               run("show", "9", "--store", url),
               run("history", "--object", "plan/nope", "--store", url),
               run("pull", "--out", str(tmp_path / "p"), "--store", url),
               run("apply", "--plan", str(out), "--store", url)]  # stale now: an error
    assert outputs[3].exit_code == 0 and outputs[-1].exit_code == 1
    for result in outputs:
        assert secret not in result.output
    assert secret not in out.read_text() and "postgres:***@" in out.read_text()
    bad = run("plan", str(cat), "--store", url.replace(str(pg_cluster.port), "1"))
    assert bad.exit_code == 1 and "cannot connect" in bad.stderr and secret not in bad.output
    assert secret not in "".join(row[0] for row in query(url, "SELECT changes || source FROM "
                                                              "revisions"))


def test_store_from_environment_and_offerspec_toml(run, cat, pg_url, tmp_path, monkeypatch,
                                                   ) -> None:
    monkeypatch.setenv("OFFERSPEC_STORE", pg_url)
    assert run("apply", str(cat), "--auto-approve").exit_code == 0
    monkeypatch.delenv("OFFERSPEC_STORE")
    (tmp_path / "offerspec.toml").write_text(f'catalog = "catalog"\nstore = "{pg_url}"\n')
    monkeypatch.chdir(tmp_path)
    result = run("plan")
    assert result.exit_code == 0 and "No changes." in result.stdout
    assert f"Store: {pg_url} (revision 1)" in result.stdout


def test_a_newer_store_is_refused_before_anything_is_written(run, cat, pg_url) -> None:
    assert run("apply", str(cat), "--store", pg_url, "--auto-approve").exit_code == 0
    query(pg_url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = query(pg_url, "SELECT count(*) FROM versions")
    (cat / "subscribe.yaml").write_text((cat / "subscribe.yaml").read_text().replace(
        "nickname: Monthly Digital\n", "nickname: Monthly\n"))
    for args in (("apply", str(cat), "--auto-approve"), ("plan", str(cat)), ("history",),
                 ("store", "migrate")):
        result = run(*args, "--store", pg_url)
        assert result.exit_code == 1 and "newer than this offerspec knows" in result.stderr, args
    assert query(pg_url, "SELECT count(*) FROM versions") == before
    assert query(pg_url, "SELECT count(*) FROM locks") == [(0,)]


def test_store_migrate_on_postgresql(run, cat, pg_url) -> None:
    missing = run("store", "migrate", "--store", pg_url)
    assert missing.exit_code == 1 and "nothing to migrate" in missing.stderr
    assert not exists(pg_url)
    assert run("apply", str(cat), "--store", pg_url, "--auto-approve").exit_code == 0
    current = run("store", "migrate", "--store", pg_url)
    assert current.exit_code == 0 and "already current" in current.stdout


def test_a_schema_of_another_application_is_left_untouched(run, cat, pg_url) -> None:
    schema = schema_of(pg_url)
    query(pg_url.replace(f"?schema={schema}", "?schema=public"),
          f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.customers (id int)")
    result = run("apply", str(cat), "--store", pg_url, "--auto-approve")
    assert result.exit_code == 1 and "not an offerspec store (customers)" in result.stderr
    assert "?schema=NAME" in result.stderr
    assert query(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = ?",
                 (schema,)) == [(1,)]


def test_the_reader_role_reads_and_its_apply_is_refused_with_a_hint(run, cat, pg_url,
                                                                   pg_cluster) -> None:
    assert run("apply", str(cat), "--store", pg_url, "--auto-approve").exit_code == 0
    pg_cluster.sql(ROLE_SETUP.format(schema=schema_of(pg_url)))
    reader = pg_url.replace("postgres@", "t_reader@")
    before = query(pg_url, "SELECT count(*) FROM revisions")
    for args in (("plan", str(cat)), ("history",), ("show", "1"), ("export",),
                 ("history", "--object", "plan/monthly-digital"),
                 ("simulate", "--from-store", "--offer", "subscribe", "--plan", "annual-digital",
                  "--date", "2026-11-22")):
        result = run(*args, "--store", reader)
        assert result.exit_code == 0, (args, result.output)
    edited = cat / "subscribe.yaml"
    edited.write_text(edited.read_text().replace("nickname: Monthly Digital\n", "nickname: M\n"))
    refused = run("apply", str(cat), "--store", reader, "--auto-approve")
    assert refused.exit_code == 1
    assert "permission denied" in refused.stderr and "apply with the writer role" in refused.stderr
    assert query(pg_url, "SELECT count(*) FROM revisions") == before
    # The refused apply kept no lock: the writer applies at once.
    assert run("apply", str(cat), "--store", pg_url, "--auto-approve",
               "--lock-timeout", "0").exit_code == 0


def test_the_roles_of_docs_stores_md_work_as_documented(run, cat, pg_cluster) -> None:
    from test_doc_samples import fenced

    grants = fenced("docs/stores.md", "CREATE ROLE offerspec_writer")
    database = f"db_{os.getpid()}_roles"
    pg_cluster.sql(f"CREATE DATABASE {database}", "postgres")
    pg_cluster.sql(grants, database)
    writer = pg_cluster.base_url(database, "offerspec_writer")
    reader = pg_cluster.base_url(database, "offerspec_reader")
    assert "does not exist yet" in run("plan", str(cat), "--store", reader).stdout
    assert run("apply", str(cat), "--store", writer, "--auto-approve").exit_code == 0
    for args in (("plan", str(cat)), ("history",), ("export",)):
        assert run(*args, "--store", reader).exit_code == 0, args
    edited = cat / "subscribe.yaml"
    edited.write_text(edited.read_text().replace("nickname: Monthly Digital\n", "nickname: M\n"))
    refused = run("apply", str(cat), "--store", reader, "--auto-approve")
    assert refused.exit_code == 1 and "apply with the writer role" in refused.stderr
    assert run("apply", str(cat), "--store", writer, "--auto-approve").exit_code == 0


def test_the_lock_names_its_holder_and_dies_with_its_connection(run, cat, pg_url) -> None:
    import socket

    holder = open_url(pg_url)
    with holder.lock(1.0) as held:  # the holder's connection ends inside: as if it died
        result = run("apply", str(cat), "--store", pg_url, "--auto-approve", "--lock-timeout",
                     "0.3")
        assert result.exit_code == 1
        assert (f"the store is locked: lock {held.id} held by {held.user}@"
                f"{socket.gethostname()} (pid {os.getpid()})") in result.stderr
        assert "the server releases the lock as soon as its connection ends" in result.stderr
        live = run("force-unlock", held.id, "--store", pg_url)
        assert live.exit_code == 1 and "pg_terminate_backend(" in live.stderr
        holder.close()  # as when the process dies: the server frees the lock
    assert run("apply", str(cat), "--store", pg_url, "--auto-approve",
               "--lock-timeout", "0").exit_code == 0
    left = query(pg_url, "SELECT id FROM locks")
    assert left == []  # released cleanly by that apply


_OPEN_NEW_STORE = """
import sys
from offerspec.store.url import open_store, resolve_store
for _ in range(5):
    open_store(resolve_store(sys.argv[1])).close()
"""


def test_processes_creating_the_same_new_store_at_once_all_succeed(pg_url) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_NEW_STORE, pg_url], env=env,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert len(query(pg_url, "SELECT value FROM meta WHERE key = 'identity'")) == 1


def test_reads_run_in_read_only_transactions(pg_url, cat, run) -> None:
    assert run("apply", str(cat), "--store", pg_url, "--auto-approve").exit_code == 0
    from offerspec.store.url import open_store, resolve_store

    reader = open_store(resolve_store(pg_url), writable=False)
    try:
        assert reader.conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert reader.snapshot().revision == 1
    finally:
        reader.close()
    shown = json.loads(run("show", "1", "--store", pg_url, "--format", "json").stdout)
    assert shown["revision"] == 1


def test_an_unreachable_server_is_a_clear_error(run, cat, pg_cluster) -> None:
    url = f"postgresql://nobody@127.0.0.1:{pg_cluster.port}/no_such_db"
    for args in (("plan", str(cat)), ("apply", str(cat), "--auto-approve"), ("history",)):
        result = run(*args, "--store", url)
        assert result.exit_code == 1 and "cannot connect to the PostgreSQL server" in result.stderr
        assert "PGPASSWORD" in result.stderr and "Traceback" not in result.output


def test_serve_over_a_postgresql_store(pg_url) -> None:
    from servekit import READ, WRITE, apply_to, cli_run, client

    apply_to(pg_url)
    with client(pg_url) as api:
        plans = api.get("/plans", headers=READ).json()
        product = next(p for p in api.get("/products", headers=READ).json()["data"]
                       if p["metadata"]["offerspec_id"] == "digital-access")["id"]
        assert plans["data"]
        made = api.post("/plans", json={"nickname": "Weekly", "amount": 299, "currency": "USD",
                                        "interval": "week", "product_id": product}, headers=WRITE)
        assert made.status_code == 201, made.text
        number = made.json()["id"]
        archived = api.put(f"/plans/{number}", json={"active": "archived"}, headers=WRITE)
        assert archived.status_code == 200
        assert api.delete(f"/plans/{number}", headers=WRITE).status_code == 204
        assert api.get(f"/plans/{number}", headers=READ).status_code == 404
    history = cli_run("history", "--store", pg_url).output
    assert "writer@" in history and "delete" in history


def test_an_apply_without_the_lock_waits_behind_the_holder(cat, pg_url) -> None:
    from offerspec.store.base import ApplyMeta, StoreLocked
    from offerspec.store.url import open_store, resolve_store
    from offerspec.workflow import load_desired, plan

    holder = open_url(pg_url)
    other = open_store(resolve_store(pg_url), lock_wait=0.2)
    try:
        catalog, _ = load_desired([cat])
        changes = list(plan(catalog, other.snapshot()).changes)
        with holder.lock(1.0) as held:
            try:
                other.apply(changes, 0, ApplyMeta("h", "s", "u", "h"))
            except StoreLocked as exc:
                assert exc.holder.id == held.id
            else:
                raise AssertionError("applied while another held the lock")
        assert other.apply(changes, 0, ApplyMeta("h", "s", "u", "h")) == 1
    finally:
        holder.close()
        other.close()
