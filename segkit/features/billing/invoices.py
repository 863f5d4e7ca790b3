"""Invoices as a billing source: MRR when no subscriptions are given, and transactions for BG/NBD.

MRR from invoices (used only when the run has no subscriptions table):

* only paid invoices count: ``status`` empty or ``paid`` (Stripe's ``draft``, ``open``,
  ``void`` and ``uncollectible`` bring no revenue);
* an invoice with ``period_start`` and ``period_end`` spreads ``amount_paid`` evenly over that
  service period: it contributes amount_paid / months(period_end - period_start) of MRR from
  period_start to period_end (months of 365.25/12 days; a period shorter than a day is read as
  one month starting at period_start);
* an invoice without a service period is read as one month of service starting at ``paid_at``
  (MRR = amount_paid);
* an account's MRR at an instant is the sum over its invoices covering that instant, so
  consecutive invoices make one paying spell, and a gap between paid periods is churn (and a
  later invoice a reactivation).

The result has the columns of a subscriptions table (account_id, started_at, ended_at, mrr,
interval, status), so billing facts, movements, renewals and cohorts read it unchanged. The
interval is the nearest of month, quarter and year to the service period's length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.features.period import DAYS_PER_MONTH

PAID_STATUSES = frozenset({"paid", "succeeded", "complete", "completed"})


def paid_invoices(invoices: pd.DataFrame, *, allow_zero: bool = False) -> pd.DataFrame:
    """Paid invoices: paid status (or none), a paid_at and a positive amount (or zero, if allowed)."""
    amount = invoices["amount_paid"].astype("float64")
    keep = (amount >= 0) if allow_zero else (amount > 0)
    keep = keep.fillna(False)
    keep &= invoices["paid_at"].notna()
    if "status" in invoices:
        status = invoices["status"].astype("string").str.lower().str.strip()
        keep &= (status.isna() | status.isin(PAID_STATUSES)).to_numpy(dtype=bool)
    return invoices[keep.to_numpy(dtype=bool)]


def invoice_subscriptions(invoices: pd.DataFrame) -> pd.DataFrame:
    """Paid invoices as subscription-like rows carrying MRR over their service period."""
    paid = paid_invoices(invoices)
    amount = paid["amount_paid"].astype("float64")
    if "period_start" in paid and "period_end" in paid:
        start = paid["period_start"]
        end = paid["period_end"]
        has_period = start.notna() & end.notna() & ((end - start) >= pd.Timedelta(days=1))
    else:
        start = end = pd.Series(pd.NaT, index=paid.index, dtype="datetime64[us, UTC]")
        has_period = pd.Series(False, index=paid.index)
    paid_at = paid["paid_at"]
    month_later = pd.Series(
        (paid_at.dt.tz_convert("UTC").dt.tz_localize(None) + pd.DateOffset(months=1)).to_numpy(), index=paid.index
    ).dt.tz_localize("UTC")
    started = start.where(has_period, paid_at)
    ended = end.where(has_period, month_later)
    months = ((ended - started).dt.total_seconds() / 86400 / DAYS_PER_MONTH).where(has_period, 1.0)
    interval = np.select([months < 2, months < 7.5], ["month", "quarter"], default="year")
    return pd.DataFrame(
        {
            "account_id": paid["account_id"].astype("string").to_numpy(),
            "started_at": pd.to_datetime(started, utc=True).astype("datetime64[us, UTC]").to_numpy(),
            "ended_at": pd.to_datetime(ended, utc=True).astype("datetime64[us, UTC]").to_numpy(),
            "mrr": (amount / months).to_numpy(dtype=np.float64),
            "interval": interval,
            "status": "paid",
            **({"currency": paid["currency"].astype("string").to_numpy()} if "currency" in paid else {}),
        }
    ).astype({"started_at": "datetime64[us, UTC]", "ended_at": "datetime64[us, UTC]"})


def invoice_transactions(invoices: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Paid invoices up to ``end`` as transactions (account_id, date, amount) for BG/NBD.

    Zero-amount paid invoices count: they are purchase occasions (a 100% coupon, a free order)."""
    paid = paid_invoices(invoices, allow_zero=True)
    paid = paid[paid["paid_at"] < end]
    return pd.DataFrame(
        {
            "account_id": paid["account_id"].astype("string").to_numpy(),
            "date": paid["paid_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(),
            "amount": paid["amount_paid"].astype("float64").to_numpy(),
        }
    )
