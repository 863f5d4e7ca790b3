"""Survival of customers: Kaplan-Meier curves of customer lifetime per segment, log-rank tests,
and the restricted mean lifetime up to a stated horizon.

Lifetime runs from an account's first payment to its churn (the end of its last paying spell,
so a gap that was later reactivated does not end it) or is censored at as-of while it still pays.
The estimator and the two-sample test are those of scipy.stats (``ecdf`` on ``CensoredData``,
``logrank``), computed in ``segkit.metrics.significance`` without importing scipy.stats (0.5 s);
the k-sample log-rank (do the segments differ at all) is the textbook statistic, which for two
groups equals the square of scipy's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from segkit.features.billing.codes import account_ids, account_key
from segkit.features.billing.subscriptions import paying_spells
from segkit.metrics import significance

DAYS_PER_MONTH = 365.25 / 12
DEFAULT_HORIZON_MONTHS = 24.0


@dataclass(frozen=True)
class SurvivalCurve:
    """A segment's Kaplan-Meier step function: S(t) = survival[i] for times[i] <= t < times[i+1]."""

    segment: str
    accounts: int
    churned: int
    times: list[float]  # months since first payment, every distinct observed lifetime
    survival: list[float]
    ci_low: list[float]  # 95% pointwise, log-log
    ci_high: list[float]
    median_months: float | None  # None while S(t) stays above 0.5
    restricted_mean_months: float
    follow_up_months: float  # the longest observed lifetime; a horizon beyond it extrapolates S flat


@dataclass(frozen=True)
class LogRankTest:
    segment: str
    statistic: float  # chi-square, 1 degree of freedom (scipy's statistic squared)
    p_value: float
    q_value: float  # Benjamini-Hochberg over the segments tested
    significant: bool


