"""The CLV bootstrap's resampling: n accounts drawn with replacement out of n, by either path."""

from __future__ import annotations

import numpy as np
import pytest

from segkit.metrics import clv
from segkit.metrics.clv import resample_sums


def _direct(columns: np.ndarray, size: int, seed: int) -> np.ndarray:
    n = len(columns)
    return np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=size) @ columns


@pytest.mark.parametrize("distinct", [3, 40])  # few distinct rows: multinomial path; all distinct: index path
def test_resampled_sums_have_the_distribution_of_resampling_accounts(distinct: int) -> None:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 9, size=(distinct, 3)).astype(float) + rng.random((distinct, 3))
    columns = base[np.arange(40) % distinct]
    ours = resample_sums(columns, 40_000, np.random.default_rng(1))
    reference = _direct(columns, 40_000, 2)
    assert ours.shape == (40_000, 3)
    np.testing.assert_allclose(ours.mean(axis=0), columns.sum(axis=0), rtol=0.01)
    np.testing.assert_allclose(ours.std(axis=0), reference.std(axis=0), rtol=0.03)
    np.testing.assert_allclose(np.corrcoef(ours.T), np.corrcoef(reference.T), atol=0.03)


def test_both_paths_are_seeded_and_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whole numbers: their float sums are exact in any order, so "the same draws" is checked
    # exactly (the matrix product may add in another order for another chunk shape: on AVX2
    # OpenBLAS, fractional columns differed in the last bit between 7-row chunks and one chunk).
    columns = np.random.default_rng(3).integers(0, 10_000, size=(50, 4)).astype(np.float64)
    columns[:20] = columns[0]  # 31 distinct rows: the index path at MULTINOMIAL_COST 6
    first = resample_sums(columns, 30, np.random.default_rng(5))
    np.testing.assert_array_equal(first, resample_sums(columns, 30, np.random.default_rng(5)))
    monkeypatch.setattr(clv, "MAX_CELLS", 7 * 50)  # 7 replicates per chunk: same draws, in pieces
    np.testing.assert_array_equal(first, resample_sums(columns, 30, np.random.default_rng(5)))
    monkeypatch.setattr(clv, "MULTINOMIAL_COST", 1)  # now the multinomial path
    few = resample_sums(columns, 30, np.random.default_rng(5))
    np.testing.assert_array_equal(few, resample_sums(columns, 30, np.random.default_rng(5)))
    assert (few.sum(axis=1) > 0).all()


def test_every_resample_draws_n_accounts() -> None:
    columns = np.ones((1000, 1))
    columns[::3] = 2.0
    sums = resample_sums(np.column_stack([columns[:, 0], np.ones(1000)]), 50, np.random.default_rng(0))
    np.testing.assert_array_equal(sums[:, 1], 1000.0)
