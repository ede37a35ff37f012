"""The one output layer for text that came from data (catalog, store, plan file, scenario, CSV).

Every renderer builds its output as *lines* and passes them through :func:`text` (or one value
through :func:`clean`): inside a line, any character that could move the cursor, rewrite the
screen, start a new line, reorder what is shown or hide text is written as a visible escape
(``\\x1b``, ``\\r``, ``\\n``, ``\\u202e``), so a value can never print a fake line ("PASS",
"No changes.") or control the reader's terminal. JSON keeps its meaning: :func:`json_text`
writes those characters as ``\\uXXXX``. Markdown wraps escaped text in code spans and fences
(:func:`md_code`, :func:`md_fence`), so nothing in a value is read as Markdown or HTML.
Colour codes are added only by :func:`style`, after escaping.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import IO, Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Bidirectional controls (Trojan Source, CVE-2021-42574) and invisible marks that reorder or hide
# what a reader sees; not in category Cc, so listed.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})  # controls, U+2028/2029, lone surrogates


@cache
def _is_unsafe(char: str) -> bool:
    return char in _BIDI or unicodedata.category(char) in _UNSAFE_CATEGORIES


# A fast pre-check: most text has none of these, and is returned as it is.
_MAYBE_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                           "\ud800-\udfff]")


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(value: object) -> str:
    """``value`` as one line that shows exactly what it holds and controls nothing."""
    text = value if isinstance(value, str) else str(value)
    if not _MAYBE_UNSAFE.search(text):
        return text
    return "".join(_escape(c) if _is_unsafe(c) else c for c in text)


def text(lines: Iterable[str]) -> str:
    """Lines for a terminal or log: each one cleaned, joined, ending in a newline (or "")."""
    out = "\n".join(clean(line) for line in lines)
    return out + "\n" if out else ""


def json_text(document: Any, *, indent: int | None = 2, ascii_only: bool = False) -> str:
    """JSON of ``document`` (no trailing newline) with every unsafe character as ``\\uXXXX``."""
    return escape_json(json.dumps(document, indent=indent, ensure_ascii=ascii_only))


def escape_json(raw: str) -> str:
    """Serialized JSON with every unsafe character as ``\\uXXXX``: the same data for a JSON
    reader, nothing raw for a terminal. (json.dumps already escapes C0 controls; C1 controls,
    U+2028 and bidi controls it writes raw.)"""
    if not _MAYBE_UNSAFE.search(raw):
        return raw
    # A raw newline there is indentation: inside strings json.dumps writes \\n.
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and _is_unsafe(c) else c for c in raw)


_BACKTICKS = re.compile("`+")


def longest_backtick_run(value: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(value)), default=0)


def md_code(value: object) -> str:
    """Inline Markdown code showing ``value`` exactly: cleaned to one line (a code span cannot
    be broken out of by a newline or hold HTML), delimited by more backticks than it holds."""
    shown = clean(value)
    ticks = "`" * (longest_backtick_run(shown) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def md_fence_for(lines: Iterable[str]) -> str:
    """A code fence longer than any run of backticks in the (cleaned) lines it will enclose."""
    return "`" * max(3, max((longest_backtick_run(clean(line)) for line in lines), default=0) + 1)


def md_fence(lines: list[str], info: str = "", fence: str | None = None) -> str:
    """Lines in a fenced code block: cleaned, shown as they are, Markdown and HTML inert."""
    fence = fence or md_fence_for(lines)
    return f"{fence}{info}\n{text(lines)}{fence}\n"


# CSV ----------------------------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP): such
# a cell gets a leading apostrophe, which spreadsheets show as text and do not display.
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?\Z")  # a plain number is no formula: left as it is
_CSV_QUOTE = re.compile('[,"\r\n]')


def csv_cell(value: object) -> str:
    """One CSV field: neutralised when a spreadsheet would run it as a formula, quoted when it
    holds a comma, a quote, a CR or a newline (a CR inside a value is never a row break); any
    other control character is written escaped (``\\x1b``), never raw."""
    text = value if isinstance(value, str) else str(value)
    if _MAYBE_UNSAFE.search(text):
        text = "".join(_escape(c) if _is_unsafe(c) and c not in "\t\r\n" else c for c in text)
    if text and text[0] in _FORMULA_START and not _NUMBER.match(text):
        text = "'" + text
    if _CSV_QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_row(cells: Iterable[object]) -> str:
    """One CSV row from data, ending in a newline: every cell through :func:`csv_cell`."""
    return ",".join(csv_cell(cell) for cell in cells) + "\n"


# Streams --------------------------------------------------------------------------------------

ESCAPE_UNENCODABLE = "offerspec-escape"
"""The error handler of stdout and stderr: a character the stream's encoding cannot hold
(an emoji on a latin-1 terminal) is written as ``\\uXXXX`` (a surrogate pair beyond the BMP),
which is also a valid escape inside a JSON string; never a crash."""


def _escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


def escape_unencodable(*streams: IO[str]) -> None:
    """Make ``streams`` (stdout, stderr) write what their encoding cannot hold as escapes."""
    import codecs

    try:
        codecs.lookup_error(ESCAPE_UNENCODABLE)
    except LookupError:
        codecs.register_error(ESCAPE_UNENCODABLE, _escape_unencodable)
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if reconfigure is not None and encoding not in ("utf-8", "utf8"):
            reconfigure(errors=ESCAPE_UNENCODABLE)


# Colour -------------------------------------------------------------------------------------

COLOURS = {"green": "32", "yellow": "33", "red": "31", "bold": "1"}


def style(line: str, colour: str | None) -> str:
    """An already cleaned line in ``colour`` (None: as it is)."""
    return f"\x1b[{COLOURS[colour]}m{line}\x1b[0m" if colour else line


def colour_wanted(stream: IO[str], *, no_color: bool = False) -> bool:
    """Colour only for a person at a terminal: never when piped or redirected, never with
    ``--no-color``, a non-empty ``NO_COLOR`` (no-color.org) or ``TERM=dumb``."""
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
