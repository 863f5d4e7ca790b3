"""K-means clusters on chosen features, standardised, k chosen by silhouette unless given.

Numeric features are median-imputed, log1p-transformed when non-negative and right-skewed, and
standardised; categorical features are one-hot encoded (up to 20 levels each) and standardised
with them, so mixed types work with plain k-means. With ``k = 0`` every k from ``k_min`` to
``k_max`` is fitted and the one with the highest mean silhouette (on up to 5,000 sampled accounts)
wins; the report lists every k's silhouette. Seeded, so the same input gives the same clusters.
Each cluster is named by its most distinctive features (largest distance of its mean from the
overall mean, in standard deviations): "high mrr, high active_days_30".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.segmenters import _clustering as cl
from segkit.segmenters.checks import boolean, integer, names
from segkit.segmenters.base import Param, Segmenter

DEFAULT_FEATURES = ["mrr", "active_days_30", "events_30", "distinct_events", "distinct_users", "employees"]


class ClusterSegmenter(Segmenter):
    name = "cluster"
    description = "K-means on chosen features (standardised, mixed types one-hot), automatic k by silhouette, named clusters."
    time_varying = True  # the default features (mrr, usage of the last 30 days) are read at as-of
    parameters = {
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

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        columns = self._columns(features)
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
            "k": self.k_,
            "k_selection": self.k_selection_,
            "silhouette": self.silhouette_,
            "profile": self.profile_,
        }
