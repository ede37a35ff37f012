"""`renamed_from`: a rename is declared once, names an id that is gone, and never loops.

``renamed_from: [old-id]`` on an object says it is the object the store holds as ``old-id``
(docs/catalog.md, "Renaming an object"). What the store holds is the plan's business (a note
there, see diff/renames.py); these rules need the catalog alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from offerspec.check.context import CheckContext, Located
from offerspec.check.rules import rule
from offerspec.diagnostics import Diagnostic
from offerspec.model import KINDS

SINGULAR = {"products": "product", "plans": "plan", "offers": "offer"}


def _by_kind(ctx: CheckContext, kind: str) -> dict[str, Located[Any]]:
    table: dict[str, Located[Any]] = getattr(ctx, kind)
    return table


def _forward(ctx: CheckContext, kind: str, start: str) -> list[str]:
    """``start``, the object that names it in renamed_from, the one naming that, ... (stops
    where nothing names the last one, or where it would repeat)."""
    chain = [start]
    current = ctx.renamed[kind].get(start)
    while current is not None and current not in chain:
        chain.append(current)
        current = ctx.renamed[kind].get(current)
    if current is not None:
        chain.append(current)  # the repeat closes a cycle
    return chain


def _rename_keys(kind: str, obj: Any) -> list[tuple[str, str]]:
    """An object meets the object it is renamed from and the others renamed from an id it
    holds or claims (check.incremental)."""
    return [(kind, obj.id), *((kind, old) for old in obj.renamed_from)]


@rule("rename-cycle", "rename-chain", "rename-id-in-catalog", shared=_rename_keys)
def renamed_ids_are_gone(ctx: CheckContext) -> Iterator[Diagnostic]:
    """The old id must not be an object of the catalog too: then there would be two objects
    where the store holds one."""
    for kind in KINDS:
        singular = SINGULAR[kind]
        in_cycle: set[str] = set()
        for ident, located in _by_kind(ctx, kind).items():
            for i, old in enumerate(located.obj.renamed_from):
                sub = ("renamed_from", i)
                if old == ident:
                    yield located.diagnostic(
                        sub, "rename-cycle", f"{singular} '{ident}' is renamed from itself",
                        hint=f"remove '{old}' from renamed_from: it names the {singular}'s "
                             "current id")
                    continue
                if not ctx.known(kind, old):
                    continue
                loop = _forward(ctx, kind, ident)
                if loop[-1] == ident and len(loop) > 1:
                    if ident not in in_cycle:
                        in_cycle.update(loop)
                        yield located.diagnostic(
                            sub, "rename-cycle",
                            f"renamed_from forms a cycle: {' -> '.join(loop)}",
                            hint="a rename goes from an id that is gone to one that stays: "
                                 "keep renamed_from on one of them only (swapping two ids is "
                                 "two plans: rename one to a free id first)")
                    continue
                before = _claimed_by(ctx, kind, old)
                if before:
                    earliest = ", ".join(before)
                    yield located.diagnostic(
                        sub, "rename-chain",
                        f"renamed_from names {singular} '{old}', which is itself renamed from "
                        f"{earliest} (a chain {' -> '.join([*before[:1], old, ident])})",
                        hint=f"collapse the chain: remove {singular} '{old}' and write "
                             f"renamed_from: [{', '.join([*before, old])}] on '{ident}'",
                        related=_where(ctx, kind, old))
                    continue
                yield located.diagnostic(
                    sub, "rename-id-in-catalog",
                    f"renamed_from names {singular} '{old}', which is still in the catalog",
                    hint=f"a renamed {singular}'s old id leaves the catalog: remove {singular} "
                         f"'{old}', or remove '{old}' from renamed_from (then '{ident}' is a "
                         f"new {singular} and '{old}' stays)",
                    related=_where(ctx, kind, old))


def _claimed_by(ctx: CheckContext, kind: str, ident: str) -> list[str]:
    located = _by_kind(ctx, kind).get(ident)
    return list(located.obj.renamed_from) if located is not None else []


def _where(ctx: CheckContext, kind: str, ident: str) -> tuple[tuple[str, int, int], ...]:
    located = _by_kind(ctx, kind).get(ident)
    return () if located is None else (located.where("id"),)


@rule("rename-claimed-twice", shared=_rename_keys)
def renamed_once(ctx: CheckContext) -> Iterator[Diagnostic]:
    """One object in the store becomes one object in the catalog."""
    for kind in KINDS:
        singular = SINGULAR[kind]
        first: dict[str, tuple[str, tuple[str, int, int]]] = {}
        entries = sorted(((located.where("renamed_from", i), ident, i, old, located)
                          for ident, located in _by_kind(ctx, kind).items()
                          for i, old in enumerate(located.obj.renamed_from)),
                         key=lambda e: e[0])
        for where, ident, i, old, located in entries:
            if old not in first:
                first[old] = (ident, where)
                continue
            other, there = first[old]
            if other == ident:
                continue  # the same list names it twice: one rename all the same
            yield located.diagnostic(
                ("renamed_from", i), "rename-claimed-twice",
                f"{singular}s '{other}' and '{ident}' are both renamed from '{old}' (also "
                f"claimed at {there[0]}:{there[1]}:{there[2]})",
                hint=f"one {singular} in the store becomes one {singular}: keep '{old}' in the "
                     f"renamed_from of one of them",
                related=(there,))
