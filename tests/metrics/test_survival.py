"""Kaplan-Meier, log-rank and restricted mean lifetime against a hand-worked case and against
independent arithmetic written out here (no lifelines)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.metrics.survival import (
    DAYS_PER_MONTH, kaplan_meier, lifetimes, lifetimes_from_spells, logrank_k_sample, restricted_mean,
    survival_by_segment,
)

AS_OF = pd.Timestamp("2025-12-31", tz="UTC")


def at(months: float) -> pd.Timestamp:
    return AS_OF - pd.Timedelta(days=months * DAYS_PER_MONTH)


def test_hand_worked_case():
    # lifetimes 1, 2+, 3, 4+ months: S = 3/4 from 1, 3/4 x 1/2 = 3/8 from 3 (2 at risk, 1 churns)
    curve = kaplan_meier("A", np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, False, True, False]), horizon=4.0)
    assert curve.times == [1.0, 2.0, 3.0, 4.0]
    assert curve.survival == pytest.approx([0.75, 0.75, 0.375, 0.375])
    assert curve.median_months == 3.0
    # area: 1 x 1 + 2 x 3/4 + 1 x 3/8 = 2.875
    assert curve.restricted_mean_months == pytest.approx(2.875)
    assert restricted_mean(curve.times, curve.survival, 2.0) == pytest.approx(1 + 0.75)


def test_frame_lifetimes_from_first_payment_to_churn_or_as_of():
    frame = pd.DataFrame({
        "first_paid_at": [at(10), at(6), at(3), pd.NaT, AS_OF + pd.Timedelta(days=3)],
        "churned_at": [at(4), pd.NaT, AS_OF + pd.Timedelta(days=10), pd.NaT, pd.NaT],
    }, index=["a", "b", "c", "d", "e"])
    months, churned, excluded = lifetimes(frame, AS_OF)
    assert list(months.index) == ["a", "b", "c"]
    assert months.to_numpy() == pytest.approx([6.0, 6.0, 3.0])
    assert churned.tolist() == [True, False, False]  # c churns after as-of: not known yet, censored
    assert excluded == {"never paid": 1, "first payment after as-of": 1}


def product_limit(months, churned):
    """Kaplan-Meier written out: at each distinct time, S *= 1 - deaths / at risk."""
    s, out = 1.0, []
    for t in sorted(set(months)):
        at_risk = sum(1 for m in months if m >= t)
        deaths = sum(1 for m, c in zip(months, churned) if m == t and c)
        s *= 1 - deaths / at_risk
        out.append(s)
    return out


def two_sample_logrank(months, churned, in_a):
    """The log-rank chi-square written out: (sum O_a - E_a)^2 / sum V_a."""
    o_minus_e = variance = 0.0
    for t in sorted({m for m, c in zip(months, churned) if c}):
        n = sum(1 for m in months if m >= t)
        n_a = sum(1 for m, a in zip(months, in_a) if m >= t and a)
        d = sum(1 for m, c in zip(months, churned) if m == t and c)
        d_a = sum(1 for m, c, a in zip(months, churned, in_a) if m == t and c and a)
        o_minus_e += d_a - d * n_a / n
        if n > 1:
            variance += d * (n_a / n) * (1 - n_a / n) * (n - d) / (n - 1)
    return o_minus_e**2 / variance


def random_lifetimes(seed: int, n: int = 60):
    rng = np.random.default_rng(seed)
    months = np.round(rng.exponential(12, n), 0) + 1  # ties on purpose
    churned = rng.random(n) < 0.6
    groups = rng.choice(["A", "B", "C"], n)
    return months, churned, groups


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scipy_estimates_match_independent_arithmetic(seed):
    months, churned, groups = random_lifetimes(seed)
    curve = kaplan_meier("all", months, churned, horizon=24.0)
    assert curve.survival == pytest.approx(product_limit(list(months), list(churned)))
    grid = np.linspace(0, 24, 240001)[:-1]
    step = [curve.survival[np.searchsorted(curve.times, t, side="right") - 1] if t >= curve.times[0] else 1.0 for t in grid[::100]]
    assert curve.restricted_mean_months == pytest.approx(sum(step) * 24 / len(step), abs=0.02)
    in_a = groups == "A"
    expected = two_sample_logrank(list(months), list(churned), list(in_a))
    statistic, p_value = logrank_k_sample(months, churned, np.where(in_a, "A", "rest"))
    assert statistic == pytest.approx(expected)
    assert p_value == pytest.approx(math.erfc(math.sqrt(expected / 2)))


def test_survival_by_segment_tests_each_segment_and_suppresses_small_ones():
    months, churned, groups = random_lifetimes(4, n=90)
    groups = groups.astype(object)
    groups[:3] = "tiny"
    frame = pd.DataFrame({"first_paid_at": [at(m) for m in months],
                          "churned_at": [at(0) if c else pd.NaT for c in churned]})
    frame["first_paid_at"] = [at(m) for m in months]
    result = survival_by_segment(frame, pd.Series(groups, index=frame.index), AS_OF, horizon_months=12, min_accounts=5)
    assert [c.segment for c in result.curves] == ["A", "B", "C"]
    assert result.excluded == {"in segments with fewer than 5 accounts (suppressed)": 3}
    assert sum(c.accounts for c in result.curves) == 87
    assert [t.segment for t in result.tests] == ["A", "B", "C"]
    for test in result.tests:
        kept = groups != "tiny"
        mine = (groups == test.segment)[kept]
        expected = two_sample_logrank(list(months[kept]), list(churned[kept]), list(mine))
        assert test.statistic == pytest.approx(expected, rel=1e-6)
        assert test.q_value >= test.p_value
    assert result.overall_statistic is not None and 0 <= result.overall_p_value <= 1
    assert result.to_dict()["curves"][0]["segment"] == "A"


def test_lifetimes_from_spells_counts_a_reactivated_account_until_its_last_end():
    spells = pd.DataFrame({
        "account_id": ["a", "a", "b", "c"],
        "start": [at(20), at(8), at(12), at(5)],
        "end": [at(15), at(2), pd.NaT, AS_OF + pd.Timedelta(days=5)],
    })
    frame = lifetimes_from_spells(spells, AS_OF)
    assert frame.loc["a", "first_paid_at"] == at(20) and frame.loc["a", "churned_at"] == at(2)
    assert pd.isna(frame.loc["b", "churned_at"]) and pd.isna(frame.loc["c", "churned_at"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=30), st.floats(1, 48))
def test_survival_never_rises_and_the_restricted_mean_is_within_the_horizon(rows, horizon):
    months = np.array([m for m, _ in rows], dtype=float)
    churned = np.array([c for _, c in rows])
    curve = kaplan_meier("x", months, churned, horizon)
    assert all(a >= b for a, b in zip(curve.survival, curve.survival[1:]))
    assert 0 <= curve.restricted_mean_months <= horizon + 1e-9
    assert all(lo <= s + 1e-9 and s <= hi + 1e-9 for lo, s, hi in zip(curve.ci_low, curve.survival, curve.ci_high))


def test_survival_horizon_is_a_config_key(run_cli):
    """``metrics.survival_horizon_months`` (default 24) sets the restricted mean's horizon."""
    import json

    from tests.conftest import SAMPLES_CONFIG

    default = json.loads(run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "json").out)
    short = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "json",
                    "--set", "metrics.survival_horizon_months=6")
    assert short.code == 0, short.err
    default_value, short_value = default["survival"]["value"], json.loads(short.out)["survival"]["value"]
    assert (default_value["horizon_months"], short_value["horizon_months"]) == (24.0, 6.0)
    for curve in short_value["curves"]:
        assert 0 < curve["restricted_mean_months"] <= 6.0
    assert any(a["restricted_mean_months"] > b["restricted_mean_months"]
               for a, b in zip(default_value["curves"], short_value["curves"]))
    bad = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--set", "metrics.survival_horizon_months=0")
    assert bad.code == 2
    assert bad.err.strip().endswith("metrics.survival_horizon_months takes a number of months in (0, 1200] (default 24); got 0")


