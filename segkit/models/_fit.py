"""Shared maximum-likelihood plumbing for the CLV / retention models.

All models are fitted the same way: parameters are optimised in log space (so they stay
positive without constraints), the objective is the *mean* negative log-likelihood per
customer (so tolerances do not depend on the sample size) and the gradient is analytic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeResult, minimize

FloatArray = npt.NDArray[np.float64]

#: Log-space box for every parameter: exp(+-LOG_BOUND) ~ 1e-6 .. 1e6. A parameter that ends on
#: this box means the likelihood has no interior maximum (the data push it to 0 or infinity),
#: so such a fit is reported as not converged rather than returned as a number.
LOG_BOUND = 13.8155  # log(1e6)

#: L-BFGS-B stopping rules on the mean negative LL (module-level so they can be tuned).
FTOL = 1e-15
GTOL = 1e-10

#: Projected-gradient threshold (on the mean log-likelihood, in log-parameter space).
GRADIENT_TOLERANCE = 1e-5

#: Smallest accepted ratio of the Hessian's smallest to largest eigenvalue. Below it some
#: combination of parameters is flat (not identified by the data): real-data fits sit around
#: 1e-3, degenerate ones (a, b -> 0, no repeat buyers, homogeneous churn) below 1e-5.
MIN_CURVATURE_RATIO = 1e-6

ObjectiveWithGradient = Callable[[FloatArray], tuple[float, FloatArray]]


@lru_cache(maxsize=1)
def _blas_controller() -> object | None:
    """threadpoolctl controller, built once (after scipy's BLAS is loaded); None if unavailable."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl comes with scikit-learn; without it we just run unpinned
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Pin BLAS to one thread while optimising.

    scipy's L-BFGS-B makes many tiny BLAS calls; with OpenBLAS' default thread pool on a busy
    2-core machine each call can wait milliseconds for worker threads, making a 3 ms fit take
    100+ ms. One thread is always fastest at these sizes.
    """
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):  # type: ignore[attr-defined]
        yield


@dataclass(frozen=True)
class OptimisationOutcome:
    """What one optimiser run produced, before a model wraps it in its own result type."""

    log_params: FloatArray
    mean_neg_loglik: float
    converged: bool
    message: str
    iterations: int
    #: Hessian of the mean negative LL in log-parameter space (None if the fit failed early).
    hessian: FloatArray | None = None

    def standard_errors(self, total_weight: float) -> FloatArray:
        """Asymptotic standard errors of the parameters (delta method from log space).

        NaN when the Hessian is unavailable or singular; meaningful only for converged fits.
        """
        size = self.log_params.shape[0]
        if self.hessian is None:
            return np.full(size, np.nan)
        try:
            with single_threaded_blas():
                covariance = np.linalg.inv(self.hessian * total_weight)
        except np.linalg.LinAlgError:
            return np.full(size, np.nan)
        variances = np.diag(covariance)
        with np.errstate(invalid="ignore"):
            return np.where(variances > 0, np.exp(self.log_params) * np.sqrt(variances), np.nan)


def as_float_array(values: object, name: str) -> FloatArray:
    """Convert to a 1-D float array and refuse NaN/inf, so bad inputs fail loudly and early."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def as_count_array(values: object, name: str) -> FloatArray:
    """Like :func:`as_float_array` but also requires non-negative whole numbers."""
    array = as_float_array(values, name)
    if np.any(array < 0):
        raise ValueError(f"{name} must be non-negative (got a minimum of {array.min()})")
    if np.any(array != np.round(array)):
        raise ValueError(f"{name} must contain whole numbers")
    return array


def as_weights(weights: object | None, size: int) -> FloatArray:
    """Customer weights (e.g. bootstrap counts); ``None`` means one per customer."""
    if weights is None:
        return np.ones(size)
    array = as_float_array(weights, "weights")
    if array.shape[0] != size:
        raise ValueError(f"weights has {array.shape[0]} entries, expected {size}")
    if np.any(array < 0):
        raise ValueError("weights must be non-negative")
    if array.sum() <= 0:
        raise ValueError("weights must not all be zero")
    return array


def same_length(**arrays: FloatArray) -> int:
    """Return the common length of the arrays or raise naming the mismatch."""
    lengths = {name: array.shape[0] for name, array in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"inputs must have the same length, got {lengths}")
    length = next(iter(lengths.values()))
    if length == 0:
        raise ValueError("no customers to fit")
    return length


def minimise_in_log_space(
    objective: ObjectiveWithGradient,
    start_log_params: FloatArray,
    names: Sequence[str],
    max_iterations: int = 2000,
) -> OptimisationOutcome:
    """Run L-BFGS-B on the mean negative log-likelihood and judge convergence strictly.

    scipy's ``success`` alone is not enough: a parameter drifting to 0 or infinity can still
    report success once the likelihood flattens out, so the box and the gradient are checked too.
    """
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(names)
    start = np.clip(np.asarray(start_log_params, dtype=np.float64), -LOG_BOUND + 1, LOG_BOUND - 1)
    with np.errstate(all="ignore"), single_threaded_blas():
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": max_iterations, "ftol": FTOL, "gtol": GTOL, "maxcor": 20},
        )
    log_params = np.asarray(result.x, dtype=np.float64)
    value = float(result.fun)
    at_bound = [name for name, v in zip(names, log_params, strict=True) if abs(v) >= LOG_BOUND - 1e-6]
    problems: list[str] = []
    if not np.isfinite(value) or not np.all(np.isfinite(log_params)):
        problems.append("non-finite log-likelihood")
    if at_bound:
        problems.append(
            "parameter(s) " + ", ".join(at_bound) + " ran to the 1e-6 / 1e6 bound "
            "(the likelihood has no interior maximum for these data)"
        )
    hessian: FloatArray | None = None
    if not problems:
        hessian, problem = _check_optimum(objective, log_params, result)
        if problem:
            problems.append(problem)
    converged = not problems
    message = "converged" if converged else "; ".join(problems)
    return OptimisationOutcome(
        log_params=log_params,
        mean_neg_loglik=value,
        converged=converged,
        message=message,
        iterations=int(result.nit),
        hessian=hessian,
    )


