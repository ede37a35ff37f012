"""Common wrong spellings of currency and country codes, and why a date does not exist.

A look-alike search (difflib) finds typos, not habits: `UKP` is closest to `KPW`, `EURO` to
nothing. These tables are consulted first; only a code not in them gets a look-alike.
"""

from __future__ import annotations

import calendar
import re

CURRENCY_MISSPELLINGS = {
    "UKP": "GBP", "STG": "GBP", "UKL": "GBP", "GBR": "GBP", "£": "GBP", "POUND": "GBP",
    "EURO": "EUR", "EUROS": "EUR", "EU": "EUR", "€": "EUR",
    "US$": "USD", "USD$": "USD", "$": "USD", "US": "USD", "DOLLAR": "USD",
    "RMB": "CNY", "YUAN": "CNY", "YEN": "JPY", "JPN": "JPY", "¥": "JPY",
    "NTD": "TWD", "NT$": "TWD", "RUR": "RUB", "CAN": "CAD", "CA$": "CAD", "C$": "CAD",
    "AUS": "AUD", "AU$": "AUD", "A$": "AUD", "SFR": "CHF", "NIS": "ILS", "HK$": "HKD",
    "MXP": "MXN", "TRL": "TRY", "NKR": "NOK", "SKR": "SEK", "DKR": "DKK",
}

COUNTRY_MISSPELLINGS = {
    "UK": "GB", "EN": "GB", "ENG": "GB", "EL": "GR", "UAE": "AE",
}
# Not one country: the hint explains instead of suggesting a code.
COUNTRY_NOT_ONE = {"EU": "EU is not a country: list one code per country, e.g. DE, FR"}


def currency_spelling(text: str) -> str | None:
    """The ISO 4217 code a common wrong spelling means (``UKP`` -> ``GBP``), or None."""
    return CURRENCY_MISSPELLINGS.get(text.strip().upper())


def country_spelling(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code a common wrong spelling means (``UK`` -> ``GB``), or None.

    An alpha-3 code (``DEU``, ``USA``) maps to its alpha-2 code too.
    """
    code = text.strip().upper()
    if code in COUNTRY_MISSPELLINGS:
        return COUNTRY_MISSPELLINGS[code]
    if len(code) == 3 and code.isalpha():
        import pycountry  # imported lazily: it loads its database on first use

        country = pycountry.countries.get(alpha_3=code)
        return str(country.alpha_2) if country is not None else None
    return None


def country_hint(text: str, choices: list[str]) -> str | None:
    """A hint for an unknown country code: the table first, then a look-alike."""
    from offerspec.check.schema import did_you_mean

    code = text.strip().upper()
    if code in COUNTRY_NOT_ONE:
        return COUNTRY_NOT_ONE[code]
    meant = country_spelling(code)
    if meant is not None:
        return f"did you mean '{meant}'?"
    if code in choices and code != text:
        return f"country codes are uppercase: did you mean '{code}'?"
    return did_you_mean(code, choices)


def currency_hint(text: str, choices: list[str]) -> str | None:
    """A hint for an unknown currency code: the table first, then a look-alike."""
    from offerspec.check.schema import did_you_mean

    meant = currency_spelling(text)
    if meant is not None:
        return f"did you mean '{meant}'?"
    code = text.strip().upper()
    if code in choices and code != text:
        return f"currency codes are uppercase: did you mean '{code}'?"
    if len(code) != 3:
        return None
    # Swapped letters (UDS for USD) before look-alikes: difflib would say UZS.
    swaps = [c for c in choices if sorted(c) == sorted(code) and c != code]
    return f"did you mean '{swaps[0]}'?" if len(swaps) == 1 else did_you_mean(code, choices)


_YYYY_MM_DD = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)


def date_problem(text: str) -> str | None:
    """Why well-formed ``YYYY-MM-DD`` text is not a day of the calendar, or None.

    None also when the text is not of that form at all (the caller says how to write it).
    """
    match = _YYYY_MM_DD.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if year == 0:
        return "there is no year 0000"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return (f"{calendar.month_name[month]} {year} has {last} days" if day else
                "there is no day 00")
    return None
