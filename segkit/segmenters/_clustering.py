"""Shared clustering steps for ``cluster`` and ``needs``: encode, choose k, fit, name, profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

SILHOUETTE_SAMPLE = 5000
N_INIT = 4


@dataclass
class Encoded:
    """A standardised design matrix with readable column names and what each came from."""

    matrix: np.ndarray  # rows x columns, standardised (z-scores; one-hot columns scaled too)
    columns: list[str]  # readable names: "mrr" or "industry = Retail"
    source: list[str]  # the feature each column came from
    raw: pd.DataFrame  # unscaled values (numbers, or 0/1 for one-hot), for profiles


def is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype))


def encode(frame: pd.DataFrame, columns: list[str], *, log_transform: bool = True, max_levels: int = 20) -> Encoded:
    """Numbers (log1p when non-negative and skewed, median-imputed) and one-hot categories, standardised."""
    parts: dict[str, pd.Series] = {}
    source: list[str] = []
    for col in columns:
        values = frame[col]
        if pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype("float64")
        if is_categorical(values):
            text = values.astype("string").str.strip()
            top = text.value_counts().sort_index(kind="stable").sort_values(ascending=False, kind="stable").index[:max_levels]
            for level in sorted(str(v) for v in top):
                parts[f"{col} = {level}"] = (text == level).fillna(False).astype("float64")
                source.append(col)
            continue
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = (values - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds() / 86400
        numeric = pd.to_numeric(values, errors="coerce").astype("float64")
        if log_transform and numeric.min(skipna=True) >= 0 and numeric.skew(skipna=True) > 1:
            numeric = np.log1p(numeric)
            name = f"log1p({col})"
        else:
            name = col
        parts[name] = numeric.fillna(numeric.median() if numeric.notna().any() else 0.0)
        source.append(col)
    raw = pd.DataFrame(parts, index=frame.index)
    std = raw.std(ddof=0).replace(0, 1.0)
    matrix = ((raw - raw.mean()) / std).to_numpy(dtype="float64")
    return Encoded(matrix=matrix, columns=list(raw.columns), source=source, raw=raw)


def kmeans(matrix: np.ndarray, k: int, seed: int) -> np.ndarray:
    """K-means labels 0..k-1, renumbered by cluster size (largest first) so they are stable.

    One thread: on a shared machine OpenMP's spinning threads cost far more than they save at
    per-account sizes, and the result does not depend on the thread count.
    """
    from sklearn.cluster import KMeans  # scikit-learn only when a cluster segmenter runs (~1 s of imports)

    model = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed)
    with threadpool_limits(limits=1):
        raw = model.fit_predict(matrix)
    sizes = np.bincount(raw, minlength=k)
    order = sorted(range(k), key=lambda c: (-sizes[c], tuple(np.round(model.cluster_centers_[c], 9))))
    remap = {old: new for new, old in enumerate(order)}
    return np.array([remap[c] for c in raw])


def silhouette(matrix: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    if len(set(labels.tolist())) < 2 or len(labels) < 3:
        return None
    size = min(SILHOUETTE_SAMPLE, len(labels))
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(matrix, labels, sample_size=size if size < len(labels) else None, random_state=seed))


def choose_k(matrix: np.ndarray, k_min: int, k_max: int, seed: int) -> tuple[int, dict[int, float]]:
    """The k with the highest silhouette (ties: the smaller k); every k's score for the report."""
    distinct = len(np.unique(matrix, axis=0))
    scores: dict[int, float] = {}
    for k in range(k_min, min(k_max, distinct, len(matrix) - 1) + 1):
        value = silhouette(matrix, kmeans(matrix, k, seed), seed)
        if value is not None:
            scores[k] = value
    if not scores:
        return 1, {}
    best = max(scores.items(), key=lambda kv: (round(kv[1], 9), -kv[0]))[0]
    return best, scores


def distinctive(encoded: Encoded, labels: np.ndarray, cluster: int, top: int = 2) -> list[tuple[str, float]]:
    """The columns whose cluster mean stands furthest from the overall mean (in standard deviations)."""
    mask = labels == cluster
    z = encoded.matrix[mask].mean(axis=0) if mask.any() else np.zeros(len(encoded.columns))
    ranked = sorted(zip(encoded.columns, z), key=lambda cz: (-abs(cz[1]), cz[0]))
    out: list[tuple[str, float]] = []
    for name, value in ranked:
        if " = " in name and value < 0:
            continue  # "not industry = Retail" names nothing; prefer what the cluster has
        out.append((name, float(value)))
        if len(out) == top:
            break
    return out


def describe_column(name: str, z: float) -> str:
    if " = " in name:
        return name
    return f"{'high' if z > 0 else 'low'} {name}"


def name_clusters(encoded: Encoded, labels: np.ndarray, top: int = 2) -> dict[int, str]:
    """A readable, unique name per cluster from its most distinctive features."""
    names: dict[int, str] = {}
    used: set[str] = set()
    for cluster in sorted(set(labels.tolist())):
        picks = distinctive(encoded, labels, cluster, top=max(top, 1) + 2)
        words = [describe_column(n, z) for n, z in picks[:top]] or ["average"]
        name = ", ".join(words)
        extra = top
        while name in used and extra < len(picks):
            words.append(describe_column(*picks[extra]))
            extra += 1
            name = ", ".join(words)
        if name in used:
            name = f"{name} (#{cluster + 1})"
        used.add(name)
        names[cluster] = name
    return names


def profile(encoded: Encoded, labels: pd.Series) -> dict[str, Any]:
    """Per cluster: size, mean of every encoded column (raw units), and its z-score vs all."""
    out: dict[str, Any] = {}
    raw = encoded.raw
    z = pd.DataFrame(encoded.matrix, index=raw.index, columns=encoded.columns)
    for seg in sorted(labels.unique()):
        mask = (labels == seg).to_numpy()
        out[str(seg)] = {
            "accounts": int(mask.sum()),
            "means": {c: float(raw.loc[mask, c].mean()) for c in raw.columns},
            "z_scores": {c: float(z.loc[mask, c].mean()) for c in z.columns},
        }
    return out
