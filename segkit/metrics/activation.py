"""Activation rate, median time to first value and engagement score of a group of accounts.

Per-account inputs come from ``segkit.features.value.activation`` (see its docstring for the rules).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.metrics.registry import Group, metric
from segkit.metrics.stats import ratio, wilson_interval

ACTIVATION_KEYS = (
    "activation_rate", "activation_rate_ci", "activation_eligible", "activated",
    "median_days_to_first_value", "engagement_score",
)

DEFINITIONS = {
    "activation_rate": "activated / activation_eligible: eligible accounts are those whose start (created_at, or the first payment without one; or always the first payment with activation_start = 'first_payment') is at least activation_days before the end of as-of; activated ones did activation_event within activation_days of the start (a key event before the start counts)",
    "activation_rate_ci": "95% Wilson score interval of activation_rate",
    "activation_eligible": "accounts old enough to have had the whole activation window",
    "activated": "eligible accounts that did activation_event within activation_days of their start",
    "median_days_to_first_value": "median over the segment's accounts with a start and a key event of the days from the start to the first activation_event (0 when it came first)",
    "engagement_score": "mean over the segment's current customers (all accounts without billing data) of 100 x (w1 x min(active_days_30 / 30, 1) + w2 x distinct_events / the largest distinct_events of any account + w3 x min(log(1 + events_30) / log(1 + the 95th percentile of events_30 among accounts with events), 1)), weights engagement_weights normalised to sum 1 (default 0.4, 0.3, 0.3); 0 for accounts without events",
}


def activation_metrics(rows: pd.DataFrame, has_billing: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "engagement_score" in rows:
        score = rows.loc[rows["is_customer"], "engagement_score"] if has_billing else rows["engagement_score"]
        out["engagement_score"] = float(score.mean()) if len(score) else None  # one column, not a copy of the frame
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


@metric(DEFINITIONS, suppress=ACTIVATION_KEYS)
def activation(group: Group) -> dict[str, Any]:
    return activation_metrics(group.rows, group.features.has_billing)
