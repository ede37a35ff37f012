"""A saved plan is input like any other: before applying it, check it does what it shows.

A plan file can be edited by hand, merged badly or cut short. Each change is derived again from
the live object and the data the plan would write, and must be the change the plan shows (same
action, fields and forcing fields): otherwise an "update" of a nickname could carry a new price
and change it in place under existing subscribers. What the plan writes must also refer only to
objects that exist once it is applied, and it may delete only archived objects, only when it was
made with --delete-removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import (
    Change,
    Create,
    Delete,
    FieldChange,
    Rename,
    action,
    label,
    moves_of,
    touched,
)
from offerspec.diff.compare import (
    CompareContext,
    check_deletions,
    compare_existing,
    compare_rename,
    references,
)
from offerspec.diff.fields import STATUS_FIELD
from offerspec.diff.safety import PlanOptions
from offerspec.store.base import Snapshot


def _shown(change: Change | None) -> str:
    if change is None:
        return "no change"
    fields = [f.field for f in getattr(change, "fields", ()) if f.field != STATUS_FIELD]
    return f"{action(change)} ({', '.join(fields)})" if fields else action(change)


def _visible(fields: tuple[FieldChange, ...]) -> list[tuple[str, str, str]]:
    # status is how archive/unarchive are spelled, not a field a reviewer reads as an edit
    return [(f.field, canonical_json(f.old), canonical_json(f.new))
            for f in fields if f.field != STATUS_FIELD]


def _check_rename(change: Rename, snapshot: Snapshot,
                  moves: dict[str, dict[str, str]]) -> str | None:
    live = snapshot.get(change.kind, change.old_id)
    if live is None:
        return f"{label(change)}: a rename from {change.old_id}, which is not in the store"
    if snapshot.get(change.kind, change.id) is not None:
        return f"{label(change)}: a rename onto an id the store already holds"
    derived = compare_rename(change.kind, live, change.data, change.offers,
                             group_plans=change.group_plans, moves=moves)
    if (derived.generation == change.generation and derived.forcing == change.forcing
            and _visible(derived.fields) == _visible(change.fields)):
        return None
    return (f"{label(change)}: the plan shows {_shown(change)} but its data means "
            f"{_shown(derived)}")


def _check_one(change: Change, snapshot: Snapshot, options: PlanOptions,
               moves: dict[str, dict[str, str]]) -> str | None:
    if isinstance(change, Rename):
        return _check_rename(change, snapshot, moves)
    live = snapshot.get(change.kind, change.id)
    if isinstance(change, Delete):
        if not options.delete_removed:
            return f"{label(change)}: a delete in a plan made without --delete-removed"
        if live is None or live.status != "archived":
            return f"{label(change)}: only an archived object can be deleted"
        return None
    if isinstance(change, Create):
        return None if live is None else f"{label(change)}: a create of an existing object"
    if live is None:
        return f"{label(change)}: an {action(change)} of an object that is not in the store"
    derived = compare_existing(change.kind, live, change.data, canonical_json(change.data),
                               getattr(change, "offers", ()),
                               group_plans=getattr(change, "group_plans", ()), moves=moves)
    same = (derived is not None and type(derived) is type(change)
            and derived.generation == change.generation
            and _visible(derived.fields) == _visible(change.fields)
            and getattr(derived, "forcing", ()) == getattr(change, "forcing", ()))
    if same:
        return None
    return f"{label(change)}: the plan shows {_shown(change)} but its data means {_shown(derived)}"


def _dangling(changes: Sequence[Change], snapshot: Snapshot) -> list[str]:
    """References from what the plan writes to objects that would not exist afterwards."""
    deleted = {(c.kind, c.id) for c in changes if isinstance(c, Delete)}
    deleted |= {(c.kind, c.old_id) for c in changes if isinstance(c, Rename)}  # gone: renamed
    written = {(c.kind, c.id) for c in changes if not isinstance(c, Delete)}

    def exists(ref: tuple[str, str]) -> bool:
        return ref in written or (snapshot.get(*ref) is not None and ref not in deleted)

    problems = []
    for change in changes:
        if isinstance(change, Delete):
            continue
        missing = [f"{k[:-1]} {i}" for k, i in references(change.kind, change.data)
                   if not exists((k, i))]
        if missing:
            problems.append(f"{label(change)} would refer to {', '.join(missing)}, "
                            "which would not exist")
    return problems


def verify_changes(changes: Sequence[Change], snapshot: Snapshot,
                   options: PlanOptions) -> list[str]:
    """Why these saved changes can't be applied as shown (empty: they can)."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    moves = moves_of(changes)
    for change in changes:
        keys = [key for key, _ in touched(change)]
        if seen.intersection(keys):
            problems.append(f"{label(change)}: changed twice")
            continue
        seen.update(keys)
        problem = _check_one(change, snapshot, options, moves)
        if problem is not None:
            problems.append(problem)
    problems += _dangling(changes, snapshot)
    if any(isinstance(c, Delete) for c in changes):
        desired: dict[str, dict[str, dict[str, Any]]] = {}
        for c in changes:
            if not isinstance(c, Delete):
                desired.setdefault(c.kind, {})[c.id] = c.data
        try:
            check_deletions(CompareContext(desired, snapshot, True, {}), list(changes))
        except OfferspecError as exc:  # names what still refers to them
            problems.append(exc.message)
    return problems
