from __future__ import annotations

import itertools

import pytest

from conftest import EXAMPLES
from offerspec import OfferspecError, load_catalog
from offerspec.simulate import REFUSAL_CODES, Holding, Member, checkout
from offerspec.simulate.checkout import simulate_checkout
from offerspec.simulate.index import build_index
from simhelpers import D, buy, make_catalog, plan


@pytest.fixture(scope="module")
def examples():
    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    return catalog


def codes(outcome) -> list[str]:
    return [r.code for r in outcome.reasons]


def test_annual_digital_print_grants_two_products_for_a_year(examples) -> None:
    outcome = checkout(examples, buy("annual-digital-print", "2026-11-22", offer="subscribe"))
    assert outcome.accepted and outcome.reasons == ()
    assert [(e.product, e.start, e.end, e.plan, e.trial_end) for e in outcome.entitlements] == [
        ("digital-access", D("2026-11-22"), D("2027-11-22"), "annual-digital-print", None),
        ("print-edition", D("2026-11-22"), D("2027-11-22"), "annual-digital-print", None),
    ]
    assert [(c.date, c.amount, c.currency) for c in outcome.charges] == [(D("2026-11-22"), 14900, "USD")]


# One catalog per refusal reason: (plans, offers, checkout) -> the one expected code.
REFUSALS = {
    "plan-not-in-offer": ([plan("a"), plan("b")], {"shop": ["a"]}, buy("b")),
    "offer-archived": ([plan("a")], {"shop": (["a"], "archived")}, buy("a")),
    "plan-archived": ([plan("a", status="archived")], None, buy("a")),
    "plan-expired": ([plan("a", expires_at="2026-01-14")], None, buy("a")),
    "plan-offline": ([plan("a", available_online=False)], None, buy("a")),
    "plan-hidden": ([plan("a", is_hidden=True)], None, buy("a")),
    "country-not-allowed": ([plan("a", countries=["US"])], None, buy("a", country="NO")),
    "seats-full": ([plan("a", type="membership", member_seat_capacity=3)], None, buy("a", seats_used=3)),
}


def test_every_refusal_code_is_tested() -> None:
    assert set(REFUSALS) == set(REFUSAL_CODES)


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_each_refusal_reason(code: str) -> None:
    plans, offers, request = REFUSALS[code]
    outcome = checkout(make_catalog(plans, offers), request)
    assert not outcome.accepted
    assert codes(outcome) == [code]
    assert outcome.entitlements == () and outcome.charges == ()
    assert outcome.reasons[0].message  # a sentence for people, not just the code


def test_boundaries_of_refusals_accept() -> None:
    catalog = make_catalog([
        plan("last-day", expires_at="2026-01-15"),
        plan("seats", type="membership", member_seat_capacity=3),
        plan("off", available_online=False, is_hidden=True),
        plan("us", countries=["CA", "US"]),
    ])
    assert checkout(catalog, buy("last-day")).accepted  # expires_at is the last day to buy
    assert checkout(catalog, buy("seats", seats_used=2)).accepted
    assert checkout(catalog, buy("off", direct_link=True)).accepted
    assert checkout(catalog, buy("us", country="CA")).accepted


def test_every_reason_is_given_not_just_the_first() -> None:
    catalog = make_catalog(
        [plan("other"), plan("bad", status="archived", expires_at="2025-12-31", available_online=False,
                              is_hidden=True, countries=["US"], type="membership",
                              member_seat_capacity=1)],
        {"shop": (["other"], "archived")})
    outcome = checkout(catalog, buy("bad", seats_used=1))
    assert codes(outcome) == list(REFUSAL_CODES)


def test_unknown_country_is_refused_when_the_plan_is_restricted() -> None:
    outcome = checkout(make_catalog([plan("a", countries=["US"])]), buy("a"))
    assert codes(outcome) == ["country-not-allowed"]
    assert "unknown" in outcome.reasons[0].message


