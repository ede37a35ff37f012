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


def amount_hint(value: Any, currency: str | None, written: str | None = None) -> str:
    """What to write instead of a non-integer amount: the minor units of the value written.

    ``9.99`` and ``"39.00"`` are prices in major units (999, 3900 USD minor units); ``"999"``
    (quoted, no decimal point) is already minor units, only quoted. ``written`` is the text of
    an unquoted number as it stands in the file (``39.00``, not the parsed ``39.0``).
    """
    digits = exponent(currency) if currency else 2
    unit = f"{currency} " if currency else ""
    generic = f"write the price as an integer number of {unit}minor units, e.g. 999 for 9.99"
    quoted = isinstance(value, str)
    if value is None:
        return generic
    text = value if quoted else written if written is not None else \
        repr(value) if isinstance(value, float) else None
    if text is None:
        return generic
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return generic
    if not number.is_finite() or abs(number.adjusted()) > 30:  # no minutes spent on 1e999999
        return generic
    plain_integer = quoted and text.strip().lstrip("+-").isdigit()
    if plain_integer:
        if text.strip().lstrip("+-").startswith("0") and number != 0:
            # Unquoted 0750 arrives as text too: YAML 1.2 has no leading-zero integers.
            return f"did you mean {int(number)}? (write the number without leading zeros or quotes)"
        return f"did you mean {int(number)}? (write the number unquoted)"
    scaled = number.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return (f"{text.strip()} has more decimals than {currency or 'the currency'} allows "
                f"({digits}); amounts are integer minor units")
    if quoted:
        minor = int(scaled)
        return f"did you mean {minor}? (unquoted, in {unit}minor units: {text.strip()} is {minor})"
    return f"did you mean {int(scaled)}? (amounts are integer {unit}minor units)"
