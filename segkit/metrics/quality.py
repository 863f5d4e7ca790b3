"""Segment quality: do a segmentation's segments really differ in churn and conversion?

Per segment, each outcome's rate is set against the overall rate (lift = segment rate / overall
rate) and tested segment-vs-rest with Fisher's exact test (two-sided; exact, so it holds for the
small counts segments often have). With many segments some p-values are small by chance, so each
gets a Benjamini-Hochberg q-value over the segments of the same segmentation and outcome, and
"significant" means q < ``alpha`` (default 0.05). For the segmentation as a whole, a test of
independence between segment and outcome: Pearson's chi-square with the G-test (likelihood
ratio) beside it and Cramér's V as the effect size; when the table is sparse (an expected count
under 1, or more than 20% under 5) the chi-square approximation is unreliable and a seeded
Monte Carlo p-value (permutation of the outcome, 2,000 draws) is given as well.

Segments under the minimum size are listed as suppressed with no figures; their accounts still
count in the overall rate and in the independence test, which reveal nothing about one segment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.features.build import FeatureSet
from segkit.metrics.conversion import conversion_flags
from segkit.metrics.options import MetricOptions
from segkit.metrics.significance import bh_q_values, contingency, fisher_two_sided
from segkit.segmenters.base import UNKNOWN, Segmenter

ALPHA = 0.05
MONTE_CARLO_DRAWS = 2000
MONTE_CARLO_MAX_ROWS = 200_000
SEED = 0

QUALITY_DEFINITIONS: dict[str, str] = {
    "churn_lift": "segment churn_rate / overall churn_rate (customers at the period start)",
    "churn_lift_p_value": "two-sided Fisher exact test of churn, segment vs all other accounts",
    "churn_lift_q_value": "Benjamini-Hochberg adjusted churn_lift_p_value over the segments of the segmentation",
    "conversion_lift": "segment conversion_rate / overall conversion_rate (eligible accounts)",
    "conversion_lift_p_value": "two-sided Fisher exact test of conversion, segment vs all other accounts",
    "conversion_lift_q_value": "Benjamini-Hochberg adjusted conversion_lift_p_value over the segments of the segmentation",
    "quality.independence": "chi-square (and G-test) test of independence between segment and outcome, Cramér's V; Monte Carlo p-value when expected counts are small",
}

MULTIPLE_COMPARISONS_NOTE = (
    "each segment is tested against the rest of the accounts; with k segments about k x 0.05 "
    "p-values fall under 0.05 by chance alone, so significance is judged on Benjamini-Hochberg "
    "q-values (false discovery rate) within each segmentation and outcome; Holm (family-wise) would be stricter"
)


def bh_adjust(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg q-values, in the input order (``significance.bh_q_values``)."""
    if not p_values:
        return []
    p = np.asarray(p_values, dtype="float64")
    q = np.full(p.shape, np.nan)
    finite = np.isfinite(p)  # a test that could not be computed (NaN) gets no q-value and is not counted
    if finite.any():
        q[finite] = bh_q_values(p[finite])
    return q.tolist()


def _outcomes(features: FeatureSet, options: MetricOptions) -> dict[str, tuple[pd.Series, pd.Series, str]]:
    """outcome -> (at-risk mask, event mask, description)."""
    frame = features.frame
    out: dict[str, tuple[pd.Series, pd.Series, str]] = {}
    if "active_at_start" in frame and "churned_in_period" in frame:
        out["churn"] = (
            frame["active_at_start"].fillna(False).astype(bool),
            frame["churned_in_period"].fillna(False).astype(bool),
            "customers at the period start who churned in the period",
        )
    eligible, converted = conversion_flags(features, options.conversion_window_days)
    out["conversion"] = (eligible, converted, f"eligible accounts that converted within {options.conversion_window_days} days")
    return out


