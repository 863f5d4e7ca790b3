"""The hypothesis tests segment quality, ICP and survival need: scipy.stats' own algorithms on
scipy.special, so the floats are scipy.stats' to the last bit without importing scipy.stats.

Importing ``scipy.stats`` costs ~0.8 s (it loads scipy.optimize, linalg, sparse, spatial,
interpolate, ndimage ...), about a third of a small ``segkit segment`` run (issue #14 goal 4);
``scipy.special`` alone costs ~0.2 s. Each function below follows the scipy 1.17 code path it
names step by step (same dtypes, same operation order, same special functions), and
tests/metrics/test_significance.py checks it against scipy.stats bit for bit.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from scipy.special import _ufuncs as _scu

#: scipy's tolerance for "this table is as likely as the mode" in the two-sided Fisher test.
_FISHER_EPSILON = 1e-14


def chi2_sf(statistic: float, dof: float) -> float:
    """``scipy.stats.chi2.sf(statistic, dof)`` for a statistic >= 0 (1.0 at 0, as scipy)."""
    if statistic <= 0:
        return 1.0
    return float(special.chdtrc(dof, statistic))


def normal_two_sided_p(statistic: float) -> float:
    """The two-sided normal p-value scipy's tests give: ``2 * ndtr(-|z|)``."""
    return float(2 * special.ndtr(-np.abs(statistic)))


def chi2_contingency(observed: np.ndarray, *, log_likelihood: bool = False) -> tuple[float, float, int, np.ndarray]:
    """``scipy.stats.chi2_contingency(observed, correction=False[, lambda_="log-likelihood"])``
    of a two-way table with no zero margin: (statistic, p-value, dof, expected)."""
    observed = np.asarray(observed)
    table = np.asarray(observed, dtype=np.float64)
    rows = table.sum(axis=1, keepdims=True)  # scipy's margins(): apply_over_axes(sum) per other axis
    cols = table.sum(axis=0, keepdims=True)
    expected = rows * cols / table.sum() ** (table.ndim - 1)
    if np.any(expected == 0):
        raise ValueError("the table of expected frequencies has a zero element")
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return 0.0, 1.0, dof, expected
    f_obs = np.asarray(observed.ravel(), dtype=np.float64)  # power_divergence(axis=None) ravels
    f_exp = expected.ravel()
    if log_likelihood:
        terms = 2.0 * special.xlogy(f_obs, f_obs / f_exp)
    else:
        terms = (f_obs - f_exp) ** 2 / f_exp
    statistic = np.sum(terms, axis=-1)
    df = np.asarray(terms.shape[-1], dtype=f_obs.dtype) - 1 - (observed.size - 1 - dof)
    return float(statistic), float(special.chdtrc(df, statistic)), int(dof), expected


def false_discovery_bh(p_values: np.ndarray) -> np.ndarray:
    """``scipy.stats.false_discovery_control(p, method="bh")`` of a 1-D array of p-values in [0, 1]."""
    ps = np.asarray(p_values)
    if ps.size <= 1:
        return ps
    m = ps.shape[-1]
    order = np.argsort(ps, axis=-1)
    ps = np.take_along_axis(ps, order, axis=-1)
    i = np.arange(1, m + 1, dtype=ps.dtype)
    ps = ps * (m / i)
    for j in range(m - 2, -1, -1):
        ps[..., j] = np.minimum(ps[..., j], ps[..., j + 1])
    np.put_along_axis(ps, order, values=ps.copy(), axis=-1)
    return np.clip(ps, 0.0, 1.0)


class _Hypergeom:
    """scipy.stats.hypergeom(M, n, N)'s pmf, cdf and sf (rv_discrete's support rules and clipping
    around the Boost functions scipy.special exposes)."""

    def __init__(self, total: np.int64, successes: np.int64, draws: np.int64) -> None:
        self.M, self.n, self.N = total, successes, draws
        self.low = np.maximum(draws - (total - successes), 0)
        self.high = np.minimum(successes, draws)

    def pmf(self, k: int | np.integer) -> float:
        if not (self.low <= k <= self.high):
            return 0.0
        return float(np.clip(_scu._hypergeom_pmf(k, self.n, self.N, self.M), 0, 1))

    def cdf(self, k: int | np.integer) -> float:
        if k >= self.high:
            return 1.0
        if k < self.low:
            return 0.0
        return float(np.clip(_scu._hypergeom_cdf(k, self.n, self.N, self.M), 0, 1))

    def sf(self, k: int | np.integer) -> float:
        if k < self.low:
            return 1.0
        if k >= self.high:
            return 0.0
        return float(np.clip(_scu._hypergeom_sf(k, self.n, self.N, self.M), 0, 1))


def _binary_search(f, d: float, lo, hi):  # type: ignore[no-untyped-def]
    """scipy's ``_binary_search_for_binom_tst``: the i in [lo, hi] with f(i) <= d < f(i + 1)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = f(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if f(lo) <= d else lo - 1


def fisher_exact_two_sided(table: list[list[int]]) -> float:
    """The p-value of ``scipy.stats.fisher_exact(table, alternative="two-sided")`` for a 2x2 table."""
    c = np.asarray(table, dtype=np.int64)
    if 0 in c.sum(axis=0) or 0 in c.sum(axis=1):
        return 1.0
    n1, n2, n = c[0, 0] + c[0, 1], c[1, 0] + c[1, 1], c[0, 0] + c[1, 0]
    dist = _Hypergeom(n1 + n2, n1, n)
    mode = int((n + 1) * (n1 + 1) / (n1 + n2 + 2))
    pexact, pmode = dist.pmf(c[0, 0]), dist.pmf(mode)
    gamma = 1 + _FISHER_EPSILON
    if np.abs(pexact - pmode) / np.maximum(pexact, pmode) <= _FISHER_EPSILON:
        return 1.0
    if c[0, 0] < mode:
        plower = dist.cdf(c[0, 0])
        if dist.pmf(n) > pexact * gamma:
            return float(min(plower, 1.0))
        guess = _binary_search(lambda x: -dist.pmf(x), -pexact * gamma, mode, n)
        pvalue = plower + dist.sf(guess)
    else:
        pupper = dist.sf(c[0, 0] - 1)
        if dist.pmf(0) > pexact * gamma:
            return float(min(pupper, 1.0))
        guess = _binary_search(dist.pmf, pexact * gamma, 0, mode)
        pvalue = pupper + dist.cdf(guess)
    return float(min(pvalue, 1.0))


__all__ = ["chi2_contingency", "chi2_sf", "false_discovery_bh", "fisher_exact_two_sided", "normal_two_sided_p"]
