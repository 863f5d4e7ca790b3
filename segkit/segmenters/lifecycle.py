"""Journey stage: awareness, consideration, decision, onboarding, adoption, retention, expansion,
advocacy (plus "Churned" for former customers, who are in none of those).

Rules, first match wins (the facts come from the feature frame):

1. paying now (``is_customer``):
   - advocacy: a promoter account (promoters among its NPS respondents and no detractor) or CRM
     stage ``evangelist``;
   - expansion: paying at the period start and MRR grew by at least ``expansion_threshold``;
   - retention: paying for at least ``retention_months`` (since ``first_paid_at``) and reached
     first value;
   - adoption: reached first value (the ``key_event``; any event when it is empty);
   - onboarding: paying, no first value yet;
2. paid before but not now: Churned;
3. not paying yet: decision with an open deal or a CRM stage mapped to decision; consideration
   with product usage (a trial) or a CRM stage mapped to consideration; else the CRM stage's
   mapping, else awareness.

``at = "period_start"`` (default) reads every fact as it stood at the period start: paying then
(``active_at_start``), MRR then, first payment, first value, usage, open deals and NPS answers
before it (``segkit.features.at_start``). "Churned" then means churned *before* the period, so
the period's churners sit in the stage they churned from; accounts with no history at the start
are "New in period". Expansion needs an MRR reading before the start, which the run does not
make, so it is formed only at as-of; the CRM lifecycle stage is the export's snapshot (used only
for accounts not paying). ``at = "as_of"`` reads them at as-of (derived from the outcome).

The report gives stage-to-stage conversion: of the accounts that reached a stage, the share that
reached the next (an account in a later stage, or churned after paying, has reached every stage
up to onboarding).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.features.extra import first_used_column
from segkit.segmenters.checks import end_of_as_of, integer, mapping, new_in_period, number, period_start, text
from segkit.segmenters.base import NEW_IN_PERIOD, Param, Segmenter, facts_at_start, one_of

STAGES = ["Awareness", "Consideration", "Decision", "Onboarding", "Adoption", "Retention", "Expansion", "Advocacy"]
CHURNED = "Churned"
CRM_STAGES = {
    "subscriber": "Awareness",
    "other": "Awareness",
    "lead": "Consideration",
    "marketingqualifiedlead": "Consideration",
    "marketing qualified lead": "Consideration",
    "mql": "Consideration",
    "salesqualifiedlead": "Decision",
    "sales qualified lead": "Decision",
    "sql": "Decision",
    "opportunity": "Decision",
    "customer": "Onboarding",
    "evangelist": "Advocacy",
}
DAYS_PER_MONTH = 365.25 / 12


class LifecycleSegmenter(Segmenter):
    name = "lifecycle"
    description = "Journey stage from CRM stage, deals, subscriptions, first value, usage, MRR growth and NPS."
    required_columns = ("lifecycle_stage|first_paid_at",)
    time_varying = True  # stages at the period start by default (at as-of churned accounts have a stage of their own)
    extra_features = ("event_detail", "deals")
    at_start_features = ("events_at_start", "deals_at_start", "surveys_at_start")
    parameters = {
        "at": Param("period_start", "Read the stage at the period start (default) or at as-of (current stage; derived from the outcome).", *one_of("period_start", "as_of")),
        "key_event": Param("", "Event that marks first value (e.g. 'Report Created'); empty: any event.", *text()),
        "retention_months": Param(3, "Months paying (with first value) after which a customer is in retention.", *integer(0)),
        "expansion_threshold": Param(0.1, "MRR growth over the period (vs period start) that counts as expansion.", *number(0, open_low=True)),
        "crm_stage_map": Param(
            CRM_STAGES, "CRM lifecycle stage (lower case) -> journey stage, for accounts not paying yet.",
            *mapping(lambda v: v in STAGES, "a table of CRM stage = journey stage (" + ", ".join(STAGES) + ")"),
        ),
    }

    def segment_order(self) -> list[str]:
        return [*STAGES, CHURNED, NEW_IN_PERIOD]

    def _column(self, features: pd.DataFrame, name: str, default: Any) -> pd.Series:
        if name in features:
            return features[name]
        return pd.Series(default, index=features.index)

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        if self.at != "period_start":
            return self._stages(features, end_of_as_of(features), expansion=True)
        start = period_start(features)
        frame = facts_at_start(features, ("event_count", "first_seen", "deals_open", "nps_promoters", "nps_detractors"))
        frame["is_customer"] = features["active_at_start"] if "active_at_start" in features else False
        frame["mrr"] = features["mrr_start"] if "mrr_start" in features else 0.0
        for col in [c for c in frame.columns if c == "first_paid_at" or str(c).startswith("first_used:")]:
            dates = pd.to_datetime(frame[col], utc=True)
            frame[col] = dates.where(dates < start)
        labels = self._stages(frame, start, expansion=False)
        labels[new_in_period(features).to_numpy()] = NEW_IN_PERIOD
        return labels

    def _stages(self, features: pd.DataFrame, now: pd.Timestamp, *, expansion: bool) -> pd.Series:
        index = features.index
        paying = self._column(features, "is_customer", False).fillna(False).astype(bool)
        first_paid = self._column(features, "first_paid_at", pd.NaT)
        paid_before = pd.Series(pd.notna(first_paid), index=index)
        mrr = self._column(features, "mrr", 0.0).fillna(0).astype("float64")
        mrr_start = self._column(features, "mrr_start", 0.0).fillna(0).astype("float64")
        promoters = self._column(features, "nps_promoters", 0).fillna(0).astype("float64")
        detractors = self._column(features, "nps_detractors", 0).fillna(0).astype("float64")
        crm = self._column(features, "lifecycle_stage", pd.NA).astype("string").str.strip().str.lower()
        crm_stage = crm.map(lambda v: self.crm_stage_map.get(v, pd.NA) if isinstance(v, str) else pd.NA)
        crm_stage = crm_stage.astype("string")  # all-missing maps to a null-typed array otherwise
        if self.key_event:
            column = first_used_column(self.key_event)
            first_value = self._column(features, column, pd.NaT)
            self.first_value_source_ = column if column in features else None
        else:
            first_value = self._column(features, "first_seen", pd.NaT)
            self.first_value_source_ = "first_seen" if "first_seen" in features else None
        reached_value = pd.Series(pd.notna(first_value), index=index)
        tenure_months = ((now - pd.to_datetime(first_paid, utc=True)).dt.total_seconds() / 86400 / DAYS_PER_MONTH) if paid_before.any() else pd.Series(0.0, index=index)
        tenure_months = tenure_months.fillna(0.0)
        open_deals = self._column(features, "deals_open", 0).fillna(0).astype("float64")
        usage = self._column(features, "event_count", 0).fillna(0).astype("float64")

        advocate = (promoters > 0) & (detractors == 0) | (crm == "evangelist").fillna(False)
        expanding = (mrr_start > 0) & (mrr >= mrr_start * (1 + self.expansion_threshold)) & expansion
        labels = np.select(
            [
                paying & advocate,
                paying & expanding,
                paying & reached_value & (tenure_months >= self.retention_months),
                paying & reached_value,
                paying,
                paid_before,
                (open_deals > 0) | (crm_stage == "Decision").fillna(False),
                (usage > 0) | (crm_stage == "Consideration").fillna(False),
            ],
            ["Advocacy", "Expansion", "Retention", "Adoption", "Onboarding", CHURNED, "Decision", "Consideration"],
            "",
        )
        out = pd.Series(labels, index=index, dtype="string")
        fallback = crm_stage.where(crm_stage.isin(STAGES[:3]), "Awareness").fillna("Awareness")
        out = out.mask(out == "", fallback)
        return out

    def defined_by(self) -> dict[str, str]:
        if self.at == "period_start":
            return {"conversion": "the customer stages are the accounts paying at the period start: converted by definition"}
        return {"churn": "stages read at as-of: churned accounts are their own stage",
                "conversion": "stages read at as-of: the customer stages are the converted accounts"}

    def describe(self) -> dict[str, Any]:
        counts = self.labels_.value_counts()
        at = {stage: int(counts.get(stage, 0)) for stage in STAGES}
        churned = int(counts.get(CHURNED, 0))
        reached = {}
        for i, stage in enumerate(STAGES):
            later = sum(at[s] for s in STAGES[i:])
            reached[stage] = later + (churned if i <= STAGES.index("Onboarding") else 0)
        conversion = [
            {
                "from": a,
                "to": b,
                "reached_from": reached[a],
                "reached_to": reached[b],
                "conversion": (reached[b] / reached[a]) if reached[a] else None,
            }
            for a, b in zip(STAGES, STAGES[1:])
        ]
        return {
            "at": self.at,
            "first_value": self.key_event or "any event",
            "first_value_source": self.first_value_source_,
            "reached": reached,
            "stage_conversion": conversion,
            "note": "reached = accounts in that stage or a later one (churned accounts reached onboarding); "
            "a snapshot funnel, not a tracked cohort",
        }
