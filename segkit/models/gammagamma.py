"""Gamma-Gamma spend model and the CLV that combines it with BG/NBD.

Fader & Hardie (2013) note 025, "The Gamma-Gamma model of monetary value": a customer's
transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, so the mean
observed repeat-purchase value zbar over x purchases shrinks towards the population mean in
proportion to how few purchases back it up. The model assumes spend is independent of
purchase frequency; check that the correlation of x and zbar among repeaters is weak.

CLV lives here (not in bgnbd) because it is the monetary layer on top of the transaction model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import digamma, gammaln

from segkit.models._fit import (
    FloatArray,
    as_float_array,
    as_weights,
    minimise_with_restarts,
    same_length,
)
from segkit.models.bgnbd import (
    BGNBDParams,
    BGNBDResult,
    conditional_expected_transactions,
    fit_bgnbd,
    probability_alive,
    resolve_params,
)

ArrayLike = npt.ArrayLike
GAMMA_GAMMA_PARAM_NAMES = ("p", "q", "gamma")

#: Steps per "month" that lifetimes' ``customer_lifetime_value`` uses for each ``freq`` code.
LIFETIMES_FREQ_FACTOR: dict[str, float] = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24.0}


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters (p, q, gamma); lifetimes and pymc-marketing call gamma ``v``."""

    p: float
    q: float
    gamma: float

    def __post_init__(self) -> None:
        for name in GAMMA_GAMMA_PARAM_NAMES:
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise ValueError(f"Gamma-Gamma parameter {name} must be positive and finite, got {value}")

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.p, self.q, self.gamma)

    @property
    def population_mean_value(self) -> float:
        """E(M) for a customer with no repeat purchases: p * gamma / (q - 1) (inf if q <= 1)."""
        return float("inf") if self.q <= 1 else self.p * self.gamma / (self.q - 1.0)


@dataclass(frozen=True)
class GammaGammaResult:
    """Outcome of :func:`fit_gamma_gamma`; ``n`` counts only the repeat customers used."""

    params: GammaGammaParams
    loglik: float
    n: float
    converged: bool
    message: str
    iterations: int
    starts: int
    #: asymptotic standard errors by parameter name (inverse Hessian; NaN if unavailable)
    standard_errors: dict[str, float] = field(default_factory=dict)


def _resolve_gg(model: GammaGammaParams | GammaGammaResult, allow_unconverged: bool) -> GammaGammaParams:
    if isinstance(model, GammaGammaResult):
        if not model.converged and not allow_unconverged:
            raise ValueError(
                f"Gamma-Gamma fit did not converge ({model.message}); refusing to predict from it "
                "(pass allow_unconverged=True to override)"
            )
        return model.params
    if isinstance(model, GammaGammaParams):
        return model
    raise TypeError(f"expected GammaGammaParams or GammaGammaResult, got {type(model).__name__}")


