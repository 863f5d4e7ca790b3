"""Optional per-account features, computed only when a requested segmenter asks for them.

A segmenter declares what it needs in its ``extra_features`` class attribute (for example
``("event_detail",)``); ``build_features`` computes the union for the segmenters of the run and
joins the columns onto the feature frame. The event extras are asked of the event engine
(``EventEngine.event_detail`` / ``usage_window``, the same SQL in ``definition.py`` for DuckDB and
Spark): ``event_detail`` reads the per-(account, event name) table the feature pass leaves behind,
``usage_at_start`` the engine's ``valid`` relation (de-duplicated, accounted events up to as-of).

| extra | columns |
|---|---|
| ``event_detail`` | ``first_used:<event>`` (first time the account sent each event name, for the ``max_event_names`` most frequent names), ``distinct_events_90`` |
| ``usage_at_start`` | ``events_90_before_start``, ``active_days_90_before_start`` (the 90 days before the period start: usage known at the churn model's cut-off) |
| ``subscription_at_start`` | ``plan_at_start``, ``interval_at_start``, and ``status_at_start``, ``currency_at_start``, ``quantity_at_start``, ``is_trial_at_start`` where given (of the account's largest subscription paying at the period start: the contract known at the churn model's cut-off) |
| ``deals`` | ``deals``, ``deals_open``, ``deals_won``, ``first_deal_at``, ``first_won_at`` (added whenever a deals table is given; the per-deal rows go to ``FeatureSet.deal_rows``) |
| ``invoices`` | ``invoices``, ``invoice_amount``, ``first_invoice_at``, ``last_invoice_at`` (paid up to as-of) |
| ``*_at_start`` | the groups of ``segkit.features.at_start`` (facts at the period start, ``at_start:<column>``) |
| ``survey_answers`` | each unmapped survey column (a needs question) under its export name: the account's latest non-empty answer up to as-of; the names are listed in ``frame.attrs["survey_answer_columns"]`` |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pandas as pd

from segkit.features.at_start import AT_START_GROUPS, at_start_parts, fill_at_start_counts
from segkit.features.events.base import EventEngine
from segkit.features.period import Period
from segkit.loading.model import Inputs
from segkit.loading.schema import TABLES

FIRST_USED_PREFIX = "first_used:"
SURVEY_PREFIX = "survey:"
MAX_EVENT_NAMES = 50

EXTRA_FEATURES: dict[str, str] = {
    "event_detail": "first use of each event name per account (first_used:<event>) and distinct_events_90",
    "usage_at_start": "events and active days in the 90 days before the period start",
    "subscription_at_start": "plan and billing interval of the largest subscription paying at the period start",
    "deals": "deal counts (all, open, won) and the first deal's creation time",
    "invoices": "paid invoices: count, amount, first and last payment time",
    "survey_answers": "each account's latest answer to every unmapped survey column",
    **AT_START_GROUPS,  # segkit.features.at_start: the facts as they stood at the period start
}


def first_used_column(event: str) -> str:
    return FIRST_USED_PREFIX + event


def first_used_columns(frame: pd.DataFrame) -> dict[str, str]:
    """``{event name: column}`` of the first-use columns present in a feature frame."""
    return {c[len(FIRST_USED_PREFIX):]: c for c in frame.columns if str(c).startswith(FIRST_USED_PREFIX)}


def add_extras(
    frame: pd.DataFrame,
    inputs: Inputs,
    period: Period,
    as_of: pd.Timestamp,
    engine: EventEngine | None,
    extras: Collection[str],
) -> pd.DataFrame:
    """Join the requested extras onto ``frame`` (index ``account_id``); unknown names are ignored."""
    wanted = set(extras)
    parts: list[pd.DataFrame] = []
    if engine is not None and "event_detail" in wanted:
        parts.append(event_detail(engine, as_of))
    if engine is not None and "usage_at_start" in wanted:
        parts.append(usage_at_start(engine, period))
    if "subscription_at_start" in wanted and inputs.frame("subscriptions") is not None:
        parts.append(subscription_at_start(inputs.frame("subscriptions"), period))
    if "deals" in wanted and inputs.frame("deals") is not None:
        parts.append(deal_facts(inputs.frame("deals"), period))
    if "invoices" in wanted and inputs.frame("invoices") is not None:
        parts.append(invoice_facts(inputs.frame("invoices"), period))
    parts.extend(at_start_parts(inputs, period, engine, wanted))
    answers_columns: list[str] = []
    if "survey_answers" in wanted and inputs.frame("surveys") is not None:
        answers = survey_answers(inputs.frame("surveys"), period)
        rename = {c: (SURVEY_PREFIX + c if c in frame.columns else c) for c in answers.columns}
        answers = answers.rename(columns=rename)
        answers_columns = list(answers.columns)
        parts.append(answers)
    for part in parts:
        if part.empty and not len(part.columns):
            continue
        part.index = part.index.astype("string")
        frame = frame.join(part[[c for c in part.columns if c not in frame.columns]], how="left")
    for col in ("deals", "deals_open", "deals_won", "invoices", "events_90_before_start", "active_days_90_before_start", "distinct_events_90"):
        if col in frame:
            frame[col] = frame[col].fillna(0).astype("int64")
    if "invoice_amount" in frame:
        frame["invoice_amount"] = frame["invoice_amount"].fillna(0.0).astype("float64")
    if answers_columns:
        frame.attrs["survey_answer_columns"] = answers_columns
    return fill_at_start_counts(frame)


def _ts(value: dt.datetime | pd.Timestamp) -> str:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return f"TIMESTAMP '{stamp.isoformat(sep=' ')}'"


def _utc(series: pd.Series) -> pd.Series:
    values = pd.to_datetime(series)
    values = values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
    return values.astype("datetime64[us, UTC]")


def event_detail(engine: EventEngine, as_of: pd.Timestamp, max_event_names: int = MAX_EVENT_NAMES) -> pd.DataFrame:
    """Wide first-use times for the most frequent event names, and breadth in the last 90 days.

    Read from the engine's per-(account, event name) table, which the feature pass already built:
    no further pass over the events (``definition.first_used_sql`` and ``breadth_90_sql``).
    """
    names, wide, breadth = engine.event_detail(max_event_names)  # type: ignore[attr-defined]
    wide = wide.set_index("account_id")
    wide = pd.DataFrame(
        {first_used_column(str(name)): pd.to_datetime(wide[f"c{i}"].astype("Int64"), unit="us", utc=True).astype("datetime64[us, UTC]")
         for i, name in enumerate(names) if f"c{i}" in wide},
        index=wide.index,
    )
    wide = wide.loc[:, wide.notna().any()] if len(wide.columns) else wide
    wide.index = wide.index.astype("string")
    wide.index.name = "account_id"
    breadth = breadth.set_index("account_id")
    breadth.index = breadth.index.astype("string")
    return wide.join(breadth, how="outer")


def usage_at_start(engine: EventEngine, period: Period) -> pd.DataFrame:
    """Usage in the 90 days before the period start: what was known at the churn cut-off."""
    start = period.start
    frame = engine.usage_window(start - pd.Timedelta(days=90), start)  # type: ignore[attr-defined]
    frame = frame.set_index("account_id")
    frame.index = frame.index.astype("string")
    return frame


#: Subscription columns read at the period start for the attribute segmenter (``<column>_at_start``).
SUBSCRIPTION_ATTRIBUTES = ("status", "currency", "quantity", "is_trial")


def subscription_at_start(subs: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plan, interval (and ``SUBSCRIPTION_ATTRIBUTES``) of each account's largest paying subscription at the period start.

    Paying follows the billing status rule (``features.billing.subscriptions``): unpaid and paused
    rows keep their paid history until the inferred end, so a row unpaid at as-of that paid at
    the period start gives that start's plan; trialing and incomplete rows never pay.
    """
    from segkit.features.billing.subscriptions import (
        NEVER_PAID_STATUSES, SNAPSHOT_STATUSES, BillingPolicy, paid_until, subscription_mrr,
    )

    start = subs["started_at"]
    if "trial_end" in subs:
        start = start.where(subs["trial_end"].isna() | (subs["trial_end"] <= start), subs["trial_end"])
    status = subs["status"].astype("string").str.lower().str.strip() if "status" in subs else pd.Series(pd.NA, index=subs.index, dtype="string")
    end, _ = paid_until(subs, status, BillingPolicy(), period.end - pd.Timedelta(days=1))
    mrr = subscription_mrr(subs)
    snapshot_open = status.isin(SNAPSHOT_STATUSES).fillna(False) & end.isna()
    active = ((start <= period.start) & (end.isna() | (end > period.start)) & (mrr > 0)
              & ~status.isin(NEVER_PAID_STATUSES).fillna(False) & ~snapshot_open)
    rows = pd.DataFrame(
        {
            "account_id": subs["account_id"].astype("string"),
            "mrr": mrr,
            "plan_at_start": subs["plan"].astype("string") if "plan" in subs else pd.Series(pd.NA, index=subs.index, dtype="string"),
            "interval_at_start": subs["interval"].astype("string").str.lower().str.strip() if "interval" in subs else pd.Series("month", index=subs.index, dtype="string"),
            **{f"{c}_at_start": subs[c].astype("string") for c in SUBSCRIPTION_ATTRIBUTES if c in subs},
        }
    )[active.fillna(False).to_numpy()]
    columns = [c for c in rows.columns if c.endswith("_at_start")]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.sort_values(["account_id", "mrr"], ascending=[True, False], kind="stable").drop_duplicates("account_id")
    return rows.set_index("account_id")[columns]


