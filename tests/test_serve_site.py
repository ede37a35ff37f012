"""What a site reads agrees with the CLI: offer views, checkouts and signups, on the examples and
on the held scenarios; API writes show in ``offerspec history`` and as drift in ``offerspec plan``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from offerspec.api import check_catalog
from offerspec.catalog import canonical_json
from offerspec.scenarios.load import load_scenarios
from offerspec.scenarios.run import expected_view, project
from offerspec.simulate import index_for
from offerspec.store.base import text_hash
from servekit import READ, WRITE, AppClient, applied_store, cli_run, client

DAY = "2026-11-22"
SCENARIOS = EXAMPLES / "checkout.scenarios.yaml"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = applied_store(tmp_path_factory.mktemp("site"))
    with client(url) as api:
        yield api


def cli_json(*args: str) -> Any:
    result = cli_run("simulate", str(EXAMPLES), *args, "--format", "json")
    assert result.exit_code in (0, 4), result.output
    return json.loads(result.stdout)


def offer_ids() -> list[str]:
    catalog, _ = check_catalog([EXAMPLES])
    assert catalog is not None
    return sorted(catalog.offers)


@pytest.mark.parametrize("offer", offer_ids())
def test_offer_view_agrees_with_the_cli(site: AppClient, offer: str) -> None:
    for country in (None, "US", "CA", "GB", "NO"):
        for direct in (False, True):
            query = f"date={DAY}" + (f"&country={country}" if country else "") + \
                    ("&direct_link=true" if direct else "")
            response = site.get(f"/offers/{offer}/view?{query}", headers=READ)
            assert response.status_code == 200, response.text
            args = ["--offer", offer, "--date", DAY, *(["--country", country] if country else []),
                    *(["--direct-link"] if direct else [])]
            assert response.json() == cli_json(*args), (offer, country, direct)


def test_offer_view_by_platform_id(site: AppClient) -> None:
    offers = site.get("/offers", headers=READ).json()["data"]
    subscribe = next(o for o in offers if o["metadata"]["offerspec_id"] == "subscribe")
    by_number = site.get(f"/offers/{subscribe['id']}/view?country=US&date={DAY}", headers=READ)
    by_name = site.get(f"/offers/subscribe/view?country=US&date={DAY}", headers=READ)
    assert by_number.json() == by_name.json()
    assert site.get("/offers/no-such-offer/view", headers=READ).status_code == 404
    bad = site.get("/offers/subscribe/view?country=ZZ", headers=READ)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "simulate-input"


def held_scenarios() -> list[Any]:
    catalog, _ = check_catalog([EXAMPLES])
    assert catalog is not None
    loaded, problems = load_scenarios([SCENARIOS], index_for(catalog))
    assert not problems
    return [item.scenario for item in loaded]


def test_held_scenarios_pass_through_the_api(site: AppClient) -> None:
    scenarios = held_scenarios()
    assert len(scenarios) >= 5
    for scenario in scenarios:
        if scenario.checkout is not None:
            body = scenario.checkout.model_dump(mode="json")
            response = site.post("/simulate/checkout", json=body, headers=READ)
            assert response.status_code == 200, response.text
            outcome = response.json()
            actual = {"accepted": outcome["accepted"], "reasons": outcome["reason_codes"],
                      "entitlements": outcome["entitlements"], "charges": outcome["charges"]}
            spec = scenario.checkout
            args = ["--offer", spec.offer, "--plan", spec.plan, "--date", spec.date.isoformat(),
                    *(["--country", spec.country] if spec.country else []),
                    *(["--email", spec.email] if spec.email else []),
                    *(["--ip", spec.ip] if spec.ip else []),
                    *(["--direct-link"] if spec.direct_link else []),
                    *[a for h in spec.holdings for a in
                      ("--holding", h.product + (f":{h.end.isoformat()}" if h.end else ""))],
                    "--seats-used", str(spec.seats_used), "--renewals", str(spec.renewals)]
            assert outcome == cli_json(*args), scenario.name
        else:
            assert scenario.signup is not None
            body = scenario.signup.model_dump(mode="json")
            response = site.post("/simulate/signup", json=body, headers=READ)
            assert response.status_code == 200, response.text
            outcome = response.json()
            actual = {"accepted": outcome["subscribed"], "plans": outcome["plans"],
                      "entitlements": outcome["entitlements"], "charges": outcome["charges"]}
            spec_s = scenario.signup
            args = ["--signup", "--date", spec_s.date.isoformat(),
                    *(["--email", spec_s.email] if spec_s.email else []),
                    *(["--ip", spec_s.ip] if spec_s.ip else [])]
            assert outcome == cli_json(*args), scenario.name
        expected = expected_view(scenario.expect)
        assert project(actual, expected) == expected, scenario.name


def test_simulate_input_errors(site: AppClient) -> None:
    unknown = site.post("/simulate/checkout", json={"offer": "nope", "plan": "annual-digital"}, headers=READ)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "simulate-input"
    assert "did you mean" in (unknown.json()["error"]["hint"] or "") or unknown.json()["error"]["hint"]
    bad_date = site.post("/simulate/checkout", json={"offer": "subscribe", "plan": "annual-digital",
                                                     "date": "2026-02-30"}, headers=READ)
    assert bad_date.status_code == 422
    assert site.post("/simulate/signup", json={"date": DAY}, headers=READ).status_code == 422
    today = site.post("/simulate/checkout", json={"offer": "subscribe", "plan": "annual-digital"},
                      headers=READ)
    assert today.status_code == 200 and today.json()["date"]  # no date: today (UTC)


def test_api_writes_show_in_history_and_as_drift(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    with client(url) as api:
        plans = api.get("/plans?per_page=500", headers=READ).json()["data"]
        monthly = next(p for p in plans if p["metadata"]["offerspec_id"] == "monthly-digital")
        edited = api.put(f"/plans/{monthly['id']}", json={"nickname": "Edited on the platform"},
                         headers=WRITE)
        assert edited.status_code == 200
        # the response still carries the hash offerspec wrote: the edit is not offerspec's
        assert edited.json()["metadata"]["offerspec_hash"] == monthly["metadata"]["offerspec_hash"]
    history = cli_run("history", "--store", url)
    lines = history.output.splitlines()
    assert any("writer@" in line and "1 to update" in line for line in lines), history.output
    plan = cli_run("plan", str(EXAMPLES), "--store", url)
    assert "[drift: changed outside offerspec]" in plan.output, plan.output
    assert "monthly-digital" in plan.output


def test_a_write_that_says_it_is_offerspec_is_not_drift(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    with client(url) as api:
        plans = api.get("/plans?per_page=500", headers=READ).json()["data"]
        monthly = next(p for p in plans if p["metadata"]["offerspec_id"] == "monthly-digital")
        catalog, _ = check_catalog([EXAMPLES])
        assert catalog is not None
        data = catalog.objects()["plans"]["monthly-digital"]
        new_hash = text_hash(canonical_json({**data, "nickname": "Renamed by offerspec"}))
        edited = api.put(f"/plans/{monthly['id']}", headers=WRITE, json={
            "nickname": "Renamed by offerspec",
            "metadata": {"offerspec_id": "monthly-digital", "offerspec_hash": new_hash}})
        assert edited.status_code == 200
        assert edited.json()["metadata"]["offerspec_hash"] == new_hash
    plan = cli_run("plan", str(EXAMPLES), "--store", url)
    assert "drift" not in plan.output and "monthly-digital" in plan.output, plan.output


def test_changes_made_by_the_cli_reach_the_server(tmp_path: Path, cat: Path) -> None:
    from storekit import edit

    url = applied_store(tmp_path, cat)
    with client(url) as api:
        before = api.get("/healthz", headers=READ).json()["revision"]
        edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly Digital (CLI)\n")
        assert cli_run("apply", "--auto-approve", str(cat), "--store", url).exit_code == 0
        import time

        deadline = time.monotonic() + 5
        while api.get("/healthz", headers=READ).json()["revision"] == before:
            assert time.monotonic() < deadline, "the server did not see the CLI's revision"
            time.sleep(0.05)
        plans = api.get("/plans?per_page=500", headers=READ).json()["data"]
        assert "Monthly Digital (CLI)" in {p["nickname"] for p in plans}
