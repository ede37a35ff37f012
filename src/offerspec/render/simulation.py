"""Simulation results as text for people (JSON goes through ``simulate.serialize``).

Names, nicknames, notes and reasons come from data: every output is a list of lines passed
through ``render.safe.text`` (a nickname cannot rewrite the screen).
"""

from __future__ import annotations

from offerspec.money import format_amount
from offerspec.render.safe import text
from offerspec.simulate.serialize import interval_text
from offerspec.simulate.types import (
    Charge,
    Entitlement,
    OfferView,
    Outcome,
    Reason,
    SignupOutcome,
)


def _entitlement_lines(e: Entitlement) -> list[str]:
    end = e.end.isoformat() if e.end else "never expires"
    extra = [f"plan {e.plan}"]
    if e.trial_end:
        extra.append(f"trial until {e.trial_end.isoformat()}")
    if e.period:
        extra.append(f"renewal {e.period}")
    line = f"  {e.product:<20} {e.start.isoformat()} → {end}  ({', '.join(extra)})"
    return [line, *([f"    note: {e.note}"] if e.note else [])]


def _charge_line(c: Charge) -> str:
    label = f"  (renewal {c.period})" if c.period else ""
    return f"  {c.date.isoformat()}  {format_amount(c.amount, c.currency):>14}{label}"


def _reason_lines(reasons: tuple[Reason, ...], indent: str = "  ") -> list[str]:
    return [f"{indent}- {r.code}: {r.message}" for r in reasons]


def render_outcome(outcome: Outcome) -> str:
    request = outcome.checkout
    what = f"plan {request.plan} in offer {request.offer} on {request.date.isoformat()}"
    if not outcome.accepted:
        lines = [f"refused: {what}", *_reason_lines(outcome.reasons)]
        return text(lines)
    lines = [f"accepted: {what}", "entitlements:"]
    for e in outcome.entitlements:
        lines.extend(_entitlement_lines(e))
    if not outcome.entitlements:
        lines.append("  (none)")
    lines.append("charges:")
    lines.extend(_charge_line(c) for c in outcome.charges)
    if not outcome.charges:
        lines.append("  (none)")
    lines.extend(f"note: {note}" for note in outcome.notes)
    return text(lines)


def render_signup(outcome: SignupOutcome) -> str:
    who = " and ".join(x for x in (outcome.email, outcome.ip) if x)
    if not outcome.matches:
        return text([f"no auto-subscription: no plan matches {who}"])
    lines = [f"signup of {who} on {outcome.date.isoformat()}:"]
    for match in outcome.matches:
        state = "auto-subscribed to" if match.accepted else "matches but refused:"
        lines.append(f"{state} {match.plan} (by {', '.join(match.matched_by)})")
        lines.extend(_reason_lines(match.reasons))
        for e in match.entitlements:
            lines.extend(_entitlement_lines(e))
    if outcome.subscribed:
        lines.append("the member is not charged: the plan's owner pays for the seats")
    return text(lines)


def render_offer_view(view: OfferView) -> str:
    lines = [f"offer {view.offer} ({view.name}) on {view.date.isoformat()}: "
             f"{len(view.shown)} plan(s) shown"]
    for number, plan in enumerate(view.shown, 1):
        trial = f", {plan.trial_period_days}-day free trial" if plan.trial_period_days else ""
        lines.append(f"  {number}. {plan.nickname} ({plan.plan}): "
                     f"{format_amount(plan.amount, plan.currency)} "
                     f"{interval_text(plan.interval, plan.interval_count, plan.auto_renew)}{trial}")
    if view.not_shown:
        lines.append("not shown:")
        for hidden in view.not_shown:
            lines.append(f"  {hidden.plan}")
            lines.extend(_reason_lines(hidden.reasons, "    "))
    return text(lines)