@dataclass(frozen=True)
class SurvivalResult:
    horizon_months: float
    curves: list[SurvivalCurve]
    tests: list[LogRankTest]  # each segment against the rest of the accounts
    overall_statistic: float | None  # k-sample log-rank chi-square, k - 1 degrees of freedom
    overall_p_value: float | None
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> accounts left out

    def to_dict(self) -> dict[str, Any]:
        """``dataclasses.asdict`` of the result, without its per-float deep copy (the curves' lists
        hold only floats: a list copy is the same)."""
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        plain["curves"] = [{f.name: _copied(getattr(c, f.name)) for f in fields(c)} for c in self.curves]
        plain["tests"] = [{f.name: getattr(t, f.name) for f in fields(t)} for t in self.tests]
        plain["excluded"] = dict(self.excluded)
        return plain


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def lifetimes(frame: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """(months, churned) per account of a frame with ``first_paid_at`` and ``churned_at`` (NaT
    while paying), observed up to ``as_of``; a churn after as-of is not known yet (censored)."""
    first = pd.to_datetime(frame["first_paid_at"], utc=True)
    end = pd.to_datetime(frame["churned_at"], utc=True)
    as_of = pd.Timestamp(as_of).tz_localize("UTC") if pd.Timestamp(as_of).tzinfo is None else pd.Timestamp(as_of)
    never_paid = first.isna()
    later = ~never_paid & (first > as_of)
    keep = ~never_paid & ~later
    churned = end.notna() & (end <= as_of)
    stop = end.where(churned, as_of)
    # rounded so that equal lifetimes stay ties after the division (the log-rank counts ties)
    months = ((stop - first).dt.total_seconds() / 86400 / DAYS_PER_MONTH).round(9)
    excluded = {"never paid": int(never_paid.sum()), "first payment after as-of": int(later.sum())}
    return months[keep].clip(lower=0.0), churned[keep], {k: v for k, v in excluded.items() if v}


def restricted_mean(times: list[float], survival: list[float], horizon: float) -> float:
    """The area under the step function S from 0 to the horizon (S = 1 before the first time)."""
    area, previous_time, previous_s = 0.0, 0.0, 1.0
    for time, s in zip(times, survival):
        if time >= horizon:
            break
        area += (time - previous_time) * previous_s
        previous_time, previous_s = time, s
    return area + (horizon - previous_time) * previous_s


def kaplan_meier(segment: str, months: np.ndarray, churned: np.ndarray, horizon: float) -> SurvivalCurve:
    """The Kaplan-Meier estimate for one group (scipy.stats' ``ecdf``), with its median and restricted mean."""
    sf = significance.kaplan_meier(months, churned)
    times = [float(t) for t in sf.times]
    survival = [float(p) for p in sf.survival]
    if churned.any():
        ci_low, ci_high = sf.log_log_interval()  # undefined where S is 0 or 1: filled with 0 and 1 below
        low = [float(v) for v in np.nan_to_num(ci_low, nan=0.0)]
        high = [float(v) for v in np.nan_to_num(ci_high, nan=1.0)]
    else:
        low, high = list(survival), list(survival)
    median = next((t for t, s in zip(times, survival) if s <= 0.5), None)
    return SurvivalCurve(
        segment=segment, accounts=int(len(months)), churned=int(churned.sum()), times=times, survival=survival,
        ci_low=low, ci_high=high, median_months=median,
        restricted_mean_months=restricted_mean(times, survival, horizon), follow_up_months=float(months.max()),
    )


def logrank_k_sample(months: np.ndarray, churned: np.ndarray, groups: np.ndarray) -> tuple[float, float] | None:
    """The k-group log-rank chi-square and p-value: O - E per group at each event time, with the
    hypergeometric covariance; None with fewer than two groups or no event."""
    labels = np.unique(groups)
    if len(labels) < 2 or not churned.any():
        return None
    k = len(labels)
    observed_minus_expected = np.zeros(k)
    covariance = np.zeros((k, k))
    group = np.searchsorted(labels, groups)
    times = np.unique(months[churned])
    # counts at every event time at once (sorted lifetimes per group), not one pass over all accounts per time
    at_risk_all = np.empty((len(times), k))
    for g in range(k):
        mine = np.sort(months[group == g])
        at_risk_all[:, g] = len(mine) - np.searchsorted(mine, times, side="left")
    died = np.searchsorted(times, months[churned]) * k + group[churned]
    deaths_all = np.bincount(died, minlength=len(times) * k).reshape(len(times), k).astype(float)
    for at_risk, deaths in zip(at_risk_all, deaths_all):
        n, d = at_risk.sum(), deaths.sum()
        observed_minus_expected += deaths - d * at_risk / n
        if n > 1:
            share = at_risk / n
            covariance += d * (n - d) / (n - 1) * (np.diag(share) - np.outer(share, share))
    reduced = covariance[:-1, :-1]
    if np.linalg.matrix_rank(reduced) < k - 1:
        return None
    statistic = float(observed_minus_expected[:-1] @ np.linalg.solve(reduced, observed_minus_expected[:-1]))
    return statistic, significance.chi2_sf(statistic, k - 1)


def survival_by_segment(frame: pd.DataFrame, segments: pd.Series, as_of: pd.Timestamp, *,
                        horizon_months: float = DEFAULT_HORIZON_MONTHS, min_accounts: int = 5,
                        alpha: float = 0.05) -> SurvivalResult:
    """Curves and tests per segment (``segments``: label per account, aligned on the frame's
    index); segments with fewer than ``min_accounts`` lifetimes are left out, as suppressed."""
    months, churned, excluded = lifetimes(frame, as_of)
    labels = segments.reindex(months.index).astype("string").fillna("Unknown")
    counts = labels.value_counts()
    small = counts[counts < min_accounts]
    if len(small):
        excluded[f"in segments with fewer than {min_accounts} accounts (suppressed)"] = int(small.sum())
    kept = labels.isin(counts[counts >= min_accounts].index).to_numpy()
    codes, names = pd.factorize(labels, use_na_sentinel=False)  # a few segment names, not 1M strings
    m, c, g = months.to_numpy(float)[kept], churned.to_numpy(bool)[kept], np.asarray(names.to_numpy(str))[codes][kept]
    curves = [kaplan_meier(str(s), m[g == s], c[g == s], horizon_months) for s in sorted(set(g))]
    tests = _segment_tests(m, c, g, alpha) if len(curves) > 1 else []
    overall = logrank_k_sample(m, c, g)
    return SurvivalResult(
        horizon_months=float(horizon_months), curves=curves, tests=tests,
        overall_statistic=overall[0] if overall else None, overall_p_value=overall[1] if overall else None,
        excluded=excluded,
    )


def _segment_tests(months: np.ndarray, churned: np.ndarray, groups: np.ndarray, alpha: float) -> list[LogRankTest]:
    """The two-sample log-rank (scipy.stats' ``logrank``) of each segment against the rest, BH-adjusted."""
    if not churned.any():
        return []
    rows = []
    pooled = significance.kaplan_meier(months, churned)  # the same for every segment against the rest
    for segment in sorted(set(groups)):
        statistic, p_value = significance.logrank_two_sample(months, churned, groups == segment, pooled=pooled)
        rows.append((segment, statistic ** 2, p_value))
    if not rows:
        return []
    from segkit.metrics.quality import bh_adjust

    q_values = bh_adjust([p for _, _, p in rows])
    return [LogRankTest(segment=str(s), statistic=chi2, p_value=p, q_value=float(q), significant=bool(np.isfinite(q) and q < alpha))
            for (s, chi2, p), q in zip(rows, q_values)]


def lifetimes_from_spells(spells: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """``first_paid_at`` and ``churned_at`` per account from its paying spells (columns
    account_id, start, end; ``segkit.features.billing.paying_spells``): churned at the end of the
    last spell when that end is not after as-of."""
    as_of = pd.Timestamp(as_of).tz_localize("UTC") if pd.Timestamp(as_of).tzinfo is None else pd.Timestamp(as_of)
    spells = spells[spells["start"] <= as_of]
    key = account_key(spells)  # integer codes when the spells carry them: the ids' groups and order
    by_account = spells.groupby(key, sort=True)
    first = by_account["start"].min()
    last_end = by_account["end"].max()
    still_paying = (spells["end"].isna() | (spells["end"] > as_of)).groupby(key, sort=True).any()
    churned_at = last_end.where(~still_paying)
    frame = pd.DataFrame({"first_paid_at": first, "churned_at": churned_at})
    frame.index = account_ids(spells, frame.index)
    return frame


SURVIVAL_DEFINITION = (
    "survival (report.json `survival`, per segmentation): customer lifetime from the first payment to the "
    "end of the last paying spell (censored at as-of while paying); Kaplan-Meier curve per segment with a "
    "95% log-log band, median lifetime (null while S stays above 0.5), restricted mean lifetime = area "
    "under S up to `horizon_months`; log-rank of each segment against the rest (Benjamini-Hochberg q) and "
    "k-sample log-rank across segments; segments under min_segment_size are left out, as suppressed"
)


def account_lifetimes(paying: pd.DataFrame | None, as_of: pd.Timestamp,
                      spells: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """``first_paid_at`` and ``churned_at`` per account (string index) from the run's paying rows
    (and their ``paying_spells`` when already merged: ``FeatureSet.billing.spells``), None without
    paying rows: the same for every segmentation of a run, so computed once."""
    if paying is None or paying.empty:
        return None
    frame = lifetimes_from_spells(paying_spells(paying) if spells is None else spells, as_of)
    frame.index = frame.index.astype("string")
    return frame


def segmentation_survival(paying: pd.DataFrame | None, labels: pd.Series, as_of: pd.Timestamp, *,
                          min_accounts: int, horizon_months: float = DEFAULT_HORIZON_MONTHS,
                          lifetimes: pd.DataFrame | None = None, spells: pd.DataFrame | None = None) -> SurvivalResult | None:
    """A segmentation's survival from the run's paying rows (``FeatureSet.billing.paying``), or
    from their ``account_lifetimes`` when given; None without paying rows (a flat customer table
    has no dated spells)."""
    frame = lifetimes if lifetimes is not None else account_lifetimes(paying, as_of, spells)
    if frame is None or frame.empty:
        return None
    segments = labels.copy()
    segments.index = segments.index.astype("string")
    frame = frame.reindex(segments.index)  # accounts that never paid are counted as left out
    return survival_by_segment(frame, segments, as_of, horizon_months=horizon_months, min_accounts=min_accounts)
