"""Shifted-beta-geometric (sBG) retention model for contractual customers.

Fader & Hardie (2007), "How to project customer retention": each customer churns at the end of
any period with a constant probability theta, and theta varies across customers as
Beta(alpha, beta). Heterogeneity is why cohort retention rates rise over time, which a constant
churn rate cannot reproduce.

Period conventions used throughout:

* ``S(t)`` is the share of the cohort still alive after ``t`` renewals (``S(0) = 1``);
* ``P(T = t)`` is the probability of churning in period ``t`` (``t >= 1``), i.e. of having made
  ``t - 1`` renewals and not making the ``t``-th;
* a survival table lists the number alive at the start of periods 0, 1, ..., k.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, hyp2f1, xlog1py, xlogy

from segkit.models._fit import (
    FloatArray,
    ObjectiveWithGradient,
    as_count_array,
    as_float_array,
    as_weights,
    minimise_in_log_space,
    same_length,
)

ArrayLike = npt.ArrayLike
SBG_PARAM_NAMES = ("alpha", "beta")


# --------------------------------------------------------------------------- closed forms


def sbg_survival(t: ArrayLike, alpha: float, beta: float) -> FloatArray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta): share still alive after ``t`` renewals."""
    periods = np.asarray(t, dtype=np.float64)
    return np.exp(betaln(alpha, beta + periods) - betaln(alpha, beta))


