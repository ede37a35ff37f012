"""Calendar arithmetic for plan periods: months and years clamp to the month's end.

``relativedelta`` does the calendar work (2026-01-31 + 1 month = 2026-02-28,
2024-02-29 + 1 year = 2025-02-28). Every period is counted from one anchor
date, never from the previous period's end, so Jan 31 monthly renews on
Feb 28, Mar 31, Apr 30 instead of drifting to the 28th.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from offerspec.diagnostics import OfferspecError
from offerspec.model import Interval


@lru_cache(maxsize=65_536)
def add_periods(anchor: date, interval: Interval, count: int) -> date:
    """``anchor`` + ``count`` intervals (a week is 7 days). Cached: batches repeat dates."""
    if interval == "month":
        step = relativedelta(months=count)
    elif interval == "year":
        step = relativedelta(years=count)
    elif interval == "week":
        step = relativedelta(days=7 * count)
    else:
        step = relativedelta(days=count)
    try:
        result: date = anchor + step
    except (OverflowError, ValueError):
        raise OfferspecError(
            f"{anchor.isoformat()} + {count} {interval}(s) is after 9999-12-31",
            hint="use an earlier date or fewer --renewals") from None
    if result.year > 9999:  # pragma: no cover - date itself refuses years past 9999
        raise OfferspecError(f"{anchor.isoformat()} + {count} {interval}(s) is after 9999-12-31")
    return result


@lru_cache(maxsize=65_536)
def add_days(start: date, days: int) -> date:
    try:
        return start + relativedelta(days=days)
    except (OverflowError, ValueError):
        raise OfferspecError(f"{start.isoformat()} + {days} days is after 9999-12-31",
                             hint="use an earlier date") from None
