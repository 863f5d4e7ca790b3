"""Activation rate, median time to first value and engagement score of a group of accounts.

Per-account inputs come from ``segkit.features.value.activation`` (see its docstring for the rules).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.metrics.stats import ratio, wilson_interval

ACTIVATION_KEYS = (
    "activation_rate", "activation_rate_ci", "activation_eligible", "activated",
    "median_days_to_first_value", "engagement_score",
)


def activation_metrics(rows: pd.DataFrame, has_billing: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "engagement_score" in rows:
        base = rows[rows["is_customer"]] if has_billing else rows
        out["engagement_score"] = float(base["engagement_score"].mean()) if len(base) else None
    if "activated" in rows:
        eligible = int(rows["activation_eligible"].sum())
        activated = int(rows["activated"].sum())
        interval = wilson_interval(activated, eligible)
        waited = rows["days_to_first_value"].dropna()
        out.update(
            activation_eligible=eligible,
            activated=activated,
            activation_rate=ratio(activated, eligible),
            activation_rate_ci=list(interval) if interval else None,
            median_days_to_first_value=float(waited.median()) if len(waited) else None,
        )
    return out
