"""The store contract with the HTTP store, against a real ``offerspec serve`` on loopback.

What a transactional store guarantees and REST cannot is replaced, and the test names say by
what: no revisions (the platform keeps none; ETags instead), no lock (If-Match instead), no
atomic apply (ordered, idempotent, resumable steps instead: tests/test_http_faults.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from httpkit import Platform, dangling, duplicates, platform
from offerspec.diff.changes import to_dict
from offerspec.workflow import load_desired, plan
from servekit import WRITE_TOKEN
from storekit import edit


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Platform]:
    with platform(tmp_path / "platform") as running:
        yield running


def _plan_json(run, cat: Path, url: str) -> list[dict]:
    result = run("plan", str(cat), "--store", url, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["changes"]


def test_same_catalog_same_plan_against_sqlite_and_serve(run, cat: Path, api: Platform) -> None:
    """The same catalog planned against the SQLite store serve serves and against serve itself
    gives the same changes; after an apply through serve both say No changes."""
    assert _plan_json(run, cat, api.url) == _plan_json(run, cat, api.sqlite_url)  # all creates
    assert run("apply", str(cat), "--store", api.url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")  # a replace
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    assert _plan_json(run, cat, api.url) == _plan_json(run, cat, api.sqlite_url)
    result = run("apply", str(cat), "--store", api.url, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Applied to http://127.0.0.1" in result.stdout and WRITE_TOKEN not in result.output
    for url in (api.url, api.sqlite_url):
        again = run("plan", str(cat), "--store", url)
        assert again.exit_code == 0 and again.stdout.rstrip().endswith("No changes."), again.output
    lists = api.lists()
    assert duplicates(lists) == [] and dangling(lists) == []


def test_same_catalog_same_plan_against_postgresql_and_serve(run, cat: Path, api: Platform,
                                                             pg_url: str) -> None:
    """A team's PostgreSQL store and a platform holding the same history plan the same changes."""
    assert _plan_json(run, cat, pg_url) == _plan_json(run, cat, api.url)  # all creates
    for url in (pg_url, api.url):
        assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")  # a replace
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    changes = _plan_json(run, cat, pg_url)
    assert changes and changes == _plan_json(run, cat, api.url)


def test_create_update_replace_archive_unarchive_through_ordered_steps(run, cat: Path,
                                                                       api: Platform) -> None:
    def apply_and_check() -> None:
        result = run("apply", str(cat), "--store", api.url, "--auto-approve")
        assert result.exit_code == 0, result.output
        assert run("plan", str(cat), "--store", api.url).stdout.rstrip().endswith("No changes.")
        assert run("plan", str(cat), "--store", api.sqlite_url).stdout.rstrip().endswith(
            "No changes.")
        lists = api.lists()
        assert duplicates(lists) == [] and dangling(lists) == []

    apply_and_check()  # creates
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    apply_and_check()  # an update in place
    shown = run("plan", str(cat), "--store", api.url)
    edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")
    shown = run("plan", str(cat), "--store", api.url).stdout
    assert "create the new generation of plan monthly-digital" in shown
    assert "point offer subscribe at the new generation" in shown
    assert "archive the old generation of plan monthly-digital" in shown
    assert shown.index("POST /plans") < shown.index("PUT /offers") < shown.index("archive the old")
    apply_and_check()  # a replace: create, repoint, archive the old one
    old = [p for p in api.lists()["plans"] if p["metadata"]["offerspec_id"] == "monthly-digital"]
    assert [p["active"] for p in old] == ["archived", "active"]
    intl = cat / "international.yaml"
    edit(intl, "annual-digital-eur, quarterly-digital-gbp]", "annual-digital-eur]")
    edit(intl, "  - id: quarterly-digital-gbp\n", "  - id: quarterly-digital-gbp\n    status: archived\n")
    shown = run("plan", str(cat), "--store", api.url).stdout
    assert shown.index("PUT /offers") < shown.index("archive plan quarterly-digital-gbp")
    apply_and_check()  # an archive, after the offer no longer lists it
    edit(intl, "  - id: quarterly-digital-gbp\n    status: archived\n", "  - id: quarterly-digital-gbp\n")
    edit(intl, "annual-digital-eur]", "annual-digital-eur, quarterly-digital-gbp]")
    shown = run("plan", str(cat), "--store", api.url).stdout
    assert shown.index("unarchive plan quarterly-digital-gbp") < shown.index("PUT /offers")
    apply_and_check()  # an unarchive, before the offer lists it again


def test_drift_is_content_not_matching_offerspec_hash(run, cat: Path, api: Platform) -> None:
    assert run("apply", str(cat), "--store", api.url, "--auto-approve").exit_code == 0
    with api.http() as client:
        plan_ = next(p for p in client.get("/plans", params={"per_page": 500}).json()["data"]
                     if p["metadata"]["offerspec_id"] == "annual-digital")
        assert client.put(f"/plans/{plan_['id']}", json={"nickname": "Edited by hand"}).status_code == 200
    shown = run("plan", str(cat), "--store", api.url).stdout
    assert "[drift: changed outside offerspec]" in shown and "Edited by hand" in shown
    assert _plan_json(run, cat, api.url) == _plan_json(run, cat, api.sqlite_url)
    assert run("apply", str(cat), "--store", api.url, "--auto-approve").exit_code == 0
    assert run("plan", str(cat), "--store", api.url).stdout.rstrip().endswith("No changes.")