def test_unknown_ids_are_input_errors_with_a_suggestion(examples) -> None:
    with pytest.raises(OfferspecError) as info:
        checkout(examples, buy("annual-digital", offer="subscibe"))
    assert info.value.message == "unknown offer 'subscibe'"
    assert info.value.hint == "did you mean 'subscribe'?"
    with pytest.raises(OfferspecError, match="unknown plan 'anual-digital'"):
        checkout(examples, buy("anual-digital", offer="subscribe"))


def test_trial_moves_the_first_charge_and_the_paid_period(examples) -> None:
    outcome = checkout(examples, buy("monthly-digital-trial", "2026-11-22", offer="try-digital",
                                     country="US"))
    (ent,) = outcome.entitlements
    assert (ent.start, ent.trial_end, ent.end) == (D("2026-11-22"), D("2026-12-22"), D("2027-01-22"))
    assert [(c.date, c.amount) for c in outcome.charges] == [(D("2026-12-22"), 999)]


def test_long_trial_across_month_ends() -> None:
    catalog = make_catalog([plan("t", trial_period_days=365, interval="month")])
    (ent,) = checkout(catalog, buy("t", "2023-03-01")).entitlements
    # 2023-03-01 + 365 days crosses the 2024 leap day: 2024-02-29, then + 1 month clamps to 03-29.
    assert (ent.trial_end, ent.end) == (D("2024-02-29"), D("2024-03-29"))
    (ent,) = checkout(catalog, buy("t", "2025-12-31")).entitlements
    assert ent.trial_end == D("2026-12-31") and ent.end == D("2027-01-31")


def test_donation_charges_but_creates_no_entitlement(examples) -> None:
    outcome = checkout(examples, buy("monthly-donation", "2026-11-22", offer="support-us"))
    assert outcome.accepted and outcome.entitlements == ()
    assert [(c.amount, c.currency) for c in outcome.charges] == [(500, "USD")]


def test_indefinite_plan_never_ends_and_does_not_renew(examples) -> None:
    outcome = checkout(examples, buy("lifetime-digital", "2026-11-22", offer="support-us", renewals=3))
    assert [(e.product, e.end) for e in outcome.entitlements] == [("digital-access", None)]
    assert len(outcome.charges) == 1
    assert outcome.notes == ("plan 'lifetime-digital' never expires: there is no renewal to project",)


def test_renewals_of_a_plan_that_does_not_auto_renew_are_not_projected() -> None:
    catalog = make_catalog([plan("once", interval="year", auto_renew=False)])
    outcome = checkout(catalog, buy("once", "2026-01-31", renewals=2))
    assert [(e.start, e.end, e.period) for e in outcome.entitlements] == [
        (D("2026-01-31"), D("2027-01-31"), 0)]
    assert [c.period for c in outcome.charges] == [0]
    assert outcome.notes == ("plan 'once' does not auto-renew: no renewals to project",)


def test_free_plan_charges_nothing() -> None:
    outcome = checkout(make_catalog([plan("free", amount=0)]), buy("free"))
    assert outcome.accepted and outcome.charges == () and len(outcome.entitlements) == 1


def test_held_product_stays_and_the_new_entitlement_is_noted() -> None:
    catalog = make_catalog([plan("both", grants=["digital", "print"])])
    request = buy("both", holdings=(Holding("digital", D("2026-06-01")), Holding("print", D("2026-01-01"))))
    digital, print_ = checkout(catalog, request).entitlements
    assert digital.note is not None and "already held (until 2026-06-01)" in digital.note
    assert print_.note is None  # that holding ended before the checkout


def test_a_holding_ending_on_the_checkout_day_is_no_longer_held() -> None:
    catalog = make_catalog([plan("monthly")])
    ends_today = checkout(catalog, buy("monthly", "2026-01-15",
                                       holdings=(Holding("digital", D("2026-01-15")),)))
    ends_tomorrow = checkout(catalog, buy("monthly", "2026-01-15",
                                          holdings=(Holding("digital", D("2026-01-16")),)))
    assert ends_today.entitlements[0].note is None
    assert ends_tomorrow.entitlements[0].note == (
        "digital is already held (until 2026-01-16); "
        "that entitlement stays and this one is created alongside")


