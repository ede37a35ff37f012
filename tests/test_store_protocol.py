"""The store protocol additions (PROTOCOL.md): object numbers, where a revision came from, the
hash offerspec last wrote, and the compact layout that keeps every text byte-identical."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offerspec.catalog import canonical_json
from offerspec.diff.safety import PlanOptions
from offerspec.model import MODEL_BY_KIND
from offerspec.store.base import ApplyMeta
from offerspec.store.compact import compact, expand, pack, static_defaults, unpack
from offerspec.workflow import load_desired, plan
from storekit import edit, open_url, query

META = ApplyMeta("sha256:x", "s", "u", "h")


@pytest.fixture
def url(store_url: str) -> str:
    return store_url


def applied(store: Any, path: Path, meta: ApplyMeta = META, options: PlanOptions | None = None,
            ) -> int:
    catalog, _ = load_desired([path])
    changes = plan(catalog, store.snapshot(), options).changes
    with store.lock(5):
        revision: int = store.apply(list(changes), store.current_revision(), meta)
    return revision


def test_every_generation_has_a_number_never_reused(cat: Path, url: str) -> None:
    store = open_url(url)
    try:
        applied(store, cat)
        first = {o.id: o.number for o in store.objects("plans")}
        assert sorted(first.values()) == list(range(min(first.values()),
                                                    min(first.values()) + len(first)))
        live = store.snapshot().objects["plans"]
        assert {i: o.number for i, o in live.items()} == first
        edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")  # a replace
        applied(store, cat)
        generations = [(o.generation, o.head, o.status, o.revision) for o in store.objects("plans")
                       if o.id == "monthly-digital"]
        assert generations == [(1, False, "archived", 2), (2, True, "active", 2)]
        new = store.snapshot().objects["plans"]["monthly-digital"].number
        everything = [o.number for k in ("products", "plans", "offers") for o in store.objects(k)]
        assert new == max(everything) and len(set(everything)) == len(everything)
    finally:
        store.close()


def test_a_deleted_object_recreated_gets_a_new_number(run, cat: Path, url: str) -> None:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    store = open_url(url)
    try:
        old = {o.id: o.number for o in store.objects("products")}
        catalog, _ = load_desired([cat])
        from offerspec.catalog import Catalog

        options = PlanOptions(allow_destroy=True, delete_removed=True, max_archive_share=1.0)
        for target in (Catalog.from_objects({}), Catalog.from_objects({})):
            with store.lock(5):
                changes = plan(target, store.snapshot(), options).changes
                store.apply(list(changes), store.current_revision(), META)
        assert store.objects("products") == []
        with store.lock(5):
            changes = plan(catalog, store.snapshot()).changes
            store.apply(list(changes), store.current_revision(), META)
        again = {o.id: o.number for o in store.objects("products")}
        assert again.keys() == old.keys()
        assert min(again.values()) > max(old.values())  # AUTOINCREMENT: never reused
    finally:
        store.close()


def test_source_is_stored_and_read_back(cat: Path, url: str) -> None:
    store = open_url(url)
    try:
        source = {"message": "Q3 prices ✓", "git_commit": "abc123", "via": "api"}
        number = applied(store, cat, ApplyMeta("sha256:x", "s", "u", "h", source=source))
        assert store.history()[-1].source == source
        assert store.revision(number).source == source
    finally:
        store.close()


def test_written_hashes_make_an_api_edit_show_as_drift(run, cat: Path, url: str) -> None:
    store = open_url(url)
    try:
        applied(store, cat)
        before = store.snapshot().objects["plans"]["monthly-digital"]
        edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
        meta = ApplyMeta("sha256:x", "s", "u", "h",
                         written_hashes={("plans", "monthly-digital"): before.hash})
        applied(store, cat, meta)
        after = store.snapshot().objects["plans"]["monthly-digital"]
        assert after.written_hash == before.hash and after.drifted
        others = store.snapshot().objects["plans"]["annual-digital"]
        assert not others.drifted
    finally:
        store.close()
    edit(cat / "subscribe.yaml", "nickname: Monthly\n", "nickname: Monthly Digital\n")
    result = run("plan", str(cat), "--store", url)
    assert "[drift: changed outside offerspec]" in result.stdout


def test_show_and_history_read_the_versions_referenced(run, cat: Path, url: str,
                                                        tmp_path: Path) -> None:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    planned = json.loads(run("plan", str(cat), "--store", url, "--format", "json").stdout)
    assert planned["changes"] == []
    edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")
    saved = tmp_path / "p.json"
    run("plan", str(cat), "--store", url, "--out", str(saved))
    assert run("apply", "--plan", str(saved), "--store", url).exit_code == 0
    shown = json.loads(run("show", "2", "--store", url, "--format", "json").stdout)
    written = json.loads(saved.read_text())["changes"]
    assert [c["data"] for c in shown["changes"]] == [c["data"] for c in written]
    assert [list(c) for c in shown["changes"]] == [list(c) for c in written]  # same keys, order
    # ... stored once: by reference
    (changes,) = query(url, "SELECT changes FROM revisions WHERE number = 2")[0]
    assert '"data"' not in changes and '"version"' in changes


# -- compaction: expanding gives back exactly the canonical JSON -------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                         st.floats(allow_nan=False), st.text(max_size=5))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)


@st.composite
def objects(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A full object of a kind: every defaulted field present, each either its default (or a
    near miss of it: 0 for false, 1.0 for 1, [] for null) or any JSON value; extra keys too."""
    kind = draw(st.sampled_from(["products", "plans", "offers"]))
    data: dict[str, Any] = {}
    for name in MODEL_BY_KIND[kind].model_fields:
        default = static_defaults(kind).get(name)
        near = [default, 0, 1, 1.0, False, True, None, [], {}, "", [draw(st.text(max_size=3))]]
        data[name] = draw(st.one_of(st.sampled_from(near), JSON))
    data.update(draw(st.dictionaries(st.text(max_size=6), JSON, max_size=2)))
    return kind, data


