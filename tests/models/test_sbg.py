"""sBG retention model: Fader & Hardie (2007) figures, see shared/REFERENCE-FIGURES.md (b)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from segkit.models import (
    SBGResult,
    fit_sbg_customers,
    fit_sbg_survival,
    sbg_churn_probability,
    sbg_customers_from_recency,
    sbg_derl,
    sbg_expected_lifetime,
    sbg_retention_rate,
    sbg_survival,
)
from segkit.models.sbg import _sbg_objective
from tests.conftest import shared_dataset

REGULAR_ALIVE = (1000, 631, 468, 382, 326, 289, 262, 241)
HIGH_END_ALIVE = (1000, 869, 743, 653, 593, 551, 517, 491)
PUBLISHED = {"regular": (0.704, 1.182), "highend": (0.668, 3.806)}
PROJECTED_PCT = {
    "regular": [22.0, 20.4, 19.1, 18.0, 17.0],
    "highend": [46.0, 43.6, 41.4, 39.5, 37.8],
}



def assert_published(result: SBGResult, cohort: str) -> None:
    alpha, beta = PUBLISHED[cohort]
    assert result.converged, result.message
    assert result.model == "sbg"
    # tolerance: 0.5 % relative on each parameter
    assert result.alpha == pytest.approx(alpha, rel=5e-3), f"{cohort} alpha within 0.5% of {alpha}"
    assert result.beta == pytest.approx(beta, rel=5e-3), f"{cohort} beta within 0.5% of {beta}"


@pytest.mark.parametrize(
    ("cohort", "alive", "loglik"),
    [("regular", REGULAR_ALIVE, -1680.265), ("highend", HIGH_END_ALIVE, -1611.158)],
)
def test_fit_from_survival_table_reproduces_paper(cohort: str, alive: tuple[int, ...], loglik: float) -> None:
    result = fit_sbg_survival(alive)
    assert_published(result, cohort)
    assert result.n == 1000
    # independent scipy fit: LL to 1e-3 absolute
    assert result.loglik == pytest.approx(loglik, abs=1e-3), "LL within 1e-3 of the independent fit"
    assert result.params == {"alpha": result.alpha, "beta": result.beta}


@pytest.mark.parametrize("cohort", ["regular", "highend"])
def test_projections_years_8_to_12(cohort: str) -> None:
    alive = REGULAR_ALIVE if cohort == "regular" else HIGH_END_ALIVE
    result = fit_sbg_survival(alive)
    projected = 100.0 * result.survival(np.arange(8, 13))
    # tolerance: to 0.1 percentage point, i.e. equal after rounding to one decimal
    np.testing.assert_allclose(np.round(projected, 1), PROJECTED_PCT[cohort], atol=1e-9)


def test_projections_against_paper_holdout_file() -> None:
    """Actual years 8-12 are a bit above the projection; the paper's fit underpredicts by <1.7 pts."""
    table = pd.read_csv(shared_dataset("sbg", "fader_hardie_2007_pct_alive.csv"))
    for cohort, column, alive in [
        ("regular", "regular_pct_alive", REGULAR_ALIVE),
        ("highend", "highend_pct_alive", HIGH_END_ALIVE),
    ]:
        result = fit_sbg_survival(alive)
        years = table["year"].to_numpy()
        projected = 100.0 * result.survival(years)
        actual = table[column].to_numpy()
        # calibration years 0-7 come from the same counts: equal to 0.05 pct points (rounding)
        np.testing.assert_allclose(100.0 * np.asarray(alive) / 1000, actual[:8], atol=0.05)
        # holdout gap stated in REFERENCE-FIGURES (b): between 0 and 1.7 points low
        gap = actual[8:] - projected[8:]
        assert np.all((gap > 0) & (gap < 1.7)), f"{cohort} holdout gap {gap}"


def test_derl_high_end_after_seven_renewals() -> None:
    result = fit_sbg_survival(HIGH_END_ALIVE)
    # tolerance: 0.01 on 7.5296 (REFERENCE-FIGURES (b)); n - 1 = 7 renewals
    assert result.derl(0.10, renewals=7) == pytest.approx(7.5296, abs=1e-2)
    assert result.derl(0.10, renewals=7) == pytest.approx(7.53, abs=1e-2)
    # the n - 1 = 6 convention gives 7.3447 (to 1e-3), which is why the argument is explicit
    assert result.derl(0.10, renewals=6) == pytest.approx(7.3447, abs=1e-3)


def test_fit_from_per_customer_file_matches_counts() -> None:
    frame = pd.read_csv(shared_dataset("sbg", "sbg_paper.csv"))
    assert len(frame) == 2000
    for cohort, counts in [("regular", REGULAR_ALIVE), ("highend", HIGH_END_ALIVE)]:
        rows = frame[frame["cohorts"] == cohort]
        periods, churned = sbg_customers_from_recency(rows["recency"], rows["T"])
        result = fit_sbg_customers(periods, churned)
        assert_published(result, cohort)
        from_counts = fit_sbg_survival(counts)
        # same likelihood, so same optimum: 1e-6 relative
        assert result.alpha == pytest.approx(from_counts.alpha, rel=1e-6)
        assert result.beta == pytest.approx(from_counts.beta, rel=1e-6)
        assert result.loglik == pytest.approx(from_counts.loglik, rel=1e-9)


