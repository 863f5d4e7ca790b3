"""Per-account value features beyond the base frame: renewals (sBG), BG/NBD predictions,
activation and engagement. Added to ``FeatureSet.frame`` by ``segkit.api.segment`` while the
event engine is open; model fits the metrics need go to ``FeatureSet.value_fits`` (a ``ValueFits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.errors import UsageError
from segkit.features.value.activation import DEFAULT_ENGAGEMENT_WEIGHTS, activation_facts, engagement_score, first_key_event
from segkit.features.billing.source import billing_of
from segkit.features.build import FeatureSet
from segkit.features.events.base import EventEngine
from segkit.features.billing.invoices import invoice_transactions
from segkit.features.billing.renewals import RENEWAL_COLUMNS, renewal_facts
from segkit.features.value.model import ValueFits, ValueWarning
from segkit.loading.model import Inputs

CLV_METHODS = ("simple", "sbg", "bgnbd")
BGNBD_COLUMNS = ("bg_x", "bg_t_x", "bg_T", "bg_zbar", "p_alive", "expected_transactions", "clv_bgnbd")
WEEKS_PER_MONTH = 365.25 / 12 / 7


@dataclass(frozen=True)
class ValueSettings:
    clv_method: str = "simple"
    discount_rate: float = 0.10
    clv_horizon_months: int = 60
    activation_event: str | None = None
    activation_days: int = 14
    activation_start: str = "created_at"
    engagement_weights: tuple[float, ...] = DEFAULT_ENGAGEMENT_WEIGHTS
    past_due: str = "include"
    clv_transactions: str = "invoices"


def monthly_rate(annual: float) -> float:
    """The monthly rate equivalent to an annual discount rate: (1 + d)^(1/12) - 1."""
    return (1.0 + annual) ** (1.0 / 12.0) - 1.0


def add_value_features(features: FeatureSet, inputs: Inputs, engine: EventEngine | None, settings: ValueSettings) -> ValueFits:
    """Add the columns in place; return what the metrics and the report need (fits, warnings)."""
    frame = features.frame
    fits = ValueFits()
    billing = features.billing if features.billing is not None else billing_of(inputs, past_due=settings.past_due)
    if billing.paying is not None:
        facts = renewal_facts(billing.paying, frame.get("billing_interval", pd.Series(dtype="string")), features.period.end,
                              spells=billing.spells)
        for col in RENEWAL_COLUMNS:
            frame[col] = facts[col].reindex(frame.index)
    if engine is not None and "active_days_30" in frame:
        frame["engagement_score"] = engagement_score(frame, settings.engagement_weights)
        if settings.activation_event:
            first = first_key_event(engine, settings.activation_event, features.as_of.date())
            facts = activation_facts(frame, first, end=features.period.end, days=settings.activation_days,
                                     start=settings.activation_start)
            for col in facts.columns:
                frame[col] = facts[col]
            if first.empty:
                fits.warnings.append(ValueWarning(
                    "activation_event", f"no account did the activation event {settings.activation_event!r}; check metrics.activation_event"
                ))
    if settings.clv_method == "bgnbd":
        _bgnbd(features, inputs, engine, settings, fits)
    features.value_fits = fits
    return fits


def _event_days(engine: EventEngine, features: FeatureSet) -> pd.DataFrame:
    """Active days per account up to as-of as transactions without amounts (either engine)."""
    end = features.period.end.tz_convert("UTC").tz_localize(None).to_pydatetime()
    frame = engine.event_days(end)
    frame["amount"] = 0.0
    frame["account_id"] = frame["account_id"].astype("string")
    frame["date"] = pd.to_datetime(frame.pop("day").astype("int64"), unit="D")
    return frame


def _bgnbd(features: FeatureSet, inputs: Inputs, engine: EventEngine | None, settings: ValueSettings, out: ValueFits) -> None:
    from segkit.models import conditional_expected_transactions, fit_bgnbd, fit_gamma_gamma, predict_customers, probability_alive, summarise_transactions

    source = settings.clv_transactions
    if source not in ("invoices", "events"):
        raise UsageError(f"metrics.clv_transactions takes invoices or events; got {source!r}")
    if source == "events":
        if engine is None:
            raise UsageError("metrics.clv_transactions = 'events' needs an events table; pass --events FILE")
        transactions = _event_days(engine, features)
    else:
        invoices = inputs.frame("invoices")
        if invoices is None or invoices.empty:
            raise UsageError("--clv-method bgnbd needs an invoices table (one row per payment: account_id, amount_paid, paid_at); pass --invoices FILE, or set metrics.clv_transactions = 'events'")
        transactions = invoice_transactions(invoices, features.period.end)
    frame = features.frame
    transactions = transactions[transactions["account_id"].isin(frame.index)]
    out.bgnbd_ran, out.bgnbd_transactions = True, source
    if transactions.empty:
        out.bgnbd_fallback = "no paid invoice up to as-of" if source == "invoices" else "no event up to as-of"
        return
    summary = summarise_transactions(transactions, features.as_of.tz_localize(None).normalize(), customer_col="account_id",
                                     date_col="date", amount_col="amount", time_unit="weeks")
    x, t_x, T, zbar = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "zbar"))
    bg = fit_bgnbd(x, t_x, T)
    out.bgnbd_fit = bg
    frame["bg_x"], frame["bg_t_x"], frame["bg_T"], frame["bg_zbar"] = (
        summary[c].reindex(frame.index).astype("float64") for c in ("x", "t_x", "T", "zbar")
    )
    if not bg.converged:
        out.bgnbd_fallback = f"BG/NBD fit did not converge ({bg.message})"
        return
    if source == "events":
        horizon = WEEKS_PER_MONTH * settings.clv_horizon_months
        frame["p_alive"] = pd.Series(probability_alive(bg, x, t_x, T), index=summary.index).reindex(frame.index)
        frame["expected_transactions"] = pd.Series(conditional_expected_transactions(bg, horizon, x, t_x, T), index=summary.index).reindex(frame.index)
        out.bgnbd_no_spend = "events carry no amounts, so BG/NBD gives P(alive) and expected active days only"
        return
    if not (x > 0).any():
        out.bgnbd_fallback = "no account paid twice, so the spend model cannot be fitted"
        return
    gg = fit_gamma_gamma(x, zbar)
    out.gamma_gamma_fit = gg
    if not gg.converged or gg.params.q <= 1:
        out.bgnbd_fallback = f"Gamma-Gamma fit unusable ({gg.message if not gg.converged else 'q <= 1'})"
        return
    predicted = predict_customers(bg, gg, summary, step_length=WEEKS_PER_MONTH, n_steps=settings.clv_horizon_months,
                                  discount_rate=monthly_rate(settings.discount_rate))
    frame["p_alive"] = predicted["p_alive"].reindex(frame.index)
    frame["expected_transactions"] = predicted["expected_purchases"].reindex(frame.index)
    frame["clv_bgnbd"] = predicted["clv"].reindex(frame.index)
