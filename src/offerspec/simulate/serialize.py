"""Simulation results as JSON-ready dicts (dates as YYYY-MM-DD, amounts as integers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from offerspec.money import format_amount
from offerspec.simulate.types import (
    Charge,
    Entitlement,
    OfferView,
    Outcome,
    Reason,
    ShownPlan,
    SignupMatch,
    SignupOutcome,
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def entitlement_dict(e: Entitlement) -> dict[str, Any]:
    return {"product": e.product, "start": e.start.isoformat(), "end": _iso(e.end),
            "plan": e.plan, "trial_end": _iso(e.trial_end), "period": e.period, "note": e.note}


def charge_dict(c: Charge) -> dict[str, Any]:
    return {"date": c.date.isoformat(), "amount": c.amount, "currency": c.currency,
            "plan": c.plan, "period": c.period}


def _reasons(reasons: tuple[Reason, ...]) -> dict[str, Any]:
    return {"reasons": [r.message for r in reasons], "reason_codes": [r.code for r in reasons]}


def outcome_dict(outcome: Outcome) -> dict[str, Any]:
    request = outcome.checkout
    return {
        "accepted": outcome.accepted,
        **_reasons(outcome.reasons),
        "offer": request.offer, "plan": request.plan, "date": request.date.isoformat(),
        "entitlements": [entitlement_dict(e) for e in outcome.entitlements],
        "charges": [charge_dict(c) for c in outcome.charges],
        "notes": list(outcome.notes),
    }


def match_dict(match: SignupMatch) -> dict[str, Any]:
    return {"plan": match.plan, "matched_by": list(match.matched_by), "accepted": match.accepted,
            **_reasons(match.reasons),
            "entitlements": [entitlement_dict(e) for e in match.entitlements]}


def signup_dict(outcome: SignupOutcome) -> dict[str, Any]:
    subscribed = outcome.subscribed
    return {
        "subscribed": bool(subscribed),
        "email": outcome.email, "ip": outcome.ip, "date": outcome.date.isoformat(),
        "plans": [m.plan for m in subscribed],
        "entitlements": [entitlement_dict(e) for m in subscribed for e in m.entitlements],
        "charges": [],
        "matches": [match_dict(m) for m in outcome.matches],
    }


def interval_text(interval: str | None, count: int, auto_renew: bool = True) -> str:
    """How a plan is billed: ``every year``; ``one-time, for 1 year`` when it does not renew."""
    if interval is None:
        return "once, never expires"
    if not auto_renew:
        return f"one-time, for {count} {interval}{'' if count == 1 else 's'}"
    return f"every {interval}" if count == 1 else f"every {count} {interval}s"


def shown_dict(plan: ShownPlan) -> dict[str, Any]:
    return {"plan": plan.plan, "nickname": plan.nickname, "amount": plan.amount,
            "currency": plan.currency, "price": format_amount(plan.amount, plan.currency),
            "interval": plan.interval, "interval_count": plan.interval_count,
            "auto_renew": plan.auto_renew,
            "billing": interval_text(plan.interval, plan.interval_count, plan.auto_renew),
            "trial_period_days": plan.trial_period_days, "grants": list(plan.grants)}


def offer_view_dict(view: OfferView) -> dict[str, Any]:
    return {"offer": view.offer, "name": view.name, "date": view.date.isoformat(),
            "plans": [shown_dict(p) for p in view.shown],
            "not_shown": [{"plan": n.plan, **_reasons(n.reasons)} for n in view.not_shown]}
