"""Renames against a store: which ``renamed_from`` declarations move an object in this plan,
which are already done (a note), and which creates and archives look like an undeclared rename.

The catalog rules (check/rules/renames.py) already hold: an old id is gone from the catalog,
claimed once, no chains, no cycles. What is left depends on the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from offerspec.catalog import canonical_json
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import SINGULAR, Archive, Change, Create
from offerspec.diff.fields import STATUS_FIELD
from offerspec.store.base import Snapshot

Moves = dict[str, dict[str, str]]
"""kind -> old id -> new id: the renames this plan applies."""

Declared = dict[str, dict[str, tuple[str, ...]]]
"""kind -> new id -> the old ids its ``renamed_from`` names (``Catalog.renames()``)."""


@dataclass(frozen=True, slots=True)
class PlanNote:
    """Something a reviewer should know that is no error: shown under the plan, in every
    format (and in plan JSON, format_version 2)."""

    code: str
    message: str
    hint: str | None = None
    where: tuple[str, int, int] | None = None
    """The catalog's ``renamed_from`` of the object, when known."""

    def to_dict(self) -> dict[str, Any]:
        file, line, col = self.where or ("", 0, 0)
        return {"code": self.code, "message": self.message, "hint": self.hint,
                "file": file, "line": line, "col": col}


def resolve(declared: Declared, snapshot: Snapshot,
            sources: dict[tuple[str, str], tuple[str, int, int]] | None = None,
            ) -> tuple[Moves, list[PlanNote]]:
    """The renames to apply and the notes on those that need nothing; an error when the store
    holds both ids, or several of one object's old ids (one object cannot become two)."""
    sources = sources or {}
    moves: Moves = {kind: {} for kind in SINGULAR}
    notes: list[PlanNote] = []
    problems: list[str] = []
    for kind, table in declared.items():
        live = snapshot.objects.get(kind, {})
        singular = SINGULAR[kind]
        for new, olds in sorted(table.items()):
            where = sources.get((kind, new))
            held = [old for old in olds if old in live]
            if new in live:
                if held:
                    problems.append(f"{singular} {new}: renamed_from {', '.join(held)}, but the "
                                    f"store holds both {new} and {', '.join(held)}")
                    continue
                notes.append(PlanNote(
                    "rename-applied",
                    f"{singular} {new}: renamed_from {', '.join(olds)}: done in this store "
                    f"(it holds {new}, not {', '.join(olds)})",
                    hint="the declaration can stay; remove it once every store the catalog is "
                         "applied to (each environment) has applied the rename", where=where))
                continue
            if not held:
                notes.append(PlanNote(
                    "rename-source-absent",
                    f"{singular} {new}: renamed_from {', '.join(olds)}: the store holds no "
                    f"{singular} {' or '.join(olds)}, so {new} is created",
                    hint="expected for a new store or environment; otherwise check the old id",
                    where=where))
                continue
            if len(held) > 1:
                problems.append(f"{singular} {new}: renamed_from names {', '.join(held)}, "
                                "which the store holds as separate objects")
                continue
            moves[kind][held[0]] = new
    if problems:
        raise OfferspecError(
            "cannot plan these renames: " + "; ".join(problems),
            hint="one object in the store becomes one object: keep in renamed_from only the id "
                 "the store holds that object as (the other stays, or is archived)")
    return moves, notes


def _without_id(data: dict[str, Any], status: Any) -> str:
    return canonical_json({**{k: v for k, v in data.items() if k != "id"}, STATUS_FIELD: status})


def look_alike_notes(changes: Sequence[Change]) -> list[PlanNote]:
    """A create and an archive of the same kind with the same fields but the id: most likely
    a rename written as a new id (its subscribers would stay on the archived object)."""
    archived: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        if isinstance(change, Archive) and change.fields and \
                change.fields[0].field == STATUS_FIELD:
            key = (change.kind, _without_id(change.data, change.fields[0].old))
            archived.setdefault(key, []).append(change.id)
    if not archived:
        return []
    notes = []
    for change in changes:
        if not isinstance(change, Create):
            continue
        olds = archived.get((change.kind, _without_id(change.data,
                                                      change.data.get(STATUS_FIELD, "active"))))
        if not olds:
            continue
        singular = SINGULAR[change.kind]
        notes.append(PlanNote(
            "looks-like-rename",
            f"{singular} {change.id} is created and {singular} {', '.join(olds)} archived with "
            "the same fields but the id",
            hint=f"this looks like a rename: add renamed_from: [{olds[0]}] to {singular} "
                 f"{change.id} (the object, its number and its subscribers then move to the new "
                 "id)"))
    return notes
