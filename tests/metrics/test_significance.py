"""segkit's tests on scipy.special (segkit.metrics.significance, the survival estimators) give
scipy.stats' floats bit for bit: the reports' figures must not move when scipy.stats is no
longer imported (issue #14 goal 4)."""

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
from segkit.metrics.quality import bh_adjust
from segkit.metrics.survival import _ecdf, _logrank, _loglog_band, logrank_k_sample

counts = st.integers(min_value=0, max_value=400)


def same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or float(a) == float(b)


@settings(max_examples=400, deadline=None)
@given(counts, counts, counts, counts)
def test_fisher_exact_is_scipys(a, b, c, d):
    table = [[a, b], [c, d]]
    _, expected = stats.fisher_exact(table, alternative="two-sided")
    assert same(significance.fisher_exact_two_sided(table), min(expected, 1.0))


@pytest.mark.parametrize("table", [[[8, 2], [1, 5]], [[0, 10], [10, 0]], [[5, 5], [5, 5]], [[1, 0], [0, 1]],
                                   [[0, 0], [3, 4]], [[1000, 20], [30, 2000]], [[3, 17], [250, 4000]]])
def test_fisher_exact_edge_tables(table):
    assert same(significance.fisher_exact_two_sided(table), min(stats.fisher_exact(table)[1], 1.0))


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 8).flatmap(lambda k: st.lists(st.tuples(st.integers(1, 300), st.integers(1, 300)), min_size=k, max_size=k)))
def test_chi2_contingency_is_scipys(rows):
    observed = np.array(rows, dtype=np.int64)
    for log_likelihood, lambda_ in ((False, None), (True, "log-likelihood")):
        chi2, p, dof, expected = significance.chi2_contingency(observed, log_likelihood=log_likelihood)
        ref = stats.chi2_contingency(observed, correction=False, lambda_=lambda_)
        assert (chi2, p, dof) == (float(ref[0]), float(ref[1]), int(ref[2]))
        assert np.array_equal(expected, ref[3])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 0.05, 0.05])), min_size=0, max_size=30))
def test_bh_is_scipys(ps):
    got = significance.false_discovery_bh(np.array(ps, dtype="float64"))
    if len(ps):
        assert np.array_equal(got, stats.false_discovery_control(np.array(ps, dtype="float64"), method="bh"))
    assert bh_adjust(ps) == (stats.false_discovery_control(np.array(ps), method="bh").tolist() if len(ps) else [])


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 500), st.integers(1, 30))
def test_chi2_sf_is_scipys(statistic, dof):
    assert same(significance.chi2_sf(statistic, dof), stats.chi2.sf(statistic, dof))


lifetimes = st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25, 7.0, 12.0, 30.0]) | st.floats(0, 60),
                               st.booleans()), min_size=1, max_size=60)


def _arrays(rows):
    months = np.array([m for m, _ in rows], dtype="float64").round(9)
    churned = np.array([c for _, c in rows], dtype=bool)
    return months, churned


@settings(max_examples=300, deadline=None)
@given(lifetimes)
def test_kaplan_meier_and_band_are_scipys(rows):
    months, churned = _arrays(rows)
    sf = stats.ecdf(stats.CensoredData(uncensored=months[churned], right=months[~churned])).sf
    mine = _ecdf(months[churned], months[~churned])
    assert np.array_equal(mine.times, sf.quantiles) and np.array_equal(mine.survival, sf.probabilities)
    if churned.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(0.95, method="log-log")
        low, high = _loglog_band(mine)
        assert np.array_equal(low, ci.low.probabilities, equal_nan=True)
        assert np.array_equal(high, ci.high.probabilities, equal_nan=True)


@settings(max_examples=300, deadline=None)
@given(lifetimes, st.data())
def test_logrank_is_scipys(rows, data):
    months, churned = _arrays(rows)
    mine = np.array(data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))), dtype=bool)
    if mine.all() or not mine.any() or not churned.any():
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = stats.logrank(stats.CensoredData(uncensored=months[mine][churned[mine]], right=months[mine][~churned[mine]]),
                            stats.CensoredData(uncensored=months[~mine][churned[~mine]], right=months[~mine][~churned[~mine]]))
    z, p = _logrank(months, churned, mine)
    assert same(z, ref.statistic) and same(p, ref.pvalue)


def test_k_sample_p_value_is_scipys_chi2():
    months = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 2.0, 3.5, 8.0])
    churned = np.array([True, False, True, True, False, True, True, False, True])
    groups = np.array(list("aaabbbccc"))
    statistic, p = logrank_k_sample(months, churned, groups)
    assert p == float(stats.chi2.sf(statistic, 2))


def test_segment_run_does_not_import_scipy_stats():
    code = ("import sys, segkit.jobs.segment, segkit.metrics.icp, segkit.writers.outdir; "
            "print(sorted(m for m in sys.modules if m.startswith(('scipy.stats', 'scipy.optimize', 'sklearn'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