def test_closed_forms_are_consistent() -> None:
    alpha, beta = 0.668, 3.806
    t = np.arange(1, 30)
    survival = sbg_survival(np.arange(0, 30), alpha, beta)
    assert survival[0] == 1.0
    # P(T = t) = S(t-1) - S(t) and r_t = S(t) / S(t-1), to 1e-12
    np.testing.assert_allclose(sbg_churn_probability(t, alpha, beta), survival[:-1] - survival[1:], atol=1e-12)
    np.testing.assert_allclose(sbg_retention_rate(t, alpha, beta), survival[1:] / survival[:-1], rtol=1e-12)
    assert sbg_churn_probability(0, alpha, beta) == 0.0
    # alpha <= 1: infinite mean; truncated mean is the sum of S(t)
    assert sbg_expected_lifetime(alpha, beta) == float("inf")
    assert sbg_expected_lifetime(alpha, beta, horizon=30) == pytest.approx(survival.sum(), rel=1e-12)
    # alpha > 1: (alpha + beta - 1) / (alpha - 1), checked against a long partial sum (1e-3)
    long_sum = sbg_survival(np.arange(0, 200_000), 3.0, 2.0).sum()
    assert sbg_expected_lifetime(3.0, 2.0) == pytest.approx(2.0, rel=1e-12)
    assert long_sum == pytest.approx(2.0, rel=1e-3)
    # DERL equals the defining discounted sum (1e-9)
    renewals, d = 4, 0.1
    k = np.arange(0, 2000)
    n = renewals + 1
    direct = np.sum(sbg_survival(n + k, alpha, beta) / sbg_survival(n - 1, alpha, beta) / (1 + d) ** k)
    assert sbg_derl(alpha, beta, d, renewals) == pytest.approx(direct, rel=1e-9)


def test_analytic_gradient_matches_finite_differences() -> None:
    churn = np.arange(1.0, 8.0)
    lost = -np.diff(np.asarray(HIGH_END_ALIVE, dtype=float))
    objective = _sbg_objective(churn, lost, np.array([7.0]), np.array([491.0]), 1000.0)
    point = np.log([0.5, 2.0])
    numeric = approx_fprime(point, lambda p: objective(p)[0], 1e-7)
    np.testing.assert_allclose(objective(point)[1], numeric, rtol=1e-5, atol=1e-7)


def test_homogeneous_data_falls_back_to_geometric() -> None:
    alive = 1000 * 0.9 ** np.arange(6)  # exactly constant 10 % churn: no heterogeneity
    result = fit_sbg_survival(alive)
    assert not result.converged
    assert result.model == "geometric"
    assert "fell back" in result.message and "geometric" in result.message
    assert result.geometric_churn == pytest.approx(0.1, rel=1e-9)
    np.testing.assert_allclose(result.survival([0, 1, 2]), [1.0, 0.9, 0.81], rtol=1e-9)
    np.testing.assert_allclose(result.retention_rate([1, 5]), [0.9, 0.9], rtol=1e-9)
    assert result.expected_lifetime() == pytest.approx(10.0, rel=1e-9)
    # geometric DERL (1 - p)(1 + d)/(d + p) = 0.9 * 1.1 / 0.2
    assert result.derl(0.1, renewals=3) == pytest.approx(4.95, rel=1e-9)
    assert np.isnan(result.alpha) and np.isnan(result.beta)


def test_fallback_can_be_disabled() -> None:
    result = fit_sbg_survival([10, 5, 5], fallback=False)
    assert not result.converged
    assert result.model == "sbg"
    assert "bound" in result.message


@pytest.mark.parametrize(
    ("alive", "match"),
    [
        ([1000, 1100, 900], "non-increasing"),
        ([1000, -1, -2], "non-negative"),
        ([0, 0, 0], "cohort size"),
        ([1000], "at least two"),
        ([1000, np.nan], "NaN"),
    ],
)
def test_invalid_survival_tables_raise(alive: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_sbg_survival(alive)


def test_invalid_customer_inputs_raise() -> None:
    with pytest.raises(ValueError, match="churn period must be >= 1"):
        fit_sbg_customers([0, 2], [True, False])
    with pytest.raises(ValueError, match="non-negative"):
        fit_sbg_customers([-1, 2], [False, False])
    with pytest.raises(ValueError, match="same length"):
        fit_sbg_customers([1, 2], [True])
    with pytest.raises(ValueError, match="recency must not exceed T"):
        sbg_customers_from_recency([9], [8])
    with pytest.raises(ValueError, match="discount_rate"):
        sbg_derl(0.7, 1.2, 0.0, 3)
    with pytest.raises(ValueError, match="t >= 1"):
        sbg_retention_rate([0], 0.7, 1.2)
