"""K-means clusters on chosen features, standardised, k chosen by silhouette unless given.

Numeric features are median-imputed, log1p-transformed when non-negative and right-skewed, and
standardised; categorical features are one-hot encoded (up to 20 levels each) and standardised
with them, so mixed types work with plain k-means. With ``k = 0`` every k from ``k_min`` to
``k_max`` is fitted and the one with the highest mean silhouette (on up to 5,000 sampled accounts)
wins; the report lists every k's silhouette. Seeded, so the same input gives the same clusters.
Each cluster is named by its most distinctive features (largest distance of its mean from the
overall mean, in standard deviations): "high mrr, high active_days_30".

The default features are time-varying (MRR, usage of the last 30 days), so with ``at =
"period_start"`` (default) each feature that has a period-start value is read there: ``mrr`` as
``mrr_start``, the event features from the events before the start (``segkit.features.at_start``);
account attributes (``employees``, or any chosen column without a period-start value) are read as
exported at as-of, and the report lists which were which (`read_at_period_start`, `read_at_as_of`). ``at = "as_of"`` reads them all at as-of
(derived from the outcome; the report warns).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.segmenters import _clustering as cl
from segkit.segmenters.checks import boolean, integer, names
from segkit.segmenters.base import AT_START_PREFIX, Param, Segmenter, one_of

DEFAULT_FEATURES = ["mrr", "active_days_30", "events_30", "distinct_events", "distinct_users", "employees"]


class ClusterSegmenter(Segmenter):
    name = "cluster"
    description = "K-means on chosen features (standardised, mixed types one-hot), automatic k by silhouette, named clusters."
    time_varying = True  # the default features (mrr, usage of the last 30 days): read at the period start by default
    at_start_features = ("events_at_start",)
    parameters = {
        "at": Param("period_start", "Read time-varying features at the period start where they have a value there (default) or at as-of (derived from the outcome).", *one_of("period_start", "as_of")),
        "features": Param([], "Feature columns to cluster on; empty: those of " + ", ".join(DEFAULT_FEATURES) + " present.", *names()),
        "k": Param(0, "Number of clusters; 0 chooses k by silhouette between k_min and k_max.", *integer(0, 50)),
        "k_min": Param(2, "Smallest k tried when k = 0.", *integer(2, 50)),
        "k_max": Param(8, "Largest k tried when k = 0.", *integer(2, 50)),
        "seed": Param(0, "Random seed for k-means and the silhouette sample.", *integer(0)),
        "log_transform": Param(True, "log1p non-negative, right-skewed numeric features before standardising.", *boolean()),
        "name_features": Param(2, "How many distinctive features name a cluster.", *integer(1, 5)),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.k_max < self.k_min:
            raise UsageError(f"The 'k_max' parameter of ClusterSegmenter must be at least k_min ({self.k_min}). Got {self.k_max!r} instead.")

    def required(self) -> tuple[str, ...]:
        return tuple(self.features) if self.features else ("|".join(DEFAULT_FEATURES),)

    def _columns(self, features: pd.DataFrame) -> list[str]:
        if self.features:
            return list(self.features)
        return [c for c in DEFAULT_FEATURES if c in features.columns and features[c].notna().any()]

    def _at_start(self, features: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """Each column with a period-start value replaced by it; the names are kept for the report."""
        out = features.copy(deep=False)
        self.read_at_start_ = []
        for col in columns:
            start = "mrr_start" if col == "mrr" else AT_START_PREFIX + col
            if start in features:
                out[col] = features[start]
                self.read_at_start_.append(col)
        return out

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        columns = self._columns(features)
        self.read_at_start_ = []
        if self.at == "period_start":
            features = self._at_start(features, columns)
        encoded = cl.encode(features, columns, log_transform=self.log_transform)
        varying = encoded.matrix.std(axis=0) > 0
        if not varying.any():
            raise InputDataError(f"segmenter 'cluster': the features {', '.join(columns)} do not vary across accounts")
        if self.k:
            k, scores, how = self.k, {}, "given"
        else:
            k, scores = cl.choose_k(encoded.matrix, self.k_min, self.k_max, self.seed)
            how = f"highest mean silhouette for k in {self.k_min}..{self.k_max}"
        k = max(1, min(k, len(features)))
        labels = cl.kmeans(encoded.matrix, k, self.seed) if k > 1 else np.zeros(len(features), dtype=int)
        names_by_cluster = cl.name_clusters(encoded, labels, top=self.name_features)
        out = pd.Series([names_by_cluster[c] for c in labels], index=features.index, dtype="string")
        self.k_ = k
        self.k_selection_ = {"method": how, "silhouette_by_k": {str(key): value for key, value in scores.items()}}
        self.silhouette_ = cl.silhouette(encoded.matrix, labels, self.seed)
        self.columns_ = columns
        self.profile_ = cl.profile(encoded, out)
        self.order_ = [names_by_cluster[c] for c in sorted(names_by_cluster)]
        return out

    def segment_order(self) -> list[str]:
        return list(getattr(self, "order_", []))

    def describe(self) -> dict[str, Any]:
        return {
            "method": f"k-means (scikit-learn KMeans, n_init={cl.N_INIT}) on standardised features",
            "features": self.columns_,
            "at": self.at,
            "read_at_period_start": list(self.read_at_start_),
            "read_at_as_of": [c for c in self.columns_ if c not in self.read_at_start_],
            "k": self.k_,
            "k_selection": self.k_selection_,
            "silhouette": self.silhouette_,
            "profile": self.profile_,
        }
