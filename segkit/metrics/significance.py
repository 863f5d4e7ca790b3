"""The significance tests of segment quality, survival and the ICP, on numpy and scipy.special.

scipy.stats defines every one of them, but importing it costs ~0.5 s, a quarter of the samples
run (issue #14 goal 4: under 2 s); scipy.special, which scipy.stats itself calls for these
distributions, costs ~0.08 s. Each function here follows the scipy.stats function it names, in
the same arithmetic where that is possible, and tests/metrics/test_significance.py checks each
against scipy.stats on drawn inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

#: z of a two-sided 95% interval, computed as ``scipy.stats`` computes it for confidence_level=0.95.
Z_95 = float(special.ndtri(1 / 2 + 0.95 / 2))
#: Two tables of a Fisher test whose probabilities agree to this relative tolerance are the same
#: extreme (R's ``fisher.test`` uses 1e-7 too): symmetric tables tie exactly in exact arithmetic.
FISHER_TIE_TOLERANCE = 1e-7


def chi2_sf(statistic: float, dof: float) -> float:
    """P(X >= statistic) for chi-square with ``dof`` degrees of freedom (``scipy.stats.chi2.sf``)."""
    return float(special.chdtrc(dof, statistic))


@dataclass(frozen=True)
class Contingency:
    """Pearson's chi-square and the G-test of independence of an r x c table of counts."""

    chi2: float
    p_value: float
    g: float
    g_p_value: float
    dof: int
    expected: np.ndarray


def contingency(observed: np.ndarray) -> Contingency:
    """``scipy.stats.chi2_contingency(observed, correction=False)`` and its ``lambda_="log-likelihood"``
    twin, in one pass. Every expected count must be positive (each row and column has a count)."""
    counts = np.asarray(observed, dtype="float64")
    if counts.ndim != 2 or min(counts.shape) < 2:
        raise ValueError(f"contingency needs an r x c table with r, c >= 2; got shape {counts.shape}")
    expected = counts.sum(axis=1, keepdims=True) * counts.sum(axis=0, keepdims=True) / counts.sum()
    if (expected <= 0).any():
        raise ValueError("a row or column of the contingency table has no count")
    dof = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    g = float(np.sum(2.0 * special.xlogy(counts, counts / expected)))
    return Contingency(chi2, chi2_sf(chi2, dof), g, chi2_sf(g, dof), dof, expected)


def fisher_two_sided(table: np.ndarray | list[list[int]]) -> float:
    """Fisher's exact test of a 2 x 2 table, two-sided (``scipy.stats.fisher_exact``'s p-value).

    The p-value is the probability, with the margins fixed, of every table at most as likely as the
    observed one: the hypergeometric probabilities of all tables, relative to the most likely one
    (so the normalising constant cancels), summed where they are at most the observed one's.
    """
    (a, b), (c, d) = np.asarray(table, dtype=np.int64)
    if min(a, b, c, d) < 0:
        raise ValueError("a Fisher table holds counts, not negative numbers")
    row1, row2, col1 = a + b, c + d, a + c
    if 0 in (row1, row2, col1, b + d):
        return 1.0  # a row or column is empty: every table is the observed one
    x = np.arange(max(0, col1 - row2), min(col1, row1) + 1)
    log_p = _log_binom(row1, x) + _log_binom(row2, col1 - x)
    weight = np.exp(log_p - log_p.max())
    observed = weight[a - x[0]]
    if observed >= 1.0 - FISHER_TIE_TOLERANCE:
        return 1.0  # the observed table is the most likely one
    extreme = weight <= observed * (1.0 + FISHER_TIE_TOLERANCE)
    return float(min(1.0, weight[extreme].sum() / weight.sum()))


def _log_binom(n: int, k: np.ndarray) -> np.ndarray:
    """log C(n, k) via the log beta function (accurate where gammaln's large terms would cancel)."""
    return -np.log1p(float(n)) - special.betaln(n - k + 1.0, k + 1.0)


