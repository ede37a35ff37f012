from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from offerspec.diagnostics import OfferspecError
from offerspec.simulate import checkout
from offerspec.simulate.dates import add_periods
from simhelpers import D, buy, make_catalog, plan


@pytest.mark.parametrize(("start", "interval", "count", "end"), [
    ("2026-01-31", "month", 1, "2026-02-28"),
    ("2024-01-31", "month", 1, "2024-02-29"),
    ("2026-03-31", "month", 1, "2026-04-30"),
    ("2026-08-31", "month", 3, "2026-11-30"),
    ("2026-12-31", "month", 1, "2027-01-31"),
    ("2024-02-29", "year", 1, "2025-02-28"),
    ("2024-02-29", "year", 4, "2028-02-29"),
    ("2026-12-29", "week", 1, "2027-01-05"),
    ("2026-02-22", "week", 4, "2026-03-22"),
    ("2026-12-31", "day", 1, "2027-01-01"),
    ("2024-02-28", "day", 1, "2024-02-29"),
])
def test_calendar_arithmetic(start: str, interval, count: int, end: str) -> None:
    assert add_periods(D(start), interval, count) == D(end)


def test_leap_day_annual_plan() -> None:
    (ent,) = checkout(make_catalog([plan("y", interval="year")]), buy("y", "2024-02-29")).entitlements
    assert (ent.start, ent.end) == (D("2024-02-29"), D("2025-02-28"))


plans_strategy = st.fixed_dictionaries(
    {
        "interval": st.sampled_from(["day", "week", "month", "year"]),
        "interval_count": st.integers(1, 36),
        "trial_period_days": st.integers(0, 730),
        "grants": st.sampled_from([["digital"], ["print"], ["digital", "print"]]),
    })
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31))


@settings(max_examples=300, deadline=None)
@given(fields=plans_strategy, day=days, renewals=st.integers(0, 5))
def test_dated_plans_end_after_they_start_and_grant_what_the_plan_says(fields, day, renewals) -> None:
    catalog = make_catalog([plan("p", **fields)])
    outcome = checkout(catalog, buy("p", day.isoformat(), renewals=renewals))
    assert outcome.accepted
    grants = sorted(fields["grants"])
    first = [e for e in outcome.entitlements if e.period == 0]
    assert [e.product for e in first] == grants
    assert all(e.plan == "p" for e in outcome.entitlements)
    for ent in outcome.entitlements:
        assert ent.end is not None and ent.end > ent.start
    trial = fields["trial_period_days"]
    for ent in first:
        assert ent.start == day
        assert ent.trial_end == (day + timedelta(days=trial) if trial else None)
    assert len(outcome.entitlements) == len(grants) * (renewals + 1)
    assert [c.period for c in outcome.charges] == list(range(renewals + 1))
    assert outcome.charges[0].date == (first[0].trial_end or day)


@settings(max_examples=200, deadline=None)
@given(day=days, count=st.integers(1, 12), periods=st.integers(1, 30))
def test_periods_count_from_the_anchor_and_never_drift(day, count, periods) -> None:
    catalog = make_catalog([plan("m", interval_count=count)])
    outcome = checkout(catalog, buy("m", day.isoformat(), renewals=periods))
    for charge in outcome.charges:
        expected_day = add_periods(day, "month", count * charge.period)
        assert charge.date == expected_day
        # The day of month only shrinks to fit a short month, it never creeps.
        assert charge.date.day == day.day or charge.date.day < day.day


@settings(max_examples=100, deadline=None)
@given(day=days)
def test_indefinite_plans_have_no_end(day) -> None:
    catalog = make_catalog([plan("forever", interval=None)])
    (ent,) = checkout(catalog, buy("forever", day.isoformat())).entitlements
    assert ent.end is None and ent.start == day


@settings(max_examples=1000, deadline=None)
@given(day=st.dates(), interval=st.sampled_from(["month", "year"]), count=st.integers(1, 12_000))
def test_months_and_years_are_relativedelta_arithmetic(day, interval, count) -> None:
    """add_periods skips relativedelta when no month end can clamp: it must agree everywhere."""
    step = relativedelta(years=count) if interval == "year" else relativedelta(months=count)
    try:
        expected = day + step
    except (OverflowError, ValueError):
        with pytest.raises(OfferspecError, match="after 9999-12-31"):
            add_periods.__wrapped__(day, interval, count)
        return
    assert add_periods.__wrapped__(day, interval, count) == expected
