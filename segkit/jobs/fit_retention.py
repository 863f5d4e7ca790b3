"""``fit_retention`` (``segkit retention``): the sBG on a survival table or a per-customer file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.loading.delimited import read_delimited, resolve_column
from segkit import models  # the fits import scipy: loaded when a model is fitted (segkit.models)

if TYPE_CHECKING:
    from segkit.models.sbg import SBGResult

#: Periods the capped mean lifetime sums over (E[T] is infinite when alpha <= 1).
LIFETIME_CAP_PERIODS = 100

RETENTION_DEFINITIONS = {
    "sbg": "shifted-beta-geometric (Fader & Hardie 2007): each customer churns at the end of a period with probability theta, theta ~ Beta(alpha, beta); maximum likelihood",
    "survival": "S(t) = B(alpha, beta + t) / B(alpha, beta): share of the cohort still active at the start of period t",
    "retention_rate": "r_t = (beta + t - 1) / (alpha + beta + t - 1): share of those active at the start of period t-1 who renew into period t",
    "expected_lifetime": "E[T] = (alpha + beta - 1) / (alpha - 1) periods for a new customer (infinite when alpha <= 1; then expected_lifetime_capped = sum of S(t) for t < lifetime_cap_periods is the mean capped there)",
    "derl": "discounted expected residual lifetime of a customer who has made n-1 renewals: (beta + n - 1) / (alpha + beta + n - 1) x 2F1(1, beta + n; alpha + beta + n; 1/(1 + d)), in periods; the coming renewal's payment counts undiscounted; d is the discount rate per period",
    "geometric fallback": "when the sBG has no interior maximum (no heterogeneity) the constant-churn model p = churn events / periods at risk is used: S(t) = (1-p)^t, DERL = (1-p)(1+d)/(d+p)",
}


def fit_retention(
    path: str | Path,
    *,
    model: str = "sbg",
    period_col: str = "period",
    alive_col: str = "alive",
    cohort_col: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
    discount_rate: float = 0.10,
    periods_ahead: int = 5,
    renewals: int | None = None,
    cohort_size: float | None = None,
    cohort_size_col: str | None = None,
) -> dict[str, Any]:
    """Fit the sBG to a survival table (or one row per customer) per cohort, with projections.

    Survival table: ``period`` 0..k and ``alive`` = customers still active at the start of each
    period (period 0 is the cohort size). ``alive`` may hold shares instead (fractions, or
    percentages, with or without ``%``): the estimates do not depend on the scale, but standard
    errors and the log-likelihood do, so they are given only with the cohort size
    (``cohort_size``, or a ``cohort_size`` column per cohort), else null with the reason. Per-customer files (``recency`` and ``T`` columns, as
    in ``sbg_paper.csv``) are recognised too: ``recency < T`` churned in period ``recency``,
    ``recency == T`` still active after T - 1 renewals.
    """
    if model != "sbg":
        raise UsageError(f"--model takes sbg for contractual retention; got {model!r}")
    path = Path(path)
    if not 0 < discount_rate < 10:
        raise UsageError(f"--discount-rate must be in (0, 10) for DERL (the sum diverges at 0); got {discount_rate:g}")
    if periods_ahead < 0:
        raise UsageError("--periods must be 0 or more")
    if renewals is not None and renewals < 0:
        raise UsageError("--renewals must be 0 or more")
    if cohort_size is not None and not cohort_size > 0:
        raise UsageError(f"--cohort-size must be a positive number of customers; got {cohort_size:g}")
    raw = read_delimited(path, delimiter=delimiter, header=header)
    cohort = None
    candidates = [cohort_col] if cohort_col else ["cohort", "cohorts"]
    for name in candidates:
        if name in raw.columns or (cohort_col and name.isdigit()):
            cohort = resolve_column(raw, name, "--cohort-col", path)
            break
    per_customer = "recency" in raw.columns and "T" in raw.columns and period_col not in raw.columns
    size_col = _size_column(raw, cohort_size_col, path) if not per_customer else None
    groups = raw.groupby(raw[cohort].str.strip(), sort=False) if cohort else [("all", raw)]
    cohorts: dict[str, Any] = {}
    for name, part in groups:
        scale: _Scale | None = None
        if per_customer:
            fit, observed, last_period, size = _fit_customers(part, path)
        else:
            given = _cohort_size_of(part, size_col, path) if size_col else cohort_size
            source = f"column {size_col}" if size_col else ("--cohort-size" if cohort_size is not None else None)
            fit, observed, last_period, size, scale = _fit_table(part, period_col, alive_col, path, given, source)
        result = _retention_result(fit, observed, last_period, size, discount_rate, periods_ahead, renewals)
        if scale is not None:
            result.update(scale.report(result))
        cohorts[str(name)] = result
    return {
        "model": "sbg",
        "input": {"file": str(path), "rows_read": int(len(raw)), "layout": "customers" if per_customer else "survival table",
                  "cohort_column": cohort},
        "discount_rate": discount_rate,
        "cohorts": cohorts,
        "warnings": [f"{name}: {c['message']}" for name, c in cohorts.items() if not c["converged"]],
        "definitions": RETENTION_DEFINITIONS,
    }


def _whole_numbers(text: pd.Series, what: str, path: Path, *, allow_fraction: bool = False) -> np.ndarray:
    values = pd.to_numeric(text.str.strip(), errors="coerce")
    bad = values.isna() | (values < 0)
    if not allow_fraction:
        bad |= values.fillna(0) != np.floor(values.fillna(0))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(f"{what} must be {'non-negative numbers' if allow_fraction else 'whole numbers >= 0'}; row {first + 1} has {text.iloc[first]!r}", file=str(path))
    return values.to_numpy(dtype=np.float64)


@dataclass(frozen=True)
class _Scale:
    """How a survival table's ``alive`` column was read: counts, or shares (with or without a size)."""

    unit: str                  # "customers", "fraction" or "percent"
    cohort_size: float | None  # customers at period 0 (given for shares, alive[0] for counts)
    size_source: str | None    # "alive at period 0", "--cohort-size", "column <name>", None

    def report(self, result: dict[str, Any]) -> dict[str, Any]:
        """The result's keys that depend on the cohort size: nulled with a reason without one."""
        out: dict[str, Any] = {"alive_unit": self.unit, "cohort_size_source": self.size_source, "no_standard_errors_reason": None}
        if self.cohort_size is None:
            out.update(standard_errors=None, loglik=None, n=None, cohort_size=None,
                       projection=[{**row, "expected_alive": None} for row in result["projection"]],
                       no_standard_errors_reason=(
                           f"alive holds shares ({self.unit}), not customers: the estimates do not depend on the scale, but "
                           "standard errors and log-likelihood depend on how many customers the shares are of; give "
                           "--cohort-size N or a cohort_size column"))
        return out