def _spend_arrays(x: ArrayLike, zbar: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x_values = as_float_array(x, "x")
    zbar_values = as_float_array(zbar, "zbar")
    same_length(x=x_values, zbar=zbar_values)
    if np.any(x_values < 0) or np.any(x_values != np.round(x_values)):
        raise ValueError("x (repeat purchases) must be non-negative whole numbers")
    if np.any(zbar_values < 0):
        raise ValueError("zbar (mean repeat-purchase value) must be non-negative")
    if np.any((x_values > 0) & (zbar_values <= 0)):
        raise ValueError("zbar must be positive for customers with repeat purchases (x > 0)")
    return x_values, zbar_values


# --------------------------------------------------------------------------- fitting


class _GammaGammaObjective:
    """Mean negative LL of zbar given x (note 025), analytic gradient in log space."""

    def __init__(self, x: FloatArray, zbar: FloatArray, weights: FloatArray) -> None:
        self.x_unique, self.x_index = np.unique(x, return_inverse=True)
        self.x = x
        self.zbar = zbar
        self.weights = weights
        self.total_weight = float(weights.sum())
        self.weight_per_x = np.bincount(self.x_index, weights=weights, minlength=self.x_unique.size)
        self.x_zbar = x * zbar
        self.log_zbar = np.log(zbar)
        # terms free of parameters, summed once: sum w * (-log zbar)
        self.constant = float(-(weights @ self.log_zbar))
        self.weighted_x_log_x_zbar = float(weights @ (x * (np.log(x) + self.log_zbar)))

    def __call__(self, log_params: FloatArray) -> tuple[float, FloatArray]:
        p, q, gamma = np.exp(log_params)
        ux = self.x_unique
        px_unique = p * ux
        log_gamma_xz = np.log(gamma + self.x_zbar)
        shape_sum = p * self.x + q  # px + q per customer
        w = self.weights
        wx = self.weight_per_x

        loglik = (
            wx @ (gammaln(px_unique + q) - gammaln(px_unique))
            - self.total_weight * gammaln(q)
            + self.total_weight * q * np.log(gamma)
            + p * self.weighted_x_log_x_zbar
            + self.constant
            - w @ (shape_sum * log_gamma_xz)
        )
        psi_sum_unique = digamma(px_unique + q)
        g_p = (
            wx @ (ux * (psi_sum_unique - digamma(px_unique)))
            + self.weighted_x_log_x_zbar
            - w @ (self.x * log_gamma_xz)
        )
        g_q = wx @ psi_sum_unique - self.total_weight * (digamma(q) - np.log(gamma)) - w @ log_gamma_xz
        g_gamma = self.total_weight * q / gamma - w @ (shape_sum / (gamma + self.x_zbar))
        gradient = np.array([g_p * p, g_q * q, g_gamma * gamma]) / self.total_weight
        return -float(loglik) / self.total_weight, -gradient


def gamma_gamma_log_likelihood(params: GammaGammaParams, x: ArrayLike, zbar: ArrayLike) -> FloatArray:
    """Per-customer log density of zbar given x > 0 (rows with x = 0 get NaN)."""
    x_values, zbar_values = _spend_arrays(x, zbar)
    p, q, gamma = params.as_tuple()
    repeaters = x_values > 0
    xs = np.where(repeaters, x_values, 1.0)
    zs = np.where(repeaters, zbar_values, 1.0)
    value = (
        gammaln(p * xs + q) - gammaln(p * xs) - gammaln(q) + q * np.log(gamma)
        + (p * xs - 1.0) * np.log(zs) + p * xs * np.log(xs) - (p * xs + q) * np.log(gamma + xs * zs)
    )
    return np.where(repeaters, value, np.nan)


def fit_gamma_gamma(
    x: ArrayLike,
    zbar: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    initial: GammaGammaParams | None = None,
    n_restarts: int = 5,
    seed: int = 0,
) -> GammaGammaResult:
    """Fit p, q, gamma by maximum likelihood on the customers with x > 0.

    Customers with x = 0 may be passed (they are skipped, since they have no repeat spend).
    Same optimiser, restart and non-convergence policy as :func:`fit_bgnbd`.
    """
    x_values, zbar_values = _spend_arrays(x, zbar)
    customer_weights = as_weights(weights, x_values.shape[0])
    if n_restarts < 0:
        raise ValueError("n_restarts must be >= 0")
    used = (x_values > 0) & (customer_weights > 0)
    if not np.any(used):
        raise ValueError("Gamma-Gamma needs at least one customer with repeat purchases (x > 0)")
    # gamma is a scale parameter: fit on zbar / (its mean) and scale gamma back, so dollars and
    # cents take the same path from the same start. The density picks up 1/scale per customer.
    scale = float(np.average(zbar_values[used], weights=customer_weights[used]))
    objective = _GammaGammaObjective(x_values[used], zbar_values[used] / scale, customer_weights[used])
    if initial is not None:
        start = np.log([initial.p, initial.q, initial.gamma / scale])
    else:
        start = np.zeros(3)
    outcome, starts = minimise_with_restarts(objective, start, GAMMA_GAMMA_PARAM_NAMES, n_restarts, seed)
    p, q, gamma_scaled = (float(v) for v in np.exp(outcome.log_params))
    message = outcome.message if starts == 1 else f"{outcome.message} (after {starts} starts)"
    errors = outcome.standard_errors(objective.total_weight) * np.array([1.0, 1.0, scale])
    return GammaGammaResult(
        params=GammaGammaParams(p=p, q=q, gamma=gamma_scaled * scale),
        loglik=float(-outcome.mean_neg_loglik * objective.total_weight - objective.total_weight * np.log(scale)),
        n=objective.total_weight,
        converged=outcome.converged,
        message=message,
        iterations=outcome.iterations,
        starts=starts,
        standard_errors=dict(zip(GAMMA_GAMMA_PARAM_NAMES, map(float, errors), strict=True)),
    )


def conditional_expected_value(
    model: GammaGammaParams | GammaGammaResult,
    x: ArrayLike,
    zbar: ArrayLike,
    *,
    allow_unconverged: bool = False,
) -> FloatArray:
    """E(M | x, zbar) = p (gamma + x zbar) / (p x + q - 1): zbar shrunk towards the mean.

    For x = 0 this is the population mean p gamma / (q - 1). Requires q > 1 (finite mean spend).
    """
    p, q, gamma = _resolve_gg(model, allow_unconverged).as_tuple()
    if q <= 1:
        raise ValueError(f"q = {q} <= 1: the Gamma-Gamma mean spend is infinite")
    x_values, zbar_values = _spend_arrays(x, zbar)
    return p * (gamma + x_values * zbar_values) / (p * x_values + q - 1.0)


# --------------------------------------------------------------------------- CLV


def customer_lifetime_value(
    transactions_model: BGNBDParams | BGNBDResult,
    spend: GammaGammaParams | GammaGammaResult | ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    zbar: ArrayLike | None = None,
    *,
    step_length: float,
    n_steps: int,
    discount_rate: float,
    allow_unconverged: bool = False,
) -> FloatArray:
    """Discounted expected future value of each customer.

    CLV = sum_{k=1..n_steps} E(M) * [E(Y(k L)) - E(Y((k-1) L))] / (1 + d)^k, where L is
    ``step_length`` in the summary's time unit (e.g. 365.25/12/7 for calendar months on weekly
    data), the horizon is n_steps * L and d is the discount rate *per step*. ``spend`` is either
    a Gamma-Gamma model (then ``zbar`` is required) or per-customer expected values E(M).
    """
    if not np.isfinite(step_length) or step_length <= 0:
        raise ValueError("step_length must be positive")
    if n_steps < 1 or int(n_steps) != n_steps:
        raise ValueError("n_steps must be a positive whole number")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError("discount_rate must be > -1")
    params = resolve_params(transactions_model, allow_unconverged)
    if isinstance(spend, (GammaGammaParams, GammaGammaResult)):
        if zbar is None:
            raise ValueError("zbar is required when spend is a Gamma-Gamma model")
        expected_value = conditional_expected_value(spend, x, zbar, allow_unconverged=allow_unconverged)
    else:
        expected_value = as_float_array(spend, "spend")
    step_ends = step_length * np.arange(0, int(n_steps) + 1, dtype=np.float64)[:, None]
    cumulative = conditional_expected_transactions(params, step_ends, x, t_x, T)  # (n_steps+1, n)
    per_step = np.diff(cumulative, axis=0)
    discount = (1.0 + discount_rate) ** -np.arange(1, int(n_steps) + 1, dtype=np.float64)
    if expected_value.shape[0] != per_step.shape[1]:
        raise ValueError("spend must have one expected value per customer")
    return expected_value * (discount @ per_step)


def clv_lifetimes_convention(
    transactions_model: BGNBDParams | BGNBDResult,
    spend: GammaGammaParams | GammaGammaResult,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    zbar: ArrayLike,
    *,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: Literal["W", "M", "D", "H"] = "D",
    allow_unconverged: bool = False,
) -> FloatArray:
    """CLV exactly as lifetimes 0.11.3 ``customer_lifetime_value`` computes it (for checking).

    lifetimes steps ``time`` "months" of ``factor`` model-time units each, with factor
    W=4.345, M=1, D=30, H=720, whatever the summary's real unit is: on a weekly summary the
    default ``freq="D"`` makes each step 30 *weeks*. Prefer :func:`customer_lifetime_value`
    with an explicit step length; this exists so the published figures can be reproduced.
    """
    if freq not in LIFETIMES_FREQ_FACTOR:
        raise ValueError(f"freq must be one of {sorted(LIFETIMES_FREQ_FACTOR)}")
    return customer_lifetime_value(
        transactions_model,
        spend,
        x,
        t_x,
        T,
        zbar,
        step_length=LIFETIMES_FREQ_FACTOR[freq],
        n_steps=time,
        discount_rate=discount_rate,
        allow_unconverged=allow_unconverged,
    )


def predict_customers(
    transactions_model: BGNBDParams | BGNBDResult,
    spend_model: GammaGammaParams | GammaGammaResult,
    summary: pd.DataFrame,
    *,
    step_length: float,
    n_steps: int,
    discount_rate: float,
    allow_unconverged: bool = False,
) -> pd.DataFrame:
    """Per-customer results on a summary with columns x, t_x, T, zbar (index kept).

    Columns: ``p_alive``, ``expected_purchases`` (over the n_steps * step_length horizon),
    ``expected_value`` (E(M)) and ``clv``.
    """
    x, t_x, T, zbar = _summary_columns(summary)
    horizon = step_length * n_steps
    expected_value = conditional_expected_value(spend_model, x, zbar, allow_unconverged=allow_unconverged)
    return pd.DataFrame(
        {
            "p_alive": probability_alive(transactions_model, x, t_x, T, allow_unconverged=allow_unconverged),
            "expected_purchases": conditional_expected_transactions(
                transactions_model, horizon, x, t_x, T, allow_unconverged=allow_unconverged
            ),
            "expected_value": expected_value,
            "clv": customer_lifetime_value(
                transactions_model,
                expected_value,
                x,
                t_x,
                T,
                step_length=step_length,
                n_steps=n_steps,
                discount_rate=discount_rate,
                allow_unconverged=allow_unconverged,
            ),
        },
        index=summary.index,
    )


def _summary_columns(summary: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    missing = [c for c in ("x", "t_x", "T", "zbar") if c not in summary.columns]
    if missing:
        raise ValueError(f"summary is missing column(s) {missing}")
    # summary["T"], never summary.T: the attribute is the DataFrame transpose
    return (
        summary["x"].to_numpy(dtype=np.float64),
        summary["t_x"].to_numpy(dtype=np.float64),
        summary["T"].to_numpy(dtype=np.float64),
        summary["zbar"].to_numpy(dtype=np.float64),
    )


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class SegmentCLVBootstrap:
    """Summed-CLV intervals per segment; ``replicates`` has one column per segment."""

    table: pd.DataFrame
    replicates: pd.DataFrame
    failed_replicates: int


def bootstrap_segment_clv(
    summary: pd.DataFrame,
    segments: ArrayLike | None = None,
    *,
    step_length: float,
    n_steps: int,
    discount_rate: float,
    n_boot: int = 200,
    confidence: float = 0.90,
    seed: int = 0,
    transactions_fit: BGNBDResult | None = None,
    spend_fit: GammaGammaResult | None = None,
) -> SegmentCLVBootstrap:
    """Percentile bootstrap of each segment's summed CLV, resampling customers.

    Each replicate draws customers with replacement *within each segment* (segment sizes stay
    fixed), refits BG/NBD and Gamma-Gamma on the whole resampled base (warm-started from the
    full-sample fits) and sums the drawn customers' CLV per segment. This covers both parameter
    uncertainty and which customers happen to be in the segment. Resamples are represented as
    integer weights on the original rows, so nothing is copied. Replicates whose fits do not
    converge are dropped and counted in ``failed_replicates`` (and in the table).
    """
    if n_boot < 1:
        raise ValueError("n_boot must be >= 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    x, t_x, T, zbar = _summary_columns(summary)
    n = x.shape[0]
    codes, segment_names = _segment_codes(segments, n)
    full_bg = transactions_fit if transactions_fit is not None else fit_bgnbd(x, t_x, T)
    full_gg = spend_fit if spend_fit is not None else fit_gamma_gamma(x, zbar)

    def clv_of(bg: BGNBDResult, gg: GammaGammaResult, rows: npt.NDArray[np.bool_]) -> FloatArray:
        return customer_lifetime_value(
            bg, gg, x[rows], t_x[rows], T[rows], zbar[rows],
            step_length=step_length, n_steps=n_steps, discount_rate=discount_rate,
        )

    point_clv = clv_of(full_bg, full_gg, np.ones(n, dtype=bool))
    point_sums = np.bincount(codes, weights=point_clv, minlength=len(segment_names))
    sums = np.full((n_boot, len(segment_names)), np.nan)
    failed = 0
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(codes == k) for k in range(len(segment_names))]
    for replicate in range(n_boot):
        draws = np.concatenate([rng.choice(idx, size=idx.size, replace=True) for idx in members])
        weights = np.bincount(draws, minlength=n).astype(np.float64)
        fits = _refit(x, t_x, T, zbar, weights, full_bg, full_gg, seed + replicate)
        if fits is None:
            failed += 1
            continue
        drawn = weights > 0
        clv = np.zeros(n)
        clv[drawn] = clv_of(*fits, drawn)
        sums[replicate] = np.bincount(codes, weights=weights * clv, minlength=len(segment_names))
    return _bootstrap_result(sums, codes, segment_names, point_sums, confidence, failed)


def _segment_codes(segments: ArrayLike | None, n: int) -> tuple[npt.NDArray[np.int64], pd.Index]:
    """Integer segment codes per customer and the sorted segment names (``all`` without segments)."""
    labels = pd.Series(np.zeros(n, dtype=np.int64) if segments is None else np.asarray(segments))
    if labels.shape[0] != n:
        raise ValueError("segments must have one label per customer")
    if labels.isna().any():
        raise ValueError("segments contains missing labels")
    codes, segment_names = pd.factorize(labels, sort=True)
    if segments is None:
        segment_names = pd.Index(["all"])
    return codes, pd.Index(segment_names)


def _refit(x: FloatArray, t_x: FloatArray, T: FloatArray, zbar: FloatArray, weights: FloatArray, full_bg: BGNBDResult,
           full_gg: GammaGammaResult, seed: int) -> tuple[BGNBDResult, GammaGammaResult] | None:
    """Both models refitted on one resample (warm-started), or None when either fit fails."""
    bg = fit_bgnbd(x, t_x, T, weights=weights, initial=full_bg.params, n_restarts=2, seed=seed)
    if not bg.converged or weights[x > 0].sum() == 0:
        return None
    gg = fit_gamma_gamma(x, zbar, weights=weights, initial=full_gg.params, n_restarts=2, seed=seed)
    if not gg.converged or gg.params.q <= 1:
        return None
    return bg, gg


def _bootstrap_result(sums: FloatArray, codes: npt.NDArray[np.int64], segment_names: pd.Index, point_sums: FloatArray,
                      confidence: float, failed: int) -> SegmentCLVBootstrap:
    ok = sums[~np.isnan(sums[:, 0])]
    tail = (1.0 - confidence) / 2.0
    if ok.shape[0] > 0:
        lower, upper = np.quantile(ok, [tail, 1.0 - tail], axis=0)
    else:
        lower = upper = np.full(len(segment_names), np.nan)
    table = pd.DataFrame(
        {
            "n_customers": np.bincount(codes, minlength=len(segment_names)),
            "clv_sum": point_sums,
            "lower": lower,
            "upper": upper,
            "n_boot": ok.shape[0],
            "failed_replicates": failed,
        },
        index=pd.Index(segment_names, name="segment"),
    )
    replicates = pd.DataFrame(ok, columns=table.index)
    return SegmentCLVBootstrap(table=table, replicates=replicates, failed_replicates=failed)
