"""Segments by any account or subscription column as it is (a flat table's ``Contract``, a plan).

``column`` names an account column (canonical or as in the export) or a subscription column
(canonical: ``plan``, ``interval``, ``status``, ``currency``, ``quantity``, ``is_trial``), which
is read at the period start from the account's largest paying subscription then
(``<column>_at_start``, the ``subscription_at_start`` extra), so the labels are known before the
period's churn. ``segmenters.attribute.columns = ["plan", "industry"]`` runs one segmentation per
column (``attribute:plan``, ``attribute:industry``) in one run: the run (``jobs.segment.expand_columns``)
reads that key and builds one segmenter per column, so it is not a parameter of the class.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.errors import InputDataError
from segkit.segmenters.base import Param, Segmenter

OTHER = "Other"
AT_START = "_at_start"


class AttributeSegmenter(Segmenter):
    name = "attribute"
    description = ("Segments by the values of one account or subscription column (custom CRM field, plan, contract type); "
                   "columns = [...] runs one segmentation per column.")
    example_params = {"column": "industry"}
    extra_features = ("subscription_at_start",)
    parameters = {
        "column": Param("", "The account or subscription column to segment by (canonical or as in the export).", lambda v: isinstance(v, str), "a column name"),
        "max_segments": Param(
            20, "Keep the most frequent values; the rest become 'Other'.", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2, "an integer of at least 2"
        ),
    }

    def required(self) -> tuple[str, ...]:
        return (f"{self.column}|{self.column}{AT_START}",) if self.column else ()

    def _source(self, features: pd.DataFrame) -> str:
        """The feature column read: the account's own, else the subscription's at the period start."""
        if self.column in features and features[self.column].notna().any():
            return self.column
        return self.column + AT_START

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        if not self.column:
            raise InputDataError(
                "segmenter 'attribute' needs a column: set segmenters.attribute.column (or columns) in segkit.toml or with --set"
            )
        self.source_ = self._source(features)
        values = features[self.source_].astype("string").str.strip().replace("", pd.NA)
        counts = values.value_counts()
        if len(counts) > self.max_segments:
            keep = set(counts.index[: self.max_segments - 1])
            values = values.where(values.isna() | values.isin(keep), OTHER)
        return values

    def labels_read_at(self) -> str:
        return "period_start" if getattr(self, "source_", "").endswith(AT_START) else "static"

    def describe(self) -> dict[str, Any]:
        return {"column": self.column}
