"""Parsing a member's situation from text (CLI options, CSV cells): clear errors, never a traceback."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from offerspec.diagnostics import OfferspecError
from offerspec.geo import country_codes
from offerspec.numbers import whole_number
from offerspec.simulate.index import CatalogIndex
from offerspec.simulate.signup import email_domain, parse_ip
from offerspec.simulate.types import Holding
from offerspec.spellings import country_hint, date_problem

_YYYY_MM_DD = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})


def today_utc() -> date:
    return datetime.now(UTC).date()


def parse_date(text: str, what: str = "date") -> date:
    try:
        if not _YYYY_MM_DD.fullmatch(text):  # fromisoformat also takes 20261122, 2026-W47-1
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        problem = date_problem(text)
        if problem:
            raise OfferspecError(f"invalid {what} '{text}': not a day of the calendar ({problem})",
                                 hint="write a day that exists, e.g. 2026-11-22") from None
        raise OfferspecError(f"invalid {what} '{text}'",
                             hint="write dates as YYYY-MM-DD, e.g. 2026-11-22") from None


def parse_country(text: str) -> str:
    code = text.strip().upper()
    if code not in country_codes():
        hint = country_hint(code, sorted(country_codes()))
        raise OfferspecError(f"unknown country code '{text}'",
                             hint=hint or "use an ISO 3166-1 alpha-2 code, e.g. US, GB, NO")
    return code


def parse_bool(text: str, what: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise OfferspecError(f"invalid {what} '{text}'", hint="write true or false")


def parse_count(text: str, what: str, maximum: int) -> int:
    stripped = text.strip()
    if not stripped:
        return 0
    value = whole_number(stripped, maximum)
    if value is None:
        raise OfferspecError(f"invalid {what} '{text}'",
                             hint=f"write a whole number from 0 to {maximum}")
    return value


def parse_holding(text: str, index: CatalogIndex) -> Holding:
    """``PRODUCT`` or ``PRODUCT:YYYY-MM-DD`` (the day the held entitlement ends)."""
    product, _, end = text.strip().partition(":")
    index.check_product(product)
    if not end:
        return Holding(product)
    try:
        return Holding(product, parse_date(end))
    except OfferspecError as exc:
        raise OfferspecError(f"invalid end date '{end}' in holding '{text.strip()}'",
                             hint=exc.hint) from None


def check_email(text: str) -> str:
    email_domain(text)
    return text.strip()


def check_ip(text: str) -> str:
    parse_ip(text)
    return text.strip()