@settings(max_examples=400, deadline=None)
@given(objects())
def test_expanding_a_compact_object_gives_back_its_canonical_json(drawn: tuple[str, Any]) -> None:
    kind, data = drawn
    stored, is_compact = pack(kind, data)
    assert is_compact
    assert unpack(kind, stored, is_compact) == canonical_json(data)
    assert len(stored) <= len(canonical_json(data))


@settings(max_examples=200, deadline=None)
@given(objects(), st.data())
def test_an_object_missing_a_defaulted_field_is_kept_verbatim(drawn: tuple[str, Any],
                                                             more: st.DataObject) -> None:
    kind, data = drawn
    missing = more.draw(st.sampled_from(sorted(static_defaults(kind))))
    del data[missing]
    assert compact(kind, data) is None
    text = json.dumps(data)  # not even canonical: kept as it is
    assert pack(kind, data, text) == (text, False)
    assert unpack(kind, text, False) == text


def test_every_example_object_round_trips_and_shrinks(cat: Path) -> None:
    catalog, _ = load_desired([cat])
    full = small = 0
    for kind, table in catalog.objects().items():
        for data in table.values():
            stored, is_compact = pack(kind, data)
            assert is_compact and unpack(kind, stored, True) == canonical_json(data)
            assert expand(kind, json.loads(stored)) == data
            full, small = full + len(canonical_json(data)), small + len(stored)
    assert small < full / 2


def test_read_some_agrees_with_the_whole_store(cat: Path, url: str) -> None:
    from offerspec.store.base import ReadsSome

    store = open_url(url)
    try:
        applied(store, cat)
        edit(cat / "subscribe.yaml", "amount: 999 ", "amount: 1099 ")  # a replace
        applied(store, cat)
        assert isinstance(store, ReadsSome)
        keys = [("plans", "monthly-digital"), ("plans", "annual-digital"), ("offers", "nope")]
        some = store.read_some(keys)
        snapshot = store.snapshot()
        assert some.revision == snapshot.revision == 2
        assert {k: o.text for k, o in some.heads.items()} == {
            k: snapshot.objects[k[0]][k[1]].text for k in keys[:2]}
        assert some.stored[("offers", "nope")] == []
        everything = store.objects("plans")
        for kind, ident in keys[:2]:
            assert some.stored[(kind, ident)] == [o for o in everything if o.id == ident]
    finally:
        store.close()
