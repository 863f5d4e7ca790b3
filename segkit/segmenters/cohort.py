"""Cohorts by signup month or quarter (``created_at``) or first-payment month or quarter."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.segmenters.base import Param, Segmenter, one_of

NEVER_PAID = "Never paid"
NO_SIGNUP_DATE = "No signup date"


class CohortSegmenter(Segmenter):
    name = "cohort"
    description = "Signup or first-payment cohort, by month (2025-03) or quarter (2025-Q1)."
    parameters = {
        "by": Param("signup", "signup (created_at) or first_payment (first paying subscription start).", *one_of("signup", "first_payment")),
        "granularity": Param("month", "month (YYYY-MM) or quarter (YYYY-Qn).", *one_of("month", "quarter")),
    }

    def required(self) -> tuple[str, ...]:
        return ("created_at",) if self.by == "signup" else ("first_paid_at",)

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        column = "created_at" if self.by == "signup" else "first_paid_at"
        stamps = features[column]
        stamps = stamps.dt.tz_convert("UTC") if isinstance(stamps.dtype, pd.DatetimeTZDtype) else pd.to_datetime(stamps, utc=True)
        year = stamps.dt.year.astype("Int64").astype("string")
        if self.granularity == "month":
            part = stamps.dt.month.astype("Int64").astype("string").str.zfill(2)
            labels = year + "-" + part
        else:
            labels = year + "-Q" + stamps.dt.quarter.astype("Int64").astype("string")
        missing = NO_SIGNUP_DATE if self.by == "signup" else NEVER_PAID
        return labels.fillna(missing)

    def segment_order(self) -> list[str]:
        # Chronological; the label text sorts that way. The no-date group goes last.
        return []

    def describe(self) -> dict[str, Any]:
        dated = sorted(s for s in self.segments_ if s not in (NEVER_PAID, NO_SIGNUP_DATE))
        return {"by": self.by, "granularity": self.granularity, "first_cohort": dated[0] if dated else None, "last_cohort": dated[-1] if dated else None}
