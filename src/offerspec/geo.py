"""ISO 3166-1 country codes, e-mail domain syntax and CIDR parsing."""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache

from offerspec.numbers import is_digits


@cache
def country_codes() -> frozenset[str]:
    """Assigned ISO 3166-1 alpha-2 codes."""
    import pycountry  # imported lazily: it loads its database on first use

    return frozenset(c.alpha_2 for c in pycountry.countries)


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` is not a valid e-mail domain (lowercase, dotted, LDH labels), or None."""
    if domain != domain.strip() or not domain:
        return "it is empty or has surrounding spaces"
    if "@" in domain:
        return "write the domain only, without the part before '@'"
    if domain != domain.lower():
        return f"domains are lowercase: write '{domain.lower()}'"
    if len(domain) > 253:
        return "it is longer than 253 characters"
    labels = domain.split(".")
    if len(labels) < 2:
        return "it needs at least two labels, e.g. example.com"
    for label in labels:
        if not _LABEL.match(label):
            return f"label '{label}' is not letters, digits and inner hyphens"
    if is_digits(labels[-1]):
        return "the last label cannot be numeric"
    return None


@lru_cache(maxsize=65536)
def parse_cidr(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network | None, str | None]:
    """A network from CIDR text; a bare address is a /32 or /128. Host bits are an error."""
    try:
        return ipaddress.ip_network(text, strict=True), None
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None, str(exc)
        return None, f"host bits are set; the network is {loose}"