def test_result_dict_is_asdict():
    from dataclasses import asdict

    months = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 2.5, 3.5])
    frame = pd.DataFrame({"first_paid_at": [at(m) for m in months],
                          "churned_at": [AS_OF if i % 2 else pd.NaT for i in range(len(months))]},
                         index=pd.Index([f"a{i}" for i in range(len(months))], dtype="string"))
    segments = pd.Series(list("AAAABBBB"), index=frame.index)
    result = survival_by_segment(frame, segments, AS_OF, min_accounts=2)
    assert result.curves and result.to_dict() == asdict(result)
    assert list(result.to_dict()) == list(asdict(result))


def _logrank_per_time(months: np.ndarray, churned: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """O - E and the covariance as the test summed them before: one pass over all accounts per time."""
    labels = np.unique(groups)
    k = len(labels)
    group = np.searchsorted(labels, groups)
    o_e, cov = np.zeros(k), np.zeros((k, k))
    for time in np.unique(months[churned]):
        at_risk = np.bincount(group[months >= time], minlength=k).astype(float)
        deaths = np.bincount(group[(months == time) & churned], minlength=k).astype(float)
        n, d = at_risk.sum(), deaths.sum()
        o_e += deaths - d * at_risk / n
        if n > 1:
            share = at_risk / n
            cov += d * (n - d) / (n - 1) * (np.diag(share) - np.outer(share, share))
    return o_e, cov


def test_logrank_counts_at_every_time_at_once_give_the_same_statistic() -> None:
    from scipy import stats as sps

    rng = np.random.default_rng(11)
    months = np.round(rng.exponential(9.0, 3000), 1)
    churned = rng.random(3000) < 0.6
    groups = rng.choice(np.array(["a", "b", "c", "d"]), 3000)
    o_e, cov = _logrank_per_time(months, churned, groups)
    expected = float(o_e[:-1] @ np.linalg.solve(cov[:-1, :-1], o_e[:-1]))
    statistic, p_value = logrank_k_sample(months, churned, groups)
    assert statistic == expected
    assert p_value == float(sps.chi2.sf(expected, 3))
