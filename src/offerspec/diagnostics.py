"""The one problem type that flows through every stage, and the error roots."""

from __future__ import annotations

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
            Severity.ERROR, self.hint, self.related,
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
