"""Running scenarios: simulate, then compare with what the scenario expects.

Only what a scenario writes is compared; the comparison is shown as a unified
diff of two small YAML-like texts, expected against actual.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Any

from offerspec.catalog import Catalog
from offerspec.diagnostics import OfferspecError
from offerspec.scenarios.load import LoadedScenario
from offerspec.scenarios.model import Expect, Scenario
from offerspec.simulate import Checkout, Holding, Member, checkout, signup
from offerspec.simulate.serialize import charge_dict, entitlement_dict

DEFAULT_KEYS = {"entitlements": ("product", "start", "end"), "charges": ("date", "amount", "currency")}


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    loaded: LoadedScenario
    passed: bool
    diff: tuple[str, ...] = ()
    error: str | None = None

    @property
    def name(self) -> str:
        return self.loaded.scenario.name


def actual_view(catalog: Catalog, scenario: Scenario) -> dict[str, Any]:
    """What happened, in the vocabulary of ``expect``."""
    if scenario.checkout is not None:
        spec = scenario.checkout
        member = Member(spec.country, spec.email, spec.ip, spec.direct_link,
                        tuple(Holding(h.product, h.end) for h in spec.holdings), spec.seats_used)
        outcome = checkout(catalog, Checkout(spec.offer, spec.plan, spec.date, member, spec.renewals))
        return {"accepted": outcome.accepted, "reasons": [r.code for r in outcome.reasons],
                "entitlements": [entitlement_dict(e) for e in outcome.entitlements],
                "charges": [charge_dict(c) for c in outcome.charges]}
    assert scenario.signup is not None
    spec_s = scenario.signup
    result = signup(catalog, spec_s.email, spec_s.ip, spec_s.date, seats_used=spec_s.seats_used)
    subscribed = result.subscribed
    return {"accepted": bool(subscribed), "plans": [m.plan for m in subscribed],
            "entitlements": [entitlement_dict(e) for m in subscribed for e in m.entitlements],
            "charges": []}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def expected_view(expect: Expect) -> dict[str, Any]:
    """``expect`` as plain values; list items keep only the fields the scenario wrote."""
    view: dict[str, Any] = {}
    for name in ("accepted", "reasons", "plans"):
        if name in expect.model_fields_set:
            view[name] = getattr(expect, name)
    for name in ("entitlements", "charges"):
        items = getattr(expect, name)
        if items is not None:
            view[name] = [{key: _json_value(getattr(item, key)) for key in type(item).model_fields
                           if key in item.model_fields_set} for item in items]
    return view


def project(actual: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The actual values on the keys the expectation uses (extra items on the default keys)."""
    view: dict[str, Any] = {}
    for name, wanted in expected.items():
        value = actual[name]
        if name in DEFAULT_KEYS:
            keys_of = [tuple(item) for item in wanted]
            all_keys = tuple(dict.fromkeys(k for keys in keys_of for k in keys)) or DEFAULT_KEYS[name]
            value = [{k: item[k] for k in (keys_of[i] if i < len(keys_of) else all_keys)}
                     for i, item in enumerate(value)]
        view[name] = value
    return view


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_lines(view: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name, value in view.items():
        if not isinstance(value, list):
            lines.append(f"{name}: {_scalar(value)}")
            continue
        lines.append(f"{name}:" + (" []" if not value else ""))
        for item in value:
            if isinstance(item, dict):
                lines.append("  - " + ", ".join(f"{k}: {_scalar(v)}" for k, v in item.items()))
            else:
                lines.append(f"  - {_scalar(item)}")
    return lines


def run_scenario(catalog: Catalog, loaded: LoadedScenario) -> ScenarioResult:
    scenario = loaded.scenario
    try:
        actual = actual_view(catalog, scenario)
    except OfferspecError as exc:
        return ScenarioResult(loaded, False, error=exc.message)
    expected = expected_view(scenario.expect)
    got = project(actual, expected)
    if got == expected:
        return ScenarioResult(loaded, True)
    diff = difflib.unified_diff(to_lines(expected), to_lines(got), "expected", "actual", lineterm="", n=99)
    return ScenarioResult(loaded, False, tuple(diff))


def run_scenarios(catalog: Catalog, loaded: list[LoadedScenario]) -> list[ScenarioResult]:
    return [run_scenario(catalog, item) for item in loaded]