def sbg_churn_probability(t: ArrayLike, alpha: float, beta: float) -> FloatArray:
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) for t >= 1 (0 elsewhere)."""
    periods = np.asarray(t, dtype=np.float64)
    safe = np.maximum(periods, 1.0)
    value = np.exp(betaln(alpha + 1.0, beta + safe - 1.0) - betaln(alpha, beta))
    return np.where(periods >= 1, value, 0.0)


def sbg_retention_rate(t: ArrayLike, alpha: float, beta: float) -> FloatArray:
    """r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), for t >= 1."""
    periods = np.asarray(t, dtype=np.float64)
    if np.any(periods < 1):
        raise ValueError("retention rate is defined for periods t >= 1")
    return (beta + periods - 1.0) / (alpha + beta + periods - 1.0)


def sbg_expected_lifetime(alpha: float, beta: float, horizon: int | None = None) -> float:
    """Mean number of periods a new customer stays (the churn period counts).

    Without a horizon this is E[1/theta] = (alpha + beta - 1) / (alpha - 1), which is infinite
    for alpha <= 1 (heavy tail of near-zero churners). With a horizon ``h`` it is the truncated
    mean E[min(T, h)] = sum_{t=0}^{h-1} S(t), which is always finite.
    """
    if horizon is None:
        return float("inf") if alpha <= 1.0 else (alpha + beta - 1.0) / (alpha - 1.0)
    if horizon < 0:
        raise ValueError("horizon must be non-negative")
    return float(np.sum(sbg_survival(np.arange(horizon), alpha, beta)))


def sbg_derl(alpha: float, beta: float, discount_rate: float, renewals: int) -> float:
    """Discounted expected residual lifetime of a customer who has made ``renewals`` renewals.

    Fader & Hardie's formula with n - 1 = ``renewals``:
    DERL = (beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1/(1+d)).
    It counts the payment at the upcoming renewal undiscounted and later ones at 1/(1+d)^k;
    multiply by the per-period margin to get the residual value.
    """
    _check_discount(discount_rate)
    if renewals < 0:
        raise ValueError("renewals must be >= 0")
    n = renewals + 1.0
    ratio = (beta + n - 1.0) / (alpha + beta + n - 1.0)
    return float(ratio * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate)))


def _check_discount(discount_rate: float) -> None:
    if not np.isfinite(discount_rate) or discount_rate <= 0:
        raise ValueError("discount_rate must be a positive finite number (the sum diverges at 0)")


# --------------------------------------------------------------------------- result type


@dataclass(frozen=True)
class SBGResult:
    """Fitted retention model.

    ``model == "sbg"`` is the normal case. When the sBG fit does not converge (typically because
    the data show no heterogeneity, so alpha and beta run to infinity) ``converged`` is False,
    ``model == "geometric"`` and every projection uses the constant-churn model with the pooled
    churn probability ``geometric_churn``; ``message`` says why.
    """

    alpha: float
    beta: float
    loglik: float
    n: float
    converged: bool
    message: str
    iterations: int
    model: Literal["sbg", "geometric"] = "sbg"
    geometric_churn: float | None = None
    #: asymptotic standard errors of alpha, beta (inverse Hessian); empty for the fallback
    standard_errors: dict[str, float] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, float]:
        """Fitted parameters by name (alpha, beta; NaN for the geometric fallback)."""
        return {"alpha": self.alpha, "beta": self.beta}

    def survival(self, t: ArrayLike) -> FloatArray:
        """Share of the cohort alive after ``t`` renewals."""
        if self.model == "geometric":
            return (1.0 - self._p()) ** np.asarray(t, dtype=np.float64)
        return sbg_survival(t, self.alpha, self.beta)

    def churn_probability(self, t: ArrayLike) -> FloatArray:
        """P(T = t): probability that a new customer churns in period ``t``."""
        if self.model == "geometric":
            periods = np.asarray(t, dtype=np.float64)
            p = self._p()
            return np.where(periods >= 1, p * (1.0 - p) ** np.maximum(periods - 1.0, 0.0), 0.0)
        return sbg_churn_probability(t, self.alpha, self.beta)

    def retention_rate(self, t: ArrayLike) -> FloatArray:
        """Period-``t`` retention rate among those alive at the start of period ``t``."""
        if self.model == "geometric":
            periods = np.asarray(t, dtype=np.float64)
            if np.any(periods < 1):
                raise ValueError("retention rate is defined for periods t >= 1")
            return np.full(periods.shape, 1.0 - self._p())
        return sbg_retention_rate(t, self.alpha, self.beta)

    def expected_lifetime(self, horizon: int | None = None) -> float:
        """Mean lifetime in periods; see :func:`sbg_expected_lifetime`."""
        if self.model == "geometric":
            p = self._p()
            if horizon is None:
                return float("inf") if p == 0 else 1.0 / p
            return float(np.sum(self.survival(np.arange(horizon))))
        return sbg_expected_lifetime(self.alpha, self.beta, horizon)

    def derl(self, discount_rate: float, renewals: int) -> float:
        """Discounted expected residual lifetime; see :func:`sbg_derl`."""
        if self.model == "geometric":
            _check_discount(discount_rate)
            if renewals < 0:
                raise ValueError("renewals must be >= 0")
            p = self._p()
            # sum_{k>=0} (1-p)^(k+1) / (1+d)^k, the constant-churn limit of the sBG formula
            return float((1.0 - p) * (1.0 + discount_rate) / (discount_rate + p))
        return sbg_derl(self.alpha, self.beta, discount_rate, renewals)

    def _p(self) -> float:
        if self.geometric_churn is None:
            raise ValueError("this result has no geometric churn probability")
        return self.geometric_churn


# --------------------------------------------------------------------------- fitting


def _sbg_objective(
    churn_periods: FloatArray,
    churn_weights: FloatArray,
    censored_periods: FloatArray,
    censored_weights: FloatArray,
    total_weight: float,
) -> ObjectiveWithGradient:
    """Mean negative LL and its gradient in (log alpha, log beta), on aggregated data."""

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        alpha, beta = np.exp(log_params)
        base = betaln(alpha, beta)
        d_base_alpha = digamma(alpha) - digamma(alpha + beta)
        d_base_beta = digamma(beta) - digamma(alpha + beta)
        # churned in period t: log B(alpha + 1, beta + t - 1) - log B(alpha, beta)
        b_churn = beta + churn_periods - 1.0
        ll_churn = betaln(alpha + 1.0, b_churn) - base
        psi_sum_churn = digamma(alpha + 1.0 + b_churn)
        g_alpha_churn = digamma(alpha + 1.0) - psi_sum_churn - d_base_alpha
        g_beta_churn = digamma(b_churn) - psi_sum_churn - d_base_beta
        # alive after t renewals: log B(alpha, beta + t) - log B(alpha, beta)
        b_cens = beta + censored_periods
        ll_cens = betaln(alpha, b_cens) - base
        psi_sum_cens = digamma(alpha + b_cens)
        g_alpha_cens = digamma(alpha) - psi_sum_cens - d_base_alpha
        g_beta_cens = digamma(b_cens) - psi_sum_cens - d_base_beta

        loglik = churn_weights @ ll_churn + censored_weights @ ll_cens
        grad_alpha = churn_weights @ g_alpha_churn + censored_weights @ g_alpha_cens
        grad_beta = churn_weights @ g_beta_churn + censored_weights @ g_beta_cens
        gradient = np.array([grad_alpha * alpha, grad_beta * beta]) / total_weight
        return -float(loglik) / total_weight, -gradient

    return objective


def _aggregate(periods: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Collapse customers with equal period to one row with summed weight (keeps the fit O(k))."""
    if periods.size == 0:
        return periods, weights
    unique, inverse = np.unique(periods, return_inverse=True)
    summed = np.bincount(inverse, weights=weights, minlength=unique.size).astype(np.float64)
    return unique, summed


