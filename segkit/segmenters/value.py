"""Value tiers by current MRR (or ARR): fixed cut points or quantiles among paying accounts."""

from __future__ import annotations

import pandas as pd

from segkit.segmenters.base import Param, Segmenter, band, human_number, increasing_numbers, one_of, range_labels

NON_PAYING = "Non-paying"
#: With ``at = "period_start"`` the tier is the start's: new customers of the period land here.
NOT_PAYING_AT_START = "Not paying at start"


def _quantiles(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(q, (int, float)) and 0 < q < 1 for q in value)
        and all(a < b for a, b in zip(value, value[1:]))
    )


class ValueSegmenter(Segmenter):
    name = "value"
    description = "Value tiers by current MRR or ARR, from cut points or quantiles."
    required_columns = ("mrr",)
    time_varying = True
    parameters = {
        "at": Param(
            "period_start", "Tier by MRR at the period start (default: churned accounts keep the tier they churned from) or at as-of (current value; derived from the outcome).",
            *one_of("as_of", "period_start"),
        ),
        "basis": Param("mrr", "Segment on monthly (mrr) or annual (arr = 12 x MRR) recurring revenue.", *one_of("mrr", "arr")),
        "method": Param("cut_points", "cut_points (fixed amounts) or quantiles (among paying accounts).", *one_of("cut_points", "quantiles")),
        "cut_points": Param([100, 1000, 10000], "Amounts where the next tier starts (method cut_points).", *increasing_numbers()),
        "quantiles": Param([0.5, 0.9], "Quantiles where the next tier starts (method quantiles).", _quantiles, "an increasing list of numbers between 0 and 1"),
    }

    def _amount(self, features: pd.DataFrame) -> pd.Series:
        column = "mrr_start" if self.at == "period_start" else "mrr"
        mrr = features[column].astype("float64").fillna(0.0)
        return mrr * 12 if self.basis == "arr" else mrr

    def _labels(self) -> list[str]:
        unit = self.basis.upper()
        if self.method == "cut_points":
            return [f"{unit} {label}" for label in range_labels(self.cut_points, human_number)]
        edges = [0.0, *self.quantiles, 1.0]
        return [f"{unit} p{round(a * 100):d}-p{round(b * 100):d}" for a, b in zip(edges, edges[1:])]

    def segment_order(self) -> list[str]:
        return [self._non_paying(), *self._labels()]

    def _non_paying(self) -> str:
        return NOT_PAYING_AT_START if self.at == "period_start" else NON_PAYING

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        amount = self._amount(features)
        paying = amount > 0
        labels = pd.Series(self._non_paying(), index=features.index, dtype="string")
        if not paying.any():
            return labels
        if self.method == "cut_points":
            labels[paying] = band(amount[paying], self.cut_points, self._labels())
        else:
            ranks = amount[paying].rank(method="average", pct=True)
            edges = [-0.0, *self.quantiles, 1.0]
            labels[paying] = pd.cut(ranks, bins=edges, labels=self._labels(), right=True, include_lowest=True).astype("string")
        return labels

    def defined_by(self) -> dict[str, str]:
        out = {"conversion": "a paying tier is converted by definition"}
        if self.at == "as_of":
            out["churn"] = "tiers read at as-of: an account paying at as-of has not churned by definition"
        return out

    def describe(self) -> dict[str, object]:
        return {"basis": self.basis, "method": self.method, "at": self.at}
