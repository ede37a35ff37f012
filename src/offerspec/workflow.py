"""Plan and apply from Python, without click: the steps the CLI commands string together."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

from offerspec.catalog import Catalog
from offerspec.diagnostics import DiagnosticsError, OfferspecError
from offerspec.diff.changes import SINGULAR, label, touched
from offerspec.diff.changeset import ChangeSet, make_changeset
from offerspec.diff.safety import PlanOptions, check_safety
from offerspec.store.base import (
    NEW_STORE,
    ApplyMeta,
    Progress,
    Snapshot,
    StaleRevision,
    Store,
    current_user,
    text_hash,
)


def load_desired(paths: Iterable[Any], *, strict: bool = False,
                 freeze_gc: bool = False) -> tuple[Catalog, list[Any]]:
    """The compiled catalog, or ``DiagnosticsError``; also returns the warnings.

    ``freeze_gc`` (for short-lived processes such as the CLI): move everything loaded so far out
    of the cyclic GC's reach. The catalog lives until the process ends anyway, and otherwise every
    later collection walks its millions of objects (2x on plan + apply of 20,000 plans).
    """
    from offerspec.api import check_catalog

    catalog, diagnostics = check_catalog(paths, strict=strict)
    if catalog is None:
        raise DiagnosticsError(diagnostics)
    if freeze_gc:
        import gc

        gc.freeze()
    return catalog, diagnostics


def plan(catalog: Catalog, snapshot: Snapshot, options: PlanOptions | None = None, *,
         check: bool = True) -> ChangeSet:
    return make_changeset(catalog, snapshot, options, check=check)


def stale_reasons(changeset: ChangeSet, snapshot: Snapshot) -> list[str]:
    """Why a saved plan no longer applies to ``snapshot`` (empty: it still does)."""
    if changeset.store_identity.startswith(NEW_STORE):
        if changeset.store_url != snapshot.url:
            return [f"the plan was made for a new store at {changeset.store_url}, "
                    f"this is {snapshot.url}"]
        if snapshot.revision != 0 or any(snapshot.objects.values()):
            return [f"the plan was made before the store's first apply; it is now at revision "
                    f"{snapshot.revision}"]
        return []
    if snapshot.identity.startswith(NEW_STORE):
        return [f"the plan was made for store {changeset.store_identity} ({changeset.store_url}); "
                f"there is no store at {snapshot.url}"]
    if changeset.store_identity != snapshot.identity:
        return [f"the plan was made for store {changeset.store_identity} ({changeset.store_url}), "
                f"this is {snapshot.identity} ({snapshot.url})"]
    reasons = []
    for change in changeset.changes:
        for (kind, ident), expected in touched(change):
            live = snapshot.get(kind, ident)
            now = None if live is None else text_hash(live.text)
            if now != expected:
                state = "was deleted" if now is None else (
                    "was created" if expected is None else "changed")
                name = label(change) if ident == change.id else f"{SINGULAR[kind]} {ident}"
                reasons.append(f"{name} {state}")
    if snapshot.revision != changeset.base_revision:
        reasons.insert(0, f"the store moved from revision {changeset.base_revision} "
                          f"to {snapshot.revision}")
    return reasons


def check_saved_plan(changeset: ChangeSet, snapshot: Snapshot) -> ChangeSet:
    """A saved plan (untrusted) checked against the store it is about to be applied to: still
    current, each change what it shows, inside the safety rails, and leaving a catalog that
    passes every check of ``validate``. Returns it with its ``result_hash`` computed."""
    reasons = stale_reasons(changeset, snapshot)
    if reasons:
        shown = "; ".join(reasons[:11]) + (" ..." if len(reasons) > 11 else "")
        raise StaleRevision(f"the saved plan is stale, nothing was applied: {shown}",
                            hint="make a new plan: offerspec plan --out FILE")
    from offerspec.diff.verify import verify_changes

    problems = verify_changes(changeset.changes, snapshot, changeset.options)
    if problems:
        shown = "; ".join(problems[:10]) + (" ..." if len(problems) > 10 else "")
        raise OfferspecError("the saved plan does not do what it shows (edited by hand?), "
                             f"nothing was applied: {shown}",
                             hint="make a new plan: offerspec plan --out FILE")
    check_safety(changeset.changes, snapshot, changeset.options)
    from dataclasses import replace

    from offerspec.diff.result import SHOWN_PROBLEMS, result_hash, rule_problems

    refused = rule_problems(snapshot, changeset.changes)
    if refused:
        shown = "; ".join(refused[:SHOWN_PROBLEMS])
        more = len(refused) - SHOWN_PROBLEMS
        raise OfferspecError("the saved plan would leave a catalog in the store that validate "
                             f"refuses, nothing was applied: {shown}"
                             + (f" ... and {more} more" if more > 0 else ""),
                             hint="fix the catalog (offerspec validate), then make a new plan: "
                                  "offerspec plan --out FILE")
    return replace(changeset, result_hash=result_hash(snapshot, changeset.changes))


def apply(store: Store, changeset: ChangeSet, *, progress: Progress | None = None,
          source: dict[str, str] | None = None) -> int:
    """Apply a plan made from the store's current revision; returns the new revision.
    ``source``: where it came from (``offerspec.source.revision_source``)."""
    if changeset.empty:
        raise OfferspecError("nothing to apply", hint="the plan has no changes")
    if not changeset.result_hash:
        raise ValueError("a saved plan is applied only once check_saved_plan has checked it")
    meta = ApplyMeta(changeset.result_hash, changeset.summary(), current_user(),
                     socket.gethostname(), source=dict(source or {}))
    return store.apply(list(changeset.changes), changeset.base_revision, meta, progress)


def plan_and_apply(store: Store, catalog: Catalog, options: PlanOptions | None = None, *,
                   lock_timeout: float = 10.0) -> tuple[ChangeSet, int | None]:
    """Lock, snapshot, diff, apply: (the plan, the new revision or None when nothing changed)."""
    with store.lock(lock_timeout):
        changeset = plan(catalog, store.snapshot(), options)
        if changeset.empty:
            return changeset, None
        return changeset, apply(store, changeset)


def live_catalog(snapshot: Snapshot) -> Catalog:
    """What the store holds, archived objects included, as a compiled catalog (``--from-store``)."""
    if not any(snapshot.objects.values()):
        raise OfferspecError(f"the store {snapshot.url} holds no catalog yet",
                             hint="apply one first: offerspec apply --auto-approve PATH")
    from offerspec.store.live import check_live

    check_live(snapshot)
    return Catalog.from_objects({kind: [obj.data for obj in table.values()]
                                 for kind, table in snapshot.objects.items()})