def _geometric_limit(churn_periods: FloatArray, churn_weights: FloatArray, censored_periods: FloatArray,
                     censored_weights: FloatArray) -> tuple[float, float]:
    """(pooled churn p, log-likelihood) of constant churn, the alpha, beta -> infinity limit of the sBG.

    If the sBG cannot beat it, the likelihood has its supremum at infinity (no heterogeneity in
    the data): the optimiser then stops somewhere along a flat ridge, and those alpha, beta mean
    nothing.
    """
    churn_events = float(churn_weights.sum())
    exposure = float(churn_weights @ churn_periods + censored_weights @ censored_periods)
    p = churn_events / exposure if exposure > 0 else 1.0
    geometric_ll = float(
        churn_weights @ (xlogy(1.0, p) + xlog1py(churn_periods - 1.0, -p))
        + censored_weights @ xlog1py(censored_periods, -p)
    )
    return p, geometric_ll


def _fit_aggregated(
    churn_periods: FloatArray,
    churn_weights: FloatArray,
    censored_periods: FloatArray,
    censored_weights: FloatArray,
    initial: tuple[float, float] | None,
    fallback: bool,
) -> SBGResult:
    # Zero-weight rows carry no information and would turn 0 * log(0) into NaN below.
    churn_periods, churn_weights = churn_periods[churn_weights > 0], churn_weights[churn_weights > 0]
    censored_periods = censored_periods[censored_weights > 0]
    censored_weights = censored_weights[censored_weights > 0]
    total = float(churn_weights.sum() + censored_weights.sum())
    if total <= 0:
        raise ValueError("no customers to fit")
    objective = _sbg_objective(churn_periods, churn_weights, censored_periods, censored_weights, total)
    start = np.log(np.asarray(initial if initial is not None else (1.0, 1.0), dtype=np.float64))
    outcome = minimise_in_log_space(objective, start, SBG_PARAM_NAMES)
    alpha, beta = (float(v) for v in np.exp(outcome.log_params))
    loglik = -outcome.mean_neg_loglik * total
    converged, message = outcome.converged, outcome.message

    p, geometric_ll = _geometric_limit(churn_periods, churn_weights, censored_periods, censored_weights)
    if converged and loglik <= geometric_ll + 1e-6 * total:
        converged = False
        message = (
            f"no interior maximum: the sBG log-likelihood ({loglik:.6f}) does not exceed its "
            f"constant-churn limit ({geometric_ll:.6f}), so alpha and beta are not identified"
        )
    if converged or not fallback:
        return SBGResult(
            alpha=alpha,
            beta=beta,
            loglik=loglik,
            n=total,
            converged=converged,
            message=message,
            iterations=outcome.iterations,
            standard_errors=dict(zip(SBG_PARAM_NAMES, map(float, outcome.standard_errors(total)), strict=True)),
        )
    return SBGResult(
        alpha=float("nan"),
        beta=float("nan"),
        loglik=geometric_ll,
        n=total,
        converged=False,
        message=(
            f"sBG fit did not converge ({message}); fell back to the constant-churn "
            f"geometric model with pooled churn probability {p:.6g}"
        ),
        iterations=outcome.iterations,
        model="geometric",
        geometric_churn=p,
    )


