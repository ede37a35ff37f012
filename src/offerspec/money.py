"""Money as integer minor units: currency exponents, formatting and float hints.

pycountry supplies the assigned ISO 4217 codes; it does not carry minor units,
so the exponents that are not 2 are listed here (ISO 4217 table A.1).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

_EXPONENTS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
         "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
# Codes that are not money a member can pay with: precious metals, SDR, testing, "no currency",
# and funds codes.
NOT_TENDER = frozenset({
    "XAU", "XAG", "XPD", "XPT", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS",
    "XXX", "BOV", "CHE", "CHW", "COU", "MXV", "USN", "UYI", "CLF", "UYW",
})


@cache
def currency_codes() -> frozenset[str]:
    """Assigned ISO 4217 codes usable as a plan's currency."""
    import pycountry  # imported lazily: it loads its database on first use

    return frozenset(c.alpha_3 for c in pycountry.currencies) - NOT_TENDER


def exponent(currency: str) -> int:
    """Number of minor-unit digits (USD 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(currency, 2)


def format_amount(amount: int, currency: str) -> str:
    """999 USD -> '9.99 USD'; 500 JPY -> '500 JPY'. Exact: no float involved."""
    digits = exponent(currency)
    if digits == 0:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**digits)
    return f"{sign}{major}.{minor:0{digits}d} {currency}"


def amount_hint(value: Any, currency: str | None) -> str:
    """What to write instead of a non-integer amount (``9.99`` -> ``999``)."""
    digits = exponent(currency) if currency else 2
    unit = f"{currency} " if currency else ""
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else None
    if text is None:
        return f"write the price as an integer number of {unit}minor units, e.g. 999 for 9.99"
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return f"write the price as an integer number of {unit}minor units, e.g. 999 for 9.99"
    if isinstance(value, str) and number == number.to_integral_value():
        if text.strip().lstrip("+-").startswith("0") and number != 0:
            # Unquoted 0750 arrives as text too: YAML 1.2 has no leading-zero integers.
            return f"did you mean {int(number)}? (write the number without leading zeros or quotes)"
        return f"did you mean {int(number)}? (write the number unquoted)"
    scaled = number.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return (f"{text} has more decimals than {currency or 'the currency'} allows "
                f"({digits}); amounts are integer minor units")
    return f"did you mean {int(scaled)}? (amounts are integer {unit}minor units)"