def bh_q_values(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values in the input order (``scipy.stats.false_discovery_control``, bh)."""
    p = np.asarray(p_values, dtype="float64")
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p)
    scaled = p[order] * (m / np.arange(1, m + 1, dtype="float64"))
    np.minimum.accumulate(scaled[::-1], out=scaled[::-1])
    q = np.empty_like(scaled)
    q[order] = scaled
    return np.clip(q, 0.0, 1.0)


@dataclass(frozen=True)
class SurvivalFunction:
    """The Kaplan-Meier estimate at each distinct time, with the counts behind it."""

    times: np.ndarray
    survival: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray

    def log_log_interval(self, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise log-log interval (Greenwood's variance), as ``scipy.stats.ecdf(...).sf.
        confidence_interval(method="log-log")``, clipped to [0, 1]: NaN where S is 0 or 1 or the
        variance divides by 0."""
        s, d, n = self.survival, self.events, self.at_risk
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(1 / np.log(s) ** 2 * np.cumsum(d / (n * (n - d))))
            centre = np.log(-np.log(s))
        low, high = np.exp(-np.exp(centre + z * se)), np.exp(-np.exp(centre - z * se))
        return np.clip(low, 0, 1), np.clip(high, 0, 1)


def kaplan_meier(times: np.ndarray, died: np.ndarray) -> SurvivalFunction:
    """The Kaplan-Meier survival function of right-censored lifetimes (``scipy.stats.ecdf`` of
    ``CensoredData(uncensored=times[died], right=times[~died])``, whose two cases it keeps:
    with nothing censored, S is one minus the empirical distribution)."""
    died = np.asarray(died, dtype=bool)
    times = np.asarray(times, dtype="float64")
    if not len(times):
        raise ValueError("Kaplan-Meier needs at least one lifetime")
    if died.all():
        distinct, counts = np.unique(times, return_counts=True)
        deaths = np.cumsum(counts)
        at_risk = np.concatenate(([times.size], times.size - deaths[:-1]))
        return SurvivalFunction(distinct, 1 - deaths / times.size, at_risk, counts)
    ordered = np.concatenate((times[died], times[~died]))
    flags = np.concatenate((np.ones(int(died.sum()), dtype=np.int64), np.zeros(int((~died).sum()), dtype=np.int64)))
    order = np.argsort(ordered)
    ordered, flags = ordered[order], flags[order]
    at_risk_all = np.arange(ordered.size, 0, -1)
    change = np.diff(ordered, prepend=-np.inf, append=np.inf) > 0
    first, last = change[:-1], change[1:]
    at_risk = at_risk_all[first]
    deaths = np.diff(np.cumsum(flags)[last], prepend=0)
    return SurvivalFunction(ordered[first], np.cumprod((at_risk - deaths) / at_risk), at_risk, deaths)


def logrank_two_sample(times: np.ndarray, died: np.ndarray, in_x: np.ndarray, *,
                       pooled: SurvivalFunction | None = None) -> tuple[float, float]:
    """The two-sample log-rank test of group ``in_x`` against the rest, as ``scipy.stats.logrank``:
    the signed statistic (observed minus expected deaths in x over its standard deviation; its
    square is the usual chi-square) and the two-sided p-value. ``pooled``: ``kaplan_meier(times,
    died)`` when the caller tests several groups of the same lifetimes (it is the same for each)."""
    times, died, in_x = np.asarray(times, dtype="float64"), np.asarray(died, dtype=bool), np.asarray(in_x, dtype=bool)
    both = kaplan_meier(times, died) if pooled is None else pooled  # the pooled sample: under the null hypothesis the groups are one
    event = both.events.astype(bool)
    event_times, at_risk, deaths = both.times[event], both.at_risk[event], both.events[event]
    x = kaplan_meier(times[in_x], died[in_x])
    at_risk_x = np.append(x.at_risk, 0)[np.searchsorted(x.times, event_times)]
    # in floats: scipy's int64 products overflow from about a million accounts (n^2 (n - 1))
    at_risk, at_risk_x, deaths = at_risk.astype("float64"), at_risk_x.astype("float64"), deaths.astype("float64")
    at_risk_y = at_risk - at_risk_x
    variance_terms = at_risk_x * at_risk_y * deaths * (at_risk - deaths)
    denominator = at_risk ** 2 * (at_risk - 1)
    many = at_risk > 1
    variance = np.sum(variance_terms[many] / denominator[many])
    expected_x = np.sum(at_risk_x * (deaths / at_risk))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (int((in_x & died).sum()) - expected_x) / np.sqrt(variance)
    return float(statistic), float(2 * special.ndtr(-np.abs(statistic)))
