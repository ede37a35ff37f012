"""How a changed field reads in the text plan."""

from __future__ import annotations

from offerspec.diff.changes import FieldChange
from offerspec.diff.describe import describe


def test_scalars_read_old_to_new() -> None:
    assert describe(FieldChange("nickname", "A", "B")) == ['nickname: "A" → "B"']
    assert describe(FieldChange("expires_at", None, "2027-01-01")) == ['expires_at: (none) → "2027-01-01"']


def test_set_like_lists_read_as_added_and_removed() -> None:
    assert describe(FieldChange("countries", ["DE", "NO"], ["AT", "DE", "SE"])) == [
        "countries: + AT, SE; - NO"]


def test_an_offers_plan_order_is_shown_whole() -> None:
    assert describe(FieldChange("plans", ["a", "b"], ["b", "a"])) == ['plans: ["a", "b"] → ["b", "a"]']


def test_nested_mappings_name_the_changed_keys() -> None:
    old = {"campaign": "spring", "channel": "web", "owner": "ada"}
    new = {"campaign": "autumn", "channel": "web", "region": "eu"}
    assert describe(FieldChange("metadata", old, new)) == [
        'metadata.campaign: "spring" → "autumn"',
        'metadata.owner: "ada" → (none)',
        'metadata.region: (none) → "eu"',
    ]
    assert describe(FieldChange("metadata", {}, {"tier": "gold"})) == ['metadata.tier: (none) → "gold"']
