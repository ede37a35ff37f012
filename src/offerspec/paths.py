"""File names built from data (store ids, product ids) stay inside their directory.

``file_name`` turns any text into one safe path component; ``safe_join`` is the one way to put
such a name under a directory, and refuses anything that would land elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from offerspec.diagnostics import OfferspecError

MAX_NAME_BYTES = 255
"""The longest file name (in bytes) common file systems allow."""
_PLAIN = re.compile(r"[A-Za-z0-9_-]")


def _encoded(char: str) -> str:
    return char if _PLAIN.fullmatch(char) else "".join(f"%{b:02X}" for b in char.encode())


def file_name(stem: str, suffix: str = "") -> str:
    """``stem`` + ``suffix`` as one file name: every character but ASCII letters, digits, ``_``
    and ``-`` percent-encoded (``/``, ``..``, ``.``, NUL, ``%`` itself: distinct stems stay
    distinct names), and a name over 255 bytes shortened with a hash of the whole stem."""
    encoded = "".join(_encoded(c) for c in stem) or "%00"
    if len((encoded + suffix).encode()) > MAX_NAME_BYTES:
        digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        keep = MAX_NAME_BYTES - len(suffix) - len(digest) - 1
        cut = encoded[:keep]
        tail = cut.rfind("%", len(cut) - 2)  # not inside a %XX
        encoded = (cut[:tail] if tail >= 0 else cut) + "~" + digest
    return encoded + suffix


def safe_join(directory: Path, name: str) -> Path:
    """``directory / name`` when ``name`` is one ordinary component that stays there; a name
    with a separator, ``.``/``..``, a NUL or over 255 bytes is refused (a bug: callers build
    names with ``file_name``)."""
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name
            or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES
            or Path(name).name != name):
        raise OfferspecError(f"refusing to write {name!r}: not a plain file name in {directory}",
                             hint="this is a bug in offerspec: please report it")
    return directory / name
