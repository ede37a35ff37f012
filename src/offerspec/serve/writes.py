"""Writes through the API: one object changed in the live catalog, checked, applied as a revision.

Every write runs in the store's thread, under the store's apply lock (so a CLI apply and the
server never interleave): the live catalog at the store's current revision, the desired catalog
(the live one with that one object changed), the same checks as ``validate``, the change, and
``store.apply``. What a write costs is proportional to what it touches: the ``View`` and the
``CatalogChecks`` of the current revision are kept and carried to the next one with only the
written object (and what refers to it) read and checked again; a revision made by anyone else
(a CLI apply) is read whole, once.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from offerspec.catalog import canonical_json
from offerspec.compile import normalize_plan
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Change, Create, Delete, Replace
from offerspec.diff.changeset import ChangeSet
from offerspec.diff.compare import compare_existing, field_changes
from offerspec.diff.fields import REPLACE_FORCING, forcing_fields
from offerspec.model import KINDS, MODEL_BY_KIND, Plan
from offerspec.platform import (
    OFFERSPEC_ID,
    OFFERSPEC_REPLACES,
    Problem,
    RefTable,
    assigned_id,
    catalog_id_of,
    from_platform,
    offerspec_hash_of,
    singular,
)
from offerspec.serve.checks import CatalogChecks, platform_path
from offerspec.serve.errors import ApiError, not_found
from offerspec.serve.view import View
from offerspec.store.base import ApplyMeta, Batches, ReadsSome, StaleRevision, Store, text_hash

T = TypeVar("T")
NEW_OBJECT_WRITTEN_HASH = ""
"""``written_hash`` of an object created through the API by a client other than offerspec: it
never matches, so ``offerspec plan`` shows the object as drifted (changed outside offerspec)."""


def load_view(store: Store, previous: View | None = None) -> View:
    """The store at one revision: objects read until the revision stays put around them.
    ``previous``: the view before, whose unchanged objects need not be mapped again."""
    for _ in range(5):
        snapshot = store.snapshot()
        stored = {kind: store.objects(kind) for kind in KINDS}
        if store.current_revision() == snapshot.revision:
            break
    return View.build(snapshot, stored, previous)


@dataclass(frozen=True, slots=True)
class Request:
    """What a write needs to know about who asks and how."""

    user: str
    method: str
    path: str
    lock_timeout: float = 10.0


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._view: View | None = None
        self._checks: CatalogChecks | None = None
        self._live_hash: LiveHash | None = None
        self._batched = False

    def current(self) -> View:
        """The view at the store's current revision (read again only when it moved)."""
        view = self._view
        if view is None or self.store.current_revision() != view.revision:
            view = self._view = load_view(self.store, view)
        return view

    def checks(self, view: View) -> CatalogChecks:
        checks = self._checks
        if checks is None or checks.revision != view.revision:
            checks = self._checks = CatalogChecks(view.revision, {
                kind: {i: o.data for i, o in table.items()}
                for kind, table in view.snapshot.objects.items()})
        return checks

    # -- writes that arrive together: one transaction ----------------------------------------

    def run_batch(self, jobs: Sequence[Callable[[Writer], T]], lock_timeout: float,
                  ) -> list[T | Exception]:
        """Run the writes under one hold of the apply lock and, when the store ``Batches``, in
        one transaction: one disk flush for all (group commit), each still its own revision,
        checked as when alone. A job's ``ApiError`` (422, 409, ...) is its answer and leaves
        the others be; any other error answers every job (none of the batch was committed)."""
        if len(jobs) == 1 or not isinstance(self.store, Batches):
            return [_outcome(job, self) for job in jobs]
        outcomes: list[T | Exception] = []
        try:
            with self.store.lock(lock_timeout):
                self._batched = True
                try:
                    with self.store.batch():
                        for job in jobs:
                            try:
                                outcomes.append(job(self))
                            except ApiError as exc:
                                outcomes.append(exc)
                finally:
                    self._batched = False
        except Exception as exc:  # noqa: BLE001 - the whole batch failed: each job says so
            self._view = self._checks = self._live_hash = None  # they saw writes rolled back
            return [exc] * len(jobs)
        return outcomes

    def _locked(self, timeout: float) -> AbstractContextManager[Any]:
        """The apply lock for one write (already held inside ``run_batch``)."""
        return contextlib.nullcontext() if self._batched else self.store.lock(timeout)

    # -- the three writes --------------------------------------------------------------------

    def create(self, kind: str, fields: dict[str, Any], request: Request) -> tuple[View, int]:
        fields, replaces = replaces_of(fields)
        with self._locked(request.lock_timeout):
            view = self.current()
            ident = catalog_id_of(fields)
            if replaces is not None:
                live = self._replaced(view, kind, ident, replaces)
            elif ident is not None:
                self._refuse_existing(view, kind, ident)
            else:
                ident = self._new_id(view, kind)
            assert ident is not None
            data, problems = from_platform(kind, fields, view.refs, new_id=ident)
            if problems:
                raise _unprocessable(problems)
            data = self._checked(view, kind, ident, data)
            text = canonical_json(data)
            change: Change = Create(kind, ident, data) if replaces is None else \
                _replacing(view, kind, live, data)
            written = None if offerspec_hash_of(fields) == text_hash(text) \
                else NEW_OBJECT_WRITTEN_HASH if replaces is None else live.written_hash
            new_view = self._apply(view, [change], kind, ident, data=data, written=written,
                                   request=request, text=text)
        number = new_view.head_number(kind, ident)
        assert number is not None
        return new_view, number

    def update(self, kind: str, number: int, fields: dict[str, Any], if_match: str | None,
               request: Request) -> tuple[View, int]:
        with self._locked(request.lock_timeout):
            view = self.current()
            live, stored = self._head(view, kind, number, "edit")
            check_if_match(view, kind, number, if_match)
            if fields.get("id") not in (None, number):
                raise ApiError(422, "id-mismatch", f"the body's id {fields['id']} is not {number}, "
                               "the id in the URL", hint="leave id out of the body, or send the same id")
            data, problems = from_platform(kind, fields, view.refs, base=live.data)
            if problems:
                raise _unprocessable(problems)
            self._refuse_price_change(kind, live.data, data, number)
            data = self._checked(view, kind, live.id, data)
            offers = _users(view, "offers", kind, live.id) if kind == "plans" else ()
            groups = _users(view, "plans", kind, live.id) if kind == "plans" else ()
            text = canonical_json(data)
            change = compare_existing(kind, live, data, text, offers, group_plans=groups)
            if change is None:
                return view, stored.number  # nothing changed: no revision
            if isinstance(change, Replace):  # a forcing field not caught above: never in place
                raise ApiError(409, "price-field-changed", "this change needs a new plan",
                               hint="create a new plan and archive this one")
            written = None if offerspec_hash_of(fields) == text_hash(text) else live.written_hash
            new_view = self._apply(view, [change], kind, live.id, data=data, written=written,
                                   request=request, text=text)
        new_number = new_view.head_number(kind, live.id)
        assert new_number is not None
        return new_view, new_number

    def delete(self, kind: str, number: int, if_match: str | None, request: Request) -> View:
        with self._locked(request.lock_timeout):
            view = self.current()
            live, _ = self._head(view, kind, number, "delete")
            check_if_match(view, kind, number, if_match)
            users = [(k, i) for k in KINDS for i in _users(view, k, kind, live.id)]
            if users:
                shown = ", ".join(f"{singular(k)} {view.head_number(k, i)}" for k, i in users[:10])
                raise ApiError(409, "still-referenced",
                               f"{singular(kind)} {number} is still referenced by {shown}"
                               + (" ..." if len(users) > 10 else ""),
                               hint="remove the references first, or archive it instead: "
                                    'PUT {"active": "archived"}')
            change = Delete(kind, live.id, live.hash, live.generation)
            return self._apply(view, [change], kind, live.id, data=None, written=None,
                               request=request, text=None)

    # -- steps ---------------------------------------------------------------------------------

    def _head(self, view: View, kind: str, number: int, what: str) -> tuple[Any, Any]:
        stored = view.get(kind, number)
        if stored is None:
            raise not_found(kind, number)
        live = view.snapshot.get(kind, stored.id)
        if not stored.head or live is None:
            current = view.head_number(kind, stored.id)
            raise ApiError(409, "old-version",
                           f"{singular(kind)} {number} is an old, archived version of "
                           f"{stored.id}; only the current one can {what} it",
                           hint=f"use {singular(kind)} {current}" if current else None)
        return live, stored

    @staticmethod
    def _refuse_existing(view: View, kind: str, ident: str) -> None:
        number = view.head_number(kind, ident)
        if number is None:
            return
        live = view.snapshot.get(kind, ident)
        state = "an active" if live is not None and live.status == "active" else "an archived"
        raise ApiError(409, "duplicate-offerspec-id",
                       f"{state} {singular(kind)} with metadata.offerspec_id {ident!r} exists: id {number}",
                       hint=f"two active objects cannot share an offerspec_id: edit {singular(kind)} "
                            f"{number} with PUT /{kind}/{number}, or choose another offerspec_id")

    @staticmethod
    def _replaced(view: View, kind: str, ident: str | None, number: int) -> Any:
        """The live object a create with ``metadata.offerspec_replaces`` replaces: it must be the
        current generation of the object the create's ``offerspec_id`` names."""
        if ident is None:
            raise ApiError(422, "replaces-without-offerspec-id",
                           f"metadata.{OFFERSPEC_REPLACES} needs metadata.{OFFERSPEC_ID}",
                           hint="name the catalog id of the object being replaced")
        current = view.head_number(kind, ident)
        live = view.snapshot.get(kind, ident)
        if current != number or live is None:
            now = f"its current generation is {current}" if current is not None else "it does not exist"
            raise ApiError(409, "replaces-not-current",
                           f"metadata.{OFFERSPEC_REPLACES} is {number}, but {singular(kind)} "
                           f"{ident!r} is not that: {now}",
                           hint=f"GET /{kind} again and name the current generation's id")
        return live

    @staticmethod
    def _new_id(view: View, kind: str) -> str:
        """``plan-N``, N the number the store will most likely give it (the next one)."""
        highest = max((next(reversed(table)) for table in view.objects.values() if table),
                      default=0)
        number = highest + 1
        while view.snapshot.get(kind, assigned_id(kind, number)) is not None:
            number += 1
        return assigned_id(kind, number)

    @staticmethod
    def _refuse_price_change(kind: str, old: dict[str, Any], new: dict[str, Any], number: int) -> None:
        forcing = REPLACE_FORCING[kind]
        try:  # compare what the fields mean (a null is the default), not how they were sent
            after = MODEL_BY_KIND[kind].model_validate(_drop_nulls(new)).model_dump(mode="json")
        except ValueError:
            after = new  # the checks report what is wrong with it
        changed = sorted(f for f in forcing if old.get(f) != after.get(f)
                         and not (f == "grants" and sorted(old.get(f) or []) == sorted(after.get(f) or [])))
        if changed:
            names = ", ".join(platform_path(kind, (f,)) for f in changed)
            raise ApiError(409, "price-field-changed",
                           f"{names} cannot change on an existing {singular(kind)}: its subscribers "
                           "bought it as it is",
                           hint=f"create a new {singular(kind)} (POST /{kind}) with the new values and "
                                f'archive this one (PUT /{kind}/{number} {{"active": "archived"}})')

    def _checked(self, view: View, kind: str, ident: str, data: dict[str, Any]) -> dict[str, Any]:
        """The object after the catalog's checks, in canonical form; 422 with every problem."""
        problems = self.checks(view).problems(kind, ident, data, view.refs)
        if problems:
            raise _unprocessable(problems)
        obj = MODEL_BY_KIND[kind].model_validate(_drop_nulls(data))
        if isinstance(obj, Plan):
            obj = normalize_plan(obj)
        canonical: dict[str, Any] = obj.model_dump(mode="json")
        return canonical

    def _apply(self, view: View, changes: list[Change], kind: str, ident: str, *,
               data: dict[str, Any] | None, written: str | None, request: Request,
               text: str | None) -> View:
        """Apply the change; ``text``: the written object's canonical JSON (None: deleted)."""
        live_hash = self._live_hash
        if live_hash is None or live_hash.revision != view.revision:
            live_hash = self._live_hash = LiveHash(view)
        hashed = live_hash.after(view, kind, ident, text)
        changeset = ChangeSet(tuple(changes), view.snapshot.identity, view.snapshot.url,
                              view.revision, LiveHash.render(hashed))
        meta = ApplyMeta(changeset.catalog_hash, changeset.summary(), request.user,
                         socket.gethostname(),
                         source={"via": "api", "message": f"{request.method} {request.path}"},
                         written_hashes=None if written is None else {(kind, ident): written})
        try:
            revision = self.store.apply(changes, view.revision, meta)
        except StaleRevision as exc:  # an out-of-band edit between snapshot and apply
            raise ApiError(409, "stale", exc.message, hint="read the object again and retry") from exc
        except OfferspecError as exc:
            raise ApiError(409, "refused", exc.message, hint=exc.hint) from exc
        new_view = self._next_view(view, revision, {(kind, ident)})
        if new_view.revision == revision:
            live_hash.revision, live_hash.value = revision, hashed
        checks = self._checks
        if checks is not None and checks.revision == view.revision \
                and new_view.revision == revision:
            checks.written(revision, kind, ident, data)
        return new_view

    def _next_view(self, view: View, revision: int, touched: set[tuple[str, str]]) -> View:
        """The view after our own write: only the touched objects read again, when the store
        can read some objects alone and nobody else wrote meanwhile; else the store read."""
        new_view: View | None = None
        if isinstance(self.store, ReadsSome) and revision == view.revision + 1:
            part = self.store.read_some(touched)
            if part.revision == revision:
                new_view = view.updated(revision, part.heads, part.stored)
        if new_view is None:
            new_view = load_view(self.store, view)
        self._view = new_view
        return new_view


