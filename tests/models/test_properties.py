"""Property tests: invariants that must hold for any valid parameters and data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.models import (
    BGNBDParams,
    GammaGammaParams,
    bgnbd_log_likelihood,
    conditional_expected_transactions,
    conditional_expected_value,
    expected_transactions,
    fit_sbg_survival,
    probability_alive,
    probability_of_n_purchases,
    sbg_churn_probability,
    sbg_survival,
    summarise_transactions,
)

positive = st.floats(min_value=0.01, max_value=100.0, allow_nan=False, allow_infinity=False)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def rfm_rows(draw: st.DrawFn, max_size: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid (x, t_x, T): t_x <= T, t_x = 0 when x = 0, and t_x > 0 when x > 0 (repeat purchases
    fall on later days, since same-day purchases are merged)."""
    size = draw(st.integers(min_value=1, max_value=max_size))
    T = np.array(draw(st.lists(st.floats(0.01, 500.0), min_size=size, max_size=size)))
    x = np.array(draw(st.lists(st.integers(0, 300), min_size=size, max_size=size)), dtype=float)
    share = np.array(draw(st.lists(st.floats(0.001, 1.0), min_size=size, max_size=size)))
    t_x = np.where(x > 0, share * T, 0.0)
    return x, t_x, T


# a is capped at 20: for a ~ 50+ with t >> alpha + T, scipy's hyp2f1 overflows and the
# conditional expectation is NaN (documented in docs/clv-models.md); fitted a is ~0.1-5 in practice.
bgnbd_params = st.builds(
    BGNBDParams, r=positive, alpha=positive, a=st.floats(min_value=0.01, max_value=20.0), b=positive
)


@FAST
@given(alpha=positive, beta=positive)
def test_sbg_survival_is_a_survival_curve(alpha: float, beta: float) -> None:
    t = np.arange(0, 60)
    survival = sbg_survival(t, alpha, beta)
    assert survival[0] == 1.0
    assert np.all((survival >= 0) & (survival <= 1))
    assert np.all(np.diff(survival) <= 1e-15)  # non-increasing
    # churn probabilities and what is left always add up to one (1e-9)
    total = sbg_churn_probability(np.arange(1, 60), alpha, beta).sum() + survival[-1]
    assert abs(total - 1.0) < 1e-9


@FAST
@given(st.lists(st.integers(0, 400), min_size=1, max_size=8), st.integers(1, 2000))
def test_sbg_fit_on_any_table_is_converged_or_says_fallback(losses: list[int], cohort: int) -> None:
    alive = np.maximum(cohort - np.cumsum([0, *losses]), 0)
    result = fit_sbg_survival(alive)
    assert np.isfinite(result.loglik)
    if result.converged:
        assert result.model == "sbg" and result.alpha > 0 and result.beta > 0
    else:
        assert result.model == "geometric" and "fell back" in result.message
        assert 0.0 <= (result.geometric_churn or 0.0) <= 1.0
    survival = result.survival(np.arange(0, 20))
    assert np.all((survival >= 0) & (survival <= 1 + 1e-12)) and np.all(np.diff(survival) <= 1e-12)


@FAST
@given(params=bgnbd_params, rows=rfm_rows())
def test_bgnbd_log_likelihood_is_finite(params: BGNBDParams, rows: tuple[np.ndarray, ...]) -> None:
    x, t_x, T = rows
    assert np.all(np.isfinite(bgnbd_log_likelihood(params, x, t_x, T)))


@FAST
@given(params=bgnbd_params, rows=rfm_rows(), t=st.floats(0.0, 200.0))
def test_bgnbd_predictions_are_probabilities_and_counts(
    params: BGNBDParams, rows: tuple[np.ndarray, ...], t: float
) -> None:
    x, t_x, T = rows
    alive = probability_alive(params, x, t_x, T)
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(alive[x == 0] == 1.0)
    expected = conditional_expected_transactions(params, np.array([[t], [t + 10.0]]), x, t_x, T)
    assert np.all(np.isfinite(expected))
    assert np.all(expected >= -1e-9)
    # more time, more purchases (tolerance 1e-7 relative for hyp2f1 round-off)
    assert np.all(expected[1] >= expected[0] * (1 - 1e-7) - 1e-12)


@FAST
@given(params=bgnbd_params, t=st.floats(0.01, 100.0))
def test_purchase_count_distribution(params: BGNBDParams, t: float) -> None:
    pmf = probability_of_n_purchases(params, t, np.arange(0, 200))
    assert np.all(pmf >= 0)
    assert pmf.sum() <= 1 + 1e-9
    assert np.isfinite(expected_transactions(params, t)) or params.a == 1.0  # a = 1: 0/0 in eq. 9


@FAST
@given(p=positive, q=st.floats(1.05, 50.0), gamma=positive, x=st.integers(0, 200), zbar=st.floats(0.01, 1e4))
def test_expected_value_shrinks_between_zbar_and_population_mean(
    p: float, q: float, gamma: float, x: int, zbar: float
) -> None:
    params = GammaGammaParams(p, q, gamma)
    value = conditional_expected_value(params, [x], [zbar if x > 0 else 0.0])[0]
    mean = params.population_mean_value
    if x == 0:
        assert abs(value - mean) <= 1e-9 * mean
    else:
        low, high = min(zbar, mean), max(zbar, mean)
        assert low * (1 - 1e-9) <= value <= high * (1 + 1e-9)


@st.composite
def transaction_frames(draw: st.DrawFn) -> pd.DataFrame:
    size = draw(st.integers(1, 60))
    customers = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=size, max_size=size))
    offsets = draw(st.lists(st.integers(0, 400), min_size=size, max_size=size))
    minutes = draw(st.lists(st.integers(0, 1439), min_size=size, max_size=size))
    amounts = draw(st.lists(st.floats(0.0, 1000.0), min_size=size, max_size=size))
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(offsets, unit="D") + pd.to_timedelta(minutes, unit="min")
    return pd.DataFrame({"customer": customers, "date": dates, "amount": amounts})


@settings(max_examples=80, deadline=None)
@given(frame=transaction_frames(), cutoff=st.integers(0, 400), unit=st.sampled_from(["days", "weeks", "months"]))
def test_summary_invariants(frame: pd.DataFrame, cutoff: int, unit: str) -> None:
    end = pd.Timestamp("2023-01-01") + pd.Timedelta(days=cutoff)
    kept = frame[frame["date"].dt.normalize() <= end]
    if kept.empty:
        return
    summary = summarise_transactions(frame, end, time_unit=unit)  # type: ignore[arg-type]
    assert (summary["x"] >= 0).all()
    assert (summary["t_x"] >= 0).all() and (summary["t_x"] <= summary["T"]).all()
    assert (summary.loc[summary["x"] == 0, "t_x"] == 0).all()
    assert (summary["zbar"] >= 0).all()
    # x + 1 = distinct purchase days; every customer with a calibration purchase appears once
    days = kept.assign(day=kept["date"].dt.normalize()).groupby("customer")["day"].nunique()
    assert summary["x"].add(1).sort_index().tolist() == days.sort_index().tolist()
    assert abs(summary["monetary_total"].sum() - kept["amount"].sum()) <= 1e-6 * max(1.0, kept["amount"].sum())