def _size_column(raw: pd.DataFrame, name: str | None, path: Path) -> str | None:
    if name:
        return resolve_column(raw, name, "--cohort-size-col", path)
    return "cohort_size" if "cohort_size" in raw.columns else None


def _cohort_size_of(part: pd.DataFrame, column: str, path: Path) -> float | None:
    """The one cohort size a cohort's rows give (blank rows repeat it); two different ones are an error."""
    values = pd.to_numeric(part[column].str.strip().replace("", pd.NA), errors="coerce")
    bad = part[column].str.strip().ne("").fillna(False) & (values.isna() | (values <= 0))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(f"{column!r} must be a positive number of customers; row {first + 1} has {part[column].iloc[first]!r}", file=str(path))
    distinct = values.dropna().unique()
    if len(distinct) > 1:
        raise InputDataError(f"{column!r} gives one cohort {len(distinct)} sizes ({', '.join(f'{v:g}' for v in sorted(distinct))})", file=str(path))
    return float(distinct[0]) if len(distinct) else None


def _alive_scale(text: pd.Series, alive: np.ndarray, given: float | None, source: str | None, path: Path, what: str) -> tuple[np.ndarray, _Scale]:
    """Counts as they are; shares (a non-whole value, or ``%``) scaled to ``given`` customers when given."""
    percent = bool(text.str.strip().str.endswith("%").any())
    whole = bool(np.all(alive == np.floor(alive)))
    if not percent and whole:
        if given is not None and given != alive[0]:
            raise InputDataError(f"{what} holds customers ({alive[0]:g} at period 0) but the cohort size given is {given:g}", file=str(path))
        return alive, _Scale("customers", float(alive[0]), "alive at period 0")
    unit = "percent" if percent or alive[0] > 1 else "fraction"
    if given is None:
        return alive, _Scale(unit, None, None)
    return alive / alive[0] * given, _Scale(unit, float(given), source)


