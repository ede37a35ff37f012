"""plan / apply on the bundled examples against every store (SQLite and PostgreSQL: the
``url`` fixture runs each test on both)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offerspec.cli import store_options
from storekit import (
    drop_from,
    edit,
    edit_live,
    heads,
    live_objects,
    live_text,
    open_url,
    query,
    versions_of,
)


@pytest.fixture
def url(store_url: str) -> str:
    return store_url


def applied(run, cat: Path, url: str) -> None:
    result = run("apply", str(cat), "--store", url, "--auto-approve")
    assert result.exit_code == 0, result.output


def test_empty_store_plan_creates_everything(run, cat, url) -> None:
    result = run("plan", str(cat), "--store", url)
    assert result.exit_code == 0, result.output
    assert "  + plan monthly-digital\n" in result.stdout
    assert result.stdout.rstrip().endswith("20 to create, 0 to update, 0 to replace, 0 to archive")


def test_apply_then_plan_is_no_changes_and_apply_is_idempotent(run, cat, url) -> None:
    applied(run, cat, url)
    result = run("plan", str(cat), "--store", url, "--detailed-exitcode")
    assert result.exit_code == 0
    assert "No changes." in result.stdout
    again = run("apply", str(cat), "--store", url, "--auto-approve")
    assert again.exit_code == 0 and "No changes." in again.stdout
    assert "Applied" not in again.stdout


def test_price_edit_is_a_replacement_with_steps(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")
    result = run("plan", str(cat), "--store", url)
    assert "  -/+ plan monthly-digital  (replace: amount forces a new version)" in result.stdout
    assert "      amount: 9.99 USD → 10.99 USD (999 → 1099)" in result.stdout
    assert "      2. point offer(s) subscribe, try-digital at v2" in result.stdout
    assert "      3. archive monthly-digital v1 (its subscribers keep it)" in result.stdout
    assert result.stdout.rstrip().endswith("0 to create, 0 to update, 1 to replace, 0 to archive")
    applied(run, cat, url)
    # The old generation stays readable, archived; the id now means generation 2.
    rows = versions_of(url, "monthly-digital")
    head = query(url, "SELECT o.generation FROM heads h JOIN objects o ON o.number = "
                      "h.number WHERE h.id = 'monthly-digital'")[0]
    assert [(g, json.loads(d)["amount"], json.loads(d)["status"]) for _, g, d in rows] == [
        (1, 999, "active"), (1, 999, "archived"), (2, 1099, "active")]
    assert head == (2,)
    assert "No changes." in run("plan", str(cat), "--store", url).stdout
    versions = run("history", "--object", "plan/monthly-digital", "--store", url).stdout.splitlines()
    assert [line.split() for line in versions if not line.startswith("      ")] == [
        ["1", "v1", "active"], ["2", "v1", "archived"], ["2", "v2", "active"]]
    # Each version as a field diff from the one before; a generation's first: every field.
    assert "         amount: 9.99 USD (999)" in versions
    archived = versions.index("    2  v1  archived")
    assert versions[archived + 1:archived + 2] == ['         status: "active" → "archived"']
    assert "         amount: 10.99 USD (1099)" in versions[archived + 2:]
    as_json = json.loads(run("history", "--object", "plan/monthly-digital", "--store", url,
                             "--format", "json").stdout)
    assert [v["data"]["amount"] for v in as_json] == [999, 999, 1099]
    for bad in ("plan/nope", "widget/x", "plan"):
        result = run("history", "--object", bad, "--store", url)
        assert result.exit_code == 1 and "hint:" in result.stderr


def test_replacing_a_group_owner_plan_names_the_group_plans(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    edit(cat / "institutions.yaml", "amount: 500000 ", "amount: 600000 ")
    result = run("plan", str(cat), "--store", url)
    assert ("      1. create campus-site-licence v2\n"
            "      2. point offer(s) institutions at v2\n"
            "      3. point the group_owner_plan of plan(s) newsroom-team at v2\n"
            "      4. archive campus-site-licence v1 (its subscribers keep it)\n") in result.stdout
    doc = json.loads(run("plan", str(cat), "--store", url, "--format", "json").stdout)
    change = next(c for c in doc["changes"] if c["id"] == "campus-site-licence")
    assert change["group_plans"] == ["newsroom-team"] and change["offers"] == ["institutions"]
    out = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    assert run("apply", "--plan", str(out), "--store", url).exit_code == 0
    owner = live_objects(url)["plans"]["newsroom-team"]["group_owner_plan"]
    assert owner == "campus-site-licence"  # the id, which now means generation 2
    assert json.loads(heads(url)[("plans", "campus-site-licence")])[
        "amount"] == 600000


def test_nickname_edit_is_an_update_in_place(run, cat, url) -> None:
    applied(run, cat, url)
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly Digital Access\n")
    result = run("plan", str(cat), "--store", url, "--detailed-exitcode")
    assert result.exit_code == 2
    assert ('  ~ plan monthly-digital\n      nickname: "Monthly Digital" → "Monthly Digital Access"\n'
            in result.stdout)
    assert result.stdout.rstrip().endswith("0 to create, 1 to update, 0 to replace, 0 to archive")


def test_removed_plan_is_archived_not_deleted_and_readding_unarchives(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    original = (cat / "support.yaml").read_text()
    drop_from(cat / "support.yaml", "  - id: print-weekender-offline")
    result = run("plan", str(cat), "--store", url)
    assert "  - plan print-weekender-offline  (archive:" in result.stdout
    assert result.stdout.rstrip().endswith("0 to create, 0 to update, 0 to replace, 1 to archive")
    applied(run, cat, url)
    data = json.loads(heads(url)[("plans", "print-weekender-offline")])
    assert data["status"] == "archived" and data["amount"] == 1500
    assert "No changes." in run("plan", str(cat), "--store", url).stdout
    (cat / "support.yaml").write_text(original)
    result = run("plan", str(cat), "--store", url)
    assert "  + plan print-weekender-offline  (unarchive)" in result.stdout
    assert '      status: "archived" → "active"' in result.stdout
    applied(run, cat, url)
    assert live_objects(url)["plans"]["print-weekender-offline"]["status"] == "active"


def test_readding_archived_with_new_price_replaces(run, cat, url) -> None:
    applied(run, cat, url)
    original = (cat / "support.yaml").read_text()
    drop_from(cat / "support.yaml", "  - id: print-weekender-offline")
    applied(run, cat, url)
    (cat / "support.yaml").write_text(original.replace("amount: 1500", "amount: 1700"))
    result = run("plan", str(cat), "--store", url)
    assert "  -/+ plan print-weekender-offline  (replace: amount forces a new version)" in result.stdout
    assert '      status: "archived" → "active"' in result.stdout


def test_hard_delete_needs_the_flag_and_an_archived_object(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    drop_from(cat / "support.yaml", "  - id: print-weekender-offline")
    # Active objects are archived first, even with the flag.
    result = run("plan", str(cat), "--store", url, "--delete-removed")
    assert "  - plan print-weekender-offline  (archive:" in result.stdout
    applied(run, cat, url)
    assert "No changes." in run("plan", str(cat), "--store", url).stdout
    result = run("apply", str(cat), "--store", url, "--delete-removed", "--auto-approve")
    assert "  x plan print-weekender-offline  (DELETE: permanently, with every version)" in result.stdout
    assert result.stdout.rstrip().endswith("1 to delete")
    assert ("plans", "print-weekender-offline") not in heads(url)


def test_delete_refused_when_referenced(url) -> None:
    from offerspec.catalog import Catalog
    from offerspec.diagnostics import OfferspecError
    from offerspec.diff.safety import PlanOptions
    from offerspec.workflow import plan, plan_and_apply

    store = open_url(url)
    product = {"id": "p", "name": "P"}
    plan_a = {"id": "a", "nickname": "A", "product": "p", "amount": 100, "currency": "USD"}
    offer = {"id": "o", "name": "O", "plans": ["a"]}
    plan_and_apply(store, Catalog.from_objects({"products": [product], "plans": [plan_a],
                                                "offers": [offer]}))
    archived = {"products": [product], "plans": [{**plan_a, "status": "archived"}],
                "offers": [{**offer, "status": "archived"}]}
    plan_and_apply(store, Catalog.from_objects(archived), PlanOptions(allow_destroy=True))
    # The offer stays (archived, in the catalog) and still lists plan a: a can't be deleted.
    keep_offer = Catalog.from_objects({"products": [product],
                                       "offers": [{**offer, "status": "archived"}]})
    with pytest.raises(OfferspecError, match=r"plan a \(referenced by offer o\)"):
        plan(keep_offer, store.snapshot(), PlanOptions(delete_removed=True))
    store.close()


def test_safety_rails(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    for name in ("international", "support", "institutions"):
        (cat / f"{name}.yaml").unlink()
    result = run("plan", str(cat), "--store", url)
    assert result.exit_code == 1
    assert "more than --max-archive-share 0.5" in result.stderr
    assert run("plan", str(cat), "--store", url, "--max-archive-share", "0.6").exit_code == 0
    refused = run("apply", str(cat), "--store", url, "--auto-approve")
    assert refused.exit_code == 1 and "Applied" not in refused.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "only.yaml").write_text("products:\n  - id: other\n    name: Other\n")
    result = run("apply", str(empty), "--store", url, "--auto-approve")
    assert result.exit_code == 1
    assert "would archive or delete every live object" in result.stderr
    assert "--allow-destroy" in result.stderr
    ok = run("apply", str(empty), "--store", url, "--auto-approve", "--allow-destroy")
    assert ok.exit_code == 0, ok.output


def test_no_tty_refuses_and_tty_confirms(run, cat, url, monkeypatch) -> None:
    result = run("apply", str(cat), "--store", url)
    assert result.exit_code == 1
    assert "refusing to apply without confirmation" in result.stderr
    monkeypatch.setattr(store_options, "stdin_is_tty", lambda: True)
    monkeypatch.setattr("offerspec.cli.apply.stdin_is_tty", lambda: True)
    no = run("apply", str(cat), "--store", url, input="n\n")
    assert no.exit_code == 1 and "cancelled" in no.stderr
    yes = run("apply", str(cat), "--store", url, input="y\n")
    assert yes.exit_code == 0 and "Applied revision 1" in yes.stdout


def test_history_and_show(run, cat, url) -> None:
    open_url(url).close()  # an empty store
    assert run("history", "--store", url).stdout == "No revisions yet.\n"
    applied(run, cat, url)
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    applied(run, cat, url)
    lines = run("history", "--store", url).stdout.splitlines()
    assert lines[0].split() == ["REVISION", "TIME", "BY", "SOURCE", "SUMMARY"]
    assert len(lines) == 3
    assert lines[2].endswith("0 to create, 1 to update, 0 to replace, 0 to archive")
    assert lines[0].index("SUMMARY") == lines[2].index("0 to create")  # aligned columns
    shown = run("show", "2", "--store", url)
    assert shown.exit_code == 0
    assert '  ~ plan monthly-digital\n      nickname: "Monthly Digital" → "Monthly"' in shown.stdout
    as_json = json.loads(run("show", "1", "--store", url, "--format", "json").stdout)
    assert len(as_json["changes"]) == 20
    history = json.loads(run("history", "--store", url, "--format", "json").stdout)
    assert [h["revision"] for h in history] == [1, 2]
    assert history[0]["catalog_hash"].startswith("sha256:")
    unknown = run("show", "9", "--store", url)
    assert unknown.exit_code == 1 and "no revision 9" in unknown.stderr


def test_drift_is_shown_and_restored(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    db = url
    data = json.loads(live_text(db, "annual-digital"))  # someone edits the live store by hand
    data["nickname"] = "Yearly (edited by hand)"
    edit_live(db, "annual-digital", json.dumps(data))
    result = run("plan", str(cat), "--store", url, "--format", "text")
    assert "  ~ plan annual-digital  [drift: changed outside offerspec]" in result.stdout
    assert ('      nickname: "Yearly (edited by hand)" (live) → "Annual Digital" (catalog restores)'
            in result.stdout)
    assert result.stdout.rstrip().endswith("1 drifted")
    md = run("plan", str(cat), "--store", url, "--format", "markdown").stdout
    assert "> **Drift:** 1 object(s)" in md
    applied(run, cat, url)
    assert json.loads(heads(db)[("plans", "annual-digital")])["nickname"] == "Annual Digital"
    assert "No changes." in run("plan", str(cat), "--store", url).stdout


def test_drift_matching_catalog_is_adopted(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    text = live_text(url, "monthly-digital")
    edit_live(url, "monthly-digital",
              text.replace('"Monthly Digital"', '"Monthly"'))
    result = run("plan", str(cat), "--store", url)
    assert "live already matches the catalog" in result.stdout
    applied(run, cat, url)
    assert "No changes." in run("plan", str(cat), "--store", url).stdout


def test_markdown_and_json_formats(run, cat, url) -> None:
    md = run("plan", str(cat), "--store", url, "--format", "markdown").stdout
    assert md.startswith(f"### offerspec plan: the store `{url.split(':')[0]}:")
    assert md.splitlines()[0].endswith(" does not exist yet: every object is new")
    assert "| create | 20 |" in md
    assert "<details><summary>Every change in full (20)</summary>" in md
    assert "```diff\n+ product digital-access\n+ " in md  # one line a change, unfolded
    assert "```diff\n+ product digital-access\n    name: " in md
    doc = json.loads(run("plan", str(cat), "--store", url, "--format", "json").stdout)
    assert doc["format"] == "offerspec-plan" and doc["format_version"] == 1
    # No store yet: the plan is for a new store (the first apply creates it).
    assert doc["store"]["revision"] == 0 and doc["store"]["identity"].startswith(f"new:{url.split(':')[0]}:")
    assert doc["summary"]["create"] == 20
    first = doc["changes"][0]
    assert (first["action"], first["kind"], first["id"], first["live_hash"]) == (
        "create", "products", "digital-access", None)
    applied(run, cat, url)
    assert "**No changes.**" in run("plan", str(cat), "--store", url, "--format", "markdown").stdout


def test_money_stays_int_in_the_store(run, cat, url, tmp_path) -> None:
    applied(run, cat, url)
    amounts = {json.loads(d).get("amount") for (k, _), d in heads(url).items()
               if k == "plans"}
    assert all(type(a) is int for a in amounts)


def test_help_does_not_import_the_store_or_the_diff() -> None:
    import os
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys\nfrom click.testing import CliRunner\nfrom offerspec.cli.main import cli\n"
            "CliRunner().invoke(cli, ['--help'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('offerspec.store', "
            "'offerspec.diff.changes', 'offerspec.workflow', 'sqlite3', 'psycopg', 'tomllib'))))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.strip() == "[]"
