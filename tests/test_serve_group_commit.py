"""Writes that arrive together are committed as one SQLite transaction (one disk flush), each
still its own revision checked as when alone; a refused write leaves the others be, a failure
of the batch commits none of it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from offerspec.serve.errors import ApiError
from offerspec.serve.writes import Request, Writer, load_view
from offerspec.store.url import open_store, resolve_store
from servekit import WRITE, applied_store, cli_run, client
from test_serve_incremental_view import same_view

REQUEST = Request("tester", "POST", "/plans")


def plan(product: int, n: int, **extra: Any) -> dict[str, Any]:
    return {"nickname": f"P{n}", "product_id": product, "amount": 100 + n, "currency": "USD",
            "interval": "month", **extra}


def test_concurrent_posts_are_batched_each_its_own_revision(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = applied_store(tmp_path)
    sizes: list[int] = []
    real = Writer.run_batch

    def recording(self: Writer, jobs: Any, lock_timeout: float) -> Any:
        sizes.append(len(jobs))
        return real(self, jobs, lock_timeout)

    monkeypatch.setattr(Writer, "run_batch", recording)
    with client(url) as api:
        product = next(p["id"] for p in api.get("/products", headers=WRITE).json()["data"]
                       if p["metadata"]["offerspec_id"] == "digital-access")
        bodies = [plan(product, n) for n in range(24)]
        bodies[5] = plan(product, 5, trial_period_days=7, interval=None)  # refused: 422
        assert api._client is not None

        async def post_all() -> list[Any]:
            assert api._client is not None
            return list(await asyncio.gather(*(api._client.post("/plans", json=body, headers=WRITE)
                                               for body in bodies)))

        responses = api._run(post_all())
        statuses = [r.status_code for r in responses]
        assert statuses.count(201) == 23 and statuses[5] == 422
        numbers = [r.json()["id"] for r in responses if r.status_code == 201]
        assert len(set(numbers)) == 23
        for response in responses:
            if response.status_code == 201:
                again = api.get(f"/plans/{response.json()['id']}", headers=WRITE)
                assert again.json() == response.json()
    assert max(sizes) > 1, sizes  # some arrived together
    history = cli_run("history", "--store", url).output
    assert history.count("writer@") == 23  # one revision per write


def test_a_failed_batch_commits_nothing_and_the_writer_recovers(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    store = open_store(resolve_store(url), writable=True)
    try:
        writer = Writer(store)
        product = writer.current().head_number("products", "digital-access")
        assert product is not None
        before = store.current_revision()

        def broken(_: Writer) -> Any:
            raise RuntimeError("disk on fire")

        outcomes = writer.run_batch([lambda w: w.create("plans", plan(product, 1), REQUEST),
                                     broken,
                                     lambda w: w.create("plans", plan(product, 2), REQUEST)], 5)
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        assert store.current_revision() == before  # the first write was rolled back too
        outcomes = writer.run_batch([
            lambda w: w.create("plans", plan(product, 3), REQUEST),
            lambda w: w.create("plans", plan(product, 4, currency="XXX"), REQUEST),  # 422
            lambda w: w.create("plans", plan(product, 5), REQUEST)], 5)
        assert isinstance(outcomes[1], ApiError) and outcomes[1].status == 422
        assert not isinstance(outcomes[0], Exception) and not isinstance(outcomes[2], Exception)
        assert store.current_revision() == before + 2
        same_view(writer.current(), load_view(store))
    finally:
        store.close()
