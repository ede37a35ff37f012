"""offerspec serve's API contract, in-process (the app over a real SQLite store): every endpoint
and status code, pagination, ETags, idempotency, auth, 422 bodies naming rule codes."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from conftest import STORES
from offerspec.catalog import canonical_json
from offerspec.serve.faults import parse_faults
from servekit import READ, WRITE, AppClient, applied_store, cli_run, client, examples_store

NEW_PLAN = {"nickname": "Weekly", "amount": 299, "currency": "USD", "interval": "week"}


@pytest.fixture(params=STORES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The examples applied to a SQLite store, and to a PostgreSQL one: the contract holds on
    both (the server reads and writes any store through the store protocol)."""
    return examples_store(request, request.param, tmp_path)


@pytest.fixture
def api(url: str) -> Any:
    with client(url) as test_client:
        yield test_client


def plan_number(api: AppClient, catalog_id: str) -> int:
    for plan in all_pages(api, "/plans?per_page=500"):
        if plan["metadata"]["offerspec_id"] == catalog_id:
            return int(plan["id"])
    raise AssertionError(catalog_id)


def product_number(api: AppClient, catalog_id: str) -> int:
    data = api.get("/products", headers=READ).json()["data"]
    return next(int(p["id"]) for p in data if p["metadata"]["offerspec_id"] == catalog_id)


