"""Calendar arithmetic for plan periods: months and years clamp to the month's end.

``relativedelta`` does the calendar work for months and years (2026-01-31 +
1 month = 2026-02-28, 2024-02-29 + 1 year = 2025-02-28); a day of month up to
the 28th cannot clamp, so there only the year and month move (the same result,
checked against relativedelta on random dates by a test). Days and weeks are
plain day counts. Every period is counted from one anchor
date, never from the previous period's end, so Jan 31 monthly renews on
Feb 28, Mar 31, Apr 30 instead of drifting to the 28th.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from offerspec.diagnostics import OfferspecError
from offerspec.model import Interval


@lru_cache(maxsize=4096)
def _step(interval: Interval, count: int) -> relativedelta:
    return relativedelta(years=count) if interval == "year" else relativedelta(months=count)


@lru_cache(maxsize=65_536)
def add_periods(anchor: date, interval: Interval, count: int) -> date:
    """``anchor`` + ``count`` intervals (a week is 7 days). Cached: batches repeat dates."""
    if interval in ("day", "week"):  # plain day counts: no calendar involved
        return add_days(anchor, count * (7 if interval == "week" else 1))
    try:
        if anchor.day <= 28:
            # Every month has a 28th: nothing to clamp, so the year and month alone move
            # (what relativedelta does too, at a tenth of the cost; a test compares them).
            years, month = divmod(anchor.month - 1 + (count * 12 if interval == "year" else count), 12)
            return anchor.replace(year=anchor.year + years, month=month + 1)
        result: date = anchor + _step(interval, count)
    except (OverflowError, ValueError):
        raise OfferspecError(
            f"{anchor.isoformat()} + {count} {interval}(s) is after 9999-12-31",
            hint="use an earlier date or fewer --renewals") from None
    return result


def add_days(start: date, days: int) -> date:
    try:
        return start + timedelta(days=days)
    except OverflowError:
        raise OfferspecError(f"{start.isoformat()} + {days} days is after 9999-12-31",
                             hint="use an earlier date") from None
