"""The HTTP store: a platform's plans REST API (docs/platform-api.md) as an offerspec store.

What a transactional store guarantees and REST cannot, and what this store does instead:

- atomic apply -> ordered, idempotent, resumable steps (``steps``, ``runner``): a stopped apply
  leaves a consistent platform, ``offerspec plan`` shows the rest, ``apply`` finishes it;
- the apply lock -> ``If-Match`` with the plan-time ETag on every write: a concurrent change
  stops the apply with a 412 naming the object; ``lock`` holds nothing;
- revisions -> none on the platform: ``history``/``show``/``force-unlock`` say so (under
  ``offerspec serve`` the revisions are in the store serve serves).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changeset import PLATFORM_IDENTITY
from offerspec.model import KINDS
from offerspec.platform import OFFERSPEC_HASH, OFFERSPEC_ID, catalog_id_of, offerspec_hash_of
from offerspec.store.base import (
    ApplyMeta,
    LockInfo,
    Progress,
    RevisionInfo,
    StoredObject,
    current_user,
    now,
    text_hash,
)
from offerspec.store.http.client import Client
from offerspec.store.http.config import HttpConfig, load_config
from offerspec.store.http.runner import Outcome, Runner, plan_hash
from offerspec.store.http.snapshot import (
    RemoteSnapshot,
    catalog_data,
    read_snapshot,
    stored_objects,
)
from offerspec.store.http.steps import plan_steps, touched

DEFAULT_PARALLELISM = 4


def no_revisions(what: str) -> OfferspecError:
    return OfferspecError(
        f"{what}: an HTTP store is a platform, and the platform keeps no offerspec revisions "
        "(nor an apply lock)",
        hint="when the platform is offerspec serve, its revisions are in the store it serves: "
             "offerspec history --store <serve's --store URL>")


class HttpStore:
    keeps_revisions = False

    def __init__(self, config: HttpConfig, *, parallelism: int = DEFAULT_PARALLELISM) -> None:
        self.config = config
        self.url = config.url
        self.identity = f"{PLATFORM_IDENTITY}{config.base}"
        self.parallelism = parallelism
        self.client = Client(config, pool=max(8, parallelism * 2))
        self._snapshot: RemoteSnapshot | None = None
        self.last_outcome: Outcome | None = None

    @classmethod
    def open(cls, url: str) -> HttpStore:
        return cls(load_config(url))

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self) -> RemoteSnapshot:
        lists = {kind: self.client.list_all(kind) for kind in KINDS}
        self._snapshot = read_snapshot(self.url, self.identity, lists)
        return self._snapshot

    def objects(self, kind: str) -> list[StoredObject]:
        return stored_objects(self._snapshot or self.snapshot(), kind)

    def versions(self, kind: str, ident: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
        for obj in self.objects(kind):
            if obj.id == ident:
                yield 0, obj.generation, obj.data

    def current_revision(self) -> int:
        return 0

    # -- what REST has instead -----------------------------------------------------------------

    def lock(self, timeout: float, on_wait: Callable[[LockInfo], None] | None = None,
             ) -> AbstractContextManager[LockInfo]:
        """No lock over REST: every write carries If-Match instead (see the module)."""
        return nullcontext(LockInfo("none", current_user(), socket.gethostname(), os.getpid(), now()))

    def history(self) -> list[RevisionInfo]:
        raise no_revisions("offerspec history")

    def revision(self, number: int) -> RevisionInfo:
        raise no_revisions("offerspec show")

    def force_unlock(self, lock_id: str) -> LockInfo:
        raise no_revisions("offerspec force-unlock")

    def migrate(self) -> list[str]:
        return []

    # -- applying ------------------------------------------------------------------------------

    def apply(self, changes: Sequence[Any], expected_revision: int, meta: ApplyMeta,
              progress: Progress | None = None) -> int:
        """Carry the changes out as REST steps against the snapshot they were planned from
        (the last ``snapshot()``); returns 0 (the platform has no revisions)."""
        snapshot = self._snapshot or self.snapshot()
        steps = plan_steps(changes, snapshot)
        etags = touched(changes, snapshot)
        runner = Runner(self.client, snapshot, steps,
                        key_prefix=f"{self.identity}\n{plan_hash(self.identity, changes, etags)}",
                        parallelism=self.parallelism, progress=_step_progress(progress, self.client))
        try:
            self.last_outcome = runner.run()
        finally:
            self.last_outcome = runner.outcome
            self._snapshot = None
        return 0

    def adopt(self, kind: str, ident: str, number: int) -> str:
        """``offerspec import``: make platform object ``number`` catalog object ``ident`` (write
        its ``offerspec_id`` and the hash of its content, If-Match its ETag)."""
        snapshot = self.snapshot()
        reply = self.client.get(f"/{kind}/{number}")
        item = reply.data
        one = kind.removesuffix("s")
        current = catalog_id_of(item)
        data = catalog_data(kind, item, snapshot.refs, ident)
        digest = text_hash(canonical_json(data))
        if current is not None and current != ident:
            raise OfferspecError(f"{one} {number} is already catalog {one} {current!r}",
                                 hint=f"offerspec import {one}/{current} {number} confirms it")
        holder = snapshot.get(kind, ident)
        if holder is not None and holder.number != number:
            raise OfferspecError(f"catalog {one} {ident!r} is already platform {one} "
                                 f"{holder.number}", hint="choose another catalog id")
        if current == ident and offerspec_hash_of(item) == digest:
            return f"{one} {number} is already catalog {one} {ident}; nothing to do"
        metadata = {**item.get("metadata", {}), OFFERSPEC_ID: ident, OFFERSPEC_HASH: digest}
        self.client.request("PUT", f"/{kind}/{number}", body={"metadata": metadata},
                            headers={"If-Match": reply.etag or "*"})
        return (f"adopted {one} {number} as {one} {ident}; offerspec pull writes it into a "
                "catalog, offerspec plan shows what the catalog would change")

    def close(self) -> None:
        self.client.close()


def _step_progress(progress: Progress | None, client: Client) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    detail = getattr(progress, "detail", None)

    def report(done: int, total: int) -> None:
        if callable(detail):
            stats = client.stats
            detail(f"{stats.rate():.0f} req/s, {stats.retries} retries")
        progress(done, total)

    return report
