"""Billing facts per account from subscriptions: MRR now and at period start, paying spells, churn.

Conventions (ChartMogul-compatible, see docs/metrics.md): MRR is normalised to months
(year / 12, week x 52 / 12, day x 365 / 12, divided by interval_count, times quantity, less a
recurring discount); trialing, incomplete and incomplete_expired subscriptions never pay;
unpaid and paused ones (and canceled ones without ``ended_at``) pay until the date the churn
policy infers (``paid_until``); past_due is paying unless configured otherwise; a subscription
stops paying at ``ended_at`` (not ``canceled_at``, unless churn is recognised at cancellation),
and at most from ``trial_end`` on it starts paying; gaps within ``churn_grace_days`` are bridged.
An account churns only when none of its subscriptions is paying any more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.features.billing.codes import ACCOUNT_CODE, account_ids, account_key, with_account_codes
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


@dataclass(frozen=True)
class BillingPolicy:
    """How paid periods become churn (SPEC 4, "Churn policy"; docs/metrics.md).

    ``churn_grace_days``: a gap of at most this many days between an account's paid periods is
    not churn (default 1: date-only version rows, ended 03-09 and next started 03-10, are one
    paid history). ``churn_recognition``: ``period_end`` (default) ends a subscription at
    ``ended_at``; ``cancellation`` at ``canceled_at`` when that is earlier.
    """

    past_due: str = "include"
    churn_grace_days: float = 1.0
    churn_recognition: str = "period_end"


#: Status snapshots whose paid history is kept and ended at the best date the export gives.
SNAPSHOT_STATUSES = frozenset({"unpaid", "paused"})
NEVER_PAID_STATUSES = NOT_PAYING_STATUSES - SNAPSHOT_STATUSES


def _column(subs: pd.DataFrame, name: str) -> pd.Series:
    if name in subs:
        return pd.to_datetime(subs[name], utc=True).astype("datetime64[us, UTC]")
    return pd.Series(pd.NaT, index=subs.index, dtype="datetime64[us, UTC]")


def paid_until(subs: pd.DataFrame, status: pd.Series, policy: BillingPolicy,
               as_of_day: pd.Timestamp | None) -> tuple[pd.Series, list[str]]:
    """Each row's end of paying and a note per kind of end that was inferred (not ``ended_at``).

    A status snapshot (unpaid, paused; canceled without ``ended_at``) keeps its paid history and
    ends at ``current_period_end``, else ``canceled_at``, else the as-of day (unpaid and paused
    at most then: they do not pay at as-of).
    """
    ended, canceled, period_end = _column(subs, "ended_at"), _column(subs, "canceled_at"), _column(subs, "current_period_end")
    end = ended.copy()
    if policy.churn_recognition == "cancellation":
        end = end.where(canceled.isna() | (end.notna() & (end <= canceled)), canceled)
    notes: list[str] = []
    snapshot = status.isin(SNAPSHOT_STATUSES).fillna(False).to_numpy() & end.isna().to_numpy()
    canceled_open = (status == "canceled").fillna(False).to_numpy() & end.isna().to_numpy()
    last = as_of_day if as_of_day is not None else pd.NaT
    for mask, what in ((snapshot, "unpaid/paused"), (canceled_open, "canceled")):
        if not mask.any():
            continue
        best = period_end.fillna(canceled)
        inferred = best.fillna(last)
        if what == "unpaid/paused" and as_of_day is not None:
            inferred = inferred.where(inferred.isna() | (inferred <= as_of_day), as_of_day)
        sources = {"current_period_end": period_end.notna(), "canceled_at": period_end.isna() & canceled.notna(),
                   "as-of": best.isna()}
        counts = ", ".join(f"{int((src.to_numpy() & mask).sum())} at {name}" for name, src in sources.items()
                           if (src.to_numpy() & mask).any())
        notes.append(f"{int(mask.sum())} {what} subscription rows without ended_at: paid history kept, "
                     f"ended {counts} (SPEC 4, churn policy)")
        end = end.where(~mask, inferred)
    return end, notes


def paying_subscriptions(subs: pd.DataFrame, *, past_due: str = "include", policy: BillingPolicy | None = None,
                         as_of_day: pd.Timestamp | None = None, notes: list[str] | None = None) -> pd.DataFrame:
    """Rows that bring revenue, with ``pay_start``/``pay_end`` (NaT end: still paying) and ``mrr``.

    ``policy`` (default: ``BillingPolicy(past_due)``) sets the grace and the churn recognition;
    ``as_of_day`` ends status snapshots without a date; inferences are appended to ``notes``.
    """
    policy = policy or BillingPolicy(past_due=past_due)
    out = with_account_codes(pd.DataFrame({"account_id": subs["account_id"].astype("string")}))
    out["mrr"] = subscription_mrr(subs).to_numpy()
    interval = subs["interval"].astype("string").str.lower().str.strip() if "interval" in subs else pd.Series("month", index=subs.index, dtype="string")
    out["interval"] = interval.replace(NORMAL_INTERVAL).to_numpy()
    status = subs["status"].astype("string").str.lower().str.strip() if "status" in subs else pd.Series(pd.NA, index=subs.index, dtype="string")
    excluded = set(NEVER_PAID_STATUSES) | ({"past_due"} if policy.past_due == "exclude" else set())
    start = subs["started_at"]
    if "trial_end" in subs:
        start = start.where(subs["trial_end"].isna() | (subs["trial_end"] <= start), subs["trial_end"])
    out["pay_start"] = _utc_us(start)
    end, found = paid_until(subs, status, policy, as_of_day)
    if notes is not None:
        notes.extend(found)
    out["pay_end"] = _utc_us(end)
    if "currency" in subs:  # for the conversion to the reporting currency (billing/fx.py)
        out["currency"] = subs["currency"].astype("string").to_numpy()
    keep = ~status.isin(excluded).fillna(False).to_numpy() & (out["mrr"] > 0).to_numpy()
    keep &= ~(status.isin(SNAPSHOT_STATUSES).fillna(False).to_numpy() & out["pay_end"].isna().to_numpy())
    keep &= (out["pay_end"].isna() | (out["pay_end"] > out["pay_start"])).to_numpy()
    paying = out[keep].reset_index(drop=True)
    paying, bridged = bridge_short_gaps(paying, policy.churn_grace_days)
    if bridged and notes is not None:
        notes.append(f"{bridged} gaps of at most {policy.churn_grace_days:g} days between an account's paid periods "
                     "are not churn (metrics.churn_grace_days)")
    return paying


def bridge_short_gaps(paying: pd.DataFrame, grace_days: float) -> tuple[pd.DataFrame, int]:
    """Extend the rows that end a paying spell to the next spell's start when the gap is within grace.

    So churn events, churn rates and churned MRR all see one paid history across the gap.
    """
    if paying.empty or grace_days <= 0:
        return paying, 0
    spells = paying_spells(paying)
    next_start = spells.groupby(account_key(spells), sort=False)["start"].shift(-1)
    gap = next_start - spells["end"]
    bridge = (spells["end"].notna() & next_start.notna() & (gap <= pd.Timedelta(days=grace_days))).to_numpy()
    if not bridge.any():
        return paying, 0
    key = ACCOUNT_CODE if ACCOUNT_CODE in spells else "account_id"
    targets = pd.DataFrame({key: spells[key][bridge].to_numpy(), "pay_end": spells["end"][bridge].to_numpy(),
                            "bridged_end": next_start[bridge].to_numpy()})
    merged = paying.merge(targets, on=[key, "pay_end"], how="left")
    merged["pay_end"] = merged["bridged_end"].fillna(merged["pay_end"]).astype("datetime64[us, UTC]")
    return merged.drop(columns="bridged_end"), int(bridge.sum())


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
    """Each account's overlapping or touching paying rows merged into spells [start, end).

    Sorted and grouped by integer account codes (``billing/codes.py``; the frame's own, else
    computed here once): the same order and groups as the ids. A frame with codes gives spells
    with codes."""
    if paying.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype="string"), "start": pd.Series(dtype="datetime64[us, UTC]"), "end": pd.Series(dtype="datetime64[us, UTC]")})
    coded = paying if ACCOUNT_CODE in paying else with_account_codes(paying)
    far = pd.Timestamp("2262-01-01", tz="UTC")
    frame = pd.DataFrame(
        {"key": account_key(coded), "start": paying["pay_start"], "end": paying["pay_end"].fillna(far)}
    ).sort_values(["key", "start", "end"], kind="stable")
    running_end = frame.groupby("key", sort=False)["end"].cummax()
    previous_end = running_end.groupby(frame["key"], sort=False).shift()
    new_spell = previous_end.isna() | (frame["start"] > previous_end)
    spell_id = new_spell.cumsum()
    spells = frame.groupby(spell_id, sort=False).agg(key=("key", "first"), start=("start", "min"), end=("end", "max"))
    spells["end"] = spells["end"].mask(spells["end"] >= far)
    spells = spells.reset_index(drop=True)
    ids = account_ids(coded, pd.Index(spells["key"]))
    out = pd.DataFrame({"account_id": ids.array, "start": spells["start"], "end": spells["end"]})
    if ACCOUNT_CODE in paying:
        out[ACCOUNT_CODE] = spells["key"].to_numpy()
    return out


def billing_facts(paying: pd.DataFrame | None, period: Period, spells: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per account that ever paid: the facts the metrics need, at period start and end.

    ``paying`` is ``paying_subscriptions`` of the run's billing rows (``billing/source.py``);
    ``spells`` its ``paying_spells`` when already merged (``Billing.spells``).
    """
    columns = [
        "mrr", "mrr_start", "is_customer", "active_at_start", "churned_in_period",
        "first_paid_at", "churn_events", "customer_months", "subscriptions", "billing_interval",
    ]
    if paying is None:
        return pd.DataFrame(columns=columns).rename_axis("account_id")
    spells = paying_spells(paying) if spells is None else spells
    if (ACCOUNT_CODE in paying) != (ACCOUNT_CODE in spells):  # one key for both frames
        paying, spells = paying.drop(columns=ACCOUNT_CODE, errors="ignore"), spells.drop(columns=ACCOUNT_CODE, errors="ignore")
    key, spell_key = account_key(paying), account_key(spells)
    by_account = paying.groupby(key, sort=True)
    facts = pd.DataFrame(index=by_account.size().index)
    # a row split at exchange-rate changes (billing/fx.py) is one subscription: its first piece counts
    facts["subscriptions"] = (paying["fx_piece"] == 0).groupby(key).sum() if "fx_piece" in paying else by_account.size()
    now = active_at(paying, period.end)
    start = active_at(paying, period.start)
    facts["mrr"] = paying["mrr"].where(now, 0.0).groupby(key).sum()
    facts["mrr_start"] = paying["mrr"].where(start, 0.0).groupby(key).sum()
    facts["is_customer"] = now.groupby(key).any()
    facts["active_at_start"] = start.groupby(key).any()
    facts["churned_in_period"] = facts["active_at_start"] & ~facts["is_customer"]
    facts["first_paid_at"] = by_account["pay_start"].min()
    ends = spells["end"]
    churn = ends.notna() & (ends >= period.start) & (ends < period.end)
    facts["churn_events"] = churn.groupby(spell_key).sum()
    overlap_start = spells["start"].clip(lower=period.start)
    overlap_end = spells["end"].fillna(period.end).clip(upper=period.end)
    days = ((overlap_end - overlap_start).dt.total_seconds() / 86400).clip(lower=0)
    facts["customer_months"] = (days / DAYS_PER_MONTH).groupby(spell_key).sum()
    # The interval of the account's latest paying subscription: annual plans churn differently.
    latest = pd.DataFrame({"key": key, "pay_start": paying["pay_start"], "interval": paying["interval"]})
    latest = latest.sort_values(["key", "pay_start"], kind="stable").groupby("key").tail(1)
    facts["billing_interval"] = latest.set_index("key")["interval"]
    facts = facts.fillna({"churn_events": 0, "customer_months": 0.0})
    facts["churn_events"] = facts["churn_events"].astype("int64")
    facts.index = account_ids(paying, facts.index)
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
