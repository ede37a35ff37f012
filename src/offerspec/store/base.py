"""The store interface every backend implements, and the values it hands out.

A store keeps, per kind and id, a *head* (the live object) and every version it ever
held. Writes happen only through ``apply``: one transaction, checked against the
revision the plan was made from, under the apply lock, recorded as a numbered revision.
Every ``(kind, id, generation)`` ever written has an *object number*, store-wide unique and
never reused (the platform's integer id, docs/platform-api.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from offerspec.diagnostics import OfferspecError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from offerspec.store.dump import HistoryRecord

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while a long apply runs."""


def now() -> str:
    """The time recorded with a revision or a lock (UTC, to the second)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def current_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (ImportError, KeyError, OSError):
        return "unknown"


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
    number: int = 0
    """The object number of this generation (0: not from a store, e.g. built by hand in a test)."""
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
            self._data = _parse_object(self.text, self.kind, self.id)
        return self._data

    @property
    def status(self) -> str:
        if self.written_status is not None and self._data is None and not self.drifted:
            return self.written_status
        status: str = self.data.get("status", "active")
        return status


def _parse_object(text: str, kind: str, ident: str) -> dict[str, Any]:
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _unreadable(kind, ident, str(exc) if isinstance(exc, ValueError)
                          else "nested too deeply") from exc
    if not isinstance(loaded, dict):
        raise _unreadable(kind, ident, f"a JSON {type(loaded).__name__}, not an object")
    return loaded


def _unreadable(kind: str, ident: str, why: str) -> OfferspecError:
    # Only an edit outside offerspec can do this: a clear error, not a crash.
    singular = kind.removesuffix("s")
    return OfferspecError(
        f"the live {singular} {ident} in the store is not readable (changed outside "
        f"offerspec?): {why}",
        hint=f"repair or delete its row in the store with a database tool; "
             f"offerspec history --object {singular}/{ident} shows what offerspec wrote")


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One generation of one object as the store holds it: the head, or an archived old
    generation of a replaced plan (``Store.objects``)."""

    number: int
    kind: str
    id: str
    generation: int
    text: str
    """Canonical JSON of the latest version of this generation (full object, defaults included)."""
    written_hash: str
    head: bool
    """Whether this generation is the one the id means now."""
    revision: int
    """The revision that wrote that version."""

    @property
    def data(self) -> dict[str, Any]:
        return _parse_object(self.text, self.kind, self.id)

    @property
    def status(self) -> str:
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
    source: dict[str, str] = field(default_factory=dict)
    """Where the revision came from (``ApplyMeta.source``); empty for old revisions."""


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

    def __init__(self, holder: LockInfo, waited: float, *, same_host: bool = True,
                 hint: str | None = None) -> None:
        if hint is not None:  # the backend knows better (PostgreSQL: the server frees it)
            pass
        elif same_host:
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
    source: dict[str, str] = field(default_factory=dict)
    """Where the revision came from: ``message``, ``git_commit``, ``git_branch``, ``ci_run``,
    ``via`` (e.g. "api"); short strings, stored with the revision."""
    written_hashes: dict[tuple[str, str], str] | None = None
    """For these (kind, id): record this hash as the object's ``written_hash`` instead of the
    hash of the text written (``offerspec serve``: an edit through its API shows as drift)."""


@dataclass(frozen=True, slots=True)
class PartialSnapshot:
    """Some objects at one revision (``ReadsSome.read_some``)."""

    revision: int
    heads: dict[tuple[str, str], LiveObject]
    """(kind, id) -> the live object, for the keys asked that are live."""
    stored: dict[tuple[str, str], list[StoredObject]]
    """(kind, id) -> every generation not hard-deleted (ordered by number), for every key asked."""


@runtime_checkable
class ReadsSome(Protocol):
    """A store that can read a few objects without reading them all (``offerspec serve`` then
    updates its view after a write in time proportional to the write; other stores are read
    whole)."""

    def read_some(self, keys: Collection[tuple[str, str]]) -> PartialSnapshot: ...


