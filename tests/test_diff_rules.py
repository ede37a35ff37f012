"""Each branch of the diff stage pinned as typed changes (found by mutating src/offerspec/diff)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from offerspec.catalog import Catalog, canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import (
    Archive,
    Create,
    Delete,
    FieldChange,
    Replace,
    Unarchive,
    Update,
    action,
    from_dict,
    is_drifted,
    to_dict,
)
from offerspec.diff.changeset import ChangeSet, make_changeset
from offerspec.diff.compare import compare
from offerspec.diff.fields import PLAN_EDITABLE, REPLACE_FORCING
from offerspec.diff.safety import PlanOptions, UnsafePlan, check_safety
from offerspec.diff.verify import verify_changes
from offerspec.model import Plan
from offerspec.store.base import LiveObject, Snapshot, text_hash

Objects = dict[str, dict[str, dict[str, Any]]]

_BASE = Catalog.from_objects({
    "products": [{"id": "p", "name": "P"}, {"id": "q", "name": "Q"}],
    "plans": [{"id": "m", "nickname": "Monthly", "product": "p", "amount": 999,
               "currency": "USD", "interval": "month"}],
    "offers": [{"id": "o", "name": "O", "plans": ["m"]}],
}).objects()
PRODUCT, PLAN, OFFER = _BASE["products"]["p"], _BASE["plans"]["m"], _BASE["offers"]["o"]
"""Canonical objects (every field present): compare() takes them as they are, unvalidated."""


def product(ident: str, **fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PRODUCT), "id": ident, "name": ident.upper(), **fields}


def plan(ident: str, **fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PLAN), "id": ident, **fields}


def offer(ident: str, *plans: str, **fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(OFFER), "id": ident, "plans": list(plans), **fields}


def catalog(*objs: dict[str, Any]) -> Objects:
    """Objects by kind, told apart by their fields."""
    out: Objects = {"products": {}, "plans": {}, "offers": {}}
    for obj in objs:
        kind = "plans" if "amount" in obj else "offers" if "plans" in obj else "products"
        out[kind][obj["id"]] = obj
    return out


def live(objs: Objects, *, drifted: tuple[str, ...] = (), generation: int = 1,
         texts: dict[str, str] | None = None) -> Snapshot:
    """A snapshot holding ``objs``; ids in ``drifted`` were edited outside offerspec."""
    table: dict[str, dict[str, LiveObject]] = {}
    for kind, by_id in objs.items():
        table[kind] = {}
        for ident, data in by_id.items():
            text = (texts or {}).get(ident, canonical_json(data))
            written = text_hash("something else") if ident in drifted else text_hash(text)
            table[kind][ident] = LiveObject(kind, ident, generation, text, written)
    return Snapshot("test", "sqlite:///t.db", 7, table)


def fields_of(change: Any) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((f.field, f.old, f.new) for f in getattr(change, "fields", ()))


def brief(changes: list[Any]) -> list[tuple[Any, ...]]:
    """(action, kind, id, fields, drifted) of each change, in apply order."""
    return [(action(c), c.kind, c.id, fields_of(c), is_drifted(c)) for c in changes]


# -- which fields force a replace --------------------------------------------------------------

FORCING_VALUES = {
    "amount": 1099, "currency": "EUR", "interval": "year", "interval_count": 3,
    "auto_renew": not PLAN["auto_renew"], "product": "q", "grants": ["p", "q"], "type": "membership",
    "is_donation": True, "renewal_strategy": "digital", "revenue_recognition": "shipment",
}


def test_every_replace_forcing_field_has_a_case() -> None:
    assert set(FORCING_VALUES) == REPLACE_FORCING["plans"]
    assert REPLACE_FORCING["products"] == REPLACE_FORCING["offers"] == frozenset()
    assert "id" not in PLAN_EDITABLE and "status" not in PLAN_EDITABLE
    assert set(PLAN_EDITABLE) == (set(Plan.model_fields) - REPLACE_FORCING["plans"]
                                  - {"id", "status", "renamed_from"})


@pytest.mark.parametrize("name", sorted(FORCING_VALUES))
def test_each_forcing_field_alone_forces_a_replace(name: str) -> None:
    before = catalog(PRODUCT, plan("m"))
    after = catalog(PRODUCT, plan("m", **{name: FORCING_VALUES[name]}))
    (change,) = compare(after, live(before))
    assert isinstance(change, Replace)
    assert (change.forcing, fields_of(change)) == ((name,), ((name, PLAN[name], FORCING_VALUES[name]),))


def _edited(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "XX"]
    if isinstance(value, dict):
        return {**value, "k": "v"}
    return "2030-01-01"  # None: any value


@pytest.mark.parametrize("kind, name", [
    *(("plans", n) for n in PLAN_EDITABLE),
    *(("products", n) for n in ("name", "description", "metadata")),
    *(("offers", n) for n in ("name", "description", "plans", "metadata")),
])
def test_each_editable_field_updates_in_place(kind: str, name: str) -> None:
    base = {"plans": plan("m"), "products": PRODUCT, "offers": OFFER}[kind]
    new = _edited(base[name])
    (change,) = compare(catalog({**base, name: new}), live(catalog(base), generation=2))
    assert (type(change), change.kind, fields_of(change), change.drifted, change.generation) == (
        Update, kind, ((name, base[name], new),), False, 2)


# -- archive, unarchive, replace of an archived id ----------------------------------------------

def test_archiving_in_the_catalog_with_an_edit_carries_the_edit_not_the_status() -> None:
    changes = compare(catalog(plan("m", status="archived", nickname="Old")),
                      live(catalog(plan("m"))))
    assert brief(changes) == [("archive", "plans", "m", (("nickname", "Monthly", "Old"),), False)]
    assert changes[0].data["status"] == "archived"


def test_unarchive_with_an_edit_shows_both_in_field_order() -> None:
    changes = compare(catalog(plan("m", nickname="Back")),
                      live(catalog(plan("m", status="archived")), generation=4))
    assert brief(changes) == [("unarchive", "plans", "m", (("nickname", "Monthly", "Back"),
                                                           ("status", "archived", "active")), False)]
    assert changes[0].generation == 4


def test_readding_an_archived_id_with_a_new_price_is_a_replace() -> None:
    (change,) = compare(catalog(plan("m", amount=1500)),
                        live(catalog(plan("m", status="archived"))))
    assert isinstance(change, Replace)
    assert (change.forcing, fields_of(change)) == (
        ("amount",), (("amount", 999, 1500), ("status", "archived", "active")))


# -- drift --------------------------------------------------------------------------------------

def test_drift_each_change_type_carries_it() -> None:
    was = catalog(PRODUCT, plan("a"), plan("b"), plan("c"), plan("d", status="archived"), plan("e"))
    now = catalog(PRODUCT, plan("a", nickname="A"), plan("b", amount=1), plan("c", status="archived"),
                  plan("d"))
    changes = compare(now, live(was, drifted=("a", "b", "c", "d", "e")))
    assert brief(changes) == [
        ("update", "plans", "a", (("nickname", "Monthly", "A"),), True),
        ("replace", "plans", "b", (("amount", 999, 1),), True),
        ("unarchive", "plans", "d", (("status", "archived", "active"),), True),
        ("archive", "plans", "c", (), True),
        ("archive", "plans", "e", (("status", "active", "archived"),), True),
    ]


def test_drifted_object_the_catalog_now_matches_is_adopted() -> None:
    objs = catalog(PRODUCT, plan("m"))
    (change,) = compare(objs, live(objs, drifted=("m",)))
    assert brief([change]) == [("update", "plans", "m", (), True)]
    assert compare(objs, live(objs)) == []  # not drifted: nothing to do


def test_same_content_in_other_text_is_recorded_and_drift_is_told_apart() -> None:
    objs = catalog(PRODUCT, plan("m"))
    spaced = {"m": canonical_json(PLAN).replace(",", ", ")}
    # Written so by offerspec (e.g. an older version): not drift, but the text is made canonical.
    assert brief(compare(objs, live(objs, texts=spaced))) == [("update", "plans", "m", (), False)]
    # Re-spaced by hand: drift.
    assert brief(compare(objs, live(objs, texts=spaced, drifted=("m",)))) == [
        ("update", "plans", "m", (), True)]


def test_a_field_only_the_live_object_has_is_a_change_after_the_catalogs() -> None:
    old = {"legacy": "x", **plan("m")}
    changes = compare(catalog(plan("m", nickname="N", description="D")),
                      live({"plans": {"m": old}}))
    assert fields_of(changes[0]) == (("nickname", "Monthly", "N"), ("description", None, "D"),
                                     ("legacy", "x", None))


# -- replace: offers and group plans ------------------------------------------------------------

def test_replace_names_every_offer_and_group_plan_in_catalog_order() -> None:
    was = catalog(PRODUCT, plan("owner"), plan("g2", group_owner_plan="owner"),
                  plan("g1", group_owner_plan="owner"), offer("b", "owner"), offer("a", "g1", "owner"))
    now = copy.deepcopy(was)
    now["plans"]["owner"]["amount"] = 1
    now["plans"]["g1"]["amount"] = 2
    replaces = {c.id: c for c in compare(now, live(was, generation=2))}
    owner, member = replaces["owner"], replaces["g1"]
    assert isinstance(owner, Replace) and isinstance(member, Replace)
    assert (owner.offers, owner.group_plans, owner.generation, owner.new_generation) == (
        ("b", "a"), ("g2", "g1"), 2, 3)
    assert (member.offers, member.group_plans) == (("a",), ())


# -- removed objects: archive, then delete only with the flag -----------------------------------

def test_removed_object_is_archived_keeping_its_data_and_generation() -> None:
    was = catalog(PRODUCT, plan("m", nickname="Kept"))
    (change,) = compare(catalog(PRODUCT), live(was, generation=5))
    assert change == Archive("plans", "m", {**was["plans"]["m"], "status": "archived"},
                             text_hash(canonical_json(was["plans"]["m"])), 5,
                             (FieldChange("status", "active", "archived"),), False)


def test_removed_archived_object_is_deleted_only_with_the_flag() -> None:
    was = catalog(PRODUCT, plan("m", status="archived"))
    snap = live(was, generation=3)
    assert compare(catalog(PRODUCT), snap) == []
    assert compare(catalog(PRODUCT), snap, delete_removed=True) == [
        Delete("plans", "m", snap.objects["plans"]["m"].hash, 3)]


def test_apply_order_builds_parents_first_and_tears_down_children_first() -> None:
    was = catalog(product("z-old", status="archived"), product("x"), PRODUCT,
                  plan("n"), plan("m"), offer("w", "n"), offer("o", "m"))
    now = catalog(PRODUCT, product("r"), plan("m"), plan("k", product="r"), offer("o", "m"),
                  offer("v", "k"))
    changes = compare(now, live(was), delete_removed=True)
    assert [(action(c), c.kind, c.id) for c in changes] == [
        ("create", "products", "r"), ("create", "plans", "k"), ("create", "offers", "v"),
        ("archive", "offers", "w"), ("archive", "plans", "n"),
        ("archive", "products", "x"), ("delete", "products", "z-old"),
    ]


def test_objects_deleted_together_may_refer_to_each_other() -> None:
    was = catalog(PRODUCT, plan("m", status="archived"), offer("o", "m", status="archived"))
    changes = compare(catalog(PRODUCT), live(was), delete_removed=True)
    assert [(action(c), c.kind, c.id) for c in changes] == [
        ("delete", "offers", "o"), ("delete", "plans", "m")]


@pytest.mark.parametrize("was, now, message", [
    # a product a staying plan grants (not its own product)
    (catalog(PRODUCT, product("q", status="archived"), plan("m", grants=["p", "q"])),
     catalog(PRODUCT, plan("m", grants=["p", "q"])), "product q (referenced by plan m)"),
    # a staying plan's own product, named once though the plan also grants it
    (catalog(product("q", status="archived"), plan("m", product="q", grants=["q"], status="archived")),
     catalog(plan("m", product="q", grants=["q"], status="archived")),
     "product q (referenced by plan m)"),
    # a staying plan's own product that it does not grant
    (catalog(product("q", status="archived"), plan("m", product="q", grants=None, status="archived")),
     catalog(plan("m", product="q", grants=None, status="archived")),
     "product q (referenced by plan m)"),
    # the group-owner plan of a staying plan
    (catalog(PRODUCT, plan("owner", status="archived"), plan("member", group_owner_plan="owner")),
     catalog(PRODUCT, plan("member", group_owner_plan="owner")),
     "plan owner (referenced by plan member)"),
    # a plan an offer still lists, the offer only in the store (archived now, and staying)
    (catalog(PRODUCT, plan("m", status="archived"), offer("o", "m")), catalog(PRODUCT),
     "plan m (referenced by offer o)"),
])
def test_delete_refused_while_a_staying_object_refers_to_it(was: Objects, now: Objects,
                                                             message: str) -> None:
    with pytest.raises(OfferspecError) as info:
        compare(now, live(was), delete_removed=True)
    assert info.value.message == f"refusing to delete objects that are still referenced: {message}"
    assert info.value.hint == "remove the references first, or leave these objects archived"


def test_every_refused_delete_is_named_sorted() -> None:
    was = catalog(PRODUCT, product("q", status="archived"), plan("m", grants=["p", "q"]),
                  plan("a", status="archived"), offer("o", "m", "a"))
    now = catalog(PRODUCT, plan("m", grants=["p", "q"]), offer("o", "m", "a"))
    with pytest.raises(OfferspecError) as info:
        compare(now, live(was), delete_removed=True)
    assert info.value.message.endswith(
        ": plan a (referenced by offer o), product q (referenced by plan m)")


# -- safety rails -------------------------------------------------------------------------------

def _products(n: int, **fields: Any) -> list[dict[str, Any]]:
    return [product(f"p{i}", **fields) for i in range(n)]


def _share_case(keep: int, total: int = 10) -> tuple[list[Any], Snapshot]:
    snap = live(catalog(*_products(total)))
    return compare(catalog(*_products(keep)), snap), snap


def test_archive_share_exactly_at_the_limit_passes_one_more_is_refused() -> None:
    changes, snap = _share_case(keep=5)
    check_safety(changes, snap, PlanOptions(max_archive_share=0.5))
    changes, snap = _share_case(keep=4)
    with pytest.raises(UnsafePlan) as info:
        check_safety(changes, snap, PlanOptions(max_archive_share=0.5))
    assert info.value.message == ("this plan would archive or delete 6 of 10 live objects "
                                  "(60%, more than --max-archive-share 0.5)")
    assert info.value.hint == "check the catalog, then pass --max-archive-share 0.60 or --allow-destroy"
    check_safety(changes, snap, PlanOptions(max_archive_share=0.6))  # the hint's value passes


def test_hint_rounds_the_share_up_to_a_value_that_passes() -> None:
    changes, snap = _share_case(keep=17, total=37)  # 20/37 = 0.5405...: 0.54 would not pass
    with pytest.raises(UnsafePlan) as info:
        check_safety(changes, snap, PlanOptions(max_archive_share=0.5))
    assert "(54%, more than" in info.value.message and "--max-archive-share 0.55 or" in str(
        info.value.hint)
    check_safety(changes, snap, PlanOptions(max_archive_share=0.55))
    with pytest.raises(UnsafePlan):
        check_safety(changes, snap, PlanOptions(max_archive_share=0.54))


def test_archiving_everything_is_refused_at_any_share_unless_allowed() -> None:
    # the archived objects are not live: two of two live objects go
    snap = live(catalog(*_products(2), product("old1", status="archived"),
                        product("old2", status="archived")))
    changes = compare(catalog(product("old1", status="archived"),
                              product("old2", status="archived")), snap)
    assert len(changes) == 2
    with pytest.raises(UnsafePlan) as info:
        check_safety(changes, snap, PlanOptions(max_archive_share=1.0))
    assert info.value.message == "this plan would archive or delete every live object (2 of 2)"
    assert "pass --allow-destroy" in str(info.value.hint)
    check_safety(changes, snap, PlanOptions(max_archive_share=0.0, allow_destroy=True))


def test_deleting_archived_objects_is_not_removing_live_ones() -> None:
    snap = live(catalog(PRODUCT, plan("a", status="archived"), plan("b", status="archived")))
    changes = compare(catalog(PRODUCT), snap, delete_removed=True)
    assert [action(c) for c in changes] == ["delete", "delete"]
    check_safety(changes, snap, PlanOptions(max_archive_share=0.0))


def test_a_delete_of_a_live_object_counts_as_removing_it() -> None:
    snap = live(catalog(*_products(3)))
    deletes = [Delete("products", f"p{i}", "h", 1) for i in range(2)]
    with pytest.raises(UnsafePlan, match="2 of 3 live objects"):
        check_safety(deletes, snap, PlanOptions())


def test_make_changeset_checks_only_when_asked_and_keeps_its_options() -> None:
    cat = Catalog.from_objects({"products": [{"id": "other", "name": "Other"}]})
    snap = live(catalog(*_products(3)))
    with pytest.raises(UnsafePlan):
        make_changeset(cat, snap)
    options = PlanOptions(delete_removed=True, max_archive_share=0.25)
    changeset = make_changeset(cat, snap, options, check=False)
    assert changeset.options == options
    assert (changeset.store_identity, changeset.store_url, changeset.base_revision) == (
        "test", "sqlite:///t.db", 7)
    assert changeset.touched() == {("products", "other"): None,
                                   **{("products", f"p{i}"): snap.objects["products"][f"p{i}"].hash
                                      for i in range(3)}}
    archived = live(catalog(product("other", name="Other"), product("gone", status="archived")))
    deleted = make_changeset(cat, archived, PlanOptions(delete_removed=True))
    assert [action(c) for c in deleted.changes] == ["delete"]


# -- the summary line ---------------------------------------------------------------------------

def test_summary_names_unarchive_delete_and_drift_only_when_there_are_any() -> None:
    def summary(*changes: Any) -> str:
        return ChangeSet(tuple(changes), "i", "u", 0, "h").summary()

    assert summary() == "No changes."
    assert summary(Create("plans", "x", {})) == (
        "1 to create, 0 to update, 0 to replace, 0 to archive")
    assert summary(Unarchive("plans", "x", (), {}, "h", 1, drifted=True),
                   Delete("plans", "y", "h", 1), Delete("plans", "z", "h", 1)) == (
        "0 to create, 0 to update, 0 to replace, 0 to archive, 1 to unarchive, 2 to delete, "
        "1 drifted")


# -- plan JSON form of one change ---------------------------------------------------------------

def test_to_dict_of_each_change_type_is_pinned() -> None:
    fc = (FieldChange("amount", 1, 2),)
    assert to_dict(Create("plans", "x", {"id": "x"})) == {
        "action": "create", "kind": "plans", "id": "x", "live_hash": None, "data": {"id": "x"}}
    assert to_dict(Replace("plans", "x", fc, ("amount",), {"id": "x"}, "h", 2, ("o",),
                           group_plans=("g",))) == {
        "action": "replace", "kind": "plans", "id": "x", "live_hash": "h", "generation": 2,
        "fields": [{"field": "amount", "old": 1, "new": 2}], "forcing": ["amount"],
        "new_generation": 3, "offers": ["o"], "group_plans": ["g"], "drifted": False,
        "data": {"id": "x"}}
    assert to_dict(Delete("offers", "x", "h", 4)) == {
        "action": "delete", "kind": "offers", "id": "x", "live_hash": "h", "generation": 4}
    assert to_dict(Unarchive("products", "x", fc, {}, "h", 1, True))["fields"] == [
        {"field": "amount", "old": 1, "new": 2}]
    assert to_dict(Archive("products", "x", {}, "h", 1, fc, True))["fields"] == [
        {"field": "amount", "old": 1, "new": 2}]


@pytest.mark.parametrize("change", [
    Replace("plans", "x", (FieldChange("amount", 1, 2),), ("amount",), {"id": "x"}, "h", 2,
            ("o", "p"), drifted=True, group_plans=("g",)),
    Unarchive("offers", "x", (FieldChange("status", "archived", "active"),), {"id": "x"}, "h", 3,
              drifted=True),
    Archive("plans", "x", {"id": "x"}, "h", 1, (FieldChange("nickname", "a", "b"),), True),
])
def test_round_trip_keeps_every_detail(change: Any) -> None:
    assert from_dict(to_dict(change)) == change


@pytest.mark.parametrize("raw", [
    {"action": "create", "kind": "widgets", "id": "x", "data": {}},   # unknown kind
    {"action": "create", "id": "x", "data": {}},                      # KeyError
    {"action": "update", "kind": "plans", "id": "x", "data": {}, "live_hash": "h",
     "generation": None},                                             # TypeError
    {"action": "update", "kind": "plans", "id": "x", "data": {}, "live_hash": "h",
     "generation": "one"},                                            # ValueError
    {"action": "update", "kind": "plans", "id": "x", "data": "text", "live_hash": "h",
     "generation": 1},                                                # ValueError (dict("text"))
    {"action": "archive", "kind": "plans", "id": "x", "data": {}, "live_hash": "h",
     "generation": 1, "fields": [5]},                                 # TypeError
])
def test_malformed_change_is_a_user_error(raw: dict[str, Any]) -> None:
    with pytest.raises(OfferspecError, match="malformed change in plan file") as info:
        from_dict(raw)
    assert info.value.hint == "create the plan again with: offerspec plan --out FILE"


def test_a_change_read_without_the_optional_keys_has_their_defaults() -> None:
    raw = {"action": "replace", "kind": "plans", "id": "x", "data": {}, "live_hash": "h",
           "generation": 1, "forcing": ["amount"]}
    assert from_dict(raw) == Replace("plans", "x", (), ("amount",), {}, "h", 1)


def test_only_changes_that_can_drift_say_so() -> None:
    assert not is_drifted(Create("plans", "x", {}))
    assert not is_drifted(Delete("plans", "x", "h", 1))
    assert is_drifted(Archive("plans", "x", {}, "h", 1, (), True))


# -- verify: a saved plan must do what it shows -------------------------------------------------

def _store() -> Snapshot:
    return live(catalog(PRODUCT, plan("m"), plan("n"), plan("old", status="archived"),
                        offer("o", "m")))


def test_an_honest_plan_of_every_change_type_verifies() -> None:
    snap = _store()
    now = catalog(PRODUCT, product("new"), plan("m", nickname="M", amount=5),
                  plan("old", nickname="Back"), plan("k", product="new", grants=["new"]),
                  offer("o", "m", "k"))
    changes = compare(now, snap)
    assert {action(c) for c in changes} == {"create", "replace", "unarchive", "archive", "update"}
    assert verify_changes(changes, snap, PlanOptions()) == []
    gone = catalog(PRODUCT, plan("m"), plan("n"), offer("o", "m"))
    deletes = compare(gone, snap, delete_removed=True)
    assert [action(c) for c in deletes] == ["delete"]
    assert verify_changes(deletes, snap, PlanOptions(delete_removed=True)) == []


def _update(ident: str, data: dict[str, Any], *fields: FieldChange, generation: int = 1,
            cls: type = Update) -> Any:
    return cls("plans", ident, fields, data, "h", generation)


@pytest.mark.parametrize("changes, options, problem", [
    ([Delete("plans", "old", "h", 1)], PlanOptions(),
     "plan old: a delete in a plan made without --delete-removed"),
    ([Delete("plans", "n", "h", 1)], PlanOptions(delete_removed=True),
     "plan n: only an archived object can be deleted"),
    ([Delete("plans", "nope", "h", 1)], PlanOptions(delete_removed=True),
     "plan nope: only an archived object can be deleted"),
    ([Create("plans", "n", plan("n"))], PlanOptions(), "plan n: a create of an existing object"),
    ([_update("nope", plan("nope"), FieldChange("nickname", "a", "b"))], PlanOptions(),
     "plan nope: an update of an object that is not in the store"),
    ([_update("n", plan("n", nickname="N", status="archived"),
              FieldChange("nickname", "Monthly", "N"))], PlanOptions(),
     "plan n: the plan shows update (nickname) but its data means archive (nickname)"),
    ([_update("n", plan("n", nickname="N"), FieldChange("nickname", "Monthly", "N"), generation=2)],
     PlanOptions(), "plan n: the plan shows update (nickname) but its data means update (nickname)"),
    ([Replace("plans", "n", (FieldChange("amount", 999, 1), FieldChange("currency", "USD", "EUR")),
              ("amount",), plan("n", amount=1, currency="EUR"), "h", 1)], PlanOptions(),
     "plan n: the plan shows replace (amount, currency) but its data means replace (amount, currency)"),
    ([_update("old", plan("old", nickname="B"), FieldChange("status", "archived", "active"),
              cls=Unarchive)], PlanOptions(),
     "plan old: the plan shows unarchive but its data means unarchive (nickname)"),
])
def test_a_change_that_does_not_do_what_it_shows_is_refused(changes: list[Any], options: PlanOptions,
                                                            problem: str) -> None:
    assert verify_changes(changes, _store(), options) == [problem]


def test_refused_references_and_repeats_are_each_named() -> None:
    snap = _store()
    changes = [Delete("plans", "old", snap.objects["plans"]["old"].hash, 1),
               Create("offers", "x", offer("x", "old", "k")), Create("plans", "k", plan("k")),
               Create("plans", "k", plan("k"))]
    assert verify_changes(changes, snap, PlanOptions(delete_removed=True)) == [
        "plan k: changed twice",
        "offer x would refer to plan old, which would not exist",
        "refusing to delete objects that are still referenced: plan old (referenced by offer x)",
    ]
