"""Carrying the steps out: level by level, in parallel within a level, stopping at the first
permanent failure.

Every ``POST`` carries an ``Idempotency-Key`` derived from the store, the plan's hash and the
step; every ``PUT``/``DELETE`` an ``If-Match`` with the ETag the plan saw (and, where one of this
apply's own replaces changed what the object refers to, the ETag that replace gave it: the
object is as the plan saw it but for our own step). After an ambiguous failure the object is
looked up (by ``offerspec_id``, or by its id) before anything is sent again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import to_dict
from offerspec.platform import (
    OFFERSPEC_REPLACES,
    RefTable,
    UnresolvedReference,
    catalog_id_of,
    offerspec_hash_of,
    singular,
    to_platform,
)
from offerspec.store.base import text_hash
from offerspec.store.http.client import Client, HttpFailure, PreconditionFailed, Reply
from offerspec.store.http.snapshot import RemoteSnapshot, catalog_data, platform_etag
from offerspec.store.http.steps import Step, levels

SHOW_STEPS = 50
"""How many done / not done steps a stopped apply names (the rest are counted)."""


def plan_hash(identity: str, changes: Sequence[Any], etags: dict[str, str]) -> str:
    text = canonical_json({"store": identity, "changes": [to_dict(c) for c in changes],
                           "etags": etags})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class Outcome:
    done: list[Step] = field(default_factory=list)
    failed: Step | None = None
    not_done: list[Step] = field(default_factory=list)

    def report(self) -> str:
        parts = [f"{len(self.done)} of {len(self.done) + len(self.not_done)} steps were done"]
        parts += _named("done", self.done)
        parts += _named("not done", self.not_done)
        return "; ".join(parts)


def _named(label: str, steps: list[Step]) -> list[str]:
    if not steps:
        return []
    shown = ", ".join(s.describe() for s in steps[:SHOW_STEPS])
    more = f" ... and {len(steps) - SHOW_STEPS} more" if len(steps) > SHOW_STEPS else ""
    return [f"{label}: {shown}{more}"]


class ApplyStopped(OfferspecError):
    """A step failed for good: the steps before it are done, the rest are not."""

    def __init__(self, message: str, outcome: Outcome, *, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.outcome = outcome


StepProgress = Callable[[int, int], None]


class Runner:
    def __init__(self, client: Client, snapshot: RemoteSnapshot, steps: Sequence[Step], *,
                 key_prefix: str, parallelism: int = 4, progress: StepProgress | None = None,
                 ) -> None:
        self.client = client
        self.snapshot = snapshot
        self.steps = list(steps)
        self.key_prefix = key_prefix
        self.parallelism = max(1, parallelism)
        self.progress = progress
        # every number read names its catalog id; an id's number is its head's (the highest)
        self.refs = RefTable()
        for (kind, number), item in sorted(snapshot.platform.items(), key=lambda kv: kv[0][1]):
            ident = catalog_id_of(item)
            if ident is not None:
                self.refs.add(kind, ident, number)
        self.replaced: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()
        self.outcome = Outcome()
        self._last_progress = 0.0

    # -- running -------------------------------------------------------------------------------

    def run(self) -> Outcome:
        done: set[str] = set()
        pending = list(self.steps)
        failure: BaseException | None = None
        with ThreadPoolExecutor(self.parallelism, thread_name_prefix="offerspec-http") as pool:
            try:
                for level in levels(self.steps):
                    failure = self._run_level(pool, level, done)
                    if failure is not None:
                        break
            except BaseException:  # Ctrl-C or SIGTERM: let the steps in flight end, then say
                pool.shutdown(wait=True, cancel_futures=True)
                self._finish(pending, done)
                raise
        self._finish(pending, done)
        if failure is not None:
            raise self._stopped(failure)
        self._report_progress(force=True)
        return self.outcome

    def _finish(self, pending: list[Step], done: set[str]) -> None:
        self.outcome.done = [s for s in pending if s.key in done]
        self.outcome.not_done = [s for s in pending if s.key not in done]

    def _run_level(self, pool: ThreadPoolExecutor, level: list[Step], done: set[str],
                   ) -> BaseException | None:
        queue = list(reversed(level))
        running: dict[Future[None], Step] = {}
        failure: BaseException | None = None
        while queue or running:
            while queue and failure is None and len(running) < self.parallelism:
                step = queue.pop()
                running[pool.submit(self._run_step, step)] = step
            if not running:
                break
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                step = running.pop(future)
                exc = future.exception()
                if exc is None:
                    done.add(step.key)
                    self._report_progress(len(done))
                elif failure is None:
                    failure = exc
                    self.outcome.failed = step
        return failure

    def _report_progress(self, count: int | None = None, *, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self._last_progress >= 1.0:
            self._last_progress = now
            self.progress(len(self.steps) if count is None else count, len(self.steps))

    def _stopped(self, failure: BaseException) -> OfferspecError:
        step = self.outcome.failed
        assert step is not None
        what = step.describe()
        if isinstance(failure, PreconditionFailed):
            return ApplyStopped(
                f"{singular(step.kind)} {step.ident} (platform id {step.number}) was changed on "
                f"the platform since the plan was made (412 on {what}); nothing more was "
                f"applied: {self.outcome.report()}", self.outcome,
                hint="offerspec plan shows the rest against the platform as it is now; "
                     "offerspec apply finishes it")
        if isinstance(failure, HttpFailure) and failure.code == "duplicate-offerspec-id":
            return ApplyStopped(
                f"{singular(step.kind)} {step.ident} was created on the platform since the plan "
                f"was made (409 on {what}); nothing more was applied: {self.outcome.report()}",
                self.outcome, hint="offerspec plan shows the rest against the platform as it is "
                                   "now; offerspec apply finishes it")
        if isinstance(failure, OfferspecError):
            return ApplyStopped(f"{what} failed: {failure.message}; {self.outcome.report()}",
                                self.outcome,
                                hint=(failure.hint + "; " if failure.hint else "")
                                + "offerspec plan shows the rest, offerspec apply finishes it")
        raise failure

    # -- one step ------------------------------------------------------------------------------

    def _run_step(self, step: Step) -> None:
        handler = {
            "create": self._create, "replace-create": self._create, "update": self._put_change,
            "unarchive": self._put_change, "archive": self._put_change, "repoint": self._repoint,
            "archive-old": self._archive_old, "delete": self._delete,
        }[step.action]
        handler(step)

    def _body(self, kind: str, data: dict[str, Any], number: int) -> tuple[dict[str, Any], str]:
        digest = text_hash(canonical_json(data))
        with self.lock:
            try:
                body = to_platform(kind, data, number, self.refs, offerspec_hash=digest)
            except UnresolvedReference as exc:
                raise OfferspecError(f"{singular(kind)} {data['id']}: {exc}",
                                     hint="the referenced object is not on the platform") from None
        return body, digest

    def _key(self, step: Step) -> str:
        return hashlib.sha256(f"{self.key_prefix}\n{step.key}".encode()).hexdigest()[:48]

    def _create(self, step: Step) -> None:
        change = step.change
        assert change is not None
        data: dict[str, Any] = change.data  # type: ignore[union-attr]
        body, digest = self._body(step.kind, data, 0)
        body.pop("id", None)
        if step.action == "replace-create":
            assert step.number is not None
            body["metadata"] = {**body["metadata"], OFFERSPEC_REPLACES: str(step.number)}
        floor = step.number or 0

        def recheck() -> Reply | None:
            for item in self.client.list_all(step.kind):
                if (catalog_id_of(item) == step.ident and offerspec_hash_of(item) == digest
                        and int(item["id"]) > floor and item.get("active") == data.get("status", "active")):
                    return Reply(201, item)
            return None

        reply = self.client.request("POST", f"/{step.kind}", body=body,
                                    headers={"Idempotency-Key": self._key(step)}, recheck=recheck)
        number = int(reply.data["id"])
        with self.lock:
            self.refs.add(step.kind, step.ident, number)
            if step.number is not None:
                self.replaced[(step.kind, step.number)] = number

    def _if_match(self, kind: str, number: int) -> str:
        """The plan-time ETag, and the one this apply's replaces gave the object, if other."""
        item = self.snapshot.platform.get((kind, number))
        if item is None:
            return "*"
        tags = [platform_etag(item)]
        remapped = self._remapped(kind, item)
        if remapped != item:
            tags.append(platform_etag(remapped))
        return ", ".join(tags)

    def _remapped(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            plans = {old: new for (k, old), new in self.replaced.items() if k == "plans"}
        if not plans:
            return item
        out = dict(item)
        if kind == "offers" and isinstance(item.get("plan_ids"), list):
            out["plan_ids"] = [plans.get(n, n) for n in item["plan_ids"]]
        if kind == "plans" and item.get("group_owner_plan_id") in plans:
            out["group_owner_plan_id"] = plans[item["group_owner_plan_id"]]
        return out

    def _put(self, step: Step, data: dict[str, Any]) -> None:
        assert step.number is not None
        number = step.number
        body, digest = self._body(step.kind, data, number)
        want = canonical_json(data)

        def recheck() -> Reply | None:
            try:
                reply = self.client.get(f"/{step.kind}/{number}")
            except HttpFailure:
                return None
            with self.lock:
                now = canonical_json(catalog_data(step.kind, reply.data, self.refs, step.ident))
            if now == want and offerspec_hash_of(reply.data) == digest and \
                    reply.data.get("plan_ids", body.get("plan_ids")) == body.get("plan_ids"):
                return reply
            return None

        self.client.request("PUT", f"/{step.kind}/{number}", body=body,
                            headers={"If-Match": self._if_match(step.kind, number)},
                            recheck=recheck)

    def _put_change(self, step: Step) -> None:
        assert step.change is not None
        self._put(step, step.change.data)  # type: ignore[union-attr]

    def _repoint(self, step: Step) -> None:
        live = self.snapshot.get(step.kind, step.ident)
        assert live is not None
        self._put(step, live.data)

    def _archive_old(self, step: Step) -> None:
        assert step.number is not None
        reply = self.client.get(f"/{step.kind}/{step.number}")
        if reply.data.get("active") == "archived":
            return  # the platform archived it with the replace (offerspec serve does)
        self.client.request("PUT", f"/{step.kind}/{step.number}", body={"active": "archived"},
                            headers={"If-Match": self._if_match(step.kind, step.number)},
                            recheck=lambda: self._archived(step))

    def _archived(self, step: Step) -> Reply | None:
        reply = self.client.get(f"/{step.kind}/{step.number}")
        return reply if reply.data.get("active") == "archived" else None

    def _delete(self, step: Step) -> None:
        assert step.number is not None

        def recheck() -> Reply | None:
            try:
                self.client.get(f"/{step.kind}/{step.number}")
            except HttpFailure as exc:
                return Reply(204, None) if exc.status == 404 else None
            return None

        self.client.request("DELETE", f"/{step.kind}/{step.number}",
                            headers={"If-Match": self._if_match(step.kind, step.number)},
                            recheck=recheck)