@runtime_checkable
class Batches(Protocol):
    """A store that can make several applies one transaction (``offerspec serve`` then commits
    the writes that arrive together with one disk flush: group commit)."""

    def batch(self) -> AbstractContextManager[None]: ...


class Store(Protocol):
    """What plan/apply needs from a live store.

    Every store guarantees: ``snapshot`` gives every live object at one revision; every version
    of every object is kept (``versions``, ``objects``); objects are found by kind + id, and
    each generation has an object number; an edit made outside offerspec is visible as drift
    (the object's text no longer hashes to its ``written_hash``).

    Transactional stores (SQLite, PostgreSQL) add: ``apply`` is all-or-nothing (also when the
    process dies) and refused when the store is no longer at ``expected_revision`` or a touched
    object changed; the apply ``lock``; ``history``/``revision`` of every apply; ``migrate``.
    The HTTP store implements what its server offers and says which of these it cannot.
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
        """Apply the changes in one transaction; returns the new revision number.

        A ``diff.changes.Rename`` (``kind``, ``old_id`` -> ``id``; the only change naming two
        ids, see ``diff.changes.touched``) is checked like the others — the object under
        ``old_id`` must hash to ``live_hash``, and ``id`` must be free — then: every generation
        of ``kind/old_id`` becomes ``kind/id`` (object numbers and versions stay: ``versions``
        and ``objects`` under the new id return the old ones), and ``change.then()`` (an
        ``Update`` or a ``Replace``, under the new id) is written as such a change is (a
        replace's archived generation naming renamed objects by their new ids). Last, every old
        generation that is no head (a replaced plan's) and names an object renamed in this
        apply gets a version naming it by its new id (``diff.compare.follow_references``). The
        revision records the rename (``to_dict``). SQLite: store/sqlite/writer.py,
        ``_write_rename`` and ``follow_in_old_generations``."""
        ...

    def current_revision(self) -> int:
        """The newest committed revision (0: none yet)."""
        ...

    def history(self) -> list[RevisionInfo]: ...

    def revision(self, number: int) -> RevisionInfo: ...

    def versions(self, kind: str, ident: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """(revision, generation, data) of every version of one object, oldest first."""
        ...

    def objects(self, kind: str) -> list[StoredObject]:
        """Every generation of ``kind`` not hard-deleted (heads and archived old generations),
        ordered by object number; read in a few round trips."""
        ...

    def migrate(self) -> list[str]:
        """Run the schema migrations this store needs; returns their names (empty: current)."""
        ...

    def force_unlock(self, lock_id: str) -> LockInfo: ...

    def close(self) -> None: ...


@runtime_checkable
class HistoryStore(Store, Protocol):
    """A store whose whole history can be read out and written into another store of any
    backend (``offerspec store copy``); the record stream is described in ``store/dump.py``.
    The transactional stores (SQLite, PostgreSQL) implement it; a store that cannot (the HTTP
    store) does not claim to."""

    def dump_history(self) -> Iterator[HistoryRecord]:
        """Every object, version, revision and head, in the order of ``store/dump.py``, read in
        one read-only transaction (a consistent cut, never a write, no lock needed) and streamed:
        rows are fetched in batches, never all at once. Every value read is checked; a damaged
        row is a located ``DamagedStore``. Locks are not part of it."""
        ...

    def load_history(self, records: Iterable[HistoryRecord],
                     progress: Progress | None = None) -> int:
        """Write a dumped history into this store, which must be empty (no object, version,
        revision or head: else ``StoreNotEmpty``, nothing written). All in one transaction:
        if anything fails (a damaged record, a refusal of the database, an interrupt) nothing is
        written. Object numbers, revision numbers and every recorded value are kept as they are;
        the store keeps its own identity (a plan saved against the source does not apply here).
        The caller holds this store's apply lock. ``progress(versions_done, versions_total)``.
        Returns the number of revisions written."""
        ...


class StoreNotEmpty(OfferspecError):
    """``load_history`` into a store that holds something already."""
