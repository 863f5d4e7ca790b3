"""Conversion: eligible leads that started paying within the conversion window."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.features.build import FeatureSet
from segkit.metrics.options import MetricOptions
from segkit.metrics.registry import Group, metric, prepare
from segkit.metrics.stats import ratio, wilson_list

DEFINITIONS = {
    "conversion_rate": "converted / eligible, where eligible = accounts created at least conversion_window_days before the end of as-of (accounts without created_at are eligible) and converted = eligible accounts whose first paying subscription started no later than conversion_window_days after created_at (day conversion_window_days itself counts; by as-of when created_at is unknown); without billing data, an account converts when its first won deal closed within the same window; with neither billing nor deals, conversion_rate is null and conversion_reason says why",
    "conversion_rate_ci": "95% Wilson score interval of conversion_rate",
}

NO_CONVERSION_SOURCE = "no billing (subscriptions or invoices) and no deals table: nothing says when an account converted"


def conversion_flags(features: FeatureSet, window_days: int) -> tuple[pd.Series, pd.Series]:
    """(eligible, converted) per account; see the conversion_rate definition."""
    frame = features.frame
    window = pd.Timedelta(days=window_days)
    end = features.period.end
    missing = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    created = frame["created_at"] if "created_at" in frame else missing
    first_paid = frame["first_paid_at"] if "first_paid_at" in frame else missing
    if not features.has_billing:  # CRM only: a won deal is the conversion (SPEC 4, Deals)
        first_paid = frame["first_won_at"] if "first_won_at" in frame else missing
    eligible = created.isna() | (created <= end - window)
    if features.flat:  # every row is a customer: there are no leads to convert
        eligible = pd.Series(False, index=frame.index)
    deadline = (created + window).where(created.notna(), end)
    converted = eligible & first_paid.notna() & (first_paid <= deadline) & (first_paid < end)
    return eligible.fillna(False).astype(bool), converted.fillna(False).astype(bool)


@prepare
def conversion_columns(features: FeatureSet, options: MetricOptions) -> dict[str, pd.Series]:
    eligible, converted = conversion_flags(features, options.conversion_window_days)
    return {"_eligible": eligible, "_converted": converted}


@metric(DEFINITIONS, suppress=("conversion_eligible", "converted", "conversion_rate", "conversion_rate_ci"))
def conversion(group: Group) -> dict[str, Any]:
    if not group.features.has_billing and "first_won_at" not in group.rows:
        return {"conversion_eligible": None, "converted": None, "conversion_rate": None, "conversion_rate_ci": None,
                "conversion_reason": NO_CONVERSION_SOURCE}
    eligible = int(group.rows["_eligible"].sum())
    converted = int(group.rows["_converted"].sum())
    return {
        "conversion_eligible": eligible,
        "converted": converted,
        "conversion_rate": ratio(converted, eligible),
        "conversion_rate_ci": wilson_list(converted, eligible),
    }
