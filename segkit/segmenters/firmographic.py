"""Firmographic segments: company size band, revenue band, industry or company age."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.segmenters.base import Param, Segmenter, band, human_number, increasing_numbers, one_of, range_labels, string_list

_BY = one_of("size", "revenue", "industry", "age")
_CUTS = increasing_numbers()
_LABELS = string_list()


class FirmographicSegmenter(Segmenter):
    name = "firmographic"
    description = "Company size band (employees), revenue band, industry or company age."
    parameters = {
        "by": Param("size", "Which attribute to segment by: size, revenue, industry or age.", *_BY),
        "size_cut_points": Param(
            [100, 1000], "Employee counts where the next size band starts (1-99, 100-999, 1000+).", *_CUTS
        ),
        "size_labels": Param(
            ["SMB", "Mid-Market", "Enterprise"], "Names of the size bands (one more than the cut points).", *_LABELS
        ),
        "revenue_cut_points": Param(
            [1_000_000, 10_000_000, 100_000_000], "Annual revenue where the next revenue band starts.", *_CUTS
        ),
        "age_cut_points": Param([2, 5, 10], "Company age in years where the next age band starts.", *_CUTS),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if len(self.size_labels) != len(self.size_cut_points) + 1:
            from segkit.errors import UsageError

            raise UsageError(
                f"The 'size_labels' parameter of FirmographicSegmenter must have one more name than "
                f"size_cut_points ({len(self.size_cut_points) + 1}). Got {self.size_labels!r} instead."
            )

    def required(self) -> tuple[str, ...]:
        return {
            "size": ("employees",),
            "revenue": ("annual_revenue",),
            "industry": ("industry",),
            "age": ("founded_year|created_at",),
        }[self.by]

    def _labels(self) -> list[str]:
        if self.by == "size":
            return list(self.size_labels)
        if self.by == "revenue":
            return range_labels(self.revenue_cut_points, human_number)
        if self.by == "age":
            return range_labels(self.age_cut_points, lambda v: f"{v:g}", " years")
        return []

    def segment_order(self) -> list[str]:
        return self._labels()

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        if self.by == "size":
            employees = features["employees"].astype("Float64")
            return band(employees.where(employees >= 1), self.size_cut_points, self._labels())
        if self.by == "revenue":
            revenue = features["annual_revenue"].astype("Float64")
            return band(revenue.where(revenue >= 0), self.revenue_cut_points, self._labels())
        if self.by == "industry":
            return features["industry"].astype("string").str.strip()
        founded = features["founded_year"].astype("Float64") if "founded_year" in features else None
        if founded is None or founded.isna().all():
            founded = features["created_at"].dt.year.astype("Float64")
        age = self._as_of_year(features) - founded
        return band(age.where(age >= 0), self.age_cut_points, self._labels())

    @staticmethod
    def _as_of_year(features: pd.DataFrame) -> float:
        as_of = features.attrs.get("as_of")
        if as_of is not None:
            return float(pd.Timestamp(as_of).year)
        # Never the wall clock: without an as-of, age is measured at the latest creation date.
        return float(features["created_at"].max().year) if "created_at" in features else float("nan")
