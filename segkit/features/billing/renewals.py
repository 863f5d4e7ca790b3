"""Renewal counts per account for the sBG CLV method (contractual setting).

Each account's renewal period is the billing interval of its latest paying subscription
(month 1, quarter 3, year 12 months; day and week plans are counted in months). Time runs from
the account's first payment day; renewal k falls k periods later, on the same day of the month
(clipped to the month's last day, as billing systems do).

One rule for churners and survivors: a renewal is *made* when the account still pays at the end
of the renewal's day (UTC), so each account's last period, complete or not, is counted the same
way: ``renewals_made`` = renewal days before the day its paying ended (churner) or before the day
after as-of (survivor). Then an account

* that stopped paying (its last paying spell ended by the end of as-of) churned in period
  ``renewal_periods`` = ``renewals_made`` + 1 (its last period, however short, is the period it
  churned in; one that ends on a renewal day, at any time of that day, did not make that renewal);
* that still pays is censored: known to have made ``renewals_made`` renewals and to be inside
  period ``renewals_made`` + 1, which has not come to its renewal: ``renewal_periods`` =
  ``renewals_made`` (the sBG's S(n), "alive after n renewals").

Days, not instants: timestamped ends beside date-only starts (or the reverse) counted a renewal
made by a churner that stopped paying hours after the renewal's midnight, which a survivor is
never granted (a survivor's renewals count only up to the end of the as-of day).

An account that paid, churned and came back counts from its first payment to its last end
(gaps are not modelled).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.features.billing.codes import account_ids, account_key
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


def renewal_facts(paying: pd.DataFrame, billing_interval: pd.Series, instant: pd.Timestamp,
                  spells: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account that ever paid: renewal period, renewals made, the sBG period and churn flag.

    ``paying`` is ``billing.paying_subscriptions``; ``billing_interval`` the account's latest
    interval (``billing_facts``); ``instant`` the midnight after as-of; ``spells`` the paying
    rows' ``paying_spells`` when already merged (used when no row starts at or after ``instant``).
    """
    if paying.empty:
        return pd.DataFrame(columns=list(RENEWAL_COLUMNS)).rename_axis("account_id")
    started = paying["pay_start"] < instant
    if spells is None or not started.all():
        spells = paying_spells(paying[started])
    key = account_key(spells)  # integer codes when the spells carry them: the ids' groups and order
    by_account = spells.groupby(key, sort=True)
    first = by_account["start"].min()
    last_end = by_account["end"].max()
    open_spell = spells["end"].isna() | (spells["end"] >= instant)
    paying_now = open_spell.groupby(key).any().reindex(first.index)
    ids = account_ids(spells, first.index)
    first.index, last_end.index, paying_now.index = ids, ids, ids
    interval = billing_interval.reindex(first.index).astype("string").str.lower()
    period = interval.map(MONTHS_PER_INTERVAL).astype("float64").fillna(1.0)  # one lookup per distinct interval, not a lambda per account
    period = period.where(period >= 1.0, 1.0).round().astype(np.int64)
    end = last_end.where(~paying_now, instant).fillna(instant)
    months, exact = whole_months(first.dt.floor("D"), end.dt.floor("D"))  # whole days: the rule above
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
