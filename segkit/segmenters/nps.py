"""NPS class per account: promoter (9-10), passive (7-8) or detractor (0-6).

The feature frame holds each account's respondents counted by their latest answer up to as-of
(``nps_responses``, ``nps_promoters``, ``nps_detractors``). An account with one respondent takes
that respondent's class. With several, the account's score is the share of promoters minus the
share of detractors (its own NPS / 100): at least ``promoter_threshold`` makes it a promoter, at
most ``-detractor_threshold`` a detractor, anything between a passive. So one promoter and one
passive make a promoter account (+0.5), one promoter and one detractor a passive (0).

Answers are dated, so the class is time-varying: ``at = "period_start"`` (default) reads each
respondent's latest answer before the period start (``segkit.features.at_start``; an account
whose first answer came later is "No response"), ``at = "as_of"`` the latest up to as-of (which
may answer after churning, or churn after a bad answer in the period).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.segmenters.checks import number
from segkit.segmenters.base import Param, Segmenter, facts_at_start, one_of

PROMOTER, PASSIVE, DETRACTOR, NO_RESPONSE = "Promoter", "Passive", "Detractor", "No response"


class NpsSegmenter(Segmenter):
    name = "nps"
    description = "Promoter 9-10 / passive 7-8 / detractor 0-6, per account from its respondents' latest answers."
    required_columns = ("nps_responses", "nps_promoters", "nps_detractors")
    time_varying = True  # dated answers: read before the period start by default
    at_start_features = ("surveys_at_start",)
    parameters = {
        "at": Param("period_start", "Read each respondent's latest answer before the period start (default) or up to as-of.", *one_of("period_start", "as_of")),
        "promoter_threshold": Param(0.5, "An account is a promoter when promoters/respondents - detractors/respondents is at least this.", *number(0, 1, open_low=True)),
        "detractor_threshold": Param(0.5, "An account is a detractor when that difference is at most minus this.", *number(0, 1, open_low=True)),
    }

    def segment_order(self) -> list[str]:
        return [PROMOTER, PASSIVE, DETRACTOR, NO_RESPONSE]

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        if self.at == "period_start":
            features = facts_at_start(features, self.required_columns)
            for col in self.required_columns:
                if col not in features:
                    features[col] = 0
        responses = features["nps_responses"].fillna(0).astype("float64")
        promoters = features["nps_promoters"].fillna(0).astype("float64")
        detractors = features["nps_detractors"].fillna(0).astype("float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            score = (promoters - detractors) / responses
        labels = np.select(
            [responses <= 0, score >= self.promoter_threshold - 1e-12, score <= -self.detractor_threshold + 1e-12],
            [NO_RESPONSE, PROMOTER, DETRACTOR],
            PASSIVE,
        )
        self.responses_ = responses
        return pd.Series(labels, index=features.index, dtype="string")

    def describe(self) -> dict[str, Any]:
        labels = self.labels_
        per_segment = {
            str(seg): {
                "respondents": int(self.responses_[labels == seg].sum()),
                "accounts_with_several_respondents": int((self.responses_[labels == seg] > 1).sum()),
            }
            for seg in self.segments_
        }
        return {
            "at": self.at,
            "rule": "latest answer per respondent; account score = share of promoters - share of detractors; "
            f"promoter if >= {self.promoter_threshold:g}, detractor if <= -{self.detractor_threshold:g}, else passive",
            "responses": per_segment,
        }
