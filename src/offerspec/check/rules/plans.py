"""Rules on a single plan: pricing, trials, donations, memberships, codes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from offerspec.check.context import CheckContext
from offerspec.check.rules import rule
from offerspec.diagnostics import MAX_REPEATS, Diagnostic, Severity
from offerspec.geo import country_codes, domain_problem, parse_cidr
from offerspec.money import NOT_TENDER, currency_codes
from offerspec.spellings import country_hint, currency_hint


@rule("trial-not-allowed", "indefinite-auto-renew", "interval-count-without-interval",
      "renewal-notice-without-renewal", reads={
          # auto_renew's default follows interval: a code reading auto_renew reads interval.
          "trial-not-allowed": ("trial_period_days", "amount", "interval", "auto_renew"),
          "indefinite-auto-renew": ("interval", "auto_renew"),
          "interval-count-without-interval": ("interval", "interval_count"),
          "renewal-notice-without-renewal": ("invoice_upcoming_notification", "auto_renew",
                                             "interval"),
      })
def billing(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.plans.values():
        plan = located.obj
        if plan.trial_period_days > 0:
            why = ("the plan is free" if plan.amount == 0
                   else "the plan has no interval" if plan.interval is None
                   else "the plan does not auto-renew" if not plan.auto_renew else None)
            if why:
                yield located.diagnostic(
                    ("trial_period_days",), "trial-not-allowed",
                    f"a trial needs a paid, auto-renewing plan with an interval, but {why}",
                    hint="remove trial_period_days, or make the plan paid and auto-renewing")
        if plan.interval is None and plan.auto_renew:
            yield located.diagnostic(
                ("auto_renew",), "indefinite-auto-renew",
                "an indefinite plan (no interval) cannot auto-renew",
                hint="set an interval, or `auto_renew: false`")
        if plan.interval is None and "interval_count" in plan.model_fields_set:
            yield located.diagnostic(
                ("interval_count",), "interval-count-without-interval",
                "interval_count has no effect without an interval",
                hint="set `interval:` or remove interval_count")
        if plan.invoice_upcoming_notification is not None and not plan.auto_renew:
            yield located.diagnostic(
                ("invoice_upcoming_notification",), "renewal-notice-without-renewal",
                "invoice_upcoming_notification announces a renewal, but the plan does not "
                "auto-renew",
                hint="remove invoice_upcoming_notification, or make the plan auto-renew")


@rule("donation-grants", "grants-nothing", reads={
    "donation-grants": ("is_donation", "grants", "product"),
    "grants-nothing": ("is_donation", "grants", "product"),
})
def donations(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.plans.values():
        plan = located.obj
        if plan.is_donation and plan.grants:
            yield located.diagnostic(
                ("grants",), "donation-grants", "a donation plan cannot grant products",
                hint="remove `grants`, or set `is_donation: false`")
        elif not plan.is_donation and not plan.grants:
            yield located.diagnostic(
                ("grants",), "grants-nothing", "a plan that grants nothing must be a donation",
                hint="list the products it grants, or set `is_donation: true`")


@rule("seats-required", "seats-not-membership", reads={
    "seats-required": ("type", "member_seat_capacity"),
    "seats-not-membership": ("type", "member_seat_capacity"),
})
def memberships(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.plans.values():
        plan = located.obj
        if plan.type == "membership" and plan.member_seat_capacity is None:
            yield located.diagnostic(
                ("type",), "seats-required", "a membership plan needs member_seat_capacity",
                hint="add `member_seat_capacity: N` (the number of seats)")
        if plan.type != "membership" and plan.member_seat_capacity is not None:
            yield located.diagnostic(
                ("member_seat_capacity",), "seats-not-membership",
                "only membership plans have seats",
                hint="set `type: membership`, or remove member_seat_capacity")


@rule("duplicate-entry", local=True)
def repeated_entries(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A value listed twice in a set-like list is a slip; compile would drop it silently."""
    for located in ctx.plans.values():
        for field in ("countries", "domains", "ip_addresses", "grants"):
            if field == "grants" and "grants" not in located.obj.model_fields_set:
                continue
            first: dict[str, int] = {}
            repeats, counted_from = 0, None
            for i, entry in enumerate(getattr(located.obj, field) or []):
                if entry not in first:
                    first[entry] = i
                    continue
                repeats += 1
                if repeats > MAX_REPEATS + 1:  # counted, not located: cap_repeats adds them up
                    continue
                where = located.where(field, first[entry])
                counted = repeats > MAX_REPEATS
                diagnostic = located.diagnostic(
                    (field, i), "duplicate-entry",
                    f"'{entry}' is listed twice in {field} (first at {where[1]}:{where[2]})",
                    severity=Severity.WARNING, hint="remove the repeat", related=(where,))
                if not counted:
                    yield diagnostic
                else:
                    counted_from = diagnostic
            if counted_from is not None:  # the 11th, standing for every repeat after the 10th
                yield dataclasses.replace(counted_from, omitted=repeats - MAX_REPEATS)