def test_shared_results_never_carry_one_members_holdings_to_another() -> None:
    # Results are shared between identical checkouts (batches): only for members holding nothing.
    index = build_index(make_catalog([plan("monthly")]))
    plain = buy("monthly")
    holding = buy("monthly", holdings=(Holding("digital"),))
    assert simulate_checkout(index, plain).entitlements[0].note is None
    assert simulate_checkout(index, holding).entitlements[0].note is not None
    assert simulate_checkout(index, plain).entitlements[0].note is None


def test_quarterly_and_four_weekly_periods(examples) -> None:
    outcome = checkout(examples, buy("quarterly-digital-gbp", "2026-11-30", offer="subscribe-europe",
                                     country="GB", renewals=1))
    assert [(e.start, e.end) for e in outcome.entitlements] == [
        (D("2026-11-30"), D("2027-02-28")), (D("2027-02-28"), D("2027-05-30"))]
    weekender = checkout(examples, buy("print-weekender-offline", "2026-11-22", offer="subscribe",
                                       direct_link=True))
    assert codes(weekender) == ["plan-not-in-offer"]


def test_renewals_are_anchored_on_the_original_date_over_24_periods() -> None:
    catalog = make_catalog([plan("m")])
    outcome = checkout(catalog, buy("m", "2027-01-31", renewals=24))
    starts = [c.date for c in outcome.charges]
    assert len(starts) == 25
    assert starts[:4] == [D("2027-01-31"), D("2027-02-28"), D("2027-03-31"), D("2027-04-30")]
    assert starts[-1] == D("2029-01-31")
    assert D("2028-02-29") in starts  # the leap year's February ends on the 29th
    # Each period ends where the next one starts: no gap, no overlap.
    ents = outcome.entitlements
    assert all(a.end == b.start for a, b in itertools.pairwise(ents))
    assert [c.period for c in outcome.charges] == list(range(25))


def test_leap_day_yearly_renewals_return_to_the_29th_in_leap_years() -> None:
    catalog = make_catalog([plan("y", interval="year")])
    outcome = checkout(catalog, buy("y", "2024-02-29", renewals=24))
    starts = [c.date for c in outcome.charges]
    assert len(starts) == 25
    assert starts[:5] == [D("2024-02-29"), D("2025-02-28"), D("2026-02-28"), D("2027-02-28"),
                          D("2028-02-29")]
    assert [s for s in starts if s.day == 29] == [D(f"{y}-02-29") for y in range(2024, 2049, 4)]
    assert outcome.entitlements[-1].end == D("2049-02-28")
    assert all(a.end == b.start for a, b in itertools.pairwise(outcome.entitlements))


def test_quarterly_renewals_from_the_30th_over_24_periods() -> None:
    catalog = make_catalog([plan("q", interval_count=3)])
    outcome = checkout(catalog, buy("q", "2026-11-30", renewals=24))
    starts = [c.date for c in outcome.charges]
    assert starts[:5] == [D("2026-11-30"), D("2027-02-28"), D("2027-05-30"), D("2027-08-30"),
                          D("2027-11-30")]
    assert D("2028-02-29") in starts
    assert starts[-1] == D("2032-11-30")  # 24 quarters = 6 years, back on the 30th
    assert all(a.end == b.start for a, b in itertools.pairwise(outcome.entitlements))


def test_renewals_after_a_trial_start_at_the_trial_end() -> None:
    catalog = make_catalog([plan("t", trial_period_days=14, interval="year")])
    outcome = checkout(catalog, buy("t", "2024-02-15", renewals=2))
    assert [c.date for c in outcome.charges] == [D("2024-02-29"), D("2025-02-28"), D("2026-02-28")]
    assert outcome.entitlements[1].trial_end is None


def test_dates_past_9999_are_an_input_error() -> None:
    with pytest.raises(OfferspecError, match="after 9999-12-31"):
        checkout(make_catalog([plan("y", interval="year")]), buy("y", "9999-06-01"))


def test_member_defaults_are_anonymous() -> None:
    assert Member() == Member(None, None, None, False, (), 0)
