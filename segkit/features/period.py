"""The metric window of a run: one object for the as-of date, the window's start and end, its length."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Period:
    """The metric window [start, end): end is the midnight after the as-of date (UTC).

    ``as_of`` and ``window_months`` are what the window was built from (``Period.ending``), so
    the as-of date and the month count travel with the window instead of beside it.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    as_of: pd.Timestamp | None = None
    window_months: int | None = None

    @classmethod
    def ending(cls, as_of: pd.Timestamp, months: int) -> Period:
        midnight = as_of.normalize() + pd.Timedelta(days=1)
        end = midnight.tz_convert("UTC") if as_of.tzinfo else midnight.tz_localize("UTC")
        return cls(start=end - pd.DateOffset(months=months), end=end, as_of=as_of, window_months=months)

    @property
    def months(self) -> float:
        """The window's length in average months (days / 30.44)."""
        return (self.end - self.start).days / DAYS_PER_MONTH
