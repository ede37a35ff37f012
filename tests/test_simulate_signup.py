from __future__ import annotations

import pytest

from conftest import EXAMPLES
from offerspec import OfferspecError, load_catalog
from offerspec.simulate import Member, offer_view, signup
from simhelpers import D, make_catalog, plan


@pytest.fixture(scope="module")
def examples():
    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    return catalog


def subscribed(outcome) -> list[str]:
    return [m.plan for m in outcome.subscribed]


@pytest.mark.parametrize(("email", "plans"), [
    ("ada@example.edu", ["campus-site-licence"]),
    ("Ada.Lovelace@EXAMPLE.EDU", ["campus-site-licence"]),  # domains compare case-insensitively
    ("grace@alumni.example.edu", ["campus-site-licence"]),  # listed explicitly
    ("ada@cs.example.edu", []),  # exact domain: subdomains are not members
    ("ada@example.edu.evil.com", []),
    ("ada@notexample.edu", []),
    ("reporter@example-news.com", ["newsroom-team"]),  # hidden plans still auto-subscribe
])
def test_email_domain_matching_is_exact(examples, email: str, plans: list[str]) -> None:
    assert subscribed(signup(examples, email, None, D("2026-11-22"))) == plans


@pytest.mark.parametrize(("ip", "plans"), [
    ("192.0.2.0", ["campus-site-licence"]),
    ("192.0.2.255", ["campus-site-licence"]),
    ("192.0.3.0", []),
    ("198.51.100.127", ["newsroom-team"]),
    ("198.51.100.128", []),
    ("2001:db8:100::1", ["campus-site-licence"]),
    ("2001:db8:100:ffff:ffff:ffff:ffff:ffff", ["campus-site-licence"]),
    ("2001:db8:101::1", []),
    ("::ffff:192.0.2.9", ["campus-site-licence"]),  # IPv4-mapped IPv6 counts as IPv4
])
def test_ip_matching_ipv4_and_ipv6(examples, ip: str, plans: list[str]) -> None:
    assert subscribed(signup(examples, None, ip, D("2026-11-22"))) == plans


def test_signup_entitlements_and_what_matched(examples) -> None:
    outcome = signup(examples, "ada@example.edu", "2001:db8:100::7", D("2026-11-22"))
    (match,) = outcome.matches
    assert match.matched_by == ("email domain example.edu", "IP in 2001:db8:100::/48")
    assert [(e.product, e.start, e.end, e.plan) for e in match.entitlements] == [
        ("digital-access", D("2026-11-22"), D("2027-11-22"), "campus-site-licence")]


def test_signup_to_two_plans_by_email_and_ip(examples) -> None:
    outcome = signup(examples, "ada@example.edu", "198.51.100.1", D("2026-11-22"))
    assert subscribed(outcome) == ["campus-site-licence", "newsroom-team"]


def test_signup_refused_when_seats_are_full_or_plan_expired() -> None:
    catalog = make_catalog([
        plan("team", type="membership", member_seat_capacity=2, domains=["corp.com"]),
        plan("old", domains=["old.com"], expires_at="2025-01-01", countries=["US"]),
    ])
    full = signup(catalog, "a@corp.com", None, D("2026-01-01"), seats_used=2)
    assert [(m.plan, m.accepted, [r.code for r in m.reasons]) for m in full.matches] == [
        ("team", False, ["seats-full"])]
    old = signup(catalog, "a@old.com", None, D("2026-01-01"))
    # Country and page visibility do not apply to auto-subscription; expiry does.
    assert [r.code for r in old.matches[0].reasons] == ["plan-expired"]


def test_signup_refused_by_an_archived_plan_but_not_by_offline_or_hidden() -> None:
    catalog = make_catalog([
        plan("gone", status="archived", ip_addresses=["2001:db8::/32"]),
        plan("quiet", available_online=False, is_hidden=True, ip_addresses=["2001:db8:1::/48"]),
    ])
    outcome = signup(catalog, None, "2001:db8:1::5", D("2026-01-01"))
    assert [(m.plan, m.accepted, [r.code for r in m.reasons]) for m in outcome.matches] == [
        ("gone", False, ["plan-archived"]), ("quiet", True, [])]
    assert subscribed(outcome) == ["quiet"]


@pytest.mark.parametrize(("email", "ip"), [("not-an-email", None), ("a@", None), ("@example.edu", None),
                                           (None, "300.1.1.1"), (None, "2001:db8::g")])
def test_bad_email_or_ip_is_an_input_error(examples, email, ip) -> None:
    what = f"invalid email address '{email}'" if email else f"invalid IP address '{ip}'"
    with pytest.raises(OfferspecError, match=what):
        signup(examples, email, ip, D("2026-11-22"))


@pytest.mark.parametrize("email", ["ada@example.edu.", '"ada@home"@example.edu', " ada@Example.edu "])
def test_the_domain_is_after_the_last_at_without_a_trailing_dot(examples, email: str) -> None:
    outcome = signup(examples, email, None, D("2026-11-22"))
    assert [(m.plan, m.matched_by) for m in outcome.matches] == [
        ("campus-site-licence", ("email domain example.edu",))]


def test_offer_view_in_order_with_price_and_interval(examples) -> None:
    view = offer_view(examples, "subscribe", Member(country="US"), D("2026-11-22"))
    assert [(p.plan, p.amount, p.currency, p.interval) for p in view.shown] == [
        ("monthly-digital", 999, "USD", "month"), ("annual-digital", 9900, "USD", "year"),
        ("annual-digital-print", 14900, "USD", "year")]
    assert view.not_shown == ()


def test_offer_view_hides_what_a_checkout_would_refuse(examples) -> None:
    view = offer_view(examples, "subscribe-europe", Member(country="GB"), D("2028-01-01"))
    assert [p.plan for p in view.shown] == ["quarterly-digital-gbp"]
    assert {n.plan: [r.code for r in n.reasons] for n in view.not_shown} == {
        "monthly-digital-eur": ["country-not-allowed"],
        "annual-digital-eur": ["plan-expired", "country-not-allowed"]}
    try_view = offer_view(examples, "try-digital", Member(country="NO"), D("2026-11-22"))
    assert [p.plan for p in try_view.shown] == ["monthly-digital"]


def test_offer_view_direct_link_shows_hidden_plans() -> None:
    catalog = make_catalog([plan("open"), plan("secret", is_hidden=True)])
    assert [p.plan for p in offer_view(catalog, "shop", Member(), D("2026-01-01")).shown] == ["open"]
    shown = offer_view(catalog, "shop", Member(direct_link=True), D("2026-01-01")).shown
    assert [p.plan for p in shown] == ["open", "secret"]


def test_offer_view_of_an_archived_offer_shows_nothing() -> None:
    catalog = make_catalog([plan("open"), plan("old", status="archived")],
                           offers={"shop": (["open", "old"], "archived")})
    view = offer_view(catalog, "shop", Member(), D("2026-01-01"))
    assert view.shown == ()
    assert [(n.plan, [r.code for r in n.reasons]) for n in view.not_shown] == [
        ("open", ["offer-archived"]), ("old", ["offer-archived", "plan-archived"])]
