"""The store interface every backend implements, and the values it hands out.

A store keeps, per kind and id, a *head* (the live object) and every version it ever
held. Writes happen only through ``apply``: one transaction, checked against the
revision the plan was made from, under the apply lock, recorded as a numbered revision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from offerspec.diagnostics import OfferspecError

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while a long apply runs."""


def text_hash(text: str) -> str:
    """Hash of an object's stored canonical JSON text (what drift detection compares)."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class LiveObject:
    """One live object: its stored canonical JSON text, parsed only when needed."""

    kind: str
    id: str
    generation: int
    text: str
    written_hash: str
    """Hash of the text offerspec last wrote; differs from ``hash`` when edited outside offerspec."""
    written_status: str | None = None
    """The status offerspec last wrote (saves parsing every object to count the active ones)."""
    _data: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def hash(self) -> str:
        return text_hash(self.text)

    @property
    def drifted(self) -> bool:
        return self.hash != self.written_hash

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            try:
                loaded = json.loads(self.text)
            except ValueError as exc:
                raise self._unreadable(str(exc)) from exc
            if not isinstance(loaded, dict):
                raise self._unreadable(f"a JSON {type(loaded).__name__}, not an object")
            self._data = loaded
        return self._data

    def _unreadable(self, why: str) -> OfferspecError:
        # Only an edit outside offerspec can do this: a clear error, not a crash.
        singular = self.kind.removesuffix("s")
        return OfferspecError(
            f"the live {singular} {self.id} in the store is not readable (changed outside "
            f"offerspec?): {why}",
            hint=f"repair or delete its row in the store's heads table with a SQLite tool; "
                 f"offerspec history --object {singular}/{self.id} shows what offerspec wrote")

    @property
    def status(self) -> str:
        if self.written_status is not None and self._data is None and not self.drifted:
            return self.written_status
        status: str = self.data.get("status", "active")
        return status


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything live at one revision: kind -> id -> object."""

    identity: str
    """A stable id of the store itself (a saved plan only applies to the store it was made for)."""
    url: str
    revision: int
    objects: dict[str, dict[str, LiveObject]]

    def get(self, kind: str, ident: str) -> LiveObject | None:
        return self.objects.get(kind, {}).get(ident)

    def count(self, *, status: str | None = None) -> int:
        return sum(1 for table in self.objects.values() for obj in table.values()
                   if status is None or obj.status == status)


NEW_STORE = "new:"
"""Identity prefix of a store that does not exist yet (a plan never creates one)."""


def new_store_snapshot(url: str) -> Snapshot:
    """What a plan compares with before the first apply: nothing, at revision 0. A plan saved
    against it applies to that store while it is still new (revision 0, empty)."""
    return Snapshot(f"{NEW_STORE}{url}", url, 0, {"products": {}, "plans": {}, "offers": {}})


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    number: int
    time: str
    user: str
    host: str
    catalog_hash: str
    summary: str
    changes: list[dict[str, Any]] | None = None
    """The applied changes (plan JSON form); only filled by ``Store.revision(n)``."""


@dataclass(frozen=True, slots=True)
class LockInfo:
    id: str
    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"lock {self.id} held by {self.user}@{self.host} (pid {self.pid}) since {self.since}"


class StoreLocked(OfferspecError):
    """Another apply holds the lock and did not let go within the timeout."""

    def __init__(self, holder: LockInfo, waited: float, *, same_host: bool = True) -> None:
        if same_host:
            hint = (f"pid {holder.pid} is still running on this host: wait for that apply to "
                    f"finish (--lock-timeout SECONDS); if that pid is not an offerspec apply, "
                    f"offerspec force-unlock {holder.id}")
        else:
            hint = (f"it was taken on another host, {holder.host}, where offerspec cannot see "
                    f"whether pid {holder.pid} still runs: wait for that apply (--lock-timeout "
                    f"SECONDS), or if it is gone: offerspec force-unlock {holder.id}")
        super().__init__(f"the store is locked: {holder.describe()}; waited {waited:g}s", hint=hint)
        self.holder = holder


class StaleRevision(OfferspecError):
    """The store moved on since the plan was made; nothing was applied."""


@dataclass(frozen=True, slots=True)
class ApplyMeta:
    """Recorded with the revision."""

    catalog_hash: str
    summary: str
    user: str
    host: str


class Store(Protocol):
    """What plan/apply needs from a live store.

    Implementations must make ``apply`` all-or-nothing (also when the process dies), refuse it
    when the store is no longer at ``expected_revision``, and keep every version of every object.
    """

    url: str

    def snapshot(self) -> Snapshot: ...

    def lock(self, timeout: float, on_wait: Callable[[LockInfo], None] | None = None,
             ) -> AbstractContextManager[LockInfo]:
        """Hold the apply lock (waiting up to ``timeout`` seconds, then ``StoreLocked``).
        ``on_wait(holder)`` is called once when the lock is taken and waiting begins."""
        ...

    def apply(self, changes: Sequence[Any], expected_revision: int, meta: ApplyMeta,
              progress: Progress | None = None) -> int:
        """Apply the changes in one transaction; returns the new revision number."""
        ...

    def current_revision(self) -> int:
        """The newest committed revision (0: none yet)."""
        ...

    def history(self) -> list[RevisionInfo]: ...

    def revision(self, number: int) -> RevisionInfo: ...

    def versions(self, kind: str, ident: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """(revision, generation, data) of every version of one object, oldest first."""
        ...

    def force_unlock(self, lock_id: str) -> LockInfo: ...

    def close(self) -> None: ...