@rule("unknown-currency", "unknown-country", local=True)
def iso_codes(ctx: CheckContext) -> Iterator[Diagnostic]:
    currencies = currency_codes()
    countries = country_codes()
    for located in ctx.plans.values():
        plan = located.obj
        if plan.currency not in currencies:
            yield located.diagnostic(
                ("currency",), "unknown-currency",
                f"'{plan.currency}' is not an ISO 4217 currency that can be charged",
                # A metal, fund or test code is spelt right: a look-alike code is no help.
                hint=("it is a precious-metal, fund or testing code, not money a member pays with; "
                      "e.g. USD, EUR, GBP" if plan.currency in NOT_TENDER
                      else currency_hint(plan.currency, sorted(currencies)) or "e.g. USD, EUR, GBP"))
        for i, code in enumerate(plan.countries):
            if code not in countries:
                hint = country_hint(code, sorted(countries)) or "e.g. US, GB, NO"
                yield located.diagnostic(
                    ("countries", i), "unknown-country",
                    f"'{code}' is not an assigned ISO 3166-1 alpha-2 country code", hint=hint)


# No organization holds more than an IPv4 /8 or an IPv6 /16: a wider range
# auto-subscribes a large share of the internet (0.0.0.0/0: everyone).
MIN_PREFIX = {4: 8, 6: 16}


@rule("invalid-cidr", "ip-range-too-broad", "invalid-domain", local=True)
def auto_subscription_syntax(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.plans.values():
        for i, text in enumerate(located.obj.ip_addresses):
            network, problem = parse_cidr(text)
            mapped = network.network_address.ipv4_mapped \
                if network is not None and network.version == 6 and network.prefixlen >= 96 else None
            if mapped is not None and network is not None:
                # Members arrive as IPv4 addresses: one spelling, so overlaps are seen.
                ipv4 = f"{mapped}/{network.prefixlen - 96}"
                problem = (f"an IPv4-mapped IPv6 range; write the IPv4 network {ipv4}"
                           if network.prefixlen - 96 >= MIN_PREFIX[4] else
                           f"an IPv4-mapped IPv6 range of the IPv4 network {ipv4}, wider than "
                           f"any one organization's network (at least /{MIN_PREFIX[4]})")
            if problem:
                yield located.diagnostic(
                    ("ip_addresses", i), "invalid-cidr", f"invalid CIDR '{text}': {problem}",
                    hint="write a network such as 203.0.113.0/24 or 2001:db8::/32")
            elif network is not None and network.prefixlen < MIN_PREFIX[network.version]:
                yield located.diagnostic(
                    ("ip_addresses", i), "ip-range-too-broad",
                    f"'{text}' is a /{network.prefixlen}: wider than any one organization's "
                    "network, it would auto-subscribe a large share of the internet",
                    hint=f"write the organization's own ranges (at least /{MIN_PREFIX[network.version]})")
        for i, domain in enumerate(located.obj.domains):
            problem = domain_problem(domain)
            if problem:
                yield located.diagnostic(("domains", i), "invalid-domain",
                                         f"invalid email domain '{domain}': {problem}",
                                         hint="write a domain such as example.edu")


@rule("shipments-required", "shipments-without-interval", "agency-required", reads={
    "shipments-required": ("revenue_recognition", "shipments_per_interval"),
    "shipments-without-interval": ("shipments_per_interval", "interval"),
    "agency-required": ("renewal_strategy", "agency_remit_rate", "agency_id"),
})
def fulfilment(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.plans.values():
        plan = located.obj
        if plan.revenue_recognition == "shipment" and not plan.shipments_per_interval:
            yield located.diagnostic(
                ("revenue_recognition",), "shipments-required",
                "shipment-based revenue recognition needs shipments_per_interval of at least 1",
                hint="add `shipments_per_interval: N`, or use `revenue_recognition: time`")
        if plan.shipments_per_interval is not None and plan.interval is None:
            yield located.diagnostic(
                ("shipments_per_interval",), "shipments-without-interval",
                "shipments_per_interval counts shipments per billing interval, but the plan "
                "has no interval",
                hint="set `interval:`, or remove shipments_per_interval")
        needs_agency = plan.renewal_strategy == "agency" or plan.agency_remit_rate is not None
        if needs_agency and plan.agency_id is None:
            field = "renewal_strategy" if plan.renewal_strategy == "agency" else "agency_remit_rate"
            yield located.diagnostic(
                (field,), "agency-required", f"{field} needs an agency_id",
                hint="add `agency_id:` naming the managing agency")