LIVE_HASH = "sum256:"
"""Prefix of the catalog hash an API write records (``LiveHash``)."""


class LiveHash:
    """The live catalog's hash, carried from write to write in constant time: the sum (mod
    2**256) of the SHA-256 of every object's kind, id and stored text. A CLI apply records the
    compiled catalog's ``sha256:`` content hash; computing that one on every API write would
    cost a pass over the whole catalog."""

    def __init__(self, view: View) -> None:
        self.revision = view.revision
        self.value = sum(self.term(kind, ident, obj.text)
                         for kind, table in view.snapshot.objects.items()
                         for ident, obj in table.items()) % 2**256

    @staticmethod
    def term(kind: str, ident: str, text: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{kind}\0{ident}\0{text}".encode()).digest())

    def after(self, view: View, kind: str, ident: str, text: str | None) -> int:
        """The value once ``(kind, ident)`` is ``text`` (None: deleted)."""
        value = self.value
        old = view.snapshot.get(kind, ident)
        if old is not None:
            value -= self.term(kind, ident, old.text)
        if text is not None:
            value += self.term(kind, ident, text)
        return value % 2**256

    @staticmethod
    def render(value: int) -> str:
        return f"{LIVE_HASH}{value:064x}"


def _outcome(job: Callable[[Writer], T], writer: Writer) -> T | Exception:
    try:
        return job(writer)
    except Exception as exc:  # noqa: BLE001 - handed to the request that sent it
        return exc


def check_if_match(view: View, kind: str, number: int, if_match: str | None) -> None:
    """``If-Match``: one of the listed ETags (or ``*``) must be the object's current one."""
    if if_match is None:
        return
    current = view.rendered(kind, number).etag
    listed = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" in listed or current in listed:
        return
    raise ApiError(412, "precondition-failed",
                   f"{singular(kind)} {number} changed since that ETag was read (it is now {current})",
                   hint=f"GET /{kind}/{number} again, reapply your change, and send the new ETag")


def replaces_of(fields: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """(the fields without ``metadata.offerspec_replaces``, the platform id it names, if any).

    A create naming the current generation there becomes that object's new generation (a
    replace: the old one is archived, its offers refer to the new one), docs/platform-api.md."""
    metadata = fields.get("metadata")
    if not isinstance(metadata, dict) or OFFERSPEC_REPLACES not in metadata:
        return fields, None
    raw = metadata[OFFERSPEC_REPLACES]
    if not (isinstance(raw, str) and raw.isdecimal() and len(raw) < 17 and int(raw) > 0):
        raise ApiError(422, "invalid", f"metadata.{OFFERSPEC_REPLACES} must be a platform id",
                       hint='e.g. "offerspec_replaces": "17"', problems=[Problem(
                           f"metadata.{OFFERSPEC_REPLACES}", "schema", "not a platform id")])
    rest = {k: v for k, v in metadata.items() if k != OFFERSPEC_REPLACES}
    return {**fields, "metadata": rest}, int(raw)


def _replacing(view: View, kind: str, live: Any, data: dict[str, Any]) -> Replace:
    fields = field_changes(live.data, data)
    plans = kind == "plans"
    return Replace(kind, live.id, fields, forcing_fields(kind, [f.field for f in fields]), data,
                   live.hash, live.generation,
                   offers=_users(view, "offers", kind, live.id) if plans else (),
                   group_plans=_users(view, "plans", kind, live.id) if plans else ())


def _users(view: View, user_kind: str, kind: str, ident: str) -> tuple[str, ...]:
    """The ids of the live ``user_kind`` objects (heads) that refer to ``(kind, ident)``."""
    found = set()
    for k, number in view.referrers.get((kind, ident), ()):
        stored = view.objects[k].get(number)
        if k == user_kind and stored is not None and stored.head and (k, stored.id) != (kind, ident):
            found.add(stored.id)
    return tuple(sorted(found))


def _drop_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _unprocessable(problems: list[Any]) -> ApiError:
    first = problems[0]
    return ApiError(422, "invalid", f"{len(problems)} problem(s) in the request"
                    + (f", first: {first.path}: {first.message}" if first.path else f": {first.message}"),
                    hint=first.hint, problems=problems)


__all__ = ["NEW_OBJECT_WRITTEN_HASH", "RefTable", "Request", "Writer", "load_view"]
