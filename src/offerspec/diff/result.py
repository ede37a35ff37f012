"""What the store holds once a plan is applied: the catalog a revision leaves behind.

A revision records the hash of that catalog (every object, archived ones too), whether it came
from a catalog, a saved plan or the API: the hash of what was written, never a value read from
a plan file. A saved plan's result must also pass every check ``validate`` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diff.changes import Change, Create, Delete, action, label
from offerspec.store.base import Snapshot

Objects = dict[str, dict[str, dict[str, Any]]]
SHOWN_PROBLEMS = 10


def result_objects(snapshot: Snapshot, changes: Sequence[Change]) -> Objects:
    """kind -> id -> data of every object in the store after ``changes``."""
    objects = {kind: {i: obj.data for i, obj in table.items()}
               for kind, table in snapshot.objects.items()}
    for change in changes:
        table = objects.setdefault(change.kind, {})
        if isinstance(change, Delete):
            table.pop(change.id, None)
        else:
            table[change.id] = change.data
    return objects


def result_texts(snapshot: Snapshot, changes: Sequence[Change],
                 texts: dict[str, dict[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """kind -> id -> canonical JSON of every object after ``changes``. ``texts``: canonical
    texts already computed for (some of) the changed objects (the diff's)."""
    out = {kind: {i: canonical_json(obj.data) if obj.drifted else obj.text
                  for i, obj in table.items()}
           for kind, table in snapshot.objects.items()}
    known = texts or {}
    for change in changes:
        table = out.setdefault(change.kind, {})
        if isinstance(change, Delete):
            table.pop(change.id, None)
            continue
        text = known.get(change.kind, {}).get(change.id)
        if text is None:
            text = change.text if isinstance(change, Create) and change.text else \
                canonical_json(change.data)
        table[change.id] = text
    return out


def result_hash(snapshot: Snapshot, changes: Sequence[Change],
                texts: dict[str, dict[str, str]] | None = None) -> str:
    """``Catalog.content_hash()`` of the catalog the store holds after ``changes``."""
    from offerspec.diff.changeset import content_hash

    return content_hash(result_texts(snapshot, changes, texts))


def checked_catalog(objects: Objects) -> Objects:
    """The catalog a result must come from: its live (active) objects, and the archived ones
    they refer to. An object removed from a catalog stays in the store archived (for its
    subscribers) as it last was; it is no longer part of any catalog, so the rules do not judge
    it against the catalog's new state."""
    from offerspec.diff.compare import references

    chosen = {kind: {i: d for i, d in table.items() if d.get("status", "active") != "archived"}
              for kind, table in objects.items()}
    todo = [(kind, d) for kind, table in chosen.items() for d in table.values()]
    while todo:
        kind, data = todo.pop()
        for ref_kind, ref in references(kind, data):
            target = objects.get(ref_kind, {}).get(ref)
            if target is not None and ref not in chosen.setdefault(ref_kind, {}):
                chosen[ref_kind][ref] = target
                todo.append((ref_kind, target))
    return {kind: dict(sorted(table.items())) for kind, table in chosen.items()}


def rule_problems(snapshot: Snapshot, changes: Sequence[Change]) -> list[str]:
    """The errors ``validate`` would report on the catalog these changes leave in the store
    (``checked_catalog``), each told as ``plan x (create): ip_addresses[0]: message [code]``."""
    from offerspec.check.objects import check_objects, field_text

    by_object = {(c.kind, c.id): c for c in changes}
    found = check_objects(checked_catalog(result_objects(snapshot, changes)), by_object)
    problems = []
    for problem in found:
        if not problem.diagnostic.is_error:
            continue
        where = "the catalog"
        if problem.kind is not None and problem.id is not None:
            change = by_object.get((problem.kind, problem.id))
            where = (f"{label(change)} ({action(change)})" if change is not None else
                     f"{problem.kind.removesuffix('s')} {problem.id} (in the store, unchanged)")
            if problem.path:
                where += f": {field_text(problem.path)}"
        problems.append(f"{where}: {problem.diagnostic.message} [{problem.diagnostic.code}]")
    return problems
