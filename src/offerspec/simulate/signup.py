"""Signup auto-subscription: the plans a new member joins by email domain or IP address.

Matching rule: the email's domain (after the last '@', case-insensitive) must equal
one of a plan's ``domains`` exactly. Subdomains do not match: ``ada@cs.example.edu``
does not join a plan listing ``example.edu``; list ``cs.example.edu`` too. An IP
address matches when it lies inside one of a plan's ``ip_addresses`` CIDR ranges
(IPv4 and IPv6; an IPv4-mapped IPv6 address counts as its IPv4 address).
"""

from __future__ import annotations

import ipaddress
from datetime import date

from offerspec.catalog import Catalog
from offerspec.diagnostics import OfferspecError
from offerspec.simulate.checkout import grant, plan_reasons
from offerspec.simulate.index import CatalogIndex, index_for
from offerspec.simulate.types import Member, SignupMatch, SignupOutcome

# Auto-subscription bypasses the offer page, so only these refusals apply to it.
SIGNUP_REFUSALS = frozenset({"plan-archived", "plan-expired", "seats-full"})


def email_domain(email: str) -> str:
    """The domain an email address is matched by: lowercase, no trailing dot."""
    local, at, domain = email.strip().rpartition("@")
    domain = domain.rstrip(".").lower()
    if not at or not local or "." not in domain:
        raise OfferspecError(f"invalid email address '{email}'",
                             hint="write it as name@domain, e.g. ada@example.edu")
    return domain


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        raise OfferspecError(f"invalid IP address '{text}'",
                             hint="write an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::1") \
            from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def matching_plans(index: CatalogIndex, email: str | None, ip: str | None) -> dict[str, list[str]]:
    """plan id -> what matched it ("email domain example.edu", "IP in 192.0.2.0/24")."""
    matches: dict[str, list[str]] = {}
    if email:
        domain = email_domain(email)
        for plan_id in index.plans_by_domain.get(domain, ()):
            matches.setdefault(plan_id, []).append(f"email domain {domain}")
    if ip:
        address = parse_ip(ip)
        for network, plan_id in index.networks:
            if network.version == address.version and address in network:
                matches.setdefault(plan_id, []).append(f"IP in {network}")
    return matches


def signup(catalog: Catalog, email: str | None, ip: str | None, day: date, *,
           seats_used: int = 0) -> SignupOutcome:
    """Which plans a member signing up with ``email`` / ``ip`` on ``day`` is auto-subscribed to.

    The member is not charged: the plan's owner (the institution) pays for the seats.
    """
    index = index_for(catalog)
    member = Member(email=email, ip=ip, direct_link=True, seats_used=seats_used)
    results = []
    for plan_id, matched_by in sorted(matching_plans(index, email, ip).items()):
        plan = index.plans[plan_id]
        reasons = tuple(r for r in plan_reasons(plan, member, day) if r.code in SIGNUP_REFUSALS)
        if reasons:
            results.append(SignupMatch(plan_id, tuple(matched_by), False, reasons))
            continue
        entitlements, _, _ = grant(plan, day, member, 0, charge=False)
        results.append(SignupMatch(plan_id, tuple(matched_by), True, (), entitlements))
    return SignupOutcome(email, ip, day, tuple(results))
