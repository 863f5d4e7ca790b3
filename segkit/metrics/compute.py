"""Stage 4, metrics: the figures of one group of accounts, per segment and overall.

Every metric is computed from the per-account feature frame only, so a segment's figure is the
same function applied to its rows. Definitions: ``segkit.metrics.definitions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.features.build import FeatureSet
from segkit.metrics.activation import ACTIVATION_KEYS, activation_metrics
from segkit.metrics.clv import CLV_KEYS, add_intervals, segment_clv, simple_clv
from segkit.metrics.stats import ratio, wilson_interval

SUPPRESSED_KEYS = (
    "customers", "conversion_rate", "conversion_rate_ci", "conversion_eligible", "converted",
    "customers_at_start", "churned_customers", "churn_rate", "churn_rate_ci", "churn_events",
    "customer_months", "monthly_churn_rate", "mrr", "arpa", "clv", "nps", "nps_responses",
    "starting_mrr", "ending_mrr", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
    "reactivation_mrr", "gross_mrr_churn_rate", "net_mrr_churn_rate", "nrr", "grr", "customer_retention_rate",
    *CLV_KEYS, *ACTIVATION_KEYS,
)


@dataclass(frozen=True)
class MetricOptions:
    gross_margin: float = 1.0
    min_segment_size: int = 5
    conversion_window_days: int = 90
    clv_method: str = "simple"
    #: CLV settings (segkit.metrics.clv); None horizon = uncapped, the textbook ARPA x margin / churn
    discount_rate: float = 0.10
    clv_horizon_months: int | None = None
    clv_discount_simple: bool = False
    clv_bootstrap: int = 200  # the CLI default since #5; issue 9: one default for CLI and API
    clv_seed: int = 0


def conversion_flags(features: FeatureSet, window_days: int) -> tuple[pd.Series, pd.Series]:
    """(eligible, converted) per account; see the conversion_rate definition."""
    frame = features.frame
    window = pd.Timedelta(days=window_days)
    end = features.period.end
    created = frame["created_at"] if "created_at" in frame else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    first_paid = frame["first_paid_at"] if "first_paid_at" in frame else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    eligible = created.isna() | (created <= end - window)
    if features.flat:  # every row is a customer: there are no leads to convert
        eligible = pd.Series(False, index=frame.index)
    deadline = (created + window).where(created.notna(), end)
    converted = eligible & first_paid.notna() & (first_paid < deadline) & (first_paid < end)
    return eligible.fillna(False).astype(bool), converted.fillna(False).astype(bool)


def group_metrics(rows: pd.DataFrame, features: FeatureSet, options: MetricOptions, total_accounts: int) -> dict[str, Any]:
    """All metrics of one group of accounts (rows of the feature frame plus the conversion flags)."""
    accounts = len(rows)
    out: dict[str, Any] = {"accounts": accounts, "share_of_accounts": ratio(accounts, total_accounts)}
    customers = int(rows["is_customer"].sum())
    eligible = int(rows["_eligible"].sum())
    converted = int(rows["_converted"].sum())
    at_start = int(rows["active_at_start"].sum())
    churned = int(rows["churned_in_period"].sum())
    churn_events = int(rows["churn_events"].sum())
    customer_months = float(rows["customer_months"].sum())
    mrr = float(rows["mrr"].sum())
    out.update(
        customers=customers,
        conversion_eligible=eligible,
        converted=converted,
        conversion_rate=ratio(converted, eligible),
        conversion_rate_ci=_ci(converted, eligible),
        customers_at_start=at_start,
        churned_customers=churned,
        churn_rate=ratio(churned, at_start),
        churn_rate_ci=_ci(churned, at_start),
        churn_events=churn_events,
        customer_months=customer_months,
        monthly_churn_rate=ratio(churn_events, customer_months),
        mrr=mrr,
        arpa=ratio(mrr, customers),
    )
    out.update(segment_clv(rows, out, features.extras, options))
    out.update(revenue_retention(rows))
    out.update(activation_metrics(rows, features.has_billing))
    if features.has_surveys and "nps_responses" in rows:
        responses = int(rows["nps_responses"].sum())
        promoters = int(rows["nps_promoters"].sum())
        detractors = int(rows["nps_detractors"].sum())
        out["nps_responses"] = responses
        out["nps"] = 100.0 * (promoters - detractors) / responses if responses else None
    if accounts < options.min_segment_size:
        for key in SUPPRESSED_KEYS:
            if key in out:
                out[key] = None
        out["suppressed"] = True
        out["suppression_reason"] = f"fewer than {options.min_segment_size} accounts (--min-segment-size)"
    else:
        out["suppressed"] = False
    return out


def revenue_retention(rows: pd.DataFrame) -> dict[str, Any]:
    """MRR movements, gross/net MRR churn, NRR, GRR and customer retention of a group."""
    moves = {c: float(rows[c].sum()) for c in ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation")}
    starting = float(rows["mrr_period_start"].sum())
    base = rows[rows["mrr_period_start"] > 0]
    base_start = float(base["mrr_period_start"].sum())
    base_loss = float(base["mrr_contraction"].sum() + base["mrr_churn"].sum())
    at_start = int(rows["active_at_start"].sum())
    at_end = int(rows["is_customer"].sum())
    new_at_end = int((rows["is_customer"] & ~rows["active_at_start"]).sum())
    return {
        "starting_mrr": starting,
        "ending_mrr": float(rows["mrr_period_end"].sum()),
        "new_mrr": moves["mrr_new"],
        "expansion_mrr": moves["mrr_expansion"],
        "contraction_mrr": moves["mrr_contraction"],
        "churned_mrr": moves["mrr_churn"],
        "reactivation_mrr": moves["mrr_reactivation"],
        "gross_mrr_churn_rate": ratio(moves["mrr_churn"] + moves["mrr_contraction"], starting),
        "net_mrr_churn_rate": ratio(
            moves["mrr_churn"] + moves["mrr_contraction"] - moves["mrr_expansion"] - moves["mrr_reactivation"], starting
        ),
        "nrr": ratio(float(base["mrr_period_end"].sum()), base_start),
        "grr": ratio(base_start - base_loss, base_start),
        "customer_retention_rate": ratio(at_end - new_at_end, at_start),
    }


def _ci(successes: int, trials: int) -> list[float] | None:
    interval = wilson_interval(successes, trials)
    return list(interval) if interval else None


def _clv(values: dict[str, Any], options: MetricOptions) -> dict[str, Any]:
    return simple_clv(values, options)


def compute_metrics(
    features: FeatureSet, labels: pd.Series | None, order: list[str], options: MetricOptions
) -> list[dict[str, Any]] | dict[str, Any]:
    """Per-segment metrics in segment order, or the overall figures when ``labels`` is None."""
    frame = features.frame
    eligible, converted = conversion_flags(features, options.conversion_window_days)
    frame = frame.assign(_eligible=eligible, _converted=converted)
    total = len(frame)
    if labels is None:
        overall = group_metrics(frame, features, options, total)
        add_intervals({"all accounts": frame}, {"all accounts": overall}, features.extras, options)
        return overall
    rows = []
    grouped = frame.groupby(labels.reindex(frame.index), sort=False)
    groups = {key: part for key, part in grouped}
    results: dict[str, dict[str, Any]] = {}
    for segment in order:
        part = groups.get(segment)
        if part is None:
            continue
        results[segment] = group_metrics(part, features, options, total)
    add_intervals(groups, results, features.extras, options)
    for segment, metrics in results.items():
        rows.append({"segment": segment, **metrics})
    return rows