def all_pages(api: AppClient, first: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    link: str | None = first
    while link:
        page = api.get(link, headers=READ)
        assert page.status_code == 200, page.text
        items.extend(page.json()["data"])
        link = page.json()["meta"]["next"]
    return items


def new_plan(api: AppClient, **extra: Any) -> dict[str, Any]:
    body = {**NEW_PLAN, "product_id": product_number(api, "digital-access"), **extra}
    response = api.post("/plans", json=body, headers=WRITE)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# -- reading --------------------------------------------------------------------------------

def test_pagination_follows_next_links_in_id_order(api: AppClient) -> None:
    everything = api.get("/plans?per_page=500", headers=READ).json()
    total = everything["meta"]["total"]
    assert total == len(everything["data"]) > 7
    assert everything["meta"]["next"] is None
    first = api.get("/plans?per_page=3", headers=READ).json()
    assert first["meta"] == {"page": 1, "per_page": 3, "total": total, "next": "/plans?page=2&per_page=3"}
    paged = all_pages(api, "/plans?per_page=3")
    assert [p["id"] for p in paged] == [p["id"] for p in everything["data"]]
    assert [p["id"] for p in paged] == sorted(p["id"] for p in paged)
    assert api.get("/plans?page=999", headers=READ).json()["data"] == []
    default = api.get("/plans", headers=READ).json()["meta"]
    assert default["per_page"] == 50 and default["page"] == 1


def test_list_filters(api: AppClient) -> None:
    print_edition = product_number(api, "print-edition")
    plans = all_pages(api, f"/plans?product_id={print_edition}&per_page=2")
    assert plans and all(p["product_id"] == print_edition for p in plans)
    archived = all_pages(api, "/plans?active=archived")
    active = all_pages(api, "/plans?active=active")
    assert all(p["active"] == "archived" for p in archived)
    assert all(p["active"] == "active" for p in active)
    assert len(archived) + len(active) == api.get("/plans", headers=READ).json()["meta"]["total"]
    page = api.get("/plans?active=archived&per_page=1", headers=READ).json()["meta"]
    if page["total"] > 1:
        assert page["next"] == "/plans?page=2&per_page=1&active=archived"


@pytest.mark.parametrize("query", ["per_page=501", "per_page=0", "page=0", "active=gone", "product_id=x"])
def test_bad_list_parameters_are_422(api: AppClient, query: str) -> None:
    response = api.get(f"/plans?{query}", headers=READ)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["path"].startswith("query:")


def test_get_one_with_etag_and_every_plan_attribute(api: AppClient) -> None:
    number = plan_number(api, "annual-digital-print")
    response = api.get(f"/plans/{number}", headers=READ)
    assert response.status_code == 200
    plan = response.json()
    expected_etag = '"' + hashlib.sha256(canonical_json(plan).encode()).hexdigest()[:32] + '"'
    assert response.headers["etag"] == expected_etag
    seed_attributes = {
        "id", "active", "agency_id", "product_id", "status", "agency_remit_rate", "amount",
        "apple_product_id", "available_online", "auto_renew", "currency", "countries", "description",
        "domains", "entitlements", "group_owner_plan_id", "gift_description", "image", "interval",
        "interval_count", "ip_addresses", "metadata", "nickname", "name_internal", "renewal_strategy",
        "shipments_per_interval", "trial_period_days", "expires_at", "allow_send_invoice", "is_donation",
        "is_hidden", "is_imported", "type", "member_seat_capacity", "refundable",
        "auto_uncollectible_days", "invoice_upcoming_notification", "old_provider_id"}
    assert seed_attributes <= set(plan)
    assert plan["amount"] == 14900 and isinstance(plan["id"], int)
    assert plan["entitlements"]["product_ids"] == sorted(
        [product_number(api, "digital-access"), product_number(api, "print-edition")])
    assert plan["metadata"]["offerspec_id"] == "annual-digital-print"
    offer = api.get("/offers", headers=READ).json()["data"]
    subscribe = next(o for o in offer if o["metadata"]["offerspec_id"] == "subscribe")
    assert subscribe["plan_ids"] == [plan_number(api, p) for p in
                                     ("monthly-digital", "annual-digital", "annual-digital-print")]


def test_unknown_and_malformed_ids(api: AppClient) -> None:
    for path in ("/plans/99999", "/products/99999", "/offers/99999"):
        response = api.get(path, headers=READ)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not-found"
    assert api.get("/plans/abc", headers=READ).status_code == 422


def test_json_errors_everywhere(api: AppClient) -> None:
    for response in (api.get("/no-such-page", headers=READ), api.patch("/plans/1", headers=WRITE),
                     api.post("/plans", content=b"{not json",
                              headers={**WRITE, "content-type": "application/json"}),
                     api.post("/plans", content=b"x" * (1024 * 1024 + 1), headers=WRITE)):
        assert response.headers["content-type"] == "application/json", response.text
        error = response.json()["error"]
        assert error["status"] == response.status_code
        assert "Traceback" not in response.text
    assert api.get("/no-such-page", headers=READ).status_code == 404
    assert api.patch("/plans/1", headers=WRITE).status_code == 405
    assert api.post("/plans", content=b"x" * (1024 * 1024 + 1), headers=WRITE).status_code == 413

    async def chunks() -> Any:  # no Content-Length: the size is found while reading
        for _ in range(20):
            yield b" " * 65536

    chunked = api.post("/plans", content=chunks(), headers={**WRITE, "content-type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "body-too-large"


def test_internal_error_is_500_with_an_error_id_in_the_log(url: str, monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    import offerspec.serve.routes_objects as app_module

    def broken(*_: Any, **__: Any) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(app_module, "list_response", broken)
    with client(url) as api, caplog.at_level(logging.ERROR, logger="offerspec.serve"):
        response = api.get("/plans", headers=READ)
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal-error" and "boom" not in response.text
    assert error["error_id"] and error["error_id"] in caplog.text
    assert "RuntimeError: boom" in caplog.text


# -- auth ----------------------------------------------------------------------------------

def test_auth(api: AppClient) -> None:
    none = api.get("/plans")
    assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")
    assert api.get("/plans", headers={"Authorization": "Bearer not-a-token-at-all"}).status_code == 401
    basic = {"Authorization": "Basic " + READ["Authorization"][7:]}
    assert api.get("/plans", headers=basic).status_code == 401
    assert api.get("/healthz").status_code == 401
    assert api.get("/plans", headers=READ).status_code == 200
    assert api.get("/healthz", headers=READ).json()["status"] == "ok"
    body = {**NEW_PLAN, "product_id": product_number(api, "digital-access")}
    forbidden = api.post("/plans", json=body, headers=READ)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert api.post("/plans", json=body).status_code == 401
    assert api.post("/plans", json=body, headers=WRITE).status_code == 201
    assert api.get("/openapi.json").status_code == 200  # the document is public, the data is not


def test_public_read(url: str) -> None:
    with client(url, public_read=True) as api:
        assert api.get("/plans").status_code == 200
        assert api.get("/healthz").status_code == 200
        assert api.get("/offers/subscribe/view?country=US").status_code == 200
        assert api.post("/simulate/checkout", json={"offer": "subscribe", "plan": "annual-digital",
                                                    "date": "2026-11-22"}).status_code == 200
        assert api.post("/plans", json=NEW_PLAN).status_code == 401
        assert api.get("/plans", headers={"Authorization": "Bearer wrong-token-wrong"}).status_code == 401


# -- writes --------------------------------------------------------------------------------

def test_create_assigns_a_number_and_a_catalog_id(api: AppClient, url: str, tmp_path: Path) -> None:
    response = api.post("/plans", json={**NEW_PLAN, "product_id": product_number(api, "digital-access")},
                        headers=WRITE)
    assert response.status_code == 201
    plan = response.json()
    assert response.headers["location"] == f"/plans/{plan['id']}"
    assert plan["metadata"]["offerspec_id"] == f"plan-{plan['id']}"
    assert plan["auto_renew"] is True and plan["entitlements"]["product_ids"] == [plan["product_id"]]
    again = api.get(f"/plans/{plan['id']}", headers=READ)
    assert again.json() == plan and again.headers["etag"] == response.headers["etag"]
    history = cli_run("history", "--store", url)
    assert "writer@" in history.output
    pulled = cli_run("pull", "--store", url, "--out", str(tmp_path / "pulled"))
    assert pulled.exit_code == 0, pulled.output
    assert cli_run("validate", str(tmp_path / "pulled")).exit_code == 0


def test_create_with_an_offerspec_id(api: AppClient) -> None:
    plan = new_plan(api, metadata={"offerspec_id": "weekly-digital", "team": "growth"})
    assert plan["metadata"]["offerspec_id"] == "weekly-digital"
    assert plan["metadata"]["team"] == "growth"
    twice = api.post("/plans", json={**NEW_PLAN, "product_id": plan["product_id"],
                                     "metadata": {"offerspec_id": "weekly-digital"}}, headers=WRITE)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "duplicate-offerspec-id"


def test_422_names_each_rule(api: AppClient) -> None:
    body = {"nickname": "Broken", "product_id": product_number(api, "digital-access"), "amount": 0,
            "currency": "USD", "trial_period_days": 14, "interval": "month", "countries": ["US", "XX"],
            "ip_addresses": ["10.0.0.1/8"], "metadata": {"offerspec_x": "1"}}
    response = api.post("/plans", json=body, headers=WRITE)
    assert response.status_code == 422
    problems = {(p["path"], p["code"]) for p in response.json()["error"]["problems"]}
    assert problems == {("countries[1]", "unknown-country"),
                        ("ip_addresses[0]", "invalid-cidr"),
                        ("metadata.offerspec_x", "reserved-metadata-key"),
                        ("trial_period_days", "trial-not-allowed")}
    assert all(p["message"] and p["hint"] for p in response.json()["error"]["problems"])
    lower = api.post("/plans", json={**body, "currency": "usd", "trial_period_days": 0,
                                     "countries": [], "ip_addresses": [], "metadata": {}}, headers=WRITE)
    assert lower.json()["error"]["problems"] == [{
        "path": "currency", "code": "schema", "message": "invalid currency 'usd'",
        "hint": "currency codes are uppercase: did you mean 'USD'?"}]


def test_422_references_and_types(api: AppClient) -> None:
    bad_ref = api.post("/plans", json={**NEW_PLAN, "product_id": 99999}, headers=WRITE)
    assert bad_ref.status_code == 422
    assert bad_ref.json()["error"]["problems"][0] == {
        "path": "product_id", "code": "unknown-reference", "message": "no product has id 99999",
        "hint": "use the id of an existing product (GET /products)"}
    wrong_type = api.post("/plans", json={**NEW_PLAN, "product_id": 1, "amount": 9.99}, headers=WRITE)
    assert wrong_type.status_code == 422
    assert wrong_type.json()["error"]["problems"][0]["path"] == "amount"
    unknown = api.post("/plans", json={**NEW_PLAN, "product_id": 1, "price": 3}, headers=WRITE)
    assert unknown.json()["error"]["problems"][0]["code"] == "unknown-field"
    digital = product_number(api, "digital-access")
    donation = api.post("/plans", json={**NEW_PLAN, "product_id": digital, "is_donation": True,
                                        "entitlements": {"product_ids": [digital]}}, headers=WRITE)
    assert [p["code"] for p in donation.json()["error"]["problems"]] == ["donation-grants"]
    assert donation.json()["error"]["problems"][0]["path"] == "entitlements.product_ids"


def test_put_edits_in_place_and_refuses_price_fields(api: AppClient) -> None:
    number = plan_number(api, "monthly-digital")
    before = api.get(f"/plans/{number}", headers=READ)
    edited = api.put(f"/plans/{number}", json={"nickname": "Monthly (new name)"}, headers=WRITE)
    assert edited.status_code == 200
    assert edited.json()["nickname"] == "Monthly (new name)" and edited.json()["id"] == number
    assert edited.json()["amount"] == before.json()["amount"]  # fields not sent keep their value
    assert edited.headers["etag"] != before.headers["etag"]
    for change in ({"amount": 1}, {"currency": "EUR"}, {"interval": "year"}, {"interval_count": 2},
                   {"auto_renew": False}, {"type": "membership"}, {"is_donation": True}):
        refused = api.put(f"/plans/{number}", json=change, headers=WRITE)
        assert refused.status_code == 409, change
        error = refused.json()["error"]
        assert error["code"] == "price-field-changed" and "create a new plan" in error["hint"]
    same_back = api.put(f"/plans/{number}", json=edited.json(), headers=WRITE)  # what GET gave
    assert same_back.status_code == 200 and same_back.json() == edited.json()


def test_if_match(api: AppClient) -> None:
    number = plan_number(api, "monthly-digital")
    etag = api.get(f"/plans/{number}", headers=READ).headers["etag"]
    ok = api.put(f"/plans/{number}", json={"description": "one"}, headers={**WRITE, "If-Match": etag})
    assert ok.status_code == 200
    stale = api.put(f"/plans/{number}", json={"description": "two"}, headers={**WRITE, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition-failed"
    assert api.get(f"/plans/{number}", headers=READ).json()["description"] == "one"
    assert api.put(f"/plans/{number}", json={"description": "three"},
                   headers={**WRITE, "If-Match": "*"}).status_code == 200
    assert api.delete(f"/plans/{number}", headers={**WRITE, "If-Match": etag}).status_code == 412


def test_archive_and_unarchive(api: AppClient) -> None:
    in_offer = plan_number(api, "monthly-digital")
    refused = api.put(f"/plans/{in_offer}", json={"active": "archived"}, headers=WRITE)
    assert refused.status_code == 422
    assert "offer-archived-plan" in {p["code"] for p in refused.json()["error"]["problems"]}
    assert refused.json()["error"]["problems"][0]["path"].startswith("offers/")
    plan = new_plan(api)
    archived = api.put(f"/plans/{plan['id']}", json={"active": "archived"}, headers=WRITE)
    assert archived.status_code == 200
    assert archived.json()["active"] == archived.json()["status"] == "archived"
    back = api.put(f"/plans/{plan['id']}", json={"status": "active"}, headers=WRITE)
    assert back.json()["active"] == "active"


def test_delete(api: AppClient, url: str) -> None:
    plan = new_plan(api)
    assert api.delete(f"/plans/{plan['id']}", headers=READ).status_code == 403
    assert api.delete(f"/plans/{plan['id']}", headers=WRITE).status_code == 204
    assert api.get(f"/plans/{plan['id']}", headers=READ).status_code == 404
    assert api.delete(f"/plans/{plan['id']}", headers=WRITE).status_code == 404
    referenced = api.delete(f"/products/{product_number(api, 'digital-access')}", headers=WRITE)
    assert referenced.status_code == 409 and referenced.json()["error"]["code"] == "still-referenced"
    assert "delete" in cli_run("history", "--store", url).output


def test_an_old_generation_is_shown_archived_and_cannot_be_edited(tmp_path: Path, cat: Path) -> None:
    url = applied_store(tmp_path, cat)
    from storekit import edit

    edit(cat / "subscribe.yaml", "    amount: 9900\n", "    amount: 9500\n")  # annual-digital replaced
    assert cli_run("apply", "--auto-approve", str(cat), "--store", url).exit_code == 0
    with client(url) as api:
        versions = [p for p in all_pages(api, "/plans?per_page=500")
                    if p["metadata"]["offerspec_id"] == "annual-digital"]
        assert [(p["amount"], p["active"]) for p in versions] == [(9900, "archived"), (9500, "active")]
        old = versions[0]["id"]
        refused = api.put(f"/plans/{old}", json={"nickname": "x"}, headers=WRITE)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "old-version"


# -- idempotency -----------------------------------------------------------------------------

def test_idempotency_key_replays_the_first_response(api: AppClient) -> None:
    body = {**NEW_PLAN, "product_id": product_number(api, "digital-access")}
    total = api.get("/plans", headers=READ).json()["meta"]["total"]
    first = api.post("/plans", json=body, headers={**WRITE, "Idempotency-Key": "k-1"})
    again = api.post("/plans", content=json.dumps(body, indent=2),
                     headers={**WRITE, "Idempotency-Key": "k-1", "content-type": "application/json"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert api.get("/plans", headers=READ).json()["meta"]["total"] == total + 1
    other = api.post("/plans", json={**body, "nickname": "Other"},
                     headers={**WRITE, "Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency-key-reused"
    fresh = api.post("/plans", json=body, headers={**WRITE, "Idempotency-Key": "k-2"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]


def test_idempotency_replays_a_refusal_too(api: AppClient) -> None:
    body = {**NEW_PLAN, "product_id": 99999}
    first = api.post("/plans", json=body, headers={**WRITE, "Idempotency-Key": "bad"})
    again = api.post("/plans", json=body, headers={**WRITE, "Idempotency-Key": "bad"})
    assert first.status_code == again.status_code == 422
    assert again.headers["idempotent-replayed"] == "true"


# -- test knobs ----------------------------------------------------------------------------

def test_rate_limit(url: str) -> None:
    with client(url, rate_limit=2.0) as api:
        statuses = [api.get("/plans", headers=READ).status_code for _ in range(4)]
        assert statuses[:2] == [200, 200] and statuses[-1] == 429
        limited = api.get("/plans", headers=READ)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "rate-limited"


def test_faults_500_503_and_delay(url: str) -> None:
    with client(url, faults=parse_faults("500:1")) as api:
        response = api.get("/plans", headers=READ)
        assert response.status_code == 500 and response.json()["error"]["code"] == "fault-injected"
        assert api.get("/healthz", headers=READ).status_code == 200
    with client(url, faults=parse_faults("503:1")) as api:
        response = api.get("/plans", headers=READ)
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
    import time

    with client(url, faults=parse_faults("delay:1:150ms")) as api:
        started = time.perf_counter()
        assert api.get("/plans", headers=READ).status_code == 200
        assert time.perf_counter() - started >= 0.15


def test_faults_are_seeded_shares(url: str) -> None:
    def statuses(spec: str) -> list[int]:
        with client(url, faults=parse_faults(spec)) as api:
            return [api.get("/products", headers=READ).status_code for _ in range(40)]

    first = statuses("500:0.3,503:0.2,seed:7")
    assert first == statuses("500:0.3,503:0.2,seed:7")
    assert first != statuses("500:0.3,503:0.2,seed:8")
    assert {200, 500, 503} == set(first)


@pytest.mark.parametrize("spec", ["500", "500:2", "delay:0.1", "delay:0.1:fast", "cut:x", "boom:1",
                                  "500:0.7,503:0.7", "delay:1:100s"])
def test_bad_fault_specs(spec: str) -> None:
    from offerspec.diagnostics import OfferspecError

    with pytest.raises(OfferspecError):
        parse_faults(spec)


def test_concurrent_repeats_of_one_key_make_one_object(url: str) -> None:
    import concurrent.futures

    with client(url) as api:
        body = {**NEW_PLAN, "product_id": product_number(api, "digital-access")}
        total = api.get("/plans", headers=READ).json()["meta"]["total"]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(lambda _: api.post(
                "/plans", json=body, headers={**WRITE, "Idempotency-Key": "same"}), range(6)))
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 5
        assert api.get("/plans", headers=READ).json()["meta"]["total"] == total + 1


def test_the_catalog_id_cannot_change(api: AppClient) -> None:
    number = plan_number(api, "monthly-digital")
    response = api.put(f"/plans/{number}", json={"metadata": {"offerspec_id": "renamed"}}, headers=WRITE)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["code"] == "offerspec-id-changed"
    wrong_id = api.put(f"/plans/{number}", json={"id": number + 1, "nickname": "x"}, headers=WRITE)
    assert wrong_id.status_code == 422 and wrong_id.json()["error"]["code"] == "id-mismatch"


def test_an_archived_catalog_id_is_taken_too(api: AppClient) -> None:
    plan = new_plan(api, metadata={"offerspec_id": "seasonal"})
    assert api.put(f"/plans/{plan['id']}", json={"active": "archived"}, headers=WRITE).status_code == 200
    again = api.post("/plans", json={**NEW_PLAN, "product_id": plan["product_id"],
                                     "metadata": {"offerspec_id": "seasonal"}}, headers=WRITE)
    assert again.status_code == 409 and "archived" in again.json()["error"]["message"]


def test_a_write_waits_for_the_apply_lock_then_503(url: str) -> None:
    from offerspec.store.url import open_store, resolve_store

    store = open_store(resolve_store(url), writable=True)  # another apply holds the lock
    try:
        with client(url, lock_timeout=0.3) as api, store.lock(5):
            body = {**NEW_PLAN, "product_id": product_number(api, "digital-access")}
            response = api.post("/plans", json=body, headers=WRITE)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "store-locked"
            assert response.headers["retry-after"]
            assert api.get("/plans", headers=READ).status_code == 200  # reads go on
    finally:
        store.close()