def _check_optimum(objective: ObjectiveWithGradient, log_params: FloatArray, result: OptimizeResult) -> tuple[FloatArray | None, str | None]:
    """(Hessian, problem): the gradient must vanish and the curvature be positive in every direction."""
    gradient = np.asarray(result.jac, dtype=np.float64)  # L-BFGS-B's gradient at result.x
    gradient_norm = float(np.max(np.abs(gradient))) if np.all(np.isfinite(gradient)) else np.inf
    if gradient_norm > GRADIENT_TOLERANCE:
        return None, f"optimiser stopped with gradient {gradient_norm:.2e} > {GRADIENT_TOLERANCE:.0e} ({result.message})"
    hessian = numerical_hessian(objective, log_params)
    with single_threaded_blas():
        finite = bool(np.all(np.isfinite(hessian)))
        eigenvalues = np.linalg.eigvalsh(hessian) if finite else np.array([np.nan])
    if not np.all(np.isfinite(eigenvalues)) or eigenvalues[0] <= MIN_CURVATURE_RATIO * eigenvalues[-1]:
        return hessian, (
            "the likelihood is flat in some direction at the optimum (Hessian eigenvalues "
            f"{np.array2string(eigenvalues, precision=2)}): the parameters are not identified"
        )
    return hessian, None


def numerical_hessian(objective: ObjectiveWithGradient, point: FloatArray, step: float = 1e-5) -> FloatArray:
    """Central differences of the analytic gradient (2k gradient calls), symmetrised."""
    size = point.shape[0]
    hessian = np.empty((size, size))
    with np.errstate(all="ignore"), single_threaded_blas():
        for k in range(size):
            shift = np.zeros(size)
            shift[k] = step
            hessian[:, k] = (objective(point + shift)[1] - objective(point - shift)[1]) / (2.0 * step)
    return (hessian + hessian.T) / 2.0


def minimise_with_restarts(
    objective: ObjectiveWithGradient,
    first_start: FloatArray,
    names: Sequence[str],
    n_restarts: int,
    seed: int,
) -> tuple[OptimisationOutcome, int]:
    """Try ``first_start``, then up to ``n_restarts`` seeded random starts until one converges.

    Returns the best converged outcome (or, if none converged, the best failure) and the
    number of starts used, so the caller can report it.
    """
    outcome = minimise_in_log_space(objective, first_start, names)
    if outcome.converged:
        return outcome, 1
    rng = np.random.default_rng(seed)
    best = outcome
    starts_used = 1
    for _ in range(n_restarts):
        start = rng.normal(0.0, 1.0, size=len(names))
        candidate = minimise_in_log_space(objective, start, names)
        starts_used += 1
        better = candidate.mean_neg_loglik < best.mean_neg_loglik
        if candidate.converged and (not best.converged or better):
            best = candidate
            break
        if not best.converged and better:
            best = candidate
    return best, starts_used
