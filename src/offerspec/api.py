"""The library's front door: load, check and compile a catalog from Python."""

from __future__ import annotations

import os
from collections.abc import Iterable

from offerspec.catalog import Catalog
from offerspec.check.rules import run_rules
from offerspec.check.schema import check_documents
from offerspec.compile import compile_context
from offerspec.diagnostics import Diagnostic, cap_repeats, has_errors, sort_diagnostics
from offerspec.load.files import gc_paused, ids_written_in, load_documents

PathLike = str | os.PathLike[str]


def check_catalog(paths: Iterable[PathLike], *, strict: bool = False) -> tuple[
        Catalog | None, list[Diagnostic]]:
    """Load, check and compile. The catalog is None when there is any error.

    ``strict`` turns warnings into errors. Diagnostics come sorted by file, line, column.
    """
    documents, diagnostics = load_documents(paths)
    with gc_paused():
        ctx, salvaged, problems = check_documents(documents)
        if diagnostics:  # files that could not be read: their ids may be referred to elsewhere
            ctx.unread_ids = salvaged.unread_ids = ids_written_in({d.file for d in diagnostics})
        diagnostics.extend(problems)
        diagnostics.extend(run_rules(ctx, salvaged))
    if strict:
        diagnostics = [d.promoted() for d in diagnostics]
    diagnostics = sort_diagnostics(cap_repeats(diagnostics))
    if has_errors(diagnostics):
        return None, diagnostics
    return compile_context(ctx), diagnostics


def load_catalog(paths: Iterable[PathLike], *, strict: bool = False) -> tuple[
        Catalog | None, list[Diagnostic]]:
    """``(catalog, diagnostics)`` for the YAML files or directories in ``paths``."""
    return check_catalog(paths, strict=strict)
