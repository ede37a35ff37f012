"""Property: for random catalogs applied in turn, the store ends equal to the last one.

The catalogs share ids, so between two of them plans are created, updated, replaced (price,
currency, interval, grants), archived, unarchived, replaced while archived, and hard-deleted;
offers point at replaced plans and plans at group owner plans that get replaced. Every other
catalog goes through a saved plan file (JSON, read back and checked like `apply --plan`).
Run against every store (SQLite and PostgreSQL): each example gets a new store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conftest import STORES
from offerspec.catalog import Catalog
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Replace
from offerspec.diff.safety import PlanOptions
from offerspec.render.plan_json import load_plan, render_json
from offerspec.store.sqlite import SQLiteStore
from offerspec.workflow import apply, check_saved_plan, plan, plan_and_apply
from storekit import open_url

PLAN_IDS = ["a", "b", "c", "d", "e"]
OPTIONS = PlanOptions(allow_destroy=True)
DELETING = PlanOptions(allow_destroy=True, delete_removed=True)


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    products = draw(st.lists(st.sampled_from(["p1", "p2", "p3"]), min_size=1, unique=True))
    plans: list[dict[str, Any]] = []
    for ident in draw(st.lists(st.sampled_from(PLAN_IDS), unique=True)):
        product = draw(st.sampled_from(products))
        plan_ = {
            "id": ident,
            "nickname": draw(st.sampled_from(["Monthly", "Yearly", "Jährlich ✓"])),
            "product": product,
            "grants": draw(st.sampled_from([[product], products])),
            "amount": draw(st.sampled_from([0, 100, 999])),
            "currency": draw(st.sampled_from(["USD", "EUR"])),
            "interval": draw(st.sampled_from([None, "month", "year"])),
            "countries": draw(st.lists(st.sampled_from(["DE", "NO", "US"]), unique=True)),
            "metadata": draw(st.dictionaries(st.sampled_from(["k", "l"]), st.sampled_from(["v", "w"]))),
            "status": draw(st.sampled_from(["active", "active", "archived"])),
        }
        if plans and draw(st.booleans()):
            owner = draw(st.sampled_from(plans))  # validate wants the owner a membership plan
            owner.update(type="membership", member_seat_capacity=10)
            plan_["group_owner_plan"] = owner["id"]
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


def _apply(store: SQLiteStore, catalog: Catalog, deleting: bool, saved: Path | None) -> int:
    """Apply directly or through a saved plan file; returns the number of replaces."""
    options = DELETING if deleting else OPTIONS
    try:
        changeset = plan(catalog, store.snapshot(), options)
    except OfferspecError as exc:  # a delete of something still referenced: keep it archived
        assert "still referenced" in exc.message
        changeset = plan(catalog, store.snapshot(), OPTIONS)
    if changeset.empty:
        return 0
    if saved is not None:
        saved.write_text(render_json(changeset), encoding="utf-8")
        changeset = load_plan(saved)
        changeset = check_saved_plan(changeset, store.snapshot())  # an honest plan passes
    for change in changeset.changes:  # --hypothesis-show-statistics: what the runs covered
        event(f"{type(change).__name__} {change.kind}")
    apply(store, changeset)
    return sum(isinstance(c, Replace) for c in changeset.changes)


def _check_versions(store: SQLiteStore, replaces: dict[tuple[str, str], int]) -> None:
    """Every generation but the newest ends archived; the newest's last version is the head."""
    for kind, table in store.snapshot().objects.items():
        for ident, live in table.items():
            last: dict[int, dict[str, Any]] = {}
            for _, generation, data in store.versions(kind, ident):
                last[generation] = data
            assert last[live.generation] == live.data
            for generation, data in last.items():
                if generation != live.generation:
                    assert data["status"] == "archived", (kind, ident, generation)
            if (kind, ident) in replaces:
                assert len(last) >= replaces[(kind, ident)] + 1


def _check_numbers(store: SQLiteStore, numbered: dict[int, tuple[str, str, int]]) -> None:
    """Object numbers: one per (kind, id, generation), never reused (also after a delete);
    each head's is its generation's; ``objects`` lists them in order."""
    snapshot = store.snapshot()
    for kind in ("products", "plans", "offers"):
        stored = store.objects(kind)
        assert [o.number for o in stored] == sorted({o.number for o in stored})
        for obj in stored:
            key = (kind, obj.id, obj.generation)
            assert numbered.setdefault(obj.number, key) == key
            live = snapshot.objects[kind].get(obj.id)
            assert obj.head == (live is not None and live.number == obj.number)
            if obj.head:
                assert live is not None and obj.text == live.text
        heads = {o.id for o in stored if o.head}
        assert heads == set(snapshot.objects[kind])


@pytest.fixture(scope="module", params=STORES)
def new_store(request: pytest.FixtureRequest) -> Callable[[Path], Any]:
    """Makes a new, empty store (in a temp dir for SQLite, a new schema for PostgreSQL)."""
    if request.param == "sqlite":
        return lambda tmp: SQLiteStore(tmp / "store.db", "sqlite:///store.db")
    cluster = request.getfixturevalue("pg_cluster")
    return lambda tmp: open_url(cluster.url())


@settings(max_examples=100, deadline=None)
@given(st.lists(catalogs(), min_size=2, max_size=3), st.lists(st.booleans(), min_size=3,
                                                              max_size=3))
def test_applying_catalogs_in_turn_leaves_the_last(new_store: Callable[[Path], Any],
                                                   steps: list[dict[str, Any]],
                                                   deleting: list[bool]) -> None:
    cats = [Catalog.from_objects(step) for step in steps]
    with tempfile.TemporaryDirectory() as tmp:
        store = new_store(Path(tmp))
        try:
            replaced: dict[tuple[str, str], int] = {}
            numbered: dict[int, tuple[str, str, int]] = {}
            for n, (cat, delete) in enumerate(zip(cats, deleting, strict=False)):
                before = {i: o.generation for i, o in store.snapshot().objects["plans"].items()}
                _apply(store, cat, delete, Path(tmp) / "plan.json" if n % 2 else None)
                _check_numbers(store, numbered)
                for ident, live in store.snapshot().objects["plans"].items():
                    if ident in before and live.generation > before[ident]:
                        replaced[("plans", ident)] = replaced.get(("plans", ident), 0) + 1
            last = cats[-1]
            snapshot = store.snapshot()
            desired = last.objects()
            for kind, table in desired.items():
                live = snapshot.objects[kind]
                assert {i: live[i].data for i in table} == table
                for ident, obj in live.items():
                    if ident not in table:
                        assert obj.status == "archived", (kind, ident)
            assert plan(last, snapshot, OPTIONS).empty
            _check_versions(store, replaced)
            # Idempotent: applying again changes nothing and records no revision.
            revisions = len(store.history())
            assert plan_and_apply(store, last, OPTIONS)[1] is None
            assert len(store.history()) == revisions
        finally:
            store.close()
