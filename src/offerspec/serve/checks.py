"""A write's desired catalog through the same schema and semantic checks as ``validate``.

Each catalog object becomes an in-memory document, written as an author would write it
(defaults left out, as ``pull`` does); every path in them gets its own made-up line, so each
diagnostic's line says which object and field it is about, in platform terms
(``entitlements.product_ids[1]``, ``plans/17.plan_ids[0]`` for another object).
"""

from __future__ import annotations

from typing import Any

from offerspec.check.incremental import Neighbourhoods
from offerspec.check.rules import run_rules
from offerspec.check.schema import check_documents
from offerspec.diagnostics import Diagnostic
from offerspec.load.files import Document
from offerspec.load.yaml12 import Path, SourceMap
from offerspec.model import KINDS
from offerspec.platform import Problem, Refs
from offerspec.pull import to_source

PLATFORM_FIELD: dict[str, dict[str, str]] = {
    "products": {"status": "active", "id": "metadata.offerspec_id"},
    "plans": {"status": "active", "id": "metadata.offerspec_id", "product": "product_id",
              "grants": "entitlements.product_ids", "group_owner_plan": "group_owner_plan_id"},
    "offers": {"status": "active", "id": "metadata.offerspec_id", "plans": "plan_ids"},
}
DOCUMENT = "<api>"


def platform_path(kind: str, rest: tuple[Any, ...]) -> str:
    """``("grants", 1)`` -> ``entitlements.product_ids[1]``; ``("metadata", "k")`` -> ``metadata.k``."""
    if not rest:
        return ""
    name = PLATFORM_FIELD[kind].get(str(rest[0]), str(rest[0]))
    out = name
    for part in rest[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


Key = tuple[str, str]


class CatalogChecks:
    """The checks of one live catalog, kept from write to write.

    Every object is one small document whose made-up positions are unique across the catalog
    (line N is one path of one object, ``_lines``), so each diagnostic says which object and
    field it is about. When the live catalog passes every rule, a write is checked on the
    written object and what it meets (``check.incremental``); when it does not (edited outside
    offerspec), on the whole catalog, which must then pass as a whole.
    """

    def __init__(self, revision: int, objects: dict[str, dict[str, dict[str, Any]]], *,
                 incremental: bool = True) -> None:
        """``incremental=False``: every write checked on the whole catalog (what the tests
        compare the incremental checks with)."""
        self.revision = revision
        self._lines: dict[int, tuple[str, str, Path]] = {}
        self._next_line = 2  # line 1: a diagnostic about no object in particular
        self._documents: dict[Key, Document] = {}
        for kind in KINDS:
            for ident, data in objects.get(kind, {}).items():
                self._documents[(kind, ident)] = self._document(kind, ident, data, tree=False)
        ctx, salvaged, diagnostics = check_documents(list(self._documents.values()))
        diagnostics.extend(run_rules(ctx, salvaged))
        self.clean = not any(d.is_error for d in diagnostics)
        self._index = Neighbourhoods(ctx) if self.clean and incremental else None

    def _document(self, kind: str, ident: str, data: dict[str, Any], *, tree: bool) -> Document:
        """The object as an author would write it (defaults left out, as ``pull`` does), every
        path (``tree``) or its fields only at a line of its own."""
        source = to_source(kind, data)
        source_map = SourceMap()

        def add(path: Path) -> None:
            position = (self._next_line, 1)
            self._lines[self._next_line] = (kind, ident, path[2:])
            self._next_line += 1
            source_map.values[path] = position
            source_map.keys[path] = position

        def add_tree(path: Path, value: Any) -> None:
            add(path)
            if isinstance(value, dict):
                for key, inner in value.items():
                    add_tree((*path, key), inner)
            elif isinstance(value, list):
                for index, inner in enumerate(value):
                    add_tree((*path, index), inner)

        base: Path = (kind, 0)
        if tree:
            add_tree(base, source)
        else:
            add(base)
            for name in source:
                add((*base, name))
        return Document(DOCUMENT, {kind: [source]}, source_map)

    def _release(self, document: Document) -> None:
        for line, _ in document.source_map.values.values():
            self._lines.pop(line, None)

    def problems(self, kind: str, ident: str, data: dict[str, Any], refs: Refs) -> list[Problem]:
        """The errors ``validate`` would report on the live catalog with ``(kind, ident)`` as
        ``data`` (canonical or as sent), each at its platform field path: the written object's
        bare, others' prefixed ``<kind>/<platform id>.``."""
        document = self._document(kind, ident, data, tree=True)
        try:
            if self._index is not None:
                diagnostics = self._incremental(kind, ident, document)
            else:
                documents = {**self._documents, (kind, ident): document}
                ctx, salvaged, diagnostics = check_documents(list(documents.values()))
                diagnostics.extend(run_rules(ctx, salvaged))
            problems = [self._problem(d, (kind, ident), refs) for d in diagnostics if d.is_error]
        finally:
            self._release(document)
        # the request's own object first, then the others; each in the order of its fields
        return sorted(problems, key=lambda p: ("/" in p.path.split(".")[0], p.path, p.code))

    def _incremental(self, kind: str, ident: str, document: Document) -> list[Diagnostic]:
        assert self._index is not None
        own, salvaged, diagnostics = check_documents([document])
        located = getattr(own, kind).get(ident)
        ctx = self._index.context(kind, ident, located)
        ctx.renamed = {k: {**own.renamed[k], **table} for k, table in ctx.renamed.items()}
        salvaged.renamed = ctx.renamed
        ids = ctx.all_ids[kind]
        new = ident not in ids
        ids.add(ident)
        try:
            salvaged.all_ids = ctx.all_ids
            diagnostics.extend(run_rules(ctx, salvaged))
        finally:
            if new:
                ids.discard(ident)
        return diagnostics

    def written(self, revision: int, kind: str, ident: str, data: dict[str, Any] | None) -> None:
        """The write passed and is now the store's ``revision``: ``(kind, ident)`` is ``data``
        (canonical; None: deleted)."""
        self.revision = revision
        old = self._documents.pop((kind, ident), None)
        if old is not None:
            self._release(old)
        if data is None:
            if self._index is not None:
                self._index.replace(kind, ident, None)
            return
        document = self._document(kind, ident, data, tree=False)
        self._documents[(kind, ident)] = document
        if self._index is not None:
            ctx, _, _ = check_documents([document])
            self._index.replace(kind, ident, getattr(ctx, kind).get(ident))

    def _problem(self, diagnostic: Diagnostic, target: Key, refs: Refs) -> Problem:
        found = self._lines.get(diagnostic.line)
        where = ""
        if found is not None:
            kind, ident, rest = found
            field = platform_path(kind, tuple(rest))
            if (kind, ident) == target:
                where = field
            else:
                number = refs.number(kind, ident)
                where = f"{kind}/{number if number is not None else ident}" + (
                    f".{field}" if field else "")
        return Problem(where, diagnostic.code, diagnostic.message, diagnostic.hint)
