"""Diagnostics as text, JSON or GitHub Actions annotations."""

from __future__ import annotations

from collections.abc import Callable

from offerspec.diagnostics import Diagnostic
from offerspec.render.safe import clean, json_text


def _counts(diagnostics: list[Diagnostic]) -> tuple[int, int]:
    # a diagnostic that counts ``omitted`` others stands for them, not for one more
    errors = sum(d.omitted or 1 for d in diagnostics if d.is_error)
    return errors, sum(d.omitted or 1 for d in diagnostics) - errors


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _one_line(text: str) -> str:
    """A value quoted in a message ('a\\nb') must not break the one-line-per-problem format
    nor control the terminal (render.safe, the one output layer for data)."""
    return clean(text)


def render_text(diagnostics: list[Diagnostic], summary: str = "") -> str:
    lines = []
    for d in diagnostics:
        lines.append(f"{_one_line(d.location())}: {d.severity.value}[{d.code}]: {_one_line(d.message)}")
        if d.hint:
            lines.append(f"  hint: {_one_line(d.hint)}")
    errors, warnings = _counts(diagnostics)
    if errors or warnings:
        lines.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
    if summary:
        lines.append(summary)
    return "\n".join(lines) + ("\n" if lines else "")


def diagnostic_dict(d: Diagnostic) -> dict[str, object]:
    return {
        "file": d.file, "line": d.line, "col": d.col, "severity": d.severity.value,
        "code": d.code, "message": d.message, "hint": d.hint,
        "related": [{"file": f, "line": ln, "col": c} for f, ln, c in d.related],
    }


def render_json(diagnostics: list[Diagnostic], summary: str = "") -> str:
    errors, warnings = _counts(diagnostics)
    body = {"valid": errors == 0, "errors": errors, "warnings": warnings,
            "diagnostics": [diagnostic_dict(d) for d in diagnostics]}
    return json_text(body, ascii_only=True) + "\n"


def _escape_data(text: str) -> str:
    """GitHub's own encoding for line breaks (a multi-line annotation), then render.safe for
    every other control character (a raw ESC would colour the job's log)."""
    return clean(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: list[Diagnostic], summary: str = "") -> str:
    lines = []
    for d in diagnostics:
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        lines.append(
            f"::{d.severity.value} file={_escape_property(d.file)},line={d.line},col={d.col},"
            f"title={_escape_property(d.code)}::{_escape_data(message)}")
        for file, line, col in d.related:
            # The other place of a pair (a domain on two plans): annotated too, as a notice.
            note = f"related to {d.location()}: {d.message}"
            lines.append(
                f"::notice file={_escape_property(file)},line={line},col={col},"
                f"title={_escape_property(d.code)}::{_escape_data(note)}")
    if summary:
        lines.append(summary)
    return "\n".join(lines) + ("\n" if lines else "")


RENDERERS: dict[str, Callable[[list[Diagnostic], str], str]] = {
    "text": render_text, "json": render_json, "github": render_github,
}
