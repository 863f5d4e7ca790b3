"""Billing facts per account from subscriptions: MRR now and at period start, paying spells, churn.

Conventions (ChartMogul-compatible, see docs/metrics.md): MRR is normalised to months
(year / 12, week x 52 / 12, day x 365 / 12, divided by interval_count, times quantity, less a
recurring discount); trialing, incomplete, incomplete_expired and unpaid subscriptions are not
paying; past_due is paying unless configured otherwise; a subscription stops paying at
``ended_at`` (not ``canceled_at``), and at most from ``trial_end`` on it starts paying. An account
churns only when none of its subscriptions is paying any more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.features.period import DAYS_PER_MONTH, Period

NOT_PAYING_STATUSES = frozenset({"trialing", "incomplete", "incomplete_expired", "unpaid", "paused"})
MONTHS_PER_INTERVAL = {
    "day": 12 / 365,
    "daily": 12 / 365,
    "week": 12 / 52,
    "weekly": 12 / 52,
    "month": 1.0,
    "monthly": 1.0,
    "quarter": 3.0,
    "quarterly": 3.0,
    "year": 12.0,
    "yearly": 12.0,
    "annual": 12.0,
    "annually": 12.0,
}
NORMAL_INTERVAL = {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
    "yearly": "year", "annual": "year", "annually": "year",
}


def subscription_mrr(subs: pd.DataFrame) -> pd.Series:
    """MRR of each subscription row in major units; NaN where it cannot be derived."""
    if "mrr" in subs and subs["mrr"].notna().any():
        mrr = subs["mrr"].astype("float64")
    else:
        mrr = pd.Series(np.nan, index=subs.index)
    if "amount" in subs:
        interval = subs["interval"].astype("string").str.lower().str.strip() if "interval" in subs else pd.Series("month", index=subs.index)
        months = interval.map(MONTHS_PER_INTERVAL).astype("float64")
        count = subs["interval_count"].astype("float64").fillna(1.0) if "interval_count" in subs else 1.0
        quantity = subs["quantity"].astype("float64").fillna(1.0) if "quantity" in subs else 1.0
        derived = subs["amount"].astype("float64") * quantity / (months * count)
        mrr = mrr.fillna(derived)
    if "discount" in subs:
        mrr = mrr * (1.0 - subs["discount"].astype("float64").fillna(0.0).clip(0.0, 1.0))
    return mrr


def paying_subscriptions(subs: pd.DataFrame, *, past_due: str = "include") -> pd.DataFrame:
    """Rows that bring revenue, with ``pay_start``/``pay_end`` (NaT end: still paying) and ``mrr``."""
    out = pd.DataFrame({"account_id": subs["account_id"].astype("string")})
    out["mrr"] = subscription_mrr(subs).to_numpy()
    interval = subs["interval"].astype("string").str.lower().str.strip() if "interval" in subs else pd.Series("month", index=subs.index, dtype="string")
    out["interval"] = interval.replace(NORMAL_INTERVAL).to_numpy()
    status = subs["status"].astype("string").str.lower().str.strip() if "status" in subs else pd.Series(pd.NA, index=subs.index, dtype="string")
    excluded = set(NOT_PAYING_STATUSES) | ({"past_due"} if past_due == "exclude" else set())
    start = subs["started_at"]
    if "trial_end" in subs:
        start = start.where(subs["trial_end"].isna() | (subs["trial_end"] <= start), subs["trial_end"])
    out["pay_start"] = _utc_us(start)
    ended = subs["ended_at"] if "ended_at" in subs else pd.Series(pd.NaT, index=subs.index)
    out["pay_end"] = _utc_us(ended)
    keep = ~status.isin(excluded).fillna(False).to_numpy() & (out["mrr"] > 0).to_numpy()
    keep &= (out["pay_end"].isna() | (out["pay_end"] > out["pay_start"])).to_numpy()
    return out[keep].reset_index(drop=True)


def _utc_us(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Instants as a UTC microsecond array, positionally; tz-aware columns are never boxed into Timestamps."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True)
    return values.dt.tz_convert("UTC").astype("datetime64[us, UTC]").array


def active_at(paying: pd.DataFrame, instant: pd.Timestamp) -> pd.Series:
    """Which paying rows are active just before an instant: the state at the end of the day before.

    So a subscription starting on the period's first day is new business in the period, and one
    ending on that day churned in the period (ChartMogul's reading of date-only exports).
    """
    started = paying["pay_start"] < instant
    not_ended = paying["pay_end"].isna() | (paying["pay_end"] >= instant)
    return started & not_ended


def paying_spells(paying: pd.DataFrame) -> pd.DataFrame:
    """Each account's overlapping or touching paying rows merged into spells [start, end)."""
    if paying.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype="string"), "start": pd.Series(dtype="datetime64[us, UTC]"), "end": pd.Series(dtype="datetime64[us, UTC]")})
    far = pd.Timestamp("2262-01-01", tz="UTC")
    frame = pd.DataFrame(
        {"account_id": paying["account_id"], "start": paying["pay_start"], "end": paying["pay_end"].fillna(far)}
    ).sort_values(["account_id", "start", "end"], kind="stable")
    running_end = frame.groupby("account_id", sort=False)["end"].cummax()
    previous_end = running_end.groupby(frame["account_id"], sort=False).shift()
    new_spell = previous_end.isna() | (frame["start"] > previous_end)
    spell_id = new_spell.cumsum()
    spells = frame.groupby(spell_id, sort=False).agg(account_id=("account_id", "first"), start=("start", "min"), end=("end", "max"))
    spells["end"] = spells["end"].mask(spells["end"] >= far)
    return spells.reset_index(drop=True)


