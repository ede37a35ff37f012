"""Property: for random catalogs A and B, applying A then B leaves the store equal to B."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from offerspec.catalog import Catalog
from offerspec.diff.safety import PlanOptions
from offerspec.store.sqlite import SQLiteStore
from offerspec.workflow import plan, plan_and_apply

PLAN_IDS = ["a", "b", "c", "d", "e"]
OPTIONS = PlanOptions(allow_destroy=True)


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    products = draw(st.lists(st.sampled_from(["p1", "p2"]), min_size=1, unique=True))
    plans = []
    for ident in draw(st.lists(st.sampled_from(PLAN_IDS), unique=True)):
        plan_ = {
            "id": ident,
            "nickname": draw(st.sampled_from(["Monthly", "Yearly"])),
            "product": draw(st.sampled_from(products)),
            "amount": draw(st.sampled_from([0, 100, 999])),
            "currency": draw(st.sampled_from(["USD", "EUR"])),
            "interval": draw(st.sampled_from([None, "month", "year"])),
            "countries": draw(st.lists(st.sampled_from(["DE", "NO", "US"]), unique=True)),
            "metadata": draw(st.dictionaries(st.sampled_from(["k", "l"]), st.sampled_from(["v", "w"]))),
            "status": draw(st.sampled_from(["active", "active", "archived"])),
        }
        plans.append(plan_)
    active = [p["id"] for p in plans if p["status"] == "active"]
    offers = []
    if active:
        for ident in draw(st.lists(st.sampled_from(["o1", "o2"]), unique=True)):
            chosen = draw(st.lists(st.sampled_from(active), min_size=1, unique=True))
            offers.append({"id": ident, "name": draw(st.sampled_from(["One", "Two"])),
                           "plans": chosen})
    return {"products": [{"id": p, "name": p.upper()} for p in products],
            "plans": plans, "offers": offers}


@settings(max_examples=60, deadline=None)
@given(catalogs(), catalogs())
def test_apply_a_then_b_leaves_b(a: dict[str, Any], b: dict[str, Any]) -> None:
    cat_a, cat_b = Catalog.from_objects(a), Catalog.from_objects(b)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "store.db", "sqlite:///store.db")
        try:
            plan_and_apply(store, cat_a, OPTIONS)
            plan_and_apply(store, cat_b, OPTIONS)
            snapshot = store.snapshot()
            desired = cat_b.objects()
            for kind, table in desired.items():
                live = snapshot.objects[kind]
                assert {i: live[i].data for i in table} == table
                for ident, obj in live.items():
                    if ident not in table:
                        assert obj.status == "archived", (kind, ident)
            assert plan(cat_b, snapshot, OPTIONS).empty
            # Idempotent: applying B again changes nothing and records no revision.
            revisions = len(store.history())
            assert plan_and_apply(store, cat_b, OPTIONS)[1] is None
            assert len(store.history()) == revisions
        finally:
            store.close()
