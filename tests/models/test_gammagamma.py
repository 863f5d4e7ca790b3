"""Gamma-Gamma spend model and CLV on CDNOW from the raw transactions; REFERENCE-FIGURES.md (a)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from segkit.models import (
    BGNBDParams,
    BGNBDResult,
    GammaGammaParams,
    GammaGammaResult,
    bootstrap_segment_clv,
    clv_lifetimes_convention,
    conditional_expected_transactions,
    conditional_expected_value,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    predict_customers,
    summarise_transactions,
)
from segkit.models.gammagamma import _GammaGammaObjective
from tests.conftest import shared_dataset

CDNOW_COLUMNS = ["master_id", "customer", "date", "cds", "amount"]
NOTE_025 = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
LIFETIMES_CLV = [
    140.096211, 18.943467, 38.180574, 38.180574, 38.180574,
    1003.868107, 28.109683, 38.180574, 167.418216, 38.180574,
]



@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(shared_dataset("cdnow", "CDNOW_sample.txt"), sep=r"\s+", header=None, names=CDNOW_COLUMNS)
    return summarise_transactions(raw, "1997-09-30", date_format="%Y%m%d")


@pytest.fixture(scope="module")
def fits(cdnow: pd.DataFrame) -> tuple[BGNBDResult, GammaGammaResult]:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"]), fit_gamma_gamma(cdnow["x"], cdnow["zbar"])


def test_parameters_from_raw_transactions(fits: tuple[BGNBDResult, GammaGammaResult]) -> None:
    _, spend = fits
    assert spend.converged, spend.message
    assert spend.n == 946  # only customers with x > 0
    # tolerance: 0.5 % relative on p, q, gamma (note 025: 6.25, 3.74, 15.44)
    np.testing.assert_allclose(spend.params.as_tuple(), NOTE_025.as_tuple(), rtol=5e-3, err_msg="within 0.5%")
    # independent fit on the stored file gave 6.2488, 3.7446, 15.4477; raw zbar is unrounded: 0.1 %
    np.testing.assert_allclose(spend.params.as_tuple(), (6.2488, 3.7446, 15.4477), rtol=1e-3)


def test_parameters_from_stored_file_match_independent_fit() -> None:
    stored = pd.read_csv(shared_dataset("cdnow", "cdnow_customers_summary_with_transactions.csv"))
    spend = fit_gamma_gamma(stored["x"], stored["zbar"])
    # independent scipy fit, printed to 4 dp: abs 1e-4
    np.testing.assert_allclose(spend.params.as_tuple(), (6.2488, 3.7446, 15.4477), atol=1e-4)
    # mean E(M) over all 2,357 customers 35.2528 (independent check), to 1e-3
    assert conditional_expected_value(spend, stored["x"], stored["zbar"]).mean() == pytest.approx(35.2528, abs=1e-3)


def test_expected_value_first_ten_customers(cdnow: pd.DataFrame) -> None:
    first = cdnow.loc[1:10]
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    # tolerance: atol 0.1 (lifetimes test, Hardie's spreadsheet), params fixed at 6.25, 3.74, 15.44
    np.testing.assert_allclose(conditional_expected_value(NOTE_025, first["x"], first["zbar"]), expected, atol=0.1)


def test_clv_lifetimes_convention_from_raw(cdnow: pd.DataFrame, fits: tuple[BGNBDResult, GammaGammaResult]) -> None:
    transactions, spend = fits
    first = cdnow.loc[1:10]
    values = clv_lifetimes_convention(
        transactions, spend, first["x"], first["t_x"], first["T"], first["zbar"], time=12, discount_rate=0.01, freq="D"
    )
    # tolerance: 1e-3 relative (raw data and own fits vs lifetimes' printed output)
    np.testing.assert_allclose(values, LIFETIMES_CLV, rtol=1e-3)


def test_clv_lifetimes_convention_from_stored_summary_is_tighter() -> None:
    stored = pd.read_csv(shared_dataset("cdnow", "cdnow_customers_summary_with_transactions.csv"))
    transactions = fit_bgnbd(stored["x"], stored["t_x"], stored["T"])
    spend = fit_gamma_gamma(stored["x"], stored["zbar"])
    first = stored.iloc[:10]
    values = clv_lifetimes_convention(transactions, spend, first["x"], first["t_x"], first["T"], first["zbar"])
    # same inputs as lifetimes' Quickstart: 1e-5 relative (printed to 6 dp)
    np.testing.assert_allclose(values, LIFETIMES_CLV, rtol=1e-5)


def test_clv_definition(cdnow: pd.DataFrame, fits: tuple[BGNBDResult, GammaGammaResult]) -> None:
    transactions, spend = fits
    rows = cdnow.iloc[:50]
    x, t_x, T, zbar = rows["x"], rows["t_x"], rows["T"], rows["zbar"]
    month_in_weeks = 365.25 / 12 / 7
    value = customer_lifetime_value(
        transactions, spend, x, t_x, T, zbar, step_length=month_in_weeks, n_steps=24, discount_rate=0.01
    )
    # rebuild the sum term by term (1e-10 relative)
    cumulative = [conditional_expected_transactions(transactions, k * month_in_weeks, x, t_x, T) for k in range(25)]
    expected_value = conditional_expected_value(spend, x, zbar)
    direct = sum(expected_value * (cumulative[k] - cumulative[k - 1]) / 1.01**k for k in range(1, 25))
    np.testing.assert_allclose(value, direct, rtol=1e-10)
    # no discounting: CLV = E(M) * E[Y(horizon)]
    undiscounted = customer_lifetime_value(
        transactions, expected_value, x, t_x, T, step_length=month_in_weeks, n_steps=24, discount_rate=0.0
    )
    np.testing.assert_allclose(undiscounted, expected_value * cumulative[24], rtol=1e-10)
    assert np.all(value < undiscounted + 1e-12)


def test_predict_customers_table(cdnow: pd.DataFrame, fits: tuple[BGNBDResult, GammaGammaResult]) -> None:
    transactions, spend = fits
    table = predict_customers(transactions, spend, cdnow, step_length=4.0, n_steps=13, discount_rate=0.01)
    assert list(table.columns) == ["p_alive", "expected_purchases", "expected_value", "clv"]
    assert table.index.equals(cdnow.index)
    assert table["p_alive"].between(0, 1).all()
    assert (table["clv"] >= 0).all() and np.isfinite(table["clv"]).all()


def test_bootstrap_is_seeded_and_brackets_point(
    cdnow: pd.DataFrame, fits: tuple[BGNBDResult, GammaGammaResult]
) -> None:
    transactions, spend = fits
    segments = np.where(cdnow["monetary_total"] > 50, "high", "low")
    options = {"step_length": 52 / 12, "n_steps": 12, "discount_rate": 0.01, "n_boot": 30, "seed": 7}
    first = bootstrap_segment_clv(cdnow, segments, transactions_fit=transactions, spend_fit=spend, **options)
    second = bootstrap_segment_clv(cdnow, segments, transactions_fit=transactions, spend_fit=spend, **options)
    pd.testing.assert_frame_equal(first.table, second.table)  # same seed, same numbers
    table = first.table
    assert table.index.tolist() == ["high", "low"]
    assert table["n_customers"].sum() == len(cdnow)
    assert (table["n_boot"] + table["failed_replicates"] == 30).all()
    assert ((table["lower"] < table["clv_sum"]) & (table["clv_sum"] < table["upper"])).all()
    point = customer_lifetime_value(
        transactions, spend, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"],
        step_length=52 / 12, n_steps=12, discount_rate=0.01,
    )
    assert table["clv_sum"].sum() == pytest.approx(point.sum(), rel=1e-12)
    other_seed = bootstrap_segment_clv(
        cdnow, segments, transactions_fit=transactions, spend_fit=spend, **{**options, "seed": 8}
    )
    assert not np.allclose(other_seed.table["lower"], table["lower"])


def test_bootstrap_without_segments(cdnow: pd.DataFrame) -> None:
    result = bootstrap_segment_clv(cdnow.iloc[:800], step_length=4.0, n_steps=6, discount_rate=0.01, n_boot=5)
    assert result.table.index.tolist() == ["all"]
    assert result.replicates.shape[1] == 1


def test_objective_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    repeaters = cdnow[cdnow["x"] > 0]
    x = repeaters["x"].to_numpy(dtype=float)
    zbar = repeaters["zbar"].to_numpy()
    objective = _GammaGammaObjective(x, zbar, np.ones(x.size))
    point = np.log([5.0, 3.0, 12.0])
    numeric = approx_fprime(point, lambda p: objective(p)[0], 1e-7)
    np.testing.assert_allclose(objective(point)[1], numeric, rtol=1e-5, atol=1e-7)
    direct = gamma_gamma_log_likelihood(GammaGammaParams(*np.exp(point)), x, zbar).mean()
    assert -objective(point)[0] == pytest.approx(direct, rel=1e-12)


def test_unconverged_models_are_refused() -> None:
    failed = GammaGammaResult(
        params=NOTE_025, loglik=np.nan, n=1.0, converged=False, message="test", iterations=0, starts=1
    )
    with pytest.raises(ValueError, match="did not converge"):
        conditional_expected_value(failed, [1], [10.0])
    assert conditional_expected_value(failed, [1], [10.0], allow_unconverged=True)[0] > 0


def test_invalid_inputs_raise() -> None:
    params = BGNBDParams(0.243, 4.414, 0.793, 2.426)
    with pytest.raises(ValueError, match="zbar must be positive"):
        fit_gamma_gamma([1, 2], [0.0, 5.0])
    with pytest.raises(ValueError, match="at least one customer"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="infinite"):
        conditional_expected_value(GammaGammaParams(1.0, 0.5, 1.0), [1], [1.0])
    with pytest.raises(ValueError, match="zbar is required"):
        customer_lifetime_value(params, NOTE_025, [1], [1.0], [2.0], step_length=1, n_steps=1, discount_rate=0.0)
    with pytest.raises(ValueError, match="step_length"):
        customer_lifetime_value(params, [1.0], [1], [1.0], [2.0], step_length=0, n_steps=1, discount_rate=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        customer_lifetime_value(params, [1.0], [1], [1.0], [2.0], step_length=1, n_steps=0, discount_rate=0.0)
    with pytest.raises(ValueError, match="freq"):
        clv_lifetimes_convention(params, NOTE_025, [1], [1.0], [2.0], [1.0], freq="Y")  # type: ignore[arg-type]
