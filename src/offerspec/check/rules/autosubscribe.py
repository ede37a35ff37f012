"""Auto-subscription must be unambiguous: one plan per email domain and per address."""

from __future__ import annotations

from collections.abc import Iterator

from offerspec.check.context import CheckContext, Located
from offerspec.check.rules import rule
from offerspec.diagnostics import Diagnostic
from offerspec.geo import parse_cidr
from offerspec.model import Plan


def _active(ctx: CheckContext) -> list[Located[Plan]]:
    return [p for p in ctx.plans.values() if p.obj.status == "active"]


@rule("domain-conflict")
def unique_domains(ctx: CheckContext) -> Iterator[Diagnostic]:
    owners: dict[str, tuple[Located[Plan], int]] = {}
    for located in _active(ctx):
        for i, domain in enumerate(located.obj.domains):
            first = owners.get(domain)
            if first is None:
                owners[domain] = (located, i)
            elif first[0] is not located:
                other, j = first
                yield located.diagnostic(
                    ("domains", i), "domain-conflict",
                    f"domain '{domain}' already auto-subscribes to plan '{other.obj.id}' "
                    f"(at {other.doc.path}:{other.value_pos('domains', j)[0]})",
                    hint="a signup must map to one plan: keep the domain on one plan only",
                    related=(other.where("domains", j),))


@rule("ip-overlap")
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
    widest: tuple[int, int, int, Located[Plan], int, str] | None = None
    for current in ranges:
        overlaps = widest is not None and widest[0] == current[0] and current[1] <= widest[2]
        if widest is not None and overlaps and widest[3] is not current[3]:
            yield current[3].diagnostic(
                ("ip_addresses", current[4]), "ip-overlap",
                f"'{current[5]}' overlaps '{widest[5]}' of plan '{widest[3].obj.id}' "
                f"(at {widest[3].doc.path}:{widest[3].value_pos('ip_addresses', widest[4])[0]})",
                hint="an address must map to one plan: make the ranges disjoint",
                related=(widest[3].where("ip_addresses", widest[4]),))
        if widest is None or widest[0] != current[0] or current[2] > widest[2]:
            widest = current
