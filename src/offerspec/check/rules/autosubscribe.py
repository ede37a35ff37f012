"""Auto-subscription must be unambiguous: one plan per email domain and per address."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from offerspec.check.context import CheckContext, Located
from offerspec.check.rules import rule
from offerspec.check.rules.plans import MIN_PREFIX
from offerspec.diagnostics import Diagnostic
from offerspec.geo import parse_cidr
from offerspec.model import Plan


def _active(ctx: CheckContext) -> list[Located[Plan]]:
    return [p for p in ctx.plans.values() if p.obj.status == "active"]


def _domains(kind: str, obj: Any) -> list[str]:
    return list(obj.domains) if kind == "plans" else []


@rule("domain-conflict", shared=_domains)
def unique_domains(ctx: CheckContext) -> Iterator[Diagnostic]:
    owners: dict[str, tuple[Located[Plan], int]] = {}
    for located in _active(ctx):
        for i, domain in enumerate(located.obj.domains):
            first = owners.get(domain)
            if first is None:
                owners[domain] = (located, i)
            elif first[0] is not located:
                other, j = first
                where = other.where("domains", j)
                yield located.diagnostic(
                    ("domains", i), "domain-conflict",
                    f"domain '{domain}' already auto-subscribes to plan '{other.obj.id}' "
                    f"(at {where[0]}:{where[1]}:{where[2]})",
                    hint="a signup must map to one plan: keep the domain on one plan only",
                    related=(other.where("domains", j),))


def _networks(kind: str, obj: Any) -> list[Hashable] | None:
    """Overlapping ranges lie in one /8 (IPv4) or /16 (IPv6), the widest range a plan may have;
    a wider one (an error of its own) can meet any range."""
    if kind != "plans":
        return []
    keys: list[Hashable] = []
    for text in obj.ip_addresses:
        network, _ = parse_cidr(text)
        if network is None:
            continue
        widest = MIN_PREFIX[network.version]
        if network.prefixlen < widest:
            return None
        keys.append(network.supernet(new_prefix=widest))
    return keys


@rule("ip-overlap", shared=_networks)
def disjoint_ip_ranges(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Sort all networks by (version, first address) and sweep: overlaps are neighbours.
    ranges: list[tuple[int, int, int, Located[Plan], int, str]] = []
    for located in _active(ctx):
        for i, text in enumerate(located.obj.ip_addresses):
            network, _ = parse_cidr(text)
            if network is not None:
                ranges.append((network.version, int(network.network_address),
                               int(network.broadcast_address), located, i, text))
    ranges.sort(key=lambda r: (r[0], r[1], -r[2]))
    # The error lands on the range written later (in file order): the one a change just added,
    # so a pull-request annotation marks the changed line; the earlier one is related.
    rank = {id(located): n for n, located in enumerate(ctx.plans.values())}
    widest: tuple[int, int, int, Located[Plan], int, str] | None = None
    for current in ranges:
        overlaps = widest is not None and widest[0] == current[0] and current[1] <= widest[2]
        if widest is not None and overlaps and widest[3] is not current[3]:
            later, earlier = (current, widest) if rank[id(current[3])] > rank[id(widest[3])] \
                else (widest, current)
            where = earlier[3].where("ip_addresses", earlier[4])
            yield later[3].diagnostic(
                ("ip_addresses", later[4]), "ip-overlap",
                f"'{later[5]}' overlaps '{earlier[5]}' of plan '{earlier[3].obj.id}' "
                f"(at {where[0]}:{where[1]}:{where[2]})",
                hint="an address must map to one plan: make the ranges disjoint",
                related=(where,))
        if widest is None or widest[0] != current[0] or current[2] > widest[2]:
            widest = current
