"""``offerspec compile``: canonical, byte-stable output whatever the file split or key order."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from conftest import EXAMPLES
from offerspec import Catalog, load_catalog
from offerspec.cli.validate import write_atomically
from offerspec.diagnostics import OfferspecError

PRODUCTS: list[dict[str, Any]] = [
    {"id": "digital", "name": "Digital Access", "metadata": {"b": "2", "a": "1"}},
    {"id": "print", "name": "Print Edition", "description": "On paper."},
    {"id": "supporter", "name": "Supporter"},
]
PLANS: list[dict[str, Any]] = [
    {"id": "monthly", "nickname": "Monthly", "product": "digital", "amount": 999, "currency": "USD",
     "interval": "month", "countries": ["US", "CA", "NO"]},
    {"id": "bundle", "nickname": "Bundle", "product": "digital", "grants": ["print", "digital"],
     "amount": 14900, "currency": "USD", "interval": "year", "expires_at": "2027-12-31"},
    {"id": "campus", "nickname": "Campus", "product": "digital", "amount": 500000, "currency": "USD",
     "interval": "year", "type": "membership", "member_seat_capacity": 500,
     "domains": ["example.edu", "alumni.example.edu", "b.example.edu"],
     "ip_addresses": ["192.0.2.0/24", "2001:DB8:100::/48", "198.51.100.7"], "agency_id": "x",
     "agency_remit_rate": 12.5},
    {"id": "donation", "nickname": "Donation", "product": "supporter", "is_donation": True,
     "amount": 500, "currency": "USD", "interval": "month"},
    {"id": "lifetime", "nickname": "Lifetime", "product": "digital", "amount": 49900, "currency": "EUR"},
]
OFFERS: list[dict[str, Any]] = [
    {"id": "subscribe", "name": "Subscribe", "plans": ["monthly", "bundle"]},
    {"id": "support", "name": "Support", "plans": ["lifetime", "donation"]},
]
SETS = ("countries", "domains", "ip_addresses", "grants")


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def shuffled(objects: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """Same objects: other order, other key order, set-like lists reordered."""
    out = []
    for obj in rng.sample(objects, len(objects)):
        keys = rng.sample(list(obj), len(obj))
        copy = {k: (rng.sample(obj[k], len(obj[k])) if k in SETS else obj[k]) for k in keys}
        out.append(copy)
    return out


@pytest.fixture
def compile_dir(run: Callable[..., Result]) -> Callable[[Path], str]:
    def go(directory: Path) -> str:
        result = run("compile", str(directory))
        assert result.exit_code == 0, result.output
        return result.stdout

    return go


def test_output_is_byte_identical_whatever_the_split_and_order(
        tmp_path: Path, compile_dir: Callable[[Path], str]) -> None:
    one = tmp_path / "one"
    one.mkdir()
    (one / "catalog.yaml").write_text(dump({"products": PRODUCTS, "plans": PLANS, "offers": OFFERS}))

    rng = random.Random(7)
    three = tmp_path / "three"
    (three / "sub").mkdir(parents=True)
    plans = shuffled(PLANS, rng)
    # The shuffle really reorders objects, keys and sets (else the test proves nothing).
    assert [p["id"] for p in plans] != [p["id"] for p in PLANS]
    assert any(list(p) != list(next(q for q in PLANS if q["id"] == p["id"])) for p in plans)
    assert any(p.get(k) != next(q for q in PLANS if q["id"] == p["id"]).get(k) for p in plans for k in SETS)
    (three / "z-offers-and-products.yaml").write_text(
        dump({"offers": shuffled(OFFERS, rng), "products": shuffled(PRODUCTS, rng)}))
    (three / "a-plans.yaml").write_text(dump({"plans": plans[:2]}))
    (three / "sub" / "more-plans.yml").write_text(dump({"plans": plans[2:]}))

    first, second = compile_dir(one), compile_dir(three)
    assert first == second
    assert json.loads(first)["catalog_hash"] == json.loads(second)["catalog_hash"]
    # The offers' plan lists are ordered: they were not reordered.
    assert [o["plans"] for o in json.loads(first)["offers"]] == [o["plans"] for o in OFFERS]


def test_a_changed_catalog_changes_the_bytes_and_the_hash(
        tmp_path: Path, compile_dir: Callable[[Path], str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "c.yaml").write_text(dump({"products": PRODUCTS, "plans": PLANS}))
    changed = [dict(p, amount=p["amount"] + 1) if p["id"] == "monthly" else p for p in PLANS]
    (tmp_path / "b" / "c.yaml").write_text(dump({"products": PRODUCTS, "plans": changed}))
    first, second = json.loads(compile_dir(tmp_path / "a")), json.loads(compile_dir(tmp_path / "b"))
    assert first["catalog_hash"] != second["catalog_hash"]
    assert first["catalog_hash"].startswith("sha256:") and len(first["catalog_hash"]) == 71


def test_defaults_are_filled_and_sets_sorted(tmp_path: Path, compile_dir: Callable[[Path], str]) -> None:
    (tmp_path / "c.yaml").write_text(dump({"products": PRODUCTS, "plans": PLANS, "offers": OFFERS}))
    document = json.loads(compile_dir(tmp_path))
    assert document["format_version"] == 1
    assert list(document) == ["catalog_hash", "format_version", "offers", "plans", "products"]
    plans = {p["id"]: p for p in document["plans"]}
    assert [p["id"] for p in document["plans"]] == sorted(plans)
    # grants: default [product]; [] for a donation; an explicit list is a sorted set.
    assert plans["monthly"]["grants"] == ["digital"]
    assert plans["donation"]["grants"] == []
    assert plans["bundle"]["grants"] == ["digital", "print"]
    # auto_renew: true with an interval, false without.
    assert plans["monthly"]["auto_renew"] is True
    assert plans["lifetime"]["auto_renew"] is False
    assert plans["lifetime"]["interval"] is None
    assert plans["monthly"]["interval_count"] == 1
    assert plans["monthly"]["trial_period_days"] == 0
    assert plans["monthly"]["available_online"] is True
    assert plans["monthly"]["status"] == "active"
    assert plans["monthly"]["metadata"] == {}
    # Every field is present, whether written or not.
    assert set(plans["monthly"]) == set(plans["campus"])
    assert plans["monthly"]["countries"] == ["CA", "NO", "US"]
    assert plans["campus"]["domains"] == ["alumni.example.edu", "b.example.edu", "example.edu"]
    assert plans["campus"]["ip_addresses"] == ["192.0.2.0/24", "198.51.100.7/32", "2001:db8:100::/48"]
    assert plans["campus"]["agency_remit_rate"] == 12.5
    assert plans["bundle"]["expires_at"] == "2027-12-31"
    products = {p["id"]: p for p in document["products"]}
    assert products["print"] == {"id": "print", "name": "Print Edition", "description": "On paper.",
                                 "status": "active", "metadata": {}}


def test_duplicate_set_entries_collapse(tmp_path: Path) -> None:
    plan = dict(PLANS[0], countries=["US", "US"], id="dup")  # a warning, still valid
    (tmp_path / "c.yaml").write_text(dump({"products": PRODUCTS, "plans": [plan]}))
    catalog, diagnostics = load_catalog([tmp_path])
    assert [d.code for d in diagnostics] == ["duplicate-entry"]
    assert catalog is not None
    assert catalog.plans["dup"].countries == ["US"]


def test_to_json_is_canonical_text(tmp_path: Path) -> None:
    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    text = catalog.to_json()
    assert text.endswith("}\n")
    document = json.loads(text)
    assert list(document) == sorted(document)
    # One object per line, each in the canonical compact form with sorted keys.
    object_lines = [line.strip().rstrip(",") for line in text.splitlines() if line.startswith("    {")]
    assert len(object_lines) == sum(len(document[k]) for k in ("products", "plans", "offers"))
    for line in object_lines:
        assert line == json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False)


def test_round_trip_through_json_keeps_the_hash() -> None:
    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    again = Catalog.from_json(catalog.to_json())
    assert again.content_hash() == catalog.content_hash()
    assert again.to_json() == catalog.to_json()
    assert again.plans["annual-digital-eur"].expires_at == catalog.plans["annual-digital-eur"].expires_at


def test_round_trip_of_compiled_fixture(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(dump({"products": PRODUCTS, "plans": PLANS, "offers": OFFERS}))
    catalog, _ = load_catalog([tmp_path])
    assert catalog is not None
    again = Catalog.from_json(catalog.to_json())
    assert again.to_json() == catalog.to_json()
    assert json.loads(catalog.to_json())["catalog_hash"] == again.content_hash()


def test_output_file_is_written(tmp_path: Path, run: Callable[..., Result]) -> None:
    out = tmp_path / "out" / "catalog.json"
    result = run("compile", str(EXAMPLES), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = out.read_text()
    stdout = run("compile", str(EXAMPLES)).stdout
    assert text == stdout
    assert result.stderr == f"wrote {out} ({json.loads(text)['catalog_hash']})\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["catalog.json"]


def test_output_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "catalog.json"
    out.write_text("old\n")
    seen: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        # The new content is complete in a temporary file beside the target before the rename.
        seen.append((Path(src).read_text(), Path(src).parent.as_posix()))
        assert out.read_text() == "old\n"
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomically(out, "new\n")
    assert out.read_text() == "new\n"
    assert seen == [("new\n", tmp_path.as_posix())]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.json"]


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "catalog.json"
    out.write_text("old\n")

    def broken(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OfferspecError, match=r"cannot write .*: disk full"):
        write_atomically(out, "new\n")
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.json"]


def test_compile_of_an_invalid_catalog_exits_1(tmp_path: Path, run: Callable[..., Result],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "c.yaml").write_text("plans:\n  - id: x\n    amount: 9.99\n")
    monkeypatch.chdir(catalog)
    out = tmp_path / "out.json"
    result = run("compile", "-o", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "c.yaml:3:13: error[schema]: amount must be an integer number of minor units, got 9.99" \
        in result.stderr
    assert not out.exists()


def test_compile_with_warnings_still_compiles_unless_strict(
        tmp_path: Path, run: Callable[..., Result]) -> None:
    plan = dict(PLANS[0], countries=["US", "US"])
    (tmp_path / "c.yaml").write_text(dump({"products": PRODUCTS, "plans": [plan]}))
    relaxed = run("compile", str(tmp_path))
    assert relaxed.exit_code == 0
    assert "warning[duplicate-entry]" in relaxed.stderr
    assert json.loads(relaxed.stdout)["plans"][0]["countries"] == ["US"]
    strict = run("compile", "--strict", str(tmp_path))
    assert strict.exit_code == 1
    assert strict.stdout == ""
    assert "error[duplicate-entry]" in strict.stderr


def test_unwritable_output_is_a_user_error_not_a_bug(tmp_path: Path, run: Callable[..., Result]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    result = run("compile", str(EXAMPLES), "-o", str(blocker / "catalog.json"))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: cannot write {blocker / 'catalog.json'}: ")
    assert "hint: pass -o a writable file path" in result.stderr
