"""Behavioral segments from product usage: intensity, trend, feature breadth, and risk groups.

- intensity: power / regular / light / dormant from active days and events in the last 30 and
  90 days (dormant: no active day in the last 90 days);
- trend: growing / stable / declining, events in the last 30 days against the monthly average
  of the 60 days before them;
- breadth: the share of the product's features (event names in the log) the account used in the
  last 90 days: narrow / moderate / broad;
- profile (default): one label per account, first match wins: "At risk" (paying, and declining
  or dormant), "High value, high maintenance" (top value tier with heavy support or usage cost,
  where a cost column exists: ``support_tickets`` comes from a tickets export, the period's
  tickets per account, ``segkit.features.support``), then the intensity class.

``at = "period_start"`` (default) reads the usage of the 30/90 days before the period start and
the MRR at the period start (``segkit.features.at_start``), so an account that churned in the
period is labelled by how it used the product before, not by its silence after; accounts with
no history at the period start are "New in period". The period's support tickets come after the
start, so the high-maintenance group is formed only at as-of. ``at = "as_of"`` reads the usage up
to as-of (current state; derived from the outcome, and every output says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.segmenters.checks import integer, names, new_in_period, number
from segkit.segmenters.base import NEW_IN_PERIOD, Param, Segmenter, facts_at_start, one_of

POWER, REGULAR, LIGHT, DORMANT = "Power", "Regular", "Light", "Dormant"
GROWING, STABLE, DECLINING, LITTLE = "Growing", "Stable", "Declining", "Too little usage"
NONE, NARROW, MODERATE, BROAD = "No features used", "Narrow", "Moderate", "Broad"
AT_RISK, HIGH_MAINTENANCE = "At risk", "High value, high maintenance"


class BehavioralSegmenter(Segmenter):
    name = "behavioral"
    description = "Usage intensity, trend, feature breadth; at-risk and high-value-high-maintenance groups."
    required_columns = ("active_days_30", "active_days_90", "events_30", "events_prior_60")
    extra_features = ("event_detail",)
    time_varying = True  # usage of the last 30/90 days: read before the period start by default
    at_start_features = ("events_at_start",)
    #: Usage facts read at the period start with ``at = "period_start"``.
    USAGE_COLUMNS = ("active_days_30", "active_days_90", "events_30", "events_prior_60", "distinct_events_90", "distinct_events")
    parameters = {
        "at": Param("period_start", "Read usage and MRR at the period start (default) or at as-of (current state; derived from the outcome).", *one_of("period_start", "as_of")),
        "by": Param("profile", "profile (at risk, high maintenance, else intensity), intensity, trend or breadth.", *one_of("profile", "intensity", "trend", "breadth")),
        "power_active_days_30": Param(15, "Power users: at least this many active days in the last 30 ...", *integer(1, 30)),
        "power_events_30": Param(100, "... and at least this many events in the last 30 days.", *integer(0)),
        "regular_active_days_30": Param(4, "Regular: at least this many active days in the last 30 (else light, if active in the last 90).", *integer(1, 30)),
        "trend_threshold": Param(0.2, "Growing when the last 30 days have at least (1 + this) x the prior monthly average; declining at most (1 - this) x.", *number(0, 1, open_low=True)),
        "trend_min_events": Param(10, "Fewer events than this in the last 90 days: 'Too little usage' instead of a trend.", *integer(0)),
        "breadth_cut_points": Param(
            [0.25, 0.6], "Shares of the product's features used in 90 days where moderate and broad start.",
            lambda v: isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v) and 0 < v[0] < v[1] <= 1,
            "two increasing shares between 0 and 1",
        ),
        "value_quantile": Param(0.8, "Top value tier: MRR at or above this quantile of paying accounts.", *number(0, 1, open_low=True)),
        "cost_columns": Param(["support_tickets", "usage_cost"], "Columns measuring support load or usage cost (first present is used).", *names()),
        "cost_quantile": Param(0.8, "Heavy support or cost: at or above this quantile of paying accounts.", *number(0, 1, open_low=True)),
    }

    def segment_order(self) -> list[str]:
        return {
            "profile": [AT_RISK, HIGH_MAINTENANCE, POWER, REGULAR, LIGHT, DORMANT],
            "intensity": [POWER, REGULAR, LIGHT, DORMANT],
            "trend": [GROWING, STABLE, DECLINING, LITTLE],
            "breadth": [BROAD, MODERATE, NARROW, NONE],
        }[self.by] + [NEW_IN_PERIOD]

    def intensity(self, features: pd.DataFrame) -> pd.Series:
        d30 = features["active_days_30"].fillna(0).astype("float64")
        d90 = features["active_days_90"].fillna(0).astype("float64")
        e30 = features["events_30"].fillna(0).astype("float64")
        labels = np.select(
            [d90 <= 0, (d30 >= self.power_active_days_30) & (e30 >= self.power_events_30), d30 >= self.regular_active_days_30],
            [DORMANT, POWER, REGULAR],
            LIGHT,
        )
        return pd.Series(labels, index=features.index, dtype="string")

    def trend(self, features: pd.DataFrame) -> pd.Series:
        recent = features["events_30"].fillna(0).astype("float64")
        prior = features["events_prior_60"].fillna(0).astype("float64") / 2.0
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(prior > 0, recent / prior, np.inf)
        labels = np.select(
            [recent + 2 * prior < self.trend_min_events, ratio >= 1 + self.trend_threshold, ratio <= 1 - self.trend_threshold],
            [LITTLE, GROWING, DECLINING],
            STABLE,
        )
        return pd.Series(labels, index=features.index, dtype="string")

    def breadth(self, features: pd.DataFrame) -> pd.Series:
        used = features["distinct_events_90"] if "distinct_events_90" in features else features.get("distinct_events")
        if used is None:
            return pd.Series(pd.NA, index=features.index, dtype="string")
        used = used.fillna(0).astype("float64")
        total = len([c for c in features.columns if str(c).startswith("first_used:")]) or float(features.get("distinct_events", used).max() or 0)
        self.feature_count_ = int(total)
        share = used / total if total else used * 0
        low, high = self.breadth_cut_points
        labels = np.select([used <= 0, share >= high, share >= low], [NONE, BROAD, MODERATE], NARROW)
        return pd.Series(labels, index=features.index, dtype="string")

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        if self.at != "period_start":
            return self._labels(features)
        at_start = facts_at_start(features, (*self.USAGE_COLUMNS, *self.cost_columns))
        at_start["mrr"] = features["mrr_start"] if "mrr_start" in features else 0.0
        labels = self._labels(at_start)
        labels[new_in_period(features).to_numpy()] = NEW_IN_PERIOD
        return labels

    def _labels(self, features: pd.DataFrame) -> pd.Series:
        self.cost_column_ = None
        if self.by == "intensity":
            return self.intensity(features)
        if self.by == "trend":
            return self.trend(features)
        if self.by == "breadth":
            return self.breadth(features)
        intensity = self.intensity(features)
        trend = self.trend(features)
        mrr = features["mrr"].fillna(0).astype("float64") if "mrr" in features else pd.Series(0.0, index=features.index)
        paying = mrr > 0
        at_risk = paying & ((trend == DECLINING) | (intensity == DORMANT))
        high_maintenance = pd.Series(False, index=features.index)
        cost_column = next((c for c in self.cost_columns if c in features.columns and features[c].notna().any()), None)
        if cost_column is not None and paying.any():
            cost = pd.to_numeric(features[cost_column], errors="coerce").astype("float64")
            top_value = mrr >= mrr[paying].quantile(self.value_quantile)
            heavy = cost >= cost[paying].quantile(self.cost_quantile)
            high_maintenance = paying & top_value & heavy.fillna(False) & (cost > 0)
            self.cost_column_ = cost_column
        labels = intensity.copy()
        labels[high_maintenance.to_numpy()] = HIGH_MAINTENANCE
        labels[at_risk.to_numpy()] = AT_RISK
        return labels

    def defined_by(self) -> dict[str, str]:
        if self.at == "period_start":
            return {}
        return {"churn": "usage read at as-of: accounts that churned in the period stopped using the product (Dormant)"}

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"by": self.by, "at": self.at}
        if self.by == "profile":
            out["cost_column"] = self.cost_column_
            if self.cost_column_ is None and self.at == "period_start":
                out["note"] = "labels read at the period start: the period's support load comes after it, so the high-maintenance group is not formed"
            elif self.cost_column_ is None:
                out["note"] = f"no cost column ({', '.join(self.cost_columns)}) in the inputs: the high-maintenance group is not formed"
        if self.by == "breadth":
            out["features_in_log"] = getattr(self, "feature_count_", None)
        return out

