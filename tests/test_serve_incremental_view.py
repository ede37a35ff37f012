"""After each API write the server carries its view to the next revision reading only what the
write touched (``View.updated``); that view must be the one a full read of the store gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import STORES
from offerspec.serve.view import View
from offerspec.serve.writes import Request, Writer, load_view
from offerspec.store.base import ReadsSome
from offerspec.store.url import open_store, resolve_store
from servekit import applied_store, cli_run, examples_store

REQUEST = Request("tester", "TEST", "/")


def same_view(incremental: View, full: View) -> None:
    assert incremental.revision == full.revision
    for kind in full.objects:
        assert list(incremental.objects[kind]) == list(full.objects[kind]), kind
        assert sorted(incremental.snapshot.objects[kind]) == list(full.snapshot.objects[kind])
        for ident, live in full.snapshot.objects[kind].items():
            assert incremental.snapshot.objects[kind][ident].text == live.text
            assert incremental.head_number(kind, ident) == full.head_number(kind, ident)
    assert incremental.rendered_objects.keys() == full.rendered_objects.keys()
    for key, rendered in full.rendered_objects.items():
        assert incremental.rendered_objects[key].body == rendered.body, key
        assert incremental.rendered_objects[key].etag == rendered.etag, key
    assert incremental.generations == full.generations
    assert incremental.referrers == full.referrers


@pytest.mark.parametrize("backend", STORES)
def test_every_kind_of_write_leaves_the_view_a_full_read_gives(
        request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    url = examples_store(request, backend, tmp_path)
    store = open_store(resolve_store(url), writable=True)
    try:
        assert isinstance(store, ReadsSome)  # else every write reads the store whole
        writer = Writer(store)
        view = writer.current()
        product = view.head_number("products", "digital-access")
        steps: list[Any] = [
            lambda: writer.create("products", {"name": "Audio"}, REQUEST),
            lambda: writer.create("plans", {"nickname": "W", "product_id": product, "amount": 299,
                                            "currency": "USD", "interval": "week"}, REQUEST),
            lambda: writer.create("offers", {"name": "Weekly", "plan_ids": [
                max(writer.current().objects["plans"])]}, REQUEST),
            lambda: writer.update("plans", max(writer.current().objects["plans"]),
                                  {"nickname": "Weekly!"}, None, REQUEST),
            lambda: writer.update("products", product, {"name": "Digital"}, None, REQUEST),
            lambda: writer.delete("offers", max(writer.current().objects["offers"]), None,
                                  REQUEST),
            lambda: writer.update("plans", max(writer.current().objects["plans"]),
                                  {"active": "archived"}, None, REQUEST),
        ]
        for step in steps:
            step()
            same_view(writer.current(), load_view(store))
    finally:
        store.close()


def test_a_cli_apply_meanwhile_is_read_whole(tmp_path: Path, cat: Path) -> None:
    url = applied_store(tmp_path, cat)
    store = open_store(resolve_store(url), writable=True)
    try:
        writer = Writer(store)
        before = writer.current()
        from storekit import edit

        edit(cat / "subscribe.yaml", "    amount: 9900\n", "    amount: 9500\n")  # a replace
        assert cli_run("apply", "--auto-approve", str(cat), "--store", url).exit_code == 0
        product = before.head_number("products", "digital-access")
        writer.update("products", product, {"name": "Digital"}, None, REQUEST)
        same_view(writer.current(), load_view(store))
        assert writer.current().revision == before.revision + 2
    finally:
        store.close()
