"""One Period carries the as-of date, the window's start and end, and its month count."""

from __future__ import annotations

import pandas as pd

from segkit.features import Period


def test_a_period_ending_at_as_of_carries_as_of_and_months() -> None:
    as_of = pd.Timestamp("2025-06-30", tz="UTC")
    period = Period.ending(as_of, 12)
    assert period.end == pd.Timestamp("2025-07-01", tz="UTC")
    assert period.start == pd.Timestamp("2024-07-01", tz="UTC")
    assert period.as_of == as_of and period.window_months == 12
    assert period.months == 365 / (365.25 / 12)  # average months in the window's days


def test_a_naive_as_of_is_read_as_utc() -> None:
    period = Period.ending(pd.Timestamp("2025-01-15"), 1)
    assert period.end == pd.Timestamp("2025-01-16", tz="UTC")
    assert period.start == pd.Timestamp("2024-12-16", tz="UTC")