def billing_facts(paying: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """One row per account that ever paid: the facts the metrics need, at period start and end.

    ``paying`` is ``paying_subscriptions`` of the run's billing rows (``billing/source.py``).
    """
    columns = [
        "mrr", "mrr_start", "is_customer", "active_at_start", "churned_in_period",
        "first_paid_at", "churn_events", "customer_months", "subscriptions", "billing_interval",
    ]
    if paying is None:
        return pd.DataFrame(columns=columns).rename_axis("account_id")
    by_account = paying.groupby("account_id", sort=True)
    facts = pd.DataFrame(index=by_account.size().index)
    facts["subscriptions"] = by_account.size()
    now = active_at(paying, period.end)
    start = active_at(paying, period.start)
    facts["mrr"] = paying["mrr"].where(now, 0.0).groupby(paying["account_id"]).sum()
    facts["mrr_start"] = paying["mrr"].where(start, 0.0).groupby(paying["account_id"]).sum()
    facts["is_customer"] = now.groupby(paying["account_id"]).any()
    facts["active_at_start"] = start.groupby(paying["account_id"]).any()
    facts["churned_in_period"] = facts["active_at_start"] & ~facts["is_customer"]
    facts["first_paid_at"] = by_account["pay_start"].min()
    spells = paying_spells(paying)
    ends = spells["end"]
    churn = ends.notna() & (ends >= period.start) & (ends < period.end)
    facts["churn_events"] = churn.groupby(spells["account_id"]).sum()
    overlap_start = spells["start"].clip(lower=period.start)
    overlap_end = spells["end"].fillna(period.end).clip(upper=period.end)
    days = ((overlap_end - overlap_start).dt.total_seconds() / 86400).clip(lower=0)
    facts["customer_months"] = (days / DAYS_PER_MONTH).groupby(spells["account_id"]).sum()
    # The interval of the account's latest paying subscription: annual plans churn differently.
    latest = paying.sort_values(["account_id", "pay_start"], kind="stable").groupby("account_id").tail(1)
    facts["billing_interval"] = latest.set_index("account_id")["interval"]
    facts = facts.fillna({"churn_events": 0, "customer_months": 0.0})
    facts["churn_events"] = facts["churn_events"].astype("int64")
    facts.index = facts.index.astype("string")
    facts.index.name = "account_id"
    return facts[columns]


#: Account columns of a flat customer table (one row per customer, no billing history).
FLAT_COLUMNS = ("churned", "tenure_months", "mrr")


def is_flat_table(accounts: pd.DataFrame | None, subs: pd.DataFrame | None) -> bool:
    """A customer table with a churned flag and no subscriptions: billing facts come from it."""
    return (subs is None or subs.empty) and accounts is not None and "churned" in accounts and accounts["churned"].notna().any()


def flat_billing_facts(accounts: pd.DataFrame, period: Period, *, churn_window_months: float = 1.0) -> pd.DataFrame:
    """Billing facts of a flat customer table (docs/inputs.md, "Flat customer tables").

    Every row with a churned flag was a customer at the start of the window the flag covers
    (``churn_window_months``, default 1: the Telco file flags customers who left in the last
    month), so churn_rate is the share flagged churned. MRR is the monthly charge of those not
    churned; mrr_start includes the churned. Each customer contributes the window's months at risk,
    so monthly_churn_rate = churned / (customers x window). first_paid_at is as-of minus tenure.
    """
    frame = accounts.set_index("account_id")
    flag = frame["churned"].astype("boolean")
    known = flag.notna()
    churned = flag.fillna(False).astype(bool)
    charge = frame["mrr"].astype("float64").fillna(0.0) if "mrr" in frame else pd.Series(0.0, index=frame.index)
    facts = pd.DataFrame(index=frame.index[known.to_numpy()])
    churned = churned[known]
    charge = charge[known]
    facts["mrr"] = charge.where(~churned, 0.0)
    facts["mrr_start"] = charge
    facts["is_customer"] = ~churned
    facts["active_at_start"] = True
    facts["churned_in_period"] = churned
    as_of_day = period.end - pd.Timedelta(days=1)
    if "tenure_months" in frame:
        tenure = frame.loc[known, "tenure_months"].astype("float64")
        days = (tenure * DAYS_PER_MONTH).round()
        facts["first_paid_at"] = (as_of_day - pd.to_timedelta(days, unit="D")).astype("datetime64[us, UTC]")
    else:
        facts["first_paid_at"] = pd.Series(pd.NaT, index=facts.index, dtype="datetime64[us, UTC]")
    facts["churn_events"] = churned.astype("int64")
    facts["customer_months"] = float(churn_window_months)
    facts["subscriptions"] = 1
    facts.index = facts.index.astype("string")
    facts.index.name = "account_id"
    return facts[[
        "mrr", "mrr_start", "is_customer", "active_at_start", "churned_in_period",
        "first_paid_at", "churn_events", "customer_months", "subscriptions",
    ]]
