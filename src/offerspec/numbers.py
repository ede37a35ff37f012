"""Numbers written as text (CSV cells, URL parts, option values): ASCII digits only.

``str.isdigit()`` is true for ``²``, ``٣`` and other digits ``int()`` refuses or reads as
another number; every check of "is this a whole number" in offerspec goes through here.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def is_digits(text: str) -> bool:
    """Non-empty and only the ASCII digits 0-9."""
    return _DIGITS.fullmatch(text) is not None


def whole_number(text: str, maximum: int) -> int | None:
    """``text`` as an integer from 0 to ``maximum``, or None (no sign, no spaces, ASCII digits;
    never more digits than ``maximum`` has, so no time goes into converting a huge one)."""
    if not is_digits(text) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None
