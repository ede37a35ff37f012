"""Helpers for the HTTP store tests: a real ``offerspec serve`` on loopback over a fresh SQLite
store (the platform), the token in the environment, and checks of the platform's state."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from offerspec.catalog import Catalog
from offerspec.model import KINDS
from offerspec.store.http.config import load_config
from offerspec.store.http.store import HttpStore
from servekit import WRITE, WRITE_TOKEN, ServerProcess, start_server, tokens_file


class Platform:
    """A running ``offerspec serve`` and what the tests need to reach it."""

    def __init__(self, server: ServerProcess, sqlite_url: str) -> None:
        self.server = server
        self.url = server.base
        self.sqlite_url = sqlite_url

    def store(self, parallelism: int = 4) -> HttpStore:
        return HttpStore(load_config(self.url), parallelism=parallelism)

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=WRITE, timeout=30)

    def lists(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        with self.http() as client:
            for kind in KINDS:
                for _ in range(50):  # the test's own reads meet serve's --faults too
                    try:
                        response = client.get(f"/{kind}", params={"per_page": 500})
                    except httpx.TransportError:
                        continue
                    if response.status_code == 200:
                        out[kind] = response.json()["data"]
                        break
                    time.sleep(0.05)
                else:
                    raise AssertionError(f"GET /{kind} kept failing")
        return out


@contextmanager
def platform(directory: Path, *extra: str) -> Iterator[Platform]:
    """``offerspec serve`` over a new SQLite store in ``directory`` (``extra``: serve's options,
    e.g. ``--faults``), with ``OFFERSPEC_TOKEN`` set to its write token meanwhile."""
    directory.mkdir(parents=True, exist_ok=True)
    sqlite_url = f"sqlite:///{directory}/platform.db"
    server = start_server(sqlite_url, tokens_file(directory), *extra)
    before = os.environ.get("OFFERSPEC_TOKEN")
    os.environ["OFFERSPEC_TOKEN"] = WRITE_TOKEN
    try:
        yield Platform(server, sqlite_url)
    finally:
        if before is None:
            os.environ.pop("OFFERSPEC_TOKEN", None)
        else:
            os.environ["OFFERSPEC_TOKEN"] = before
        server.stop()


def duplicates(lists: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(kind, offerspec_id) held by more than one active platform object (must be none)."""
    counts = Counter((kind, o["metadata"].get("offerspec_id")) for kind, items in lists.items()
                     for o in items if o["active"] == "active")
    return sorted(key for key, n in counts.items() if n > 1)


def dangling(lists: dict[str, list[dict[str, Any]]]) -> list[tuple[int, int]]:
    """(offer id, plan id) of every offer listing a plan that is missing or archived."""
    plans = {p["id"]: p for p in lists["plans"]}
    return [(o["id"], n) for o in lists["offers"] if o["active"] == "active"
            for n in o["plan_ids"] if n not in plans or plans[n]["active"] != "active"]


def live_equals(store: HttpStore, catalog: Catalog) -> None:
    """The platform holds exactly ``catalog``'s objects (others archived)."""
    snapshot = store.snapshot()
    for kind, table in catalog.objects().items():
        live = snapshot.objects[kind]
        assert {i: live[i].data for i in table if i in live} == table, kind
        assert set(table) <= set(live), (kind, set(table) - set(live))
        for ident, obj in live.items():
            if ident not in table:
                assert obj.status == "archived", (kind, ident)
