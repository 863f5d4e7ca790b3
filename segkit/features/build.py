"""Stage 2, features: one row per account with firmographics, billing, usage and survey facts.

Segmenters and metrics read only this frame, so a new input kind means new columns here and
nothing else downstream.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
import pandas as pd

from segkit.features.period import Period
from segkit.features.billing.fx import Money, convert_tables, money_of
from segkit.features.billing.source import Billing, billing_of
from segkit.features.billing.subscriptions import BillingPolicy, billing_facts, flat_billing_facts, is_flat_table
from segkit.features.billing.movements import MOVEMENT_COLUMNS, movement_facts
from segkit.features.events.base import EVENT_FEATURES, EventEngine
from segkit.features.extra import add_extras, deal_rows
from segkit.features.surveys import survey_facts
from segkit.features.support import SupportRows, support_facts, support_rows
from segkit.features.value.model import ValueFits
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
    #: what set as-of: ``--as-of``, ``config`` (metrics.as_of) or the ``table.column`` of the latest activity
    as_of_source: str = ""
    #: A flat customer table (one row per customer): no leads, so no conversion rate.
    flat: bool = False
    #: model fits and notes of the value features (segkit.features.value.fits), for the metrics
    value_fits: ValueFits = field(default_factory=ValueFits)
    #: the run's billing rows and paying rows, computed once (segkit.features.billing.source)
    billing: Billing | None = None
    #: one row per deal (segkit.features.extra.deal_rows), for win rate and deal metrics; None without deals
    deal_rows: pd.DataFrame | None = None
    #: the period's ticket and cancellation rows (segkit.features.support), for the support metrics
    support: SupportRows = field(default_factory=SupportRows)
    #: the reporting currency and the rates the amounts were converted with (segkit.features.billing.fx)
    money: Money = field(default_factory=lambda: Money(None))


def build_features(
    inputs: Inputs,
    period: Period,
    as_of: pd.Timestamp,
    engine: EventEngine | None,
    *,
    past_due: str = "include",
    flat_churn_window_months: float = 1.0,
    extras: Collection[str] = (),
    policy: BillingPolicy | None = None,
    reporting_currency: str | None = None,
) -> FeatureSet:
    """Join every input's per-account facts onto the accounts (or the ids seen anywhere).

    ``extras`` names optional feature groups some segmenters declare (``segkit.features.extra``);
    amounts are converted to ``reporting_currency`` with the fx_rates table (``billing/fx.py``).
    """
    accounts = inputs.frame("accounts")
    policy = policy or BillingPolicy(past_due=past_due)
    as_of_day = period.end - pd.Timedelta(days=1)
    money = money_of(inputs, reporting_currency)  # mixed currencies without rates: exit 3, before any figure
    convert_tables(inputs, money)
    # computed once; FeatureSet.billing carries it
    billing_rows = billing_of(inputs, policy=policy, as_of_day=as_of_day, money=money, period=period)
    known = pd.Index(accounts["account_id"]) if accounts is not None else None
    event_frame = None
    if engine is not None:
        event_frame = engine.features(as_of.date(), known, inputs.rejections).frame
    flat = is_flat_table(accounts, billing_rows.subscriptions)
    if flat:
        billing = flat_billing_facts(accounts, period, churn_window_months=flat_churn_window_months)
    else:
        billing = billing_facts(billing_rows.paying, period, spells=billing_rows.spells)
        if billing_rows.paying is not None:
            movements = movement_facts(billing_rows.paying, period)
            # the same accounts in the same order (both from the paying rows): side by side, no join
            same = billing.index.equals(movements.index) and billing.index.is_unique
            billing = pd.concat([billing, movements], axis=1) if same else billing.join(movements, how="left")
    nps = survey_facts(inputs.frame("surveys"), period)
    support = support_rows(inputs, period)
    seen = (billing.index, nps.index, event_frame.index if event_frame is not None else pd.Index([]), *_support_ids(support))
    frame = _account_frame(accounts, seen)
    if flat:  # the flat table's own mrr is now a billing fact
        frame = frame.drop(columns=[c for c in billing.columns if c in frame])
    frame = _join_facts(frame, billing, event_frame, nps)
    deals = inputs.frame("deals")
    if deals is not None:  # win rate and conversion without billing read the deal facts
        extras = sorted({*extras, "deals"})
    if support.tickets is not None:
        frame = frame.join(support_facts(support, frame, period), how="left")
    if extras:
        frame = add_extras(frame, inputs, period, as_of, engine, extras)
    frame = frame.sort_index(kind="stable")
    frame.attrs["period_start"] = period.start
    return FeatureSet(
        frame=frame,
        as_of=as_of,
        period=period,
        has_events=event_frame is not None,
        has_billing=billing_rows.subscriptions is not None or flat,
        flat=flat,
        has_surveys=not nps.empty,
        billing=billing_rows,
        deal_rows=deal_rows(deals, period) if deals is not None else None,
        support=support,
        money=money,
    )


def _support_ids(support: SupportRows) -> tuple[pd.Index, ...]:
    """Accounts seen in the period's tickets and cancellations (used when there is no accounts table)."""
    return tuple(pd.Index(rows["account_id"].dropna()) for rows in (support.tickets, support.cancellations) if rows is not None)


def _account_frame(accounts: pd.DataFrame | None, seen: tuple[pd.Index, ...]) -> pd.DataFrame:
    """The accounts table by ``account_id``, or, without one, every id seen in another input."""
    if accounts is not None:
        frame = accounts.set_index("account_id")
    else:
        ids: set[str] = set()
        for part in seen:
            ids.update(part.dropna().tolist())
        frame = pd.DataFrame(index=pd.Index(sorted(ids), dtype="string", name="account_id"))
    frame.index = frame.index.astype("string")
    frame.index.name = "account_id"
    return frame


def _join_facts(frame: pd.DataFrame, billing: pd.DataFrame, event_frame: pd.DataFrame | None,
                nps: pd.DataFrame) -> pd.DataFrame:
    """Billing, event and survey facts joined on, with each fact's value for an account without any."""
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
    return frame


__all__ = ["EVENT_FEATURES", "FeatureSet", "build_features"]
