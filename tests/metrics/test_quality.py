"""Segment quality: lifts with exact tests, BH q-values, the independence test, suppression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from segkit import api
from segkit.metrics.quality import bh_adjust, independence, per_segment

ROOT = Path(__file__).resolve().parents[2]


def test_bh_adjust_matches_hand_computation() -> None:
    assert bh_adjust([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert bh_adjust([]) == []
    assert bh_adjust([0.9, 0.8]) == pytest.approx([0.9, 0.9])


def _labels(groups: dict[str, tuple[int, int]]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """groups: segment -> (trials, events); one row per trial."""
    seg, hit = [], []
    for name, (n, k) in groups.items():
        seg += [name] * n
        hit += [True] * k + [False] * (n - k)
    index = pd.Index([f"a{i}" for i in range(len(seg))])
    return pd.Series(seg, index=index, dtype="string"), pd.Series(True, index=index), pd.Series(hit, index=index)


def test_per_segment_lift_and_fisher_p() -> None:
    labels, trials, events = _labels({"A": (40, 20), "B": (60, 6), "C": (3, 3)})
    rows = {r["segment"]: r for r in per_segment(labels, ["A", "B", "C"], trials, events, min_size=5)}
    overall = 29 / 103
    assert rows["A"]["rate"] == 0.5 and rows["A"]["lift"] == pytest.approx(0.5 / overall)
    assert rows["A"]["p_value"] == pytest.approx(fisher_exact([[20, 20], [9, 54]])[1])
    assert rows["B"]["direction"] == "lower" and rows["A"]["direction"] == "higher"
    assert rows["A"]["significant"] and rows["B"]["significant"]
    assert rows["C"] == {"segment": "C", "suppressed": True}
    assert rows["A"]["q_value"] == pytest.approx(bh_adjust([rows["A"]["p_value"], rows["B"]["p_value"]])[0])


def test_independence_uses_monte_carlo_when_sparse_and_is_seeded() -> None:
    labels, trials, events = _labels({"A": (30, 3), "B": (30, 4), "C": (4, 3), "D": (3, 0)})
    first = independence(labels, trials, events)
    assert first["sparse"] and first["monte_carlo_p_value"] is not None
    assert first == independence(labels, trials, events)
    assert first["test"] == "Pearson chi-square" and first["dof"] == 3
    assert 0 < first["monte_carlo_p_value"] < 0.1
    none = independence(*_labels({"A": (50, 10), "B": (50, 10)}))
    assert not none["sparse"] and none["p_value"] == pytest.approx(1.0) and not none["significant"]
    assert none["cramers_v"] == pytest.approx(0.0)


def test_report_carries_quality_and_lift_columns() -> None:
    report = api.segment(config=ROOT / "configs" / "samples.toml", by=["firmographic", "nps"])
    data = report.data
    assert "churn_lift" in data["definitions"] and "quality.independence" in data["definitions"]
    firmo = data["segmentations"]["firmographic"]
    quality = firmo["quality"]
    assert set(quality["tests"]) == {"churn", "conversion"}
    assert "Benjamini-Hochberg" in quality["multiple_comparisons"]
    churn_rows = {r["segment"]: r for r in quality["tests"]["churn"]["segments"]}
    # The sample has one account without an employee count: its segment is suppressed, not tested.
    assert churn_rows["Unknown"] == {"segment": "Unknown", "suppressed": True}
    for row in firmo["segments"]:
        assert {"churn_lift", "churn_lift_p_value", "churn_lift_q_value", "conversion_lift"} <= set(row)
        if row["suppressed"]:
            assert row["churn_lift"] is None
    smb = next(r for r in firmo["segments"] if r["segment"] == "SMB")
    assert smb["churn_lift"] == pytest.approx(smb["churn_rate"] / data["overall"]["churn_rate"])
    csv = report.assignments
    assert list(csv.columns) == ["account_id", "firmographic", "nps"]


def test_crossing_labels_each_account_with_the_pair() -> None:
    report = api.segment(config=ROOT / "configs" / "samples.toml", by=["firmographic*geographic"])
    pairs = report.assignments["firmographic*geographic"]
    assert pairs.str.contains(" × ", regex=False).all()
    assert report.assignments["account_id"].is_unique
    seg = report.data["segmentations"]["firmographic*geographic"]
    assert "SMB × Europe" in {r["segment"] for r in seg["segments"]}
    assert seg["quality"]["tests"]["churn"]["independence"]["segments_tested"] >= 10


def _monte_carlo_one_draw_at_a_time(codes, hit, observed, seed, draws=2000):
    """The p-value as it was first computed: one permutation and one bincount per draw."""
    rng = np.random.default_rng(seed)
    k = int(codes.max()) + 1
    totals = np.bincount(codes, minlength=k).astype("float64")
    rate = int(hit.sum()) / len(hit)
    exp_yes, exp_no = totals * rate, totals * (1 - rate)
    keep_yes, keep_no = exp_yes > 0, exp_no > 0
    count = 0
    for _ in range(draws):
        yes = np.bincount(codes[rng.permutation(hit)], minlength=k).astype("float64")
        no = totals - yes
        stat = (((yes - exp_yes) ** 2)[keep_yes] / exp_yes[keep_yes]).sum() + (((no - exp_no) ** 2)[keep_no] / exp_no[keep_no]).sum()
        count += stat >= observed - 1e-9
    return (count + 1) / (draws + 1)


@pytest.mark.parametrize("k, n, seed", [(2, 30, 0), (4, 67, 1), (9, 400, 2), (12, 3000, 3), (3, 5, 4)])
def test_monte_carlo_blocks_give_the_one_draw_at_a_time_p_value(k, n, seed, monkeypatch) -> None:
    from segkit.metrics import quality

    rng = np.random.default_rng(100 + seed)
    codes = np.sort(rng.integers(0, k, n))
    codes[:k] = np.arange(k)
    hit = rng.random(n) < 0.2
    hit[0] = True
    for observed in (0.5, 2.0, 7.5, 15.0):
        expected = _monte_carlo_one_draw_at_a_time(codes, hit, observed, seed)
        assert quality._monte_carlo(codes, hit, observed, seed) == expected
        monkeypatch.setattr(quality, "MONTE_CARLO_BLOCK_CELLS", 7 * n)  # blocks of 7 draws, the last one short
        assert quality._monte_carlo(codes, hit, observed, seed) == expected
        monkeypatch.undo()


@pytest.mark.parametrize("seed", range(6))
def test_segment_by_outcome_counts_are_crosstabs(seed) -> None:
    from segkit.metrics.quality import _segment_by_outcome

    rng = np.random.default_rng(seed)
    labels = rng.choice(np.array(["Mid-market", "Enterprise", "SMB", "Unknown", "Zeta × EMEA", "Ärzte"], dtype=object), 200)
    labels[rng.random(200) < 0.05] = pd.NA
    hit = rng.random(200) < (0.0 if seed == 0 else 0.3)
    table = pd.crosstab(labels, hit).reindex(columns=[False, True], fill_value=0)
    table = table[table.sum(axis=1) > 0]
    assert np.array_equal(_segment_by_outcome(labels, hit), table.to_numpy())
