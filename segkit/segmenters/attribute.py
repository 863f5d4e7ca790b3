"""Segments by any account column as it is (for example a flat table's ``Contract``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.errors import InputDataError
from segkit.segmenters.base import Param, Segmenter

OTHER = "Other"


class AttributeSegmenter(Segmenter):
    name = "attribute"
    description = "Segments by the values of one account column (custom CRM field, plan, contract type)."
    example_params = {"column": "industry"}
    parameters = {
        "column": Param("", "The account column to segment by (canonical or as in the export).", lambda v: isinstance(v, str), "a column name"),
        "max_segments": Param(
            20, "Keep the most frequent values; the rest become 'Other'.", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2, "an integer of at least 2"
        ),
    }

    def required(self) -> tuple[str, ...]:
        return (self.column,) if self.column else ()

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        if not self.column:
            raise InputDataError(
                "segmenter 'attribute' needs a column: set segmenters.attribute.column in segkit.toml or with --set"
            )
        values = features[self.column].astype("string").str.strip().replace("", pd.NA)
        counts = values.value_counts()
        if len(counts) > self.max_segments:
            keep = set(counts.index[: self.max_segments - 1])
            values = values.where(values.isna() | values.isin(keep), OTHER)
        return values

    def describe(self) -> dict[str, Any]:
        return {"column": self.column}
