"""segkit.metrics.significance gives scipy.stats' figures (it exists so runs need not import it).

Each test draws inputs and compares with the scipy.stats function the docstring names: the
statistics to 1e-12 relative, the Kaplan-Meier curve and its interval exactly (the same arithmetic),
and Fisher's p-value to 1e-9 (the hypergeometric probabilities come from another route).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from segkit.metrics import significance
from segkit.metrics.survival import logrank_k_sample
from tests.conftest import REPO

counts = st.integers(min_value=0, max_value=400)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=1, max_value=5000), min_size=2, max_size=2), min_size=2, max_size=12))
def test_contingency_is_chi2_contingency(rows: list[list[int]]) -> None:
    observed = np.array(rows)
    got = significance.contingency(observed)
    chi2, p, dof, expected = stats.chi2_contingency(observed, correction=False)
    g, g_p, _, _ = stats.chi2_contingency(observed, correction=False, lambda_="log-likelihood")
    assert got.dof == dof
    np.testing.assert_array_equal(got.expected, expected)
    np.testing.assert_allclose([got.chi2, got.p_value, got.g, got.g_p_value], [chi2, p, g, g_p], rtol=1e-12, atol=1e-300)


def test_contingency_with_a_zero_cell_is_scipys() -> None:
    observed = np.array([[0, 7], [5, 3], [9, 0]])
    got = significance.contingency(observed)
    want = stats.chi2_contingency(observed, correction=False, lambda_="log-likelihood")
    assert got.g == pytest.approx(want.statistic, rel=1e-12) and got.g_p_value == pytest.approx(want.pvalue, rel=1e-12)


def test_a_table_with_an_empty_column_is_refused() -> None:
    with pytest.raises(ValueError, match="no count"):
        significance.contingency(np.array([[0, 3], [0, 4]]))


@settings(max_examples=500, deadline=None)
@given(counts, counts, counts, counts)
def test_fisher_is_fisher_exact(a: int, b: int, c: int, d: int) -> None:
    table = [[a, b], [c, d]]
    want = stats.fisher_exact(table, alternative="two-sided").pvalue
    got = significance.fisher_two_sided(table)
    assert 0.0 <= got <= 1.0
    assert got == pytest.approx(want, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("table", [[[8, 2], [1, 5]], [[5, 5], [5, 5]], [[3, 7], [7, 3]], [[0, 0], [4, 2]],
                                   [[1, 0], [0, 1]], [[120, 3880], [95, 3905]], [[40000, 60000], [41000, 59000]]])
def test_fisher_on_ties_empty_margins_and_large_tables(table: list[list[int]]) -> None:
    """Symmetric tables tie exactly (both tails counted); an empty margin is p = 1; 200k trials."""
    assert significance.fisher_two_sided(table) == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


def test_fisher_of_the_worked_example() -> None:
    """scipy's documented example ([[8, 2], [1, 5]], p = 0.0349650...), a hand check too:
    the tables as or less likely than it are x = 0, 1, 8 and 9 of 9 (hypergeometric 16, 10, 9)."""
    assert significance.fisher_two_sided([[8, 2], [1, 5]]) == pytest.approx(0.034965034965034975, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(min_value=0, max_value=1), st.sampled_from([0.0, 0.01, 0.05, 1.0])), max_size=40))
def test_bh_is_false_discovery_control(p_values: list[float]) -> None:
    got = significance.bh_q_values(np.array(p_values))
    want = stats.false_discovery_control(p_values, method="bh") if p_values else np.array([])
    np.testing.assert_array_equal(got, want)


lifetimes = st.lists(st.tuples(st.integers(min_value=0, max_value=40).map(lambda m: m / 3), st.booleans()),
                     min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(lifetimes)
def test_kaplan_meier_is_ecdf_of_censored_data(rows: list[tuple[float, bool]]) -> None:
    times = np.array([t for t, _ in rows])
    died = np.array([d for _, d in rows])
    got = significance.kaplan_meier(times, died)
    sf = stats.ecdf(stats.CensoredData(uncensored=times[died], right=times[~died])).sf
    np.testing.assert_array_equal(got.times, sf.quantiles)
    np.testing.assert_array_equal(got.survival, sf.probabilities)
    assert ((0 <= got.survival) & (got.survival <= 1)).all() and (np.diff(got.survival) <= 0).all()
    if died.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(0.95, method="log-log")
        low, high = got.log_log_interval()
        np.testing.assert_array_equal(low, ci.low.probabilities)
        np.testing.assert_array_equal(high, ci.high.probabilities)


@settings(max_examples=300, deadline=None)
@given(lifetimes, st.randoms(use_true_random=False))
def test_logrank_is_scipys_logrank(rows: list[tuple[float, bool]], rng) -> None:  # noqa: ANN001 - a Random
    times = np.array([t for t, _ in rows])
    died = np.array([d for _, d in rows])
    in_x = np.array([rng.random() < 0.5 for _ in rows])
    if in_x.all() or not in_x.any() or not died.any():
        return  # scipy needs both groups and a death
    statistic, p_value = significance.logrank_two_sample(times, died, in_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = stats.logrank(stats.CensoredData(uncensored=times[in_x & died], right=times[in_x & ~died]),
                             stats.CensoredData(uncensored=times[~in_x & died], right=times[~in_x & ~died]))
    np.testing.assert_allclose([statistic, p_value], [want.statistic, want.pvalue], rtol=1e-12, equal_nan=True)
    assert np.isnan(p_value) or 0.0 <= p_value <= 1.0
    pooled = significance.kaplan_meier(times, died)  # as survival's per-segment tests pass it
    np.testing.assert_array_equal(significance.logrank_two_sample(times, died, in_x, pooled=pooled), (statistic, p_value))
    k_sample = logrank_k_sample(times, died, in_x.astype(int))
    if k_sample is not None:  # the textbook k-sample statistic of two groups is its square
        assert k_sample[0] == pytest.approx(statistic ** 2, rel=1e-9, abs=1e-12)


def test_logrank_of_two_million_lifetimes_does_not_overflow() -> None:
    """n^2 (n - 1) passes int64 near 2M accounts at risk; the statistic still squares to the k-sample one."""
    rng = np.random.default_rng(3)
    times = rng.integers(0, 60, size=2_000_000).astype(float)
    died = rng.random(times.size) < 0.3
    in_x = rng.random(times.size) < 0.5 + 0.01 * (times < 12)
    statistic, p_value = significance.logrank_two_sample(times, died, in_x)
    k_sample, k_p = logrank_k_sample(times, died, in_x.astype(int))
    assert statistic ** 2 == pytest.approx(k_sample, rel=1e-9) and p_value == pytest.approx(k_p, rel=1e-6, abs=1e-300)


def test_chi2_sf_is_scipys() -> None:
    for statistic, dof in [(0.0, 1), (3.84, 1), (11.07, 5), (250.0, 30)]:
        assert significance.chi2_sf(statistic, dof) == stats.chi2.sf(statistic, dof)


def test_a_segment_run_does_not_import_scipy_stats() -> None:
    """The point of the module: scipy.stats (~0.5 s) stays out of the samples run, survival,
    segment quality and all (and out of the ICP module)."""
    code = ("import sys, segkit.metrics.icp\nfrom segkit import api\n"
            "report = api.segment(config='configs/samples.toml', by=['firmographic', 'geographic', 'value'])\n"
            "assert report.data['survival']['value'] and report.data['segmentations']['value']['quality']\n"
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "False"
