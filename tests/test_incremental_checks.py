"""The checks of one write (``check.incremental`` through ``serve.checks.CatalogChecks``) find
exactly the errors that the rules find on the whole catalog.

Every rule's example catalogs (tests/cases) become writes: each object created on the catalog
of the others (when they pass), and each object of a ``fail-`` case written over a ``pass-``
case that differs from it in that one object; the examples also get each object archived (what
refers to it then breaks). Each time, the error codes of the one-write check must be the error
codes of the whole catalog checked as ``validate`` checks it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from offerspec.check.rules import load_rules
from offerspec.load.files import load_documents
from offerspec.model import KINDS
from offerspec.platform import RefTable
from offerspec.pull import to_source
from offerspec.serve.checks import CatalogChecks

CASES = Path(__file__).parent / "cases"
Objects = dict[str, dict[str, dict[str, Any]]]


def catalog_of(path: Path) -> Objects | None:
    """kind -> id -> object as written; None when the files cannot be read as objects."""
    documents, problems = load_documents([path])
    if problems:
        return None
    objects: Objects = {kind: {} for kind in KINDS}
    for document in documents:
        for kind in KINDS:
            for item in document.data.get(kind) or []:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str) \
                        or item["id"] in objects[kind]:
                    return None
                try:
                    to_source(kind, item)
                except (KeyError, TypeError):
                    return None
                objects[kind][item["id"]] = item
    return objects


def whole_catalog_errors(base: Objects, kind: str, ident: str, data: dict[str, Any]) -> list[str]:
    """The error codes of every rule on the whole catalog, ``base`` with ``data`` written."""
    checks = CatalogChecks(1, base, incremental=False)
    return sorted(p.code for p in checks.problems(kind, ident, data, RefTable()))


def one_write_errors(base: Objects, kind: str, ident: str, data: dict[str, Any]) -> list[str] | None:
    """The error codes of writing ``data`` as ``(kind, ident)`` on ``base`` (None: the base
    does not pass, so the write would be checked on the whole catalog anyway)."""
    checks = CatalogChecks(1, base)
    if not checks.clean:
        return None
    return sorted(p.code for p in checks.problems(kind, ident, data, RefTable()))


def with_object(objects: Objects, kind: str, ident: str, data: dict[str, Any] | None) -> Objects:
    out = {k: dict(table) for k, table in objects.items()}
    if data is None:
        out[kind].pop(ident, None)
    else:
        out[kind][ident] = data
    return out


def scenarios() -> list[tuple[str, Objects, str, str, dict[str, Any]]]:
    """(name, base catalog, kind, id, the object written)."""
    found = []
    catalogs = {p.name: catalog_of(p) for p in sorted(CASES.iterdir()) if p.is_dir()}
    for name, objects in catalogs.items():
        if objects is None:
            continue
        for kind in KINDS:
            for ident, data in objects[kind].items():  # created last, on the others
                found.append((f"{name}: create {kind}/{ident}",
                              with_object(objects, kind, ident, None), kind, ident, data))
    for name, failing in catalogs.items():
        if failing is None or not name.startswith("fail-"):
            continue
        for other, passing in catalogs.items():  # updated, on the near miss
            if passing is None or not other.startswith("pass-"):
                continue
            differ = [(k, i) for k in KINDS for i in {*failing[k], *passing[k]}
                      if failing[k].get(i) != passing[k].get(i)]
            if len(differ) == 1 and differ[0][1] in passing[differ[0][0]] \
                    and differ[0][1] in failing[differ[0][0]]:
                kind, ident = differ[0]
                found.append((f"{other} -> {name}: update {kind}/{ident}", passing, kind, ident,
                              failing[kind][ident]))
    examples = catalog_of(EXAMPLES)
    assert examples is not None
    for kind in ("products", "plans"):
        for ident, data in examples[kind].items():  # archived, under what refers to it
            found.append((f"examples: archive {kind}/{ident}", examples, kind, ident,
                          {**data, "status": "archived"}))
    return found


def test_one_write_finds_what_the_whole_catalog_check_finds() -> None:
    compared = 0
    seen: Counter[str] = Counter()
    for name, base, kind, ident, data in scenarios():
        got = one_write_errors(base, kind, ident, data)
        if got is None:
            continue
        expected = whole_catalog_errors(base, kind, ident, data)
        assert got == expected, name
        compared += 1
        seen.update(expected)
    assert compared > 150
    # every rule that compares objects was caught failing at least once
    comparing = {code for r in load_rules() if not r.local and r.reads is None for code in r.codes}
    warnings = {"offer-offline-plan", "offer-hidden-plan", "archived-reference"}
    # renamed_from is a declaration in catalog files, never an object's data: no write has it
    renames = {code for code in comparing if code.startswith("rename-")}
    assert {code for code in comparing if not seen[code]} <= warnings | renames


@pytest.mark.parametrize("field, values", [
    ("domains", (["example.edu"], ["staff.example.edu", "example.edu"])),
    ("ip_addresses", (["10.0.0.0/8"], ["10.20.0.0/16"])),
    ("ip_addresses", (["2001:db8::/32"], ["2001:db8:1::/48"])),
    ("ip_addresses", (["10.0.0.0/24"], ["0.0.0.0/0"])),
    ("apple_product_id", ("com.example.a", "com.example.a")),
])
def test_a_conflict_is_found_among_many_plans_and_reported_on_the_written_one(
        field: str, values: tuple[Any, Any]) -> None:
    base: Objects = {"products": {"p": {"id": "p", "name": "P"}}, "plans": {}, "offers": {}}
    for n in range(300):
        base["plans"][f"bulk-{n}"] = {"id": f"bulk-{n}", "nickname": "B", "product": "p",
                                      "amount": 100, "currency": "USD", "interval": "month"}
    base["plans"]["first"] = {**base["plans"]["bulk-0"], "id": "first", field: values[0]}
    checks = CatalogChecks(1, base)
    assert checks.clean
    new = {**base["plans"]["bulk-0"], "id": "second", field: values[1]}
    problems = checks.problems("plans", "second", new, RefTable())
    expected = whole_catalog_errors(base, "plans", "second", new)
    assert sorted(p.code for p in problems) == expected and expected
    assert all(not p.path.startswith("plans/") for p in problems)


def test_a_passed_write_is_kept_for_the_next_one() -> None:
    base: Objects = {"products": {"p": {"id": "p", "name": "P"}}, "plans": {}, "offers": {}}
    checks = CatalogChecks(1, base)
    plan = {"id": "a", "nickname": "A", "product": "p", "amount": 100, "currency": "USD",
            "interval": "month", "domains": ["example.edu"]}
    assert checks.problems("plans", "a", plan, RefTable()) == []
    checks.written(2, "plans", "a", plan)
    again = {**plan, "id": "b"}
    assert [p.code for p in checks.problems("plans", "b", again, RefTable())] == ["domain-conflict"]
    checks.written(3, "plans", "a", None)  # deleted: the domain is free again
    assert checks.problems("plans", "b", again, RefTable()) == []


@pytest.mark.parametrize("ident, change, code", [
    ("c", {"group_owner_plan": "a"}, "group-owner-cycle"),  # a -> b -> c -> a
    ("b", {"type": "regular", "member_seat_capacity": None}, "group-owner-not-membership"),
])
def test_references_are_followed_both_ways(ident: str, change: dict[str, Any], code: str) -> None:
    plan = {"nickname": "M", "product": "p", "amount": 100, "currency": "USD",
            "interval": "month", "type": "membership", "member_seat_capacity": 5}
    base: Objects = {"products": {"p": {"id": "p", "name": "P"}}, "offers": {}, "plans": {
        "a": {**plan, "id": "a", "group_owner_plan": "b"},
        "b": {**plan, "id": "b", "group_owner_plan": "c"},
        "c": {**plan, "id": "c"}}}
    for n in range(50):
        base["plans"][f"bulk-{n}"] = {**plan, "id": f"bulk-{n}"}
    new = {k: v for k, v in {**base["plans"][ident], **change}.items() if v is not None}
    got = one_write_errors(base, "plans", ident, new)
    assert got == whole_catalog_errors(base, "plans", ident, new) and code in (got or [])
