"""serve: a create naming ``metadata.offerspec_replaces`` is the replacing generation of the
object it names (docs/platform-api.md, "Replacing a plan"); without it the 409 stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offerspec.catalog import canonical_json
from offerspec.store.base import text_hash
from servekit import READ, WRITE, AppClient, applied_store, cli_run, client
from storekit import open_sqlite


@pytest.fixture
def api(tmp_path: Path) -> Any:
    with client(applied_store(tmp_path)) as test_client:
        yield test_client


def _plans(api: AppClient, catalog_id: str) -> list[dict[str, Any]]:
    data = api.get("/plans?per_page=500", headers=READ).json()["data"]
    return [p for p in data if p["metadata"]["offerspec_id"] == catalog_id]


def _replacement(api: AppClient, catalog_id: str, **changes: Any) -> dict[str, Any]:
    (current,) = [p for p in _plans(api, catalog_id) if p["active"] == "active"]
    body = {k: v for k, v in current.items() if k not in ("id", "status")}
    body.update(changes)
    body["metadata"] = {**current["metadata"], "offerspec_replaces": str(current["id"])}
    body["metadata"].pop("offerspec_hash")
    return body


def test_a_create_replacing_the_current_generation_archives_it(api: AppClient,
                                                               tmp_path: Path) -> None:
    before = _plans(api, "monthly-digital")
    body = _replacement(api, "monthly-digital", amount=1099)
    created = api.post("/plans", json=body, headers=WRITE)
    assert created.status_code == 201, created.text
    new = created.json()
    assert new["amount"] == 1099 and new["id"] > before[0]["id"]
    assert "offerspec_replaces" not in new["metadata"]
    old, current = _plans(api, "monthly-digital")
    assert (old["id"], old["active"]) == (before[0]["id"], "archived")
    assert current["id"] == new["id"] and current["active"] == "active"
    offers = api.get("/offers?per_page=500", headers=READ).json()["data"]
    subscribe = next(o for o in offers if o["metadata"]["offerspec_id"] == "subscribe")
    assert new["id"] in subscribe["plan_ids"] and old["id"] not in subscribe["plan_ids"]
    history = cli_run("history", "--store", f"sqlite:///{tmp_path}/store.db")
    assert "1 to replace" in history.stdout


def test_offerspec_hash_of_the_new_content_is_not_drift(api: AppClient, tmp_path: Path) -> None:
    from offerspec.platform import RefTable
    from offerspec.store.http.snapshot import catalog_data

    body = _replacement(api, "monthly-digital", amount=1099)
    lists = {k: api.get(f"/{k}?per_page=500", headers=READ).json()["data"]
             for k in ("products", "plans", "offers")}
    data = catalog_data("plans", {**body, "id": 0}, RefTable.from_platform(lists), "monthly-digital")
    body["metadata"]["offerspec_hash"] = text_hash(canonical_json(data))
    assert api.post("/plans", json=body, headers=WRITE).status_code == 201
    store = open_sqlite(f"sqlite:///{tmp_path}/store.db")
    try:
        live = store.snapshot().objects["plans"]["monthly-digital"]
    finally:
        store.close()
    assert live.generation == 2 and live.data["amount"] == 1099 and not live.drifted
    del body["metadata"]["offerspec_hash"]  # without the hash: made outside offerspec, drift
    body["metadata"]["offerspec_replaces"] = str(_plans(api, "monthly-digital")[-1]["id"])
    assert api.post("/plans", json={**body, "amount": 1199}, headers=WRITE).status_code == 201
    store = open_sqlite(f"sqlite:///{tmp_path}/store.db")
    try:
        assert store.snapshot().objects["plans"]["monthly-digital"].drifted
    finally:
        store.close()


def test_without_offerspec_replaces_the_409_stays(api: AppClient) -> None:
    body = _replacement(api, "monthly-digital", amount=1099)
    del body["metadata"]["offerspec_replaces"]
    refused = api.post("/plans", json=body, headers=WRITE)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "duplicate-offerspec-id"


def test_replacing_an_old_generation_or_another_id_is_refused(api: AppClient) -> None:
    body = _replacement(api, "monthly-digital", amount=1099)
    assert api.post("/plans", json=body, headers=WRITE).status_code == 201
    again = api.post("/plans", json={**body, "amount": 1199}, headers=WRITE)  # names the old one
    assert again.status_code == 409 and again.json()["error"]["code"] == "replaces-not-current"
    bad = api.post("/plans", json={**body, "metadata": {**body["metadata"],
                                                        "offerspec_replaces": "x"}}, headers=WRITE)
    assert bad.status_code == 422
    alone = {**body, "metadata": {"offerspec_replaces": "1"}}
    refused = api.post("/plans", json=alone, headers=WRITE)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "replaces-without-offerspec-id"