def fit_sbg_survival(
    alive: ArrayLike,
    *,
    initial: tuple[float, float] | None = None,
    fallback: bool = True,
) -> SBGResult:
    """Fit alpha, beta by maximum likelihood from a survival table.

    ``alive[t]`` is the number of customers alive at the start of period ``t``; ``alive[0]`` is
    the cohort size. Customers lost between t-1 and t churned in period t; the last entry is
    right-censored. Non-integer counts are accepted as weights. With ``fallback=False`` a
    non-converged sBG result is returned as is (``converged=False``) instead of the geometric
    fallback.
    """
    counts = as_float_array(alive, "alive")
    if counts.size < 2:
        raise ValueError("survival table needs at least two periods (cohort size and one more)")
    if np.any(counts < 0):
        raise ValueError("survival counts must be non-negative")
    if counts[0] <= 0:
        raise ValueError("the cohort size alive[0] must be positive")
    if np.any(np.diff(counts) > 0):
        raise ValueError("survival table must be non-increasing (customers cannot come back)")
    lost = -np.diff(counts)
    churn_periods = np.arange(1, counts.size, dtype=np.float64)
    keep = lost > 0
    censored_periods = np.array([counts.size - 1.0])
    censored_weights = np.array([counts[-1]])
    return _fit_aggregated(
        churn_periods[keep], lost[keep], censored_periods, censored_weights, initial, fallback
    )


def fit_sbg_customers(
    periods: ArrayLike,
    churned: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    initial: tuple[float, float] | None = None,
    fallback: bool = True,
) -> SBGResult:
    """Fit alpha, beta by maximum likelihood from one row per customer.

    For a churned customer ``periods`` is the period in which they churned (>= 1). For an active
    customer it is the number of renewals observed so far (>= 0): they are known to survive that
    many periods, nothing more. See :func:`sbg_customers_from_recency` for the
    ``recency``/``T`` layout used by ``sbg_paper.csv``.
    """
    period_values = as_count_array(periods, "periods")
    churn_flags = np.asarray(churned).reshape(-1)
    if churn_flags.dtype != bool:
        if not np.all(np.isin(churn_flags, [0, 1])):
            raise ValueError("churned must be boolean (or 0/1)")
        churn_flags = churn_flags.astype(bool)
    n = same_length(periods=period_values, churned=churn_flags.astype(np.float64))
    customer_weights = as_weights(weights, n)
    if np.any(period_values[churn_flags] < 1):
        raise ValueError("a churned customer's churn period must be >= 1")
    churn_periods, churn_weights = _aggregate(period_values[churn_flags], customer_weights[churn_flags])
    cens_periods, cens_weights = _aggregate(period_values[~churn_flags], customer_weights[~churn_flags])
    return _fit_aggregated(churn_periods, churn_weights, cens_periods, cens_weights, initial, fallback)


def sbg_customers_from_recency(
    recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Convert the (recency, T) layout to (periods, churned) for :func:`fit_sbg_customers`.

    In that layout (pymc-marketing's ``sbg_paper.csv``) ``recency < T`` means the customer churned
    in period ``recency``; ``recency == T`` means still active with churn period >= T, i.e. known
    to survive T - 1 renewals.
    """
    recency_values = as_count_array(recency, "recency")
    horizon = as_count_array(T, "T")
    same_length(recency=recency_values, T=horizon)
    if np.any(recency_values < 1):
        raise ValueError("recency must be >= 1")
    if np.any(recency_values > horizon):
        raise ValueError("recency must not exceed T")
    churned = recency_values < horizon
    periods = np.where(churned, recency_values, horizon - 1.0)
    return periods, churned
