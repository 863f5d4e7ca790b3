"""Stage 2, features: one row per account with firmographics, billing, usage and survey facts.

Segmenters and metrics read only this frame, so a new input kind means new columns here and
nothing else downstream.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segkit.features.period import Period
from segkit.features.billing.subscriptions import billing_facts, flat_billing_facts, is_flat_table, paying_subscriptions
from segkit.features.billing.movements import MOVEMENT_COLUMNS, movement_facts
from segkit.features.events.base import EVENT_FEATURES, EventEngine
from segkit.features.extra import add_extras
from segkit.features.billing.invoices import billing_source
from segkit.loading.model import Inputs

BILLING_DEFAULTS = {
    "mrr": 0.0,
    "mrr_start": 0.0,
    "is_customer": False,
    "active_at_start": False,
    "churned_in_period": False,
    "churn_events": 0,
    "customer_months": 0.0,
    "subscriptions": 0,
}
EVENT_COUNT_COLUMNS = ("event_count", "distinct_users", "distinct_events", "active_days_30", "active_days_90", "events_30", "events_prior_60")


@dataclass
class FeatureSet:
    """The per-account frame plus the time frame it was computed for."""

    frame: pd.DataFrame
    as_of: pd.Timestamp
    period: Period
    has_events: bool
    has_billing: bool
    has_surveys: bool
    months: int = 12
    #: A flat customer table (one row per customer): no leads, so no conversion rate.
    flat: bool = False
    #: model fits and notes computed from the frame (segkit.features.value.fits), for the metrics
    extras: dict[str, Any] = field(default_factory=dict)


def latest_date(inputs: Inputs, event_max: pd.Timestamp | None) -> pd.Timestamp | None:
    """The latest timestamp anywhere in the inputs: the default as-of, never the wall clock."""
    candidates: list[pd.Timestamp] = []
    for data in inputs.tables.values():
        for col in data.frame.columns:
            if isinstance(data.frame[col].dtype, pd.DatetimeTZDtype):
                value = data.frame[col].max()
                if pd.notna(value):
                    candidates.append(value)
    if event_max is not None:
        candidates.append(event_max)
    return max(candidates) if candidates else None


def survey_facts(surveys: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """NPS facts per account from each respondent's latest answer up to as-of."""
    if surveys is None or surveys.empty or "score" not in surveys or "account_id" not in surveys:
        return pd.DataFrame()
    answers = surveys[surveys["score"].notna() & surveys["account_id"].notna() & (surveys["responded_at"] < period.end)]
    if "user_id" in answers and answers["user_id"].notna().any():
        row_ids = pd.Series("row:" + answers.index.astype("string"), index=answers.index)
        respondent = answers["user_id"].fillna(row_ids)
        answers = answers.assign(_respondent=respondent).sort_values("responded_at", kind="stable")
        answers = answers.drop_duplicates(subset=["account_id", "_respondent"], keep="last")
    score = answers["score"].astype("float64")
    grouped = pd.DataFrame(
        {
            "account_id": answers["account_id"],
            "promoter": score >= 9,
            "detractor": score <= 6,
            "score": score,
        }
    ).groupby("account_id")
    facts = pd.DataFrame(
        {
            "nps_responses": grouped.size(),
            "nps_promoters": grouped["promoter"].sum(),
            "nps_detractors": grouped["detractor"].sum(),
            "nps_mean_score": grouped["score"].mean(),
        }
    )
    facts.index = facts.index.astype("string")
    return facts


def build_features(
    inputs: Inputs,
    period: Period,
    as_of: pd.Timestamp,
    engine: EventEngine | None,
    *,
    past_due: str = "include",
    flat_churn_window_months: float = 1.0,
    extras: Collection[str] = (),
) -> FeatureSet:
    """Join every input's per-account facts onto the accounts (or the ids seen anywhere).

    ``extras`` names optional feature groups some segmenters declare (``segkit.features.extra``).
    """
    accounts = inputs.frame("accounts")
    subs = billing_source(inputs)  # subscriptions, else paid invoices (segkit.features.billing.invoices)
    surveys = inputs.frame("surveys")
    known = pd.Index(accounts["account_id"]) if accounts is not None else None
    event_frame = None
    if engine is not None:
        event_frame = engine.features(as_of.date(), known, inputs.rejections).frame
    flat = is_flat_table(accounts, subs)
    if flat:
        billing = flat_billing_facts(accounts, period, churn_window_months=flat_churn_window_months)
    else:
        billing = billing_facts(subs, period, past_due=past_due)
        if subs is not None and not subs.empty:
            billing = billing.join(movement_facts(paying_subscriptions(subs, past_due=past_due), period), how="left")
    nps = survey_facts(surveys, period)
    if accounts is not None:
        frame = accounts.set_index("account_id")
    else:
        ids: set[str] = set()
        for part in (billing.index, nps.index, event_frame.index if event_frame is not None else pd.Index([])):
            ids.update(part.dropna().tolist())
        frame = pd.DataFrame(index=pd.Index(sorted(ids), dtype="string", name="account_id"))
    frame.index = frame.index.astype("string")
    frame.index.name = "account_id"
    if flat:  # the flat table's own mrr is now a billing fact
        frame = frame.drop(columns=[c for c in billing.columns if c in frame])
    frame = frame.join(billing, how="left")
    for col in (*MOVEMENT_COLUMNS, "mrr_period_start", "mrr_period_end"):
        frame[col] = frame[col].fillna(0.0).astype("float64") if col in frame else 0.0
    for col, default in BILLING_DEFAULTS.items():
        frame[col] = frame[col].fillna(default).astype(type(default) if not isinstance(default, bool) else "bool")
    if event_frame is not None:
        frame = frame.join(event_frame, how="left")
        for col in EVENT_COUNT_COLUMNS:
            frame[col] = frame[col].fillna(0).astype("int64")
        frame["trend_slope_12w"] = frame["trend_slope_12w"].fillna(0.0)
    if not nps.empty:
        frame = frame.join(nps, how="left")
        for col in ("nps_responses", "nps_promoters", "nps_detractors"):
            frame[col] = frame[col].fillna(0).astype("int64")
    if extras:
        frame = add_extras(frame, inputs, period, as_of, engine, extras)
    frame = frame.sort_index(kind="stable")
    frame.attrs["period_start"] = period.start
    return FeatureSet(
        frame=frame,
        as_of=as_of,
        period=period,
        has_events=event_frame is not None,
        has_billing=subs is not None or flat,
        flat=flat,
        has_surveys=not nps.empty,
    )


__all__ = ["EVENT_FEATURES", "FeatureSet", "build_features", "latest_date"]
