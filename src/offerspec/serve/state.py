"""The server's state: the store (used from one thread only), the current ``View``, the keys.

The store is opened, read and written in one dedicated thread (a SQLite connection belongs to
the thread that made it; writes are serial anyway, under the store's lock). The event loop
only reads the current ``View``; a poller notices revisions made by others (a CLI apply) within
``POLL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from offerspec.serve.auth import Tokens
from offerspec.serve.faults import Faults
from offerspec.serve.idempotency import IdempotencyKeys
from offerspec.serve.view import View
from offerspec.serve.writes import Writer
from offerspec.store.base import Store

POLL_SECONDS = 0.5
MAX_BATCH = 64
"""At most this many writes that arrived together are committed as one transaction."""
T = TypeVar("T")
log = logging.getLogger("offerspec.serve")


@dataclass(frozen=True, slots=True)
class ServeConfig:
    store_url: str | None
    """``--store`` (None: $OFFERSPEC_STORE, offerspec.toml, the default, as for every command)."""
    tokens: Tokens
    public_read: bool = False
    rate_limit: float | None = None
    faults: Faults | None = None
    lock_timeout: float = 10.0
    listen_url: str = ""
    store_env: str | None = None
    """``--env``: the environment of offerspec.toml whose store is served."""
    """Where the server listens (for the startup line)."""


def open_store_url(url: str | None, env: str | None = None) -> Store:
    from offerspec.store.url import open_store, resolve_store

    return open_store(resolve_store(url, env), writable=True)


class ServerState:
    def __init__(self, config: ServeConfig,
                 opener: Callable[[str | None, str | None], Store] = open_store_url) -> None:
        self.config = config
        self.opener = opener
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="offerspec-store")
        self.store: Store | None = None
        self.writer: Writer | None = None
        self._view: View | None = None
        self.keys = IdempotencyKeys()
        self._poller: asyncio.Task[None] | None = None
        self._pending: list[tuple[Callable[[Writer], Any], asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None

    @property
    def view(self) -> View:
        assert self._view is not None, "the server has not started"
        return self._view

    async def in_store_thread(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def write(self, job: Callable[[Writer], T]) -> T:
        """Run ``job`` with the writer in the store's thread, together with the writes that
        arrived meanwhile (``Writer.run_batch``: one transaction, one disk flush for all)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        writer = self.writer
        assert writer is not None
        while self._pending:
            taken, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                outcomes = await self.in_store_thread(
                    writer.run_batch, [job for job, _ in taken], self.config.lock_timeout)
            except Exception as exc:  # noqa: BLE001 - every waiting request gets it
                outcomes = [exc] * len(taken)
            for (_, future), outcome in zip(taken, outcomes, strict=True):
                if future.done():  # the request went away
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def start(self) -> None:
        def open_and_load() -> View:
            self.store = self.opener(self.config.store_url, self.config.store_env)
            self.writer = Writer(self.store)
            return self.writer.current()

        self._view = await self.in_store_thread(open_and_load)
        self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self.store is not None:
            await self.in_store_thread(self.store.close)
        self.executor.shutdown(wait=True)
        # a fresh one (threads start on first use): the app may be started again, as tests do
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="offerspec-store")

    async def simulator_view(self) -> View:
        """The current view with its catalog and simulator index built (in the store's thread
        the first time: a large catalog takes a moment, the event loop must not wait for it)."""
        view = self.view
        if view.catalog_ready():
            return view

        def build() -> None:
            from offerspec.simulate import index_for

            index_for(view.catalog())

        await self.in_store_thread(build)
        return view

    def publish(self, view: View) -> None:
        """A newer view (after a write): never replace a newer one with an older one."""
        if self._view is None or view.revision >= self._view.revision:
            self._view = view

    async def refresh(self) -> None:
        writer = self.writer
        assert writer is not None

        def newer() -> View | None:
            view = writer.current()  # the writer's view: read again only when the store moved
            return None if view.revision == self.view.revision else view

        view = await self.in_store_thread(newer)
        if view is not None:
            self.publish(view)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.refresh()
            except Exception:
                log.exception("reading the store's revision failed")
