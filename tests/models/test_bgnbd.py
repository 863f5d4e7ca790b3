"""BG/NBD on CDNOW, fitted from the raw transactions; see REFERENCE-FIGURES.md (a)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from segkit.models import (
    BGNBDParams,
    BGNBDResult,
    bgnbd_log_likelihood,
    conditional_expected_transactions,
    expected_transactions,
    fit_bgnbd,
    probability_alive,
    probability_of_n_purchases,
    summarise_transactions,
)
from segkit.models.bgnbd import _BGNBDObjective
from tests.conftest import shared_dataset

CDNOW_COLUMNS = ["master_id", "customer", "date", "cds", "amount"]
PAPER = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)



@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(shared_dataset("cdnow", "CDNOW_sample.txt"), sep=r"\s+", header=None, names=CDNOW_COLUMNS)
    return summarise_transactions(raw, "1997-09-30", date_format="%Y%m%d")


@pytest.fixture(scope="module")
def raw_fit(cdnow: pd.DataFrame) -> BGNBDResult:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_parameters_from_raw_transactions(raw_fit: BGNBDResult) -> None:
    assert raw_fit.converged, raw_fit.message
    assert raw_fit.n == 2357
    fitted = raw_fit.params.as_tuple()
    # tolerance: 0.5 % relative on each of r, alpha, a, b (FHL 2005: 0.243, 4.414, 0.793, 2.426)
    np.testing.assert_allclose(fitted, PAPER.as_tuple(), rtol=5e-3, err_msg="within 0.5% of FHL 2005")
    # independent scipy fit: LL -9582.43 (to 0.01)
    assert raw_fit.loglik == pytest.approx(-9582.43, abs=1e-2)


def test_parameters_from_published_summary_match_lifetimes_quickstart() -> None:
    summary = pd.read_csv(shared_dataset("cdnow", "cdnow_customers_summary.csv"))
    result = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    # lifetimes Quickstart prints 6 decimals: 0.242593, 4.413532, 0.792886, 2.425752; abs 5e-6
    np.testing.assert_allclose(
        result.params.as_tuple(), (0.242593, 4.413532, 0.792886, 2.425752), atol=5e-6,
        err_msg="equal to lifetimes' printed summary to 5e-6",
    )
    # Quickstart standard errors 0.012557, 0.378221, 0.185719, 0.705345 (printed 6 dp; rtol 1e-4)
    se = result.standard_errors
    np.testing.assert_allclose(
        [se["r"], se["alpha"], se["a"], se["b"]], [0.012557, 0.378221, 0.185719, 0.705345], rtol=1e-4
    )


def test_conditional_expectation_hardie_sheet(raw_fit: BGNBDResult) -> None:
    value = conditional_expected_transactions(raw_fit, 39, 2, 30.43, 38.86)
    # tolerance: abs 1e-3 on 1.226 (lifetimes test, Hardie's Excel sheet)
    assert value[0] == pytest.approx(1.226, abs=1e-3)


def test_unconditional_expectation_hardie_sheet(raw_fit: BGNBDResult) -> None:
    t = [0.1429, 1, 3, 31.8571, 32, 78]
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    # tolerance: decimal=3, i.e. |diff| < 1.5e-3
    np.testing.assert_array_almost_equal(expected_transactions(raw_fit, t), expected, decimal=3)


def test_probability_alive_independent_check() -> None:
    quickstart = BGNBDParams(0.242593, 4.413532, 0.792886, 2.425752)
    # independent check: 0.7266 with the Quickstart params (to 1e-4)
    assert probability_alive(quickstart, 2, 30.43, 38.86)[0] == pytest.approx(0.7266, abs=1e-4)
    assert probability_alive(quickstart, 0, 0, 38.86)[0] == 1.0  # no repeat purchase: alive


def test_probability_of_n_purchases_r_btyd() -> None:
    # tolerance 1e-4 for the first two (lifetimes test vs R BTYD)
    assert probability_of_n_purchases(PAPER, 2, 10) == pytest.approx(1.07869e-07, abs=1e-4)
    assert probability_of_n_purchases(PAPER, 39, 0) == pytest.approx(0.5737864, abs=1e-4)
    expected = [
        0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638,
        0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260,
    ]
    # tolerance: decimal=5
    np.testing.assert_array_almost_equal(probability_of_n_purchases(PAPER, 30, np.arange(11, 21)), expected, decimal=5)
    # tighter than published: they agree to the printed precision (R BTYD, ~8 digits): rtol 1e-6
    np.testing.assert_allclose(probability_of_n_purchases(PAPER, 30, np.arange(11, 21)), expected, rtol=1e-6)


def test_probabilities_sum_to_one_and_match_mean() -> None:
    n = np.arange(0, 4000)
    pmf = probability_of_n_purchases(PAPER, 39, n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    assert (n * pmf).sum() == pytest.approx(expected_transactions(PAPER, 39), rel=1e-4)


def test_note_027_log_likelihood() -> None:
    params = BGNBDParams(r=0.25, alpha=4.0, a=0.80, b=2.50)
    values = bgnbd_log_likelihood(params, [0, 200], [0, 38], [40, 40])
    # tolerance: decimal=5 (pymc-marketing test_numerically_stable_logp, Hardie note 027)
    np.testing.assert_array_almost_equal(values, [-0.59947382, 100.7957], decimal=5)
    assert values[0] == pytest.approx(-0.59947382, abs=1e-8)  # published to 8 decimals


def test_objective_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    x = cdnow["x"].to_numpy(dtype=float)
    objective = _BGNBDObjective(x, cdnow["t_x"].to_numpy(), cdnow["T"].to_numpy(), np.ones(x.size))
    for point in (np.log([0.3, 3.0, 1.2, 1.7]), np.log([2.0, 10.0, 0.2, 8.0])):
        numeric = approx_fprime(point, lambda p: objective(p)[0], 1e-7)
        np.testing.assert_allclose(objective(point)[1], numeric, rtol=1e-4, atol=1e-6)
        full = bgnbd_log_likelihood(BGNBDParams(*np.exp(point)), x, cdnow["t_x"], cdnow["T"]).mean()
        assert -objective(point)[0] == pytest.approx(full, rel=1e-12)


def test_weights_equal_duplicated_rows(cdnow: pd.DataFrame) -> None:
    head = cdnow.iloc[:600]
    weights = np.tile([1.0, 2.0, 0.0], 200)
    weighted = fit_bgnbd(head["x"], head["t_x"], head["T"], weights=weights)
    repeated = head.loc[head.index.repeat(weights.astype(int))]
    duplicated = fit_bgnbd(repeated["x"], repeated["t_x"], repeated["T"])
    np.testing.assert_allclose(weighted.params.as_tuple(), duplicated.params.as_tuple(), rtol=1e-6)


def test_large_frequencies_stay_finite() -> None:
    values = conditional_expected_transactions(PAPER, 52, [0, 50, 500, 5000], [0, 38, 38.9, 39], [39, 39, 39, 39])
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert values[3] > values[1]  # heavier buyer still active at the end buys more


@pytest.mark.parametrize(("a", "b"), [(1.0, 2.4), (0.5, 0.5), (0.3, 0.7)])
def test_removable_singularities_a_equal_one_and_a_plus_b_equal_one(a: float, b: float) -> None:
    """a = 1 (0/0 in eq. 9/10) and a + b = 1 (2F1 pole): value is the limit of its neighbours."""
    def value(a_value: float) -> np.ndarray:
        params = BGNBDParams(0.24, 4.4, a_value, b)
        return np.concatenate([
            expected_transactions(params, [1.0, 39.0]),
            conditional_expected_transactions(params, 39, [0, 2, 10], [0, 30, 35], [39, 39, 39]),
        ])

    at_singularity = value(a)
    assert np.all(np.isfinite(at_singularity))
    neighbours = 0.5 * (value(a + 1e-3) + value(a - 1e-3))
    np.testing.assert_allclose(at_singularity, neighbours, rtol=1e-5)  # O(1e-6) curvature term


@pytest.mark.parametrize(
    ("params", "t", "x", "T"),
    [
        (BGNBDParams(r=0.01, alpha=0.01, a=0.01, b=4.0), 5.0, 0, 0.0),  # scipy gives NaN
        (BGNBDParams(r=1.0, alpha=1.0, a=2.0, b=1.0), 10.0, 99, 0.5),  # scipy gives inf
    ],
)
def test_scipy_hyp2f1_failures_are_avoided(params: BGNBDParams, t: float, x: int, T: float) -> None:
    """r - a + 1 + x exactly an integer trips scipy's hyp2f1; neighbours give the value (1e-7)."""
    t_x = T  # repeat purchases need t_x > 0; the singularity depends on the parameters, not t_x
    value = conditional_expected_transactions(params, t, [x], [t_x], [T])[0]
    assert np.isfinite(value) and value > 0
    nearby = BGNBDParams(params.r * (1 + 1e-7), params.alpha, params.a, params.b)
    assert value == pytest.approx(conditional_expected_transactions(nearby, t, [x], [t_x], [T])[0], rel=1e-5)