def _segment_by_outcome(segments: pd.Series | np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Trials without and with the event per segment (rows in sorted label order; missing labels
    left out): ``pd.crosstab(segments, hit)``'s counts without its groupby machinery. Labels are
    hashed (``pd.factorize``) and only the few distinct ones sorted: ``np.unique`` sorted 1M label
    strings in 0.8 s."""
    codes, names = pd.factorize(segments)
    present = codes >= 0
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(np.asarray(names, dtype=object))] = np.arange(len(names))
    cells = rank[codes[present]] * 2 + np.asarray(hit)[present].astype(np.int64)
    return np.bincount(cells, minlength=2 * len(names)).reshape(len(names), 2)


def independence(labels: pd.Series, trials: pd.Series, events: pd.Series, *, seed: int = SEED) -> dict[str, Any]:
    """Segment x outcome independence among the trials: chi-square, G-test, Cramér's V, Monte Carlo."""
    seg = labels[trials.to_numpy()]
    hit = events[trials.to_numpy()].to_numpy(dtype=bool)
    observed = _segment_by_outcome(seg, hit)
    n = int(observed.sum())
    events_total, misses = int(observed[:, 1].sum()), int(observed[:, 0].sum())
    base: dict[str, Any] = {"segments_tested": int(len(observed)), "trials": n, "events": events_total}
    if len(observed) < 2 or events_total == 0 or misses == 0:
        return {**base, "test": None, "p_value": None, "note": "needs at least two segments with trials and both outcomes present"}
    tested = contingency(observed)
    chi2, p, dof, expected, g, g_p = tested.chi2, tested.p_value, tested.dof, tested.expected, tested.g, tested.g_p_value
    small = expected < 5
    sparse = bool((expected < 1).any() or small.mean() > 0.2)
    out = {
        **base,
        "test": "Pearson chi-square",
        "statistic": float(chi2),
        "dof": int(dof),
        "p_value": float(p),
        "g_statistic": float(g),
        "g_test_p_value": float(g_p),
        "cramers_v": float(np.sqrt(chi2 / n)),  # 2 columns: min(r, c) - 1 = 1
        "sparse": sparse,
        "monte_carlo_p_value": None,
        "significant": bool(p < ALPHA),
    }
    if sparse:
        if n <= MONTE_CARLO_MAX_ROWS:
            codes = pd.factorize(seg.to_numpy())[0]
            out["monte_carlo_p_value"] = _monte_carlo(codes, hit, chi2, seed)
            out["significant"] = bool(out["monte_carlo_p_value"] < ALPHA)
            out["note"] = "sparse table (small expected counts): judge by monte_carlo_p_value"
        else:
            out["note"] = "sparse table (small expected counts): the chi-square p-value is approximate"
    return out


#: Permutations are drawn in blocks of at most this many booleans (draws x trials), ~4 MB.
MONTE_CARLO_BLOCK_CELLS = 4_000_000


def _monte_carlo(codes: np.ndarray, hit: np.ndarray, observed: float, seed: int, draws: int = MONTE_CARLO_DRAWS) -> float:
    """P(chi-square >= observed) under random assignment of the outcomes, with the margins fixed.

    The draws are taken a block at a time with ``Generator.permuted`` along rows, which takes
    the same random stream as one ``permutation`` per draw (so the p-value is the one a loop of
    2,000 permutations gives, tests/metrics/test_quality.py), and each block's segment counts are
    one bincount.
    """
    rng = np.random.default_rng(seed)
    k = int(codes.max()) + 1
    totals = np.bincount(codes, minlength=k).astype("float64")
    n, events = len(hit), int(hit.sum())
    rate = events / n
    exp_yes, exp_no = totals * rate, totals * (1 - rate)
    keep_yes, keep_no = exp_yes > 0, exp_no > 0
    count, done = 0, 0
    block = max(1, MONTE_CARLO_BLOCK_CELLS // max(n, 1))
    while done < draws:
        size = min(block, draws - done)
        draw, account = np.nonzero(rng.permuted(np.tile(hit, (size, 1)), axis=1))
        yes = np.bincount(draw * k + codes[account], minlength=size * k).reshape(size, k).astype("float64")
        no = totals - yes
        stat = ((((yes - exp_yes) ** 2)[:, keep_yes] / exp_yes[keep_yes]).sum(axis=1)
                + (((no - exp_no) ** 2)[:, keep_no] / exp_no[keep_no]).sum(axis=1))
        count += int((stat >= observed - 1e-9).sum())
        done += size
    return (count + 1) / (draws + 1)


def per_segment(labels: pd.Series, order: list[str], trials: pd.Series, events: pd.Series, min_size: int) -> list[dict[str, Any]]:
    """Rate, lift, Fisher p and BH q of each segment against the rest."""
    total_trials = int(trials.sum())
    total_events = int((events & trials).sum())
    overall = total_events / total_trials if total_trials else None
    sizes = labels.value_counts()
    trial = trials.to_numpy(dtype=bool, na_value=False)  # numpy per segment: no pandas object per mask
    hit = (events & trials).to_numpy(dtype=bool, na_value=False)
    rows: list[dict[str, Any]] = []
    for seg in order:
        in_seg = (labels == seg).to_numpy()
        accounts = int(sizes.get(seg, 0))
        if accounts < min_size:
            rows.append({"segment": seg, "suppressed": True})
            continue
        n1 = int(trial[in_seg].sum())
        a = int(hit[in_seg].sum())
        n2, c = total_trials - n1, total_events - a
        row: dict[str, Any] = {"segment": seg, "suppressed": False, "trials": n1, "events": a, "rate": a / n1 if n1 else None}
        row["rate_rest"] = c / n2 if n2 else None
        row["lift"] = (row["rate"] / overall) if (row["rate"] is not None and overall) else None
        if n1 and n2:
            row["p_value"] = fisher_two_sided([[a, n1 - a], [c, n2 - c]])
        else:
            row["p_value"] = None
        rows.append(row)
    tested = [r for r in rows if r.get("p_value") is not None]
    for r, q in zip(tested, bh_adjust([r["p_value"] for r in tested])):
        r["q_value"] = q
        r["significant"] = bool(q < ALPHA)
        r["direction"] = "higher" if (r["rate"] or 0) > (r["rate_rest"] or 0) else "lower"
    return rows


def _untested(parts: list[Segmenter], index: pd.Index) -> tuple[dict[str, str], pd.Series]:
    """Each part's untested segments (label -> why) and the accounts in any of them (crosses too)."""
    reasons: dict[str, str] = {}
    left_out = pd.Series(False, index=index)
    for part in parts:
        found = part.untested_segments()
        if found:
            reasons.update(found)
            left_out |= part.labels_.reindex(index).isin(list(found)).fillna(False).astype(bool)
    return reasons, left_out


def _reason(segment: str, untested: dict[str, str]) -> str:
    return next((why for name, why in untested.items() if name in segment.split(" × ")), "untested")


def _without_attrs(series: pd.Series) -> pd.Series:
    """The series (a new object of this module's) without the feature frame's ``attrs``: pandas
    deep-copies them into every result of every operation, and the tests below make hundreds."""
    series.attrs = {}
    return series


def segment_quality(
    features: FeatureSet,
    labels: pd.Series,
    parts: list[Segmenter],
    options: MetricOptions,
    segments: list[dict[str, Any]] | None = None,
    order: list[str] | None = None,
) -> dict[str, Any]:
    """The ``quality`` object of one segmentation; adds ``*_lift`` columns to ``segments`` rows."""
    labels = _without_attrs(labels.reindex(features.frame.index))
    counts = labels.value_counts()
    order = order or [str(s) for s in counts.index]
    quality: dict[str, Any] = {
        "segments": int(len(counts)),
        "suppressed_segments": int((counts < options.min_segment_size).sum()),
        "unknown_accounts": int(labels.str.contains(UNKNOWN, regex=False).sum()),
        "alpha": ALPHA,
        "multiple_comparisons": MULTIPLE_COMPARISONS_NOTE,
    }
    tests: dict[str, Any] = {}
    by_segment: dict[str, dict[str, Any]] = {}
    defined = {k: v for part in parts for k, v in part.defined_by().items()}
    untested, left_out = _untested(parts, labels.index)
    for outcome, (trials, events, meaning) in _outcomes(features, options).items():
        trials, events = _without_attrs(trials), _without_attrs(events)
        if outcome in defined:  # circular: a test of the segments against their own definition
            tests[outcome] = {"outcome": meaning, "omitted": f"the segmentation is defined by this outcome: {defined[outcome]}"}
            continue
        trials = trials.reindex(labels.index).fillna(False).astype(bool) & ~left_out
        events = events.reindex(labels.index).fillna(False).astype(bool) & trials
        n = int(trials.sum())
        tested_order = [s for s in order if s not in set(labels[left_out])]
        rows = per_segment(labels[~left_out], tested_order, trials[~left_out], events[~left_out], options.min_segment_size)
        rows += [{"segment": s, "suppressed": False, "omitted": "left out of the test: " + _reason(s, untested)}
                 for s in order if s not in tested_order]
        tests[outcome] = {
            "outcome": meaning,
            "overall_rate": (int(events.sum()) / n) if n else None,
            "trials": n,
            "events": int(events.sum()),
            "independence": independence(labels, trials, events),
            "segments": rows,
            "significant_segments": [r["segment"] for r in rows if r.get("significant")],
            **({"omitted_segments": untested} if untested else {}),
        }
        for r in rows:
            by_segment.setdefault(r["segment"], {})[outcome] = r
    quality["tests"] = tests
    if segments is not None:
        for row in segments:
            found = by_segment.get(row["segment"], {})
            for outcome in ("churn", "conversion"):
                r = found.get(outcome, {})
                row[f"{outcome}_lift"] = r.get("lift")
                row[f"{outcome}_lift_p_value"] = r.get("p_value")
                row[f"{outcome}_lift_q_value"] = r.get("q_value")
    for part in parts:
        extra = part.describe()
        if extra:
            quality[part.name] = extra
    return quality


__all__ = ["MULTIPLE_COMPARISONS_NOTE", "QUALITY_DEFINITIONS", "bh_adjust", "independence", "per_segment", "segment_quality"]