def _fit_table(part: pd.DataFrame, period_col: str, alive_col: str, path: Path,
               given: float | None = None, source: str | None = None) -> tuple[SBGResult, list[float], int, float, _Scale]:
    period_name = resolve_column(part, period_col, "--period-col", path)
    alive_name = resolve_column(part, alive_col, "--alive-col", path)
    periods = _whole_numbers(part[period_name], f"{period_name!r}", path)
    alive_text = part[alive_name].str.strip().str.rstrip("%")
    alive = _whole_numbers(alive_text, f"{alive_name!r}", path, allow_fraction=True)
    order = np.argsort(periods, kind="stable")
    periods, alive = periods[order], alive[order]
    if len(periods) < 2 or not np.array_equal(periods, np.arange(len(periods))):
        raise InputDataError(f"{period_name!r} must run 0, 1, 2, ... without gaps or repeats (period 0 is the cohort size)", file=str(path))
    if np.any(np.diff(alive) > 0):
        k = int(np.flatnonzero(np.diff(alive) > 0)[0]) + 1
        raise InputDataError(f"{alive_name!r} must not increase: period {k} has {alive[k]:g} after {alive[k - 1]:g} (customers cannot come back)", file=str(path))
    if alive[0] <= 0:
        raise InputDataError(f"the cohort size ({alive_name!r} at period 0) must be positive", file=str(path))
    alive, scale = _alive_scale(part[alive_name], alive, given, source, path, repr(alive_name))
    fit = models.fit_sbg_survival(alive)
    return fit, (alive / alive[0]).tolist(), len(alive) - 1, float(alive[0]), scale


def _fit_customers(part: pd.DataFrame, path: Path) -> tuple[SBGResult, list[float], int, float]:
    recency = _whole_numbers(part["recency"], "'recency'", path)
    horizon = _whole_numbers(part["T"], "'T'", path)
    try:
        periods, churned = models.sbg_customers_from_recency(recency, horizon)
    except ValueError as exc:
        raise InputDataError(str(exc), file=str(path)) from None
    fit = models.fit_sbg_customers(periods, churned)
    last = int(horizon.max()) - 1
    # observed share alive at the start of each period t: not churned in periods 1..t
    t = np.arange(last + 1)
    churn_period = np.where(churned, periods, np.inf)
    observed = [(churn_period > k).mean() for k in t]
    return fit, [float(v) for v in observed], last, float(len(periods))


def _retention_result(fit: SBGResult, observed: list[float], last: int, size: float, d: float,
                      ahead: int, renewals: int | None) -> dict[str, Any]:
    n_renewals = last if renewals is None else renewals
    future = np.arange(last + 1, last + 1 + ahead)
    lifetime = fit.expected_lifetime()
    return {
        "model": fit.model,
        "params": {"alpha": fit.alpha, "beta": fit.beta} if fit.model == "sbg" else {"alpha": None, "beta": None},
        "geometric_churn": fit.geometric_churn,
        "standard_errors": fit.standard_errors,
        "loglik": fit.loglik,
        "n": fit.n,
        "converged": fit.converged,
        "message": fit.message,
        "cohort_size": size,
        "observed_periods": last,
        "observed_survival": observed,
        "fitted_survival": [float(v) for v in fit.survival(np.arange(last + 1))],
        "projection": [
            {"period": int(t), "survival": float(fit.survival(t)), "retention_rate": float(fit.retention_rate(t)),
             "expected_alive": float(size * fit.survival(t))}
            for t in future
        ],
        "expected_lifetime": None if not np.isfinite(lifetime) else lifetime,
        "expected_lifetime_capped": fit.expected_lifetime(horizon=LIFETIME_CAP_PERIODS),
        "lifetime_cap_periods": LIFETIME_CAP_PERIODS,
        "derl_renewals": n_renewals,
        "derl": fit.derl(d, n_renewals),
        "discount_rate": d,
    }
