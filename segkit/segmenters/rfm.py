"""RFM: recency, frequency and monetary scores (1-5 by default) and named segments.

Recency is measured from the end of the as-of date. Transactions are paid invoices when an invoices table is loaded (``source = "auto"`` or
``"invoices"``): recency = days from the last payment to as-of, frequency = payments, monetary =
amount paid. With event data (``source = "events"``, or auto without invoices): recency = days
since the last event, frequency = events, monetary = current MRR.

Scores are quantile bins among the accounts with a transaction (rank-based, ties share a score;
5 = best, so the most recent, most frequent, highest spend), or fixed ``*_cut_points``. Named
segments use the widely used R x FM grid (FM = the mean of F and M, rounded half up):

| R \\ FM | 1-2 | 3 | 4 | 5 |
|---|---|---|---|---|
| 5 | New customers (FM 1), Potential loyalists (FM 2) | Potential loyalists | Champions | Champions |
| 4 | Promising (FM 1), Potential loyalists (FM 2) | Potential loyalists | Loyal | Loyal |
| 3 | About to sleep | Need attention | Loyal | Loyal |
| 1-2 | Hibernating | At risk | At risk | Can't lose them |

``at = "period_start"`` (default) scores the transactions before the period start, recency
measured from the start (monetary with events: the MRR at the start), so the period's churners
are scored by how they bought before, not by their silence after; accounts with no transaction
before the start are "New in period" when they have no history then, else "No transactions".
``at = "as_of"`` scores up to as-of (derived from the outcome; every output says so).

(with ``bins`` other than 5, scores are rescaled to 1-5 for naming). ``label = "scores"`` gives
``R5 F4 M3`` instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from segkit.segmenters.checks import end_of_as_of, integer, new_in_period, period_start
from segkit.segmenters.base import NEW_IN_PERIOD, Param, Segmenter, facts_at_start, one_of

NO_TRANSACTIONS = "No transactions"
NAMES = ["Champions", "Loyal", "Potential loyalists", "New customers", "Promising", "Need attention", "About to sleep", "At risk", "Can't lose them", "Hibernating"]


def _cuts(value: Any) -> bool:
    return value == [] or (
        isinstance(value, list)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and all(a < b for a, b in zip(value, value[1:]))
    )


def segment_name(r: int, fm: int) -> str:
    if r <= 2:
        return "Hibernating" if fm <= 2 else ("Can't lose them" if fm == 5 else "At risk")
    if r == 3:
        return "About to sleep" if fm <= 2 else ("Need attention" if fm == 3 else "Loyal")
    if fm >= 4:
        return "Champions" if r == 5 else "Loyal"
    if fm == 1:
        return "New customers" if r == 5 else "Promising"
    return "Potential loyalists"


class RfmSegmenter(Segmenter):
    name = "rfm"
    description = "Recency, frequency, monetary scores and named RFM segments (invoices or events)."
    extra_features = ("invoices",)
    time_varying = True  # recency, frequency and monetary value up to the period start by default
    at_start_features = ("invoices_at_start", "events_at_start")
    parameters = {
        "at": Param("period_start", "Score the transactions before the period start (default) or up to as-of (current; derived from the outcome).", *one_of("period_start", "as_of")),
        "source": Param("auto", "invoices, events, or auto (invoices when loaded, else events).", *one_of("auto", "invoices", "events")),
        "bins": Param(5, "Number of score levels (quantile bins).", *integer(2, 10)),
        "recency_cut_points": Param([], "Days since the last transaction where the next (worse) recency score starts; empty: quantiles.", _cuts, "an increasing list of numbers (or [] for quantiles)"),
        "frequency_cut_points": Param([], "Transaction counts where the next (better) frequency score starts; empty: quantiles.", _cuts, "an increasing list of numbers (or [] for quantiles)"),
        "monetary_cut_points": Param([], "Amounts where the next (better) monetary score starts; empty: quantiles.", _cuts, "an increasing list of numbers (or [] for quantiles)"),
        "label": Param("named", "named (Champions, At risk, ...) or scores (R5 F4 M3).", *one_of("named", "scores")),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        for pname in ("recency_cut_points", "frequency_cut_points", "monetary_cut_points"):
            cuts = getattr(self, pname)
            if cuts and len(cuts) != self.bins - 1:
                from segkit.errors import UsageError

                raise UsageError(
                    f"The {pname!r} parameter of RfmSegmenter must have bins - 1 = {self.bins - 1} numbers. Got {cuts!r} instead."
                )

    def required(self) -> tuple[str, ...]:
        if self.source == "invoices":
            return ("last_invoice_at",)
        if self.source == "events":
            return ("last_seen",)
        return ("last_invoice_at|last_seen",)

    def segment_order(self) -> list[str]:
        return [*NAMES, NO_TRANSACTIONS, NEW_IN_PERIOD] if self.label == "named" else []

    def _facts(self, features: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        use_invoices = self.source == "invoices" or (
            self.source == "auto" and "last_invoice_at" in features and features["last_invoice_at"].notna().any()
        )
        self.source_ = "invoices" if use_invoices else "events"
        now = end_of_as_of(features)
        if self.at == "period_start":
            now = period_start(features)
            start = facts_at_start(features, ("last_invoice_at", "invoices", "invoice_amount", "last_seen", "event_count"))
            start["mrr"] = features["mrr_start"] if "mrr_start" in features else np.nan
            features = start.assign(last_invoice_at=start.get("last_invoice_at", pd.NaT), last_seen=start.get("last_seen", pd.NaT))
        if use_invoices:
            last = features["last_invoice_at"]
            frequency = features["invoices"] if "invoices" in features else last.notna().astype("int64")
            monetary = features["invoice_amount"] if "invoice_amount" in features else pd.Series(np.nan, index=features.index)
        else:
            last = features["last_seen"]
            frequency = features["event_count"] if "event_count" in features else last.notna().astype("int64")
            monetary = features["mrr"] if "mrr" in features else pd.Series(np.nan, index=features.index)
        recency = (now - pd.to_datetime(last, utc=True)).dt.total_seconds() / 86400
        return recency.astype("float64"), frequency.astype("float64"), monetary.astype("float64").fillna(0.0)

    def _score(self, values: pd.Series, cuts: list[float], higher_is_better: bool) -> pd.Series:
        n = self.bins
        if cuts:
            edges = [-math.inf, *cuts, math.inf]
            level = pd.cut(values, bins=edges, labels=False, right=False).astype("float64") + 1
        else:
            pct = values.rank(method="average", pct=True)
            level = np.ceil(pct * n)
        level = level.clip(1, n)
        return (n + 1 - level) if not higher_is_better else level

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        recency, frequency, monetary = self._facts(features)
        active = recency.notna()
        r = self._score(recency[active], list(self.recency_cut_points), higher_is_better=False)
        f = self._score(frequency[active], list(self.frequency_cut_points), higher_is_better=True)
        m = self._score(monetary[active], list(self.monetary_cut_points), higher_is_better=True)
        scores = pd.DataFrame({"R": r, "F": f, "M": m}).astype("int64")
        self.scores_ = scores
        if self.label == "scores":
            text = "R" + scores["R"].astype("string") + " F" + scores["F"].astype("string") + " M" + scores["M"].astype("string")
        else:
            scale = 5 / self.bins
            r5 = np.ceil(scores["R"] * scale).clip(1, 5).astype(int)
            fm5 = np.floor((scores["F"] + scores["M"]) / 2 * scale + 0.5).clip(1, 5).astype(int)
            text = pd.Series([segment_name(a, b) for a, b in zip(r5, fm5)], index=scores.index, dtype="string")
        labels = pd.Series(NO_TRANSACTIONS, index=features.index, dtype="string")
        if self.at == "period_start":
            labels[new_in_period(features).to_numpy()] = NEW_IN_PERIOD
        labels[active.to_numpy()] = text.to_numpy()
        self.facts_ = pd.DataFrame({"recency_days": recency, "frequency": frequency, "monetary": monetary})
        return labels

    def defined_by(self) -> dict[str, str]:
        out = {}
        if getattr(self, "source_", None) == "invoices":  # a scored account has paid: converted by definition
            out["conversion"] = "scored on paid invoices: every account with a score has paid, so it is converted by definition"
        if self.at != "period_start":
            out["churn"] = "recency read at as-of: accounts that churned in the period stopped buying (low recency)"
        return out

    def describe(self) -> dict[str, Any]:
        profile = {}
        facts = self.facts_
        for seg in self.segments_:
            rows = facts[self.labels_ == seg]
            profile[seg] = {
                "median_recency_days": float(rows["recency_days"].median()) if rows["recency_days"].notna().any() else None,
                "median_frequency": float(rows["frequency"].median()) if len(rows) else None,
                "median_monetary": float(rows["monetary"].median()) if len(rows) else None,
            }
        return {
            "at": self.at,
            "source": self.source_,
            "bins": self.bins,
            "scoring": "fixed cut points" if any([self.recency_cut_points, self.frequency_cut_points, self.monetary_cut_points]) else "quantiles among accounts with a transaction",
            "profile": profile,
        }