def test_non_identified_data_report_failure() -> None:
    """Nobody repeats: r -> 0 and a, b are not identified. Must say so, not return numbers."""
    result = fit_bgnbd(np.zeros(50), np.zeros(50), np.linspace(1, 40, 50), n_restarts=2)
    assert not result.converged
    assert result.starts == 3
    assert "3 starts" in result.message and "not identified" in result.message
    with pytest.raises(ValueError, match="did not converge"):
        conditional_expected_transactions(result, 10, [0], [0], [10])
    # explicit override still works
    assert np.isfinite(probability_alive(result, [0], [0], [10], allow_unconverged=True)).all()


def test_degenerate_dropout_reports_failure() -> None:
    """First 100 CDNOW customers: a, b -> 0 (no interior maximum); every restart fails too."""
    summary = pd.read_csv(shared_dataset("cdnow", "cdnow_customers_summary.csv")).iloc[:100]
    result = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    assert not result.converged
    assert result.starts == 6
    assert "bound" in result.message


def test_invalid_inputs_raise() -> None:
    with pytest.raises(ValueError, match="t_x exceeds T"):
        fit_bgnbd([1, 2], [3.0, 5.0], [4.0, 4.0])
    with pytest.raises(ValueError, match="whole numbers"):
        fit_bgnbd([1.5], [1.0], [2.0])
    with pytest.raises(ValueError, match="same length"):
        fit_bgnbd([1, 2], [1.0], [2.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        fit_bgnbd([1, np.nan], [1.0, 0.0], [2.0, 2.0])
    with pytest.raises(ValueError, match="positive"):
        BGNBDParams(r=-1.0, alpha=1.0, a=1.0, b=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        expected_transactions(PAPER, [-1.0])
