"""offerspec.platform: catalog objects -> platform objects -> catalog objects, losslessly."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from offerspec.api import check_catalog
from offerspec.catalog import Catalog, object_hash
from offerspec.model import KINDS, MODEL_BY_KIND
from offerspec.platform import (
    RESPONSE_MODELS,
    RefTable,
    assigned_id,
    from_platform,
    numbered_id,
    to_platform,
)
from offerspec.platform.models import PlanIn


def example_catalog() -> Catalog:
    catalog, diagnostics = check_catalog([EXAMPLES])
    assert catalog is not None, diagnostics
    return catalog


def numbered(objects: dict[str, dict[str, dict[str, Any]]]) -> RefTable:
    refs = RefTable()
    number = 100
    for kind in KINDS:
        for ident in objects[kind]:
            number += 1
            refs.add(kind, ident, number)
    return refs


def round_trip(kind: str, data: dict[str, Any], refs: RefTable) -> dict[str, Any]:
    number = refs.number(kind, data["id"])
    assert number is not None
    platform = to_platform(kind, data, number, refs, offerspec_hash=object_hash(data))
    RESPONSE_MODELS[kind].model_validate(platform)  # the response model describes it exactly
    back, problems = from_platform(kind, platform, refs)
    assert problems == []
    dumped: dict[str, Any] = MODEL_BY_KIND[kind].model_validate(back).model_dump(mode="json")
    return dumped


def test_every_example_object_round_trips() -> None:
    objects = example_catalog().objects()
    refs = numbered(objects)
    count = 0
    for kind in KINDS:
        for data in objects[kind].values():
            assert round_trip(kind, data, refs) == data
            count += 1
    assert count > 10


def test_platform_plan_fields() -> None:
    objects = example_catalog().objects()
    refs = numbered(objects)
    plan = objects["plans"]["annual-digital-print"]
    out = to_platform("plans", plan, 7, refs, offerspec_hash="h")
    assert out["id"] == 7
    assert out["active"] == out["status"] == "active"
    assert out["product_id"] == refs.number("products", "digital-access")
    assert out["entitlements"] == {"product_ids": [refs.number("products", "digital-access"),
                                                   refs.number("products", "print-edition")]}
    assert out["amount"] == 14900
    assert out["metadata"] == {"offerspec_id": "annual-digital-print", "offerspec_hash": "h"}
    assert out["is_imported"] is False and out["old_provider_id"] is None
    offer = to_platform("offers", objects["offers"]["subscribe"], 9, refs)
    assert offer["plan_ids"] == [refs.number("plans", p) for p in
                                 ("monthly-digital", "annual-digital", "annual-digital-print")]


def test_agency_id_numeric_or_name() -> None:
    refs = RefTable([("products", "p", 1)])
    base = {"id": "x", "nickname": "X", "product": "p", "amount": 0, "currency": "USD",
            "is_donation": False}
    for agency, number, name in (("42", 42, None), ("007", None, "007"), ("acme", None, "acme")):
        data = MODEL_BY_KIND["plans"].model_validate({**base, "agency_id": agency}).model_dump(mode="json")
        out = to_platform("plans", data, 2, refs)
        assert (out["agency_id"], out["agency_name"]) == (number, name)
        back, _ = from_platform("plans", out, refs)
        assert back["agency_id"] == agency


def test_unknown_references_are_problems_at_their_paths() -> None:
    refs = RefTable([("products", "p", 1)])
    body = PlanIn.model_validate({"product_id": 5, "entitlements": {"product_ids": [1, 6]},
                                  "group_owner_plan_id": 8, "nickname": "N"})
    _, problems = from_platform("plans", body.model_dump(exclude_unset=True), refs, new_id="plan-3")
    assert [(p.path, p.code) for p in problems] == [
        ("product_id", "unknown-reference"), ("entitlements.product_ids[1]", "unknown-reference"),
        ("group_owner_plan_id", "unknown-reference")]


def test_put_keeps_fields_not_sent_and_refuses_an_id_change() -> None:
    refs = RefTable([("products", "p", 1)])
    base = {"id": "news", "name": "News", "description": "d", "status": "active", "metadata": {"a": "b"}}
    out, problems = from_platform("products", {"name": "Newer", "active": "archived"}, refs, base=base)
    assert problems == []
    assert out == {**base, "name": "Newer", "status": "archived"}
    _, problems = from_platform("products", {"metadata": {"offerspec_id": "other"}}, refs, base=base)
    assert [p.code for p in problems] == ["offerspec-id-changed"]


def test_conflicting_status_alias() -> None:
    _, problems = from_platform("products", {"active": "active", "status": "archived"}, RefTable())
    assert [p.code for p in problems] == ["conflicting-status"]


def test_assigned_ids() -> None:
    assert assigned_id("plans", 17) == "plan-17"
    assert numbered_id("plans", "plan-17") == 17
    assert numbered_id("plans", "product-17") is None
    assert numbered_id("offers", "offer-x") is None
    # an assigned id is a valid catalog slug:
    assert MODEL_BY_KIND["products"].model_validate({"id": assigned_id("products", 3), "name": "n"})


codes = st.sampled_from(["US", "CA", "GB", "NO", "DE"])
words = st.text(alphabet="abcdefghij -", min_size=1, max_size=12).filter(lambda s: s.strip() != "")


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    interval = draw(st.sampled_from([None, "day", "week", "month", "year"]))
    donation = draw(st.booleans())
    plan: dict[str, Any] = {
        "id": "p1", "nickname": draw(words), "product": draw(st.sampled_from(["a", "b"])),
        "amount": draw(st.integers(0, 99_999_999_999)), "currency": draw(st.sampled_from(["USD", "EUR"])),
        "interval": interval, "interval_count": draw(st.integers(1, 1000)),
        "is_donation": donation,
        "trial_period_days": draw(st.integers(0, 730)),
        "countries": draw(st.lists(codes, unique=True).map(sorted)),
        "status": draw(st.sampled_from(["active", "archived"])),
        "metadata": draw(st.dictionaries(st.sampled_from(["k", "team", "x"]), words, max_size=2)),
        "agency_id": draw(st.none() | st.sampled_from(["12", "0", "007", "acme"])),
        "agency_remit_rate": draw(st.none() | st.floats(0, 100, allow_nan=False)),
        "expires_at": draw(st.none() | st.dates().map(lambda d: d.isoformat())),
        "group_owner_plan": draw(st.none() | st.just("owner")),
        "name_internal": draw(st.none() | words),
        "type": draw(st.sampled_from(["regular", "membership"])),
        "member_seat_capacity": draw(st.none() | st.integers(1, 10_000_000)),
    }
    if not donation:
        plan["grants"] = draw(st.lists(st.sampled_from(["a", "b"]), min_size=1, unique=True).map(sorted))
    if draw(st.booleans()):
        plan["auto_renew"] = draw(st.booleans())
    dumped: dict[str, Any] = MODEL_BY_KIND["plans"].model_validate(plan).model_dump(mode="json")
    return dumped


@settings(max_examples=200, deadline=None)
@given(plans())
def test_any_plan_round_trips(plan: dict[str, Any]) -> None:
    refs = RefTable([("products", "a", 1), ("products", "b", 2), ("plans", "owner", 3), ("plans", "p1", 4)])
    assert round_trip("plans", plan, refs) == plan


def test_a_ref_table_from_platform_lists() -> None:
    objects = example_catalog().objects()
    refs = numbered(objects)
    platform = {kind: [to_platform(kind, d, refs.number(kind, i) or 0, refs) for i, d in table.items()]
                for kind, table in objects.items()}
    old = {**platform["plans"][0], "id": 1, "active": "archived"}  # an older generation
    platform["plans"].append(old)
    again = RefTable.from_platform(platform)
    for kind, table in objects.items():
        for ident in table:
            assert again.number(kind, ident) == refs.number(kind, ident)
    assert again.ident("plans", 1) == old["metadata"]["offerspec_id"]
    back = {kind: {from_platform(kind, p, again)[0]["id"] for p in items} for kind, items in platform.items()}
    assert back == {kind: set(table) for kind, table in objects.items()}
