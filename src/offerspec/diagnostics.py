"""The one problem type that flows through every stage, and the error roots."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

DOCS = "https://github.com/offerspec/offerspec/blob/v0.1.0/docs"
"""Where the documentation is for an installed offerspec (no docs/ folder beside a pip install)."""


def docs_url(page: str) -> str:
    """The URL of one page of the documentation, e.g. ``docs_url("simulator.md")``."""
    return f"{DOCS}/{page}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=False)
class Diagnostic:
    """A located problem. ``line`` and ``col`` are 1-based (0 = unknown)."""

    file: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = Severity.ERROR
    hint: str | None = None
    related: tuple[tuple[str, int, int], ...] = field(default=())
    omitted: int = 0
    """This one stands for that many more of its code in its file, not shown (``cap_repeats``)."""

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.code, self.message)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def promoted(self) -> Diagnostic:
        """This diagnostic as an error (``--strict``)."""
        if self.is_error:
            return self
        return Diagnostic(
            self.file, self.line, self.col, self.code, self.message,
            Severity.ERROR, self.hint, self.related, self.omitted,
        )


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file, line, column; duplicates (same place, code, message) dropped."""
    seen: set[tuple[str, int, int, str, str]] = set()
    out: list[Diagnostic] = []
    for diag in sorted(diagnostics, key=lambda d: d.sort_key):
        if diag.sort_key in seen:
            continue
        seen.add(diag.sort_key)
        out.append(diag)
    return out


MAX_REPEATS = 10
"""Diagnostics shown per kind of mistake and file; one more counts the rest (``cap_repeats``)."""

_COUNT_SUFFIX = re.compile(r" \(and [0-9,]+ more [\w-]+ (?:errors?|warnings?) like it in this "
                           r"file\)\Z")
_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|[0-9]+")


def _kind(diagnostic: Diagnostic) -> tuple[str, str, Severity, str]:
    """What makes diagnostics repeats of one mistake: file, code, severity and the message
    without its quoted values and numbers ("'US' is listed twice in countries (first at ...)")."""
    message = _VARIABLE.sub("_", _COUNT_SUFFIX.sub("", diagnostic.message))
    return (diagnostic.file, diagnostic.code, diagnostic.severity, message)


def cap_repeats(diagnostics: Iterable[Diagnostic], limit: int = MAX_REPEATS) -> list[Diagnostic]:
    """The first ``limit`` diagnostics of each kind of mistake in each file, then the next one
    counting the rest ("... (and 1,999,989 more duplicate-entry warnings like it in this
    file)"); its ``omitted`` is how many it stands for. Consumes a stream without keeping
    what it leaves out: a file repeating one mistake two million times costs bounded memory."""
    kept: list[Diagnostic] = []
    shown: dict[tuple[str, str, Severity, str], int] = {}
    rest: dict[tuple[str, str, Severity, str], tuple[Diagnostic, int]] = {}
    for diagnostic in diagnostics:
        key = _kind(diagnostic)
        if not diagnostic.omitted and shown.get(key, 0) < limit:
            shown[key] = shown.get(key, 0) + 1
            kept.append(diagnostic)
            continue
        first, count = rest.get(key, (diagnostic, 0))
        rest[key] = (first, count + (diagnostic.omitted or 1))
    for (_, code, severity, _), (first, count) in rest.items():
        if count == 1 and not first.omitted:
            kept.append(first)
            continue
        noun = "error" if severity is Severity.ERROR else "warning"
        message = _COUNT_SUFFIX.sub("", first.message) + (
            f" (and {count - 1:,} more {code} {noun}{'s' if count != 2 else ''} like it in "
            "this file)")
        kept.append(Diagnostic(first.file, first.line, first.col, code, message, severity,
                               first.hint, first.related, omitted=count))
    return kept


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


class OfferspecError(Exception):
    """Root of every user-facing error: the CLI prints it and exits 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class DiagnosticsError(OfferspecError):
    """A stage could not go on because its input has located problems."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        errors = [d for d in diagnostics if d.is_error]
        super().__init__(f"{len(errors)} error(s) in the catalog")
        self.diagnostics = diagnostics
