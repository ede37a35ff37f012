from __future__ import annotations

import calendar
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
        "interval": st.sampled_from(["day", "week", "month", "month", "year", "year", None]),
        "interval_count": st.integers(1, 36),
        "trial_period_days": st.one_of(st.just(0), st.integers(1, 730)),
        "grants": st.sampled_from([["digital"], ["print"], ["digital", "print"], ["print", "digital"]]),
        "amount": st.sampled_from([0, 1, 999, 500_000]),
        "is_donation": st.booleans(),
        "auto_renew": st.booleans(),
    })
# Half the days at a month's end (28th to 31st), where month arithmetic clamps and can drift.
days = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2400, 12, 31)),
    st.builds(lambda y, m, d: date(y, m, min(d, calendar.monthrange(y, m)[1])),
              st.integers(1900, 2400), st.integers(1, 12), st.integers(28, 31)))


@settings(max_examples=500, deadline=None)
@given(fields=plans_strategy, day=days, renewals=st.integers(0, 6))
def test_dated_plans_end_after_they_start_and_grant_what_the_plan_says(fields, day, renewals) -> None:
    """Any plan, any day: entitlements are the plan's grants for each period, dated plans end
    after they start, periods follow each other from the anchor, charges match the periods."""
    if fields["is_donation"]:
        fields = {**fields, "grants": []}
    catalog = make_catalog([plan("p", **fields)])
    outcome = checkout(catalog, buy("p", day.isoformat(), renewals=renewals))
    assert outcome.accepted
    interval, count = fields["interval"], fields["interval_count"]
    trial = fields["trial_period_days"]
    trial_end = day + timedelta(days=trial) if trial else None
    anchor = trial_end or day
    renews = interval is not None and fields["auto_renew"]
    periods = renewals + 1 if renews else 1
    by_period = [[e for e in outcome.entitlements if e.period == k] for k in range(periods)]
    assert sum(map(len, by_period)) == len(outcome.entitlements)
    for k, ents in enumerate(by_period):
        assert [e.product for e in ents] == fields["grants"]  # in the plan's order
        for ent in ents:
            assert ent.plan == "p"
            assert ent.trial_end == (trial_end if k == 0 else None)
            assert ent.start == (day if k == 0 else add_periods(anchor, interval, count * k))
            if interval is None:
                assert ent.end is None
            else:
                assert ent.end == add_periods(anchor, interval, count * (k + 1))
                assert ent.end > ent.start
    starts = [day] + [add_periods(anchor, interval, count * k) for k in range(1, periods)]
    if fields["amount"]:
        assert [(c.date, c.amount, c.period) for c in outcome.charges] == [
            (anchor if k == 0 else starts[k], fields["amount"], k) for k in range(periods)]
    else:
        assert outcome.charges == ()
    assert (renewals > 0 and not renews) == any("renew" in note for note in outcome.notes)


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


@pytest.mark.parametrize("text", ["20261122", "2026-W47-1", "2026-11-22T00:00", "2026-11-2", " 2026-11-22"])
def test_only_yyyy_mm_dd_is_a_date(text: str) -> None:
    # date.fromisoformat alone accepts the basic and week forms (20261122, 2026-W47-1).
    from offerspec.simulate.inputs import parse_date

    with pytest.raises(OfferspecError, match="invalid date"):
        parse_date(text)
    assert parse_date("2026-11-22") == D("2026-11-22")


@pytest.mark.parametrize(("text", "value"), [
    *[(t, True) for t in ("true", "TRUE", "yes", "1", "y", " Y ")],
    *[(t, False) for t in ("false", "no", "0", "n", "", "  ")],
])
def test_flag_cells(text: str, value: bool) -> None:
    from offerspec.simulate.inputs import parse_bool

    assert parse_bool(text, "direct_link") is value


def test_a_flag_cell_that_is_neither_is_an_error() -> None:
    from offerspec.simulate.inputs import parse_bool

    with pytest.raises(OfferspecError, match="invalid direct_link 'maybe'"):
        parse_bool("maybe", "direct_link")


def test_count_cells_accept_their_maximum_and_refuse_one_more() -> None:
    from offerspec.simulate.inputs import parse_count

    assert parse_count("1000", "renewals", 1000) == 1000
    assert parse_count(" ", "renewals", 1000) == 0
    with pytest.raises(OfferspecError, match="invalid renewals '1001'"):
        parse_count("1001", "renewals", 1000)
