"""The diff as typed changes, asserted as tuples; plan JSON round trip."""

from __future__ import annotations

from typing import Any

import pytest

from offerspec.catalog import Catalog, canonical_json
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
    to_dict,
)
from offerspec.diff.compare import compare
from offerspec.diff.fields import PLAN_EDITABLE, REPLACE_FORCING
from offerspec.diff.safety import PlanOptions, UnsafePlan, check_safety
from offerspec.store.base import LiveObject, Snapshot, text_hash

PLAN = {"id": "m", "nickname": "Monthly", "product": "p", "amount": 999, "currency": "USD",
        "interval": "month"}


def objects(*plans: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    return Catalog.from_objects({"products": [{"id": "p", "name": "P"}],
                                 "plans": list(plans)}).objects()


def snapshot_of(objs: dict[str, dict[str, dict[str, Any]]], **edits: Any) -> Snapshot:
    live: dict[str, dict[str, LiveObject]] = {}
    for kind, table in objs.items():
        live[kind] = {}
        for ident, data in table.items():
            text = canonical_json(data)
            live[kind][ident] = LiveObject(kind, ident, 1, text, text_hash(text))
    return Snapshot("test", "sqlite:///t.db", 1, live)


def summary(changes: list[Any]) -> list[tuple[Any, ...]]:
    return [(action(c), c.kind, c.id, tuple((f.field, f.old, f.new) for f in getattr(c, "fields", ())))
            for c in changes]


def test_identical_is_empty() -> None:
    objs = objects(PLAN)
    assert compare(objs, snapshot_of(objs)) == []


def test_every_change_type() -> None:
    live = snapshot_of(objects(PLAN, {**PLAN, "id": "y", "interval": "year"},
                               {**PLAN, "id": "gone"}, {**PLAN, "id": "old", "status": "archived"}))
    desired = objects({**PLAN, "nickname": "Monthly!"}, {**PLAN, "id": "y", "interval": "month"},
                      {**PLAN, "id": "new"}, {**PLAN, "id": "old"})
    assert summary(compare(desired, live)) == [
        ("update", "plans", "m", (("nickname", "Monthly", "Monthly!"),)),
        ("create", "plans", "new", ()),
        ("unarchive", "plans", "old", (("status", "archived", "active"),)),
        ("replace", "plans", "y", (("interval", "year", "month"),)),
        ("archive", "plans", "gone", (("status", "active", "archived"),)),
    ]


def test_delete_only_archived_and_only_with_the_flag() -> None:
    live = snapshot_of(objects(PLAN, {**PLAN, "id": "old", "status": "archived"}))
    desired = objects()
    assert summary(compare(desired, live, delete_removed=False)) == [
        ("archive", "plans", "m", (("status", "active", "archived"),))]
    changes = compare(desired, live, delete_removed=True)
    assert [(action(c), c.id) for c in changes] == [("archive", "m"), ("delete", "old")]


def test_replace_names_forcing_fields_and_offers() -> None:
    live = snapshot_of(objects(PLAN))
    desired = objects({**PLAN, "amount": 1099, "currency": "EUR", "nickname": "M"})
    desired["offers"] = {"o": {"id": "o", "name": "O", "plans": ["m"]}}
    (replace,) = [c for c in compare(desired, live) if isinstance(c, Replace)]
    assert replace.forcing == ("amount", "currency")
    assert replace.offers == ("o",)
    assert (replace.generation, replace.new_generation) == (1, 2)


def test_field_lists_are_disjoint_and_cover_the_plan() -> None:
    assert not set(PLAN_EDITABLE) & REPLACE_FORCING["plans"]
    assert {"nickname", "trial_period_days", "countries", "metadata", "expires_at"} <= set(
        PLAN_EDITABLE)


@pytest.mark.parametrize("change", [
    Create("plans", "x", {"id": "x"}),
    Update("plans", "x", (FieldChange("nickname", "a", "b"),), {"id": "x"}, "h", 1, drifted=True),
    Replace("plans", "x", (FieldChange("amount", 1, 2),), ("amount",), {"id": "x"}, "h", 2, ("o",)),
    Archive("plans", "x", {"id": "x"}, "h", 1, (FieldChange("status", "active", "archived"),)),
    Unarchive("offers", "x", (), {"id": "x"}, "h", 3),
    Delete("products", "x", "h", 1),
])
def test_plan_json_round_trip(change: Any) -> None:
    assert from_dict(to_dict(change)) == change


def test_safety_share() -> None:
    objs = objects(*({**PLAN, "id": f"p{i}"} for i in range(10)))
    live = snapshot_of(objs)
    fewer = objects(*({**PLAN, "id": f"p{i}"} for i in range(4)))
    changes = compare(fewer, live)
    with pytest.raises(UnsafePlan, match="6 of 11"):
        check_safety(changes, live, PlanOptions())
    check_safety(changes, live, PlanOptions(max_archive_share=0.6))
    check_safety(changes, live, PlanOptions(allow_destroy=True))


def test_content_hash_from_texts_matches_the_catalog() -> None:
    from conftest import EXAMPLES
    from offerspec import load_catalog
    from offerspec.diff.changeset import content_hash
    from offerspec.diff.compare import canonical_texts

    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    assert content_hash(canonical_texts(catalog.objects())) == catalog.content_hash()


def test_text_renderer_pinned() -> None:
    from offerspec.diff.changeset import ChangeSet
    from offerspec.render.plan_text import render_text

    live = snapshot_of(objects(PLAN, {**PLAN, "id": "y", "interval": "year"},
                               {**PLAN, "id": "gone"}, {**PLAN, "id": "old", "status": "archived"}))
    drifted = live.objects["plans"]["m"]
    live.objects["plans"]["m"] = LiveObject("plans", "m", 1, drifted.text.replace("999", "1"),
                                            drifted.written_hash)
    desired = objects({**PLAN, "nickname": "Monthly!"}, {**PLAN, "id": "y", "interval": "month"},
                      {**PLAN, "id": "new"}, {**PLAN, "id": "old"})
    desired["offers"] = {"o": {"id": "o", "name": "O", "plans": ["y"]}}
    changes = tuple(compare(desired, live))
    text = render_text(ChangeSet(changes, "id", "sqlite:///t.db", 1, "sha256:x"))
    assert text == """\
Store: sqlite:///t.db (revision 1)

  -/+ plan m  (replace: amount forces a new version)  [drift: changed outside offerspec]
      nickname: "Monthly" (live) → "Monthly!" (catalog restores)
      amount: 0.01 USD (live) → 9.99 USD (catalog restores) (1 → 999)
      1. create m v2
      2. archive m v1 (its subscribers keep it)
  + plan new
      nickname: "Monthly"
      product: "p"
      grants: ["p"]
      amount: 9.99 USD (999)
      currency: "USD"
      interval: "month"
      interval_count: 1
      auto_renew: true
      trial_period_days: 0
      revenue_recognition: "time"
      renewal_strategy: "regular"
      available_online: true
      is_hidden: false
      refundable: false
      type: "regular"
      countries: []
      ip_addresses: []
      domains: []
      is_donation: false
      allow_send_invoice: false
      status: "active"
      metadata: {}
  + plan old  (unarchive)
      status: "archived" → "active"
  -/+ plan y  (replace: interval forces a new version)
      interval: "year" → "month"
      1. create y v2
      2. point offer(s) o at v2
      3. archive y v1 (its subscribers keep it)
  + offer o
      name: "O"
      plans: ["y"]
  - plan gone  (archive: kept for existing subscribers, no longer available)

2 to create, 0 to update, 2 to replace, 1 to archive, 1 to unarchive, 1 drifted
"""


def test_editing_an_archived_object_is_an_update_not_another_archive() -> None:
    archived = {**PLAN, "status": "archived"}
    changes = compare(objects({**archived, "nickname": "Old monthly"}), snapshot_of(objects(archived)))
    assert summary(changes) == [("update", "plans", "m", (("nickname", "Monthly", "Old monthly"),))]
