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
    assert describe(FieldChange("plans", ["a", "b"], ["a", "c"])) == ['plans: ["a", "b"] → ["a", "c"]']


def test_nested_mappings_name_the_changed_keys() -> None:
    old = {"campaign": "spring", "channel": "web", "owner": "ada"}
    new = {"campaign": "autumn", "channel": "web", "region": "eu"}
    assert describe(FieldChange("metadata", old, new)) == [
        'metadata.campaign: "spring" → "autumn"',
        'metadata.owner: "ada" → (none)',
        'metadata.region: (none) → "eu"',
    ]
    assert describe(FieldChange("metadata", {}, {"tier": "gold"})) == ['metadata.tier: (none) → "gold"']


def test_set_like_lists_only_added_only_removed_reordered_and_gone() -> None:
    assert describe(FieldChange("countries", ["DE"], ["DE", "AT"])) == ["countries: + AT"]
    assert describe(FieldChange("countries", ["DE", "AT"], ["DE"])) == ["countries: - AT"]
    # same members in another order: nothing added or removed, so the whole values
    assert describe(FieldChange("countries", ["DE", "NO"], ["NO", "DE"])) == [
        'countries: ["DE", "NO"] → ["NO", "DE"]']
    assert describe(FieldChange("grants", ["p"], None)) == ['grants: ["p"] → (none)']


def test_values_are_json_unescaped_with_sorted_keys() -> None:
    assert describe(FieldChange("nickname", "Zürich", "Genève")) == ['nickname: "Zürich" → "Genève"']
    assert describe(FieldChange("metadata", {"b": "1", "a": "2"}, None)) == [
        'metadata: {"a": "2", "b": "1"} → (none)']


def test_nested_changes_deepdiff_reports_otherwise() -> None:
    # Only drifted live data can hold these; the lines still say what changed.
    assert describe(FieldChange("metadata", {"n": 1}, {"n": "1"})) == ['metadata.n: 1 → "1"']
    assert describe(FieldChange("metadata", {"n": [1, 2]}, {"n": [1, 3]})) == ["metadata.n.1: 2 → 3"]
    assert describe(FieldChange("metadata", {"n": [1]}, {"n": [1, 2]})) == [
        'metadata: {"n": [1]} → {"n": [1, 2]}']
    assert describe(FieldChange("metadata", {"a": "1"}, {})) == ['metadata.a: "1" → (none)']
