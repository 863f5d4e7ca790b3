"""Renewal counts per account for the sBG CLV method (contractual setting).

Each account's renewal period is the billing interval of its latest paying subscription
(month 1, quarter 3, year 12 months; day and week plans are counted in months). Time runs from
the account's first payment; renewal k falls k periods later, on the same day of the month
(clipped to the month's last day, as billing systems do). An account

* that stopped paying (its last paying spell ended by the end of as-of) churned in period
  ``renewal_periods`` = the number of renewal dates before the end, plus one: one that ends
  exactly on a renewal date did not make that renewal;
* that still pays is censored: it has made ``renewals_made`` renewals (renewal dates strictly
  before the midnight after as-of), and ``renewal_periods`` = ``renewals_made``.

An account that paid, churned and came back counts from its first payment to its last end
(gaps are not modelled).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.features.billing.subscriptions import MONTHS_PER_INTERVAL, paying_spells

RENEWAL_COLUMNS = ("renewal_period_months", "renewals_made", "renewal_periods", "renewal_churned")


def _position_us(ts: pd.Series, clip_day: pd.Series | None = None) -> np.ndarray:
    """Position within the month in microseconds: (day - 1) and the time of day."""
    day = ts.dt.day.to_numpy(dtype=np.int64)
    if clip_day is not None:
        day = np.minimum(day, clip_day.to_numpy(dtype=np.int64))
    since_midnight = (ts - ts.dt.normalize()).to_numpy(dtype="timedelta64[us]").astype(np.int64)
    return (day - 1) * 86_400_000_000 + since_midnight


def whole_months(start: pd.Series, end: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(m, exact): the largest m with start + m months <= end, and whether it is equal."""
    months = ((end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)).to_numpy(dtype=np.int64)
    start_pos = _position_us(start, clip_day=end.dt.days_in_month)
    end_pos = _position_us(end)
    before = end_pos < start_pos
    return months - before.astype(np.int64), end_pos == start_pos


def renewal_facts(paying: pd.DataFrame, billing_interval: pd.Series, instant: pd.Timestamp) -> pd.DataFrame:
    """Per account that ever paid: renewal period, renewals made, the sBG period and churn flag.

    ``paying`` is ``billing.paying_subscriptions``; ``billing_interval`` the account's latest
    interval (``billing_facts``); ``instant`` the midnight after as-of.
    """
    if paying.empty:
        return pd.DataFrame(columns=list(RENEWAL_COLUMNS)).rename_axis("account_id")
    paying = paying[paying["pay_start"] < instant]
    spells = paying_spells(paying)
    by_account = spells.groupby("account_id", sort=True)
    first = by_account["start"].min()
    last_end = by_account["end"].max()
    open_spell = spells["end"].isna() | (spells["end"] >= instant)
    paying_now = open_spell.groupby(spells["account_id"]).any().reindex(first.index)
    interval = billing_interval.reindex(first.index).astype("string").str.lower()
    period = interval.map(lambda v: MONTHS_PER_INTERVAL.get(v, 1.0) if isinstance(v, str) else 1.0).astype("float64")
    period = period.where(period >= 1.0, 1.0).round().astype(np.int64)
    end = last_end.where(~paying_now, instant).fillna(instant)
    months, exact = whole_months(first, end)
    p = period.to_numpy()
    on_renewal = exact & (months % p == 0)
    churned = ~paying_now.to_numpy(dtype=bool)
    renewal_dates_before = months // p - on_renewal.astype(np.int64)
    facts = pd.DataFrame(
        {
            "renewal_period_months": p,
            "renewals_made": np.maximum(renewal_dates_before, 0),
            "renewal_periods": np.where(churned, np.maximum(renewal_dates_before, 0) + 1, np.maximum(renewal_dates_before, 0)),
            "renewal_churned": churned,
        },
        index=first.index,
    )
    facts.index = facts.index.astype("string")
    facts.index.name = "account_id"
    return facts