DEAL_ROW_COLUMNS = ["account_id", "closed", "won", "closed_in_period", "closed_at", "amount", "days_to_won"]
WON_STAGES = ("closed won", "won", "closedwon")
LOST_STAGES = ("closed lost", "lost", "closedlost")


def deal_rows(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per deal created up to as-of, with what the deal metrics need.

    ``closed``: closed on or before as-of: the ``is_closed``/``is_won`` flags or a won/lost stage
    (``closed_at`` alone only when the export has neither flags nor stages: Salesforce's
    CloseDate is the *expected* date of an open deal), with no close date after as-of.
    ``won``: closed and won. ``days_to_won``: created to closed, for won deals with a close date.
    """
    deals = deals[deals["account_id"].notna() & (deals["created_at"] < period.end)]
    missing = pd.Series(pd.NaT, index=deals.index, dtype="datetime64[us, UTC]")
    closed_at = deals["closed_at"] if "closed_at" in deals else missing
    won = _flag(deals, "is_won", WON_STAGES)
    closed = _flag(deals, "is_closed", WON_STAGES + LOST_STAGES) | won
    if not any(c in deals for c in ("is_closed", "is_won", "stage")):
        closed = closed | closed_at.notna()
    closed = closed & (closed_at.isna() | (closed_at < period.end)).fillna(True).astype(bool)
    won = won & closed
    in_period = closed & (closed_at >= period.start).fillna(False).astype(bool)
    days = ((closed_at - deals["created_at"]).dt.total_seconds() / 86400).where(won)
    amount = deals["amount"].astype("float64") if "amount" in deals else pd.Series(float("nan"), index=deals.index)
    return pd.DataFrame({
        "account_id": deals["account_id"].astype("string"), "closed": closed.astype(bool), "won": won.astype(bool),
        "closed_in_period": in_period.astype(bool), "closed_at": closed_at.where(closed_at.notna(), deals["created_at"]),
        "amount": amount, "days_to_won": days,
    }, columns=DEAL_ROW_COLUMNS).reset_index(drop=True)


def deal_facts(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Deals created up to as-of: how many, open (not closed), won; the first one's creation time
    and the first won deal's close date (``first_won_at``: conversion without billing)."""
    rows = deal_rows(deals, period)
    if rows.empty:
        return pd.DataFrame(columns=["deals", "deals_open", "deals_won", "first_deal_at", "first_won_at"])
    created = deals[deals["account_id"].notna() & (deals["created_at"] < period.end)]["created_at"].to_numpy()
    frame = rows.assign(open=~rows["closed"], created_at=created, won_at=rows["closed_at"].where(rows["won"]))
    grouped = frame.groupby("account_id")
    return pd.DataFrame(
        {
            "deals": grouped.size(),
            "deals_open": grouped["open"].sum(),
            "deals_won": grouped["won"].sum(),
            "first_deal_at": grouped["created_at"].min(),
            "first_won_at": grouped["won_at"].min(),
        }
    )


def _flag(deals: pd.DataFrame, column: str, stage_words: tuple[str, ...]) -> pd.Series:
    flag = pd.Series(False, index=deals.index)
    if column in deals:
        flag = flag | deals[column].astype("boolean").fillna(False).astype(bool)
    if "stage" in deals:
        flag = flag | deals["stage"].astype("string").str.strip().str.lower().isin(stage_words).fillna(False).astype(bool)
    return flag


def invoice_facts(invoices: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Paid invoices up to as-of (amount > 0; void, draft and uncollectible ones excluded)."""
    paid = invoices[invoices["account_id"].notna() & invoices["paid_at"].notna() & (invoices["paid_at"] < period.end)]
    paid = paid[paid["amount_paid"].astype("float64") > 0]
    if "status" in paid:
        status = paid["status"].astype("string").str.lower().str.strip()
        paid = paid[~status.isin(["void", "draft", "uncollectible"]).fillna(False).to_numpy()]
    if paid.empty:
        return pd.DataFrame(columns=["invoices", "invoice_amount", "first_invoice_at", "last_invoice_at"])
    grouped = paid.groupby("account_id")
    return pd.DataFrame(
        {
            "invoices": grouped.size(),
            "invoice_amount": grouped["amount_paid"].sum().astype("float64"),
            "first_invoice_at": grouped["paid_at"].min(),
            "last_invoice_at": grouped["paid_at"].max(),
        }
    )


def survey_answers(surveys: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Each account's latest non-empty answer to every unmapped (needs) survey column."""
    canonical = set(TABLES["surveys"].names)
    columns = [c for c in surveys.columns if c not in canonical and not str(c).startswith("_")]
    if not columns or "account_id" not in surveys:
        return pd.DataFrame()
    rows = surveys[surveys["account_id"].notna()]
    if "responded_at" in rows:
        rows = rows[rows["responded_at"].isna() | (rows["responded_at"] < period.end)]
        rows = rows.sort_values("responded_at", kind="stable", na_position="first")
    latest = rows[["account_id", *columns]].groupby("account_id", sort=True).last()
    return latest.astype("string")