def test_saved_plan_applies_only_while_its_etags_hold_instead_of_a_revision(
        run, cat: Path, api: Platform, tmp_path: Path) -> None:
    assert run("apply", str(cat), "--store", api.url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    saved = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", api.url, "--out", str(saved)).exit_code == 0
    document = json.loads(saved.read_text())
    assert document["etags"] and "plans/monthly-digital" in document["etags"]
    assert WRITE_TOKEN not in saved.read_text()
    with api.http() as client:  # someone edits the object the plan updates
        number = next(p["id"] for p in client.get("/plans", params={"per_page": 500}).json()["data"]
                      if p["metadata"]["offerspec_id"] == "monthly-digital")
        assert client.put(f"/plans/{number}", json={"description": "busy"}).status_code == 200
    refused = run("apply", "--plan", str(saved), "--store", api.url)
    assert refused.exit_code == 1
    assert "plan monthly-digital changed on the platform" in refused.output
    other = run("apply", "--plan", str(saved), "--store", api.url.replace("127.0.0.1", "localhost"))
    assert other.exit_code == 1 and "the plan was made for store platform:" in other.output
    fresh = tmp_path / "fresh.json"
    assert run("plan", str(cat), "--store", api.url, "--out", str(fresh)).exit_code == 0
    assert run("apply", "--plan", str(fresh), "--store", api.url).exit_code == 0


def test_pull_export_and_simulate_from_store_read_the_platform(run, cat: Path, api: Platform,
                                                               tmp_path: Path) -> None:
    assert run("apply", str(cat), "--store", api.url, "--auto-approve").exit_code == 0
    pulled = tmp_path / "pulled"
    assert run("pull", "--out", str(pulled), "--store", api.url).exit_code == 0
    assert run("plan", str(pulled), "--store", api.url).stdout.rstrip().endswith("No changes.")
    assert run("export", "--store", api.url).stdout == run("export", "--store", api.sqlite_url).stdout
    via_http = run("simulate", "--from-store", "--store", api.url, "--offer", "subscribe",
                   "--country", "US")
    via_sqlite = run("simulate", "--from-store", "--store", api.sqlite_url, "--offer", "subscribe",
                     "--country", "US")
    assert via_http.exit_code == 0 and via_http.stdout == via_sqlite.stdout


def test_no_revisions_history_show_and_force_unlock_say_where_they_are(run, api: Platform) -> None:
    missing = run("export", "--store", api.url + "/v9")
    assert missing.exit_code == 1 and "is the store URL the API's base?" in missing.output
    for args in (["history"], ["show", "1"], ["force-unlock", "x"]):
        result = run(*args, "--store", api.url)
        assert result.exit_code == 1, result.output
        assert "the platform keeps no offerspec revisions" in result.output
        assert "offerspec serve" in result.output


def test_no_lock_a_plan_then_a_foreign_edit_stops_on_412_naming_the_object(cat: Path,
                                                                          api: Platform) -> None:
    from offerspec.store.base import ApplyMeta
    from offerspec.store.http.runner import ApplyStopped

    store = api.store()
    try:
        catalog, _ = load_desired([cat])
        changes = plan(catalog, store.snapshot()).changes
        store.apply(list(changes), 0, ApplyMeta("h", "s", "u", "h"))
        edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
        catalog, _ = load_desired([cat])
        snapshot = store.snapshot()
        changes = plan(catalog, snapshot).changes
        with api.http() as client:  # between plan and apply
            live = snapshot.get("plans", "monthly-digital")
            assert live is not None
            assert client.put(f"/plans/{live.number}", json={"description": "x"}).status_code == 200
        with pytest.raises(ApplyStopped) as stopped:
            store.apply(list(changes), 0, ApplyMeta("h", "s", "u", "h"))
        assert "plan monthly-digital" in stopped.value.message and "412" in stopped.value.message
        assert "0 of 1 steps were done" in stopped.value.message
    finally:
        store.close()


def test_steps_are_ordered_products_plans_offers_archives_last(cat: Path, api: Platform) -> None:
    store = api.store()
    try:
        catalog, _ = load_desired([cat])
        snapshot = store.snapshot()
        changes = plan(catalog, snapshot).changes
        from offerspec.store.http.steps import plan_steps

        kinds = [s.kind for s in plan_steps(changes, snapshot)]
        assert kinds == sorted(kinds, key=["products", "plans", "offers"].index)
        assert [to_dict(c)["action"] for c in changes] == ["create"] * len(changes)
    finally:
        store.close()
