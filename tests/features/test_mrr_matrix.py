"""The account x instant MRR matrix (movements, cohorts) equals pandas' groupby sum of the rows x
instants frame, without building that frame.

Exact where at most one row of an account pays at an instant; within 1 ulp-scale (rtol 1e-15)
where several do: pandas' own group sum gives a last bit that depends on the *other* groups in the
frame (``[0.1, 1.0, 1e16]`` sums to 1e16 alone and to 1.0000000000000002e16 beside a second
account), so no per-account computation can match the whole-frame one bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.features.billing.codes import with_account_codes
from segkit.features.billing.movements import mrr_at

BASE = pd.Timestamp("2024-01-01", tz="UTC")
INSTANTS = [BASE + pd.DateOffset(months=k) for k in range(14)]


def _reference(paying: pd.DataFrame, instants: list[pd.Timestamp]) -> pd.DataFrame:
    """What mrr_at computed before: every row at every instant, then groupby(level=0).sum()."""
    start = paying["pay_start"].to_numpy(dtype="datetime64[us]")
    end = paying["pay_end"].to_numpy(dtype="datetime64[us]")
    mrr = paying["mrr"].to_numpy(dtype="float64")
    columns = {}
    for k, instant in enumerate(instants):
        t = np.datetime64(instant.tz_convert("UTC").tz_localize(None), "us")
        columns[k] = np.where((start < t) & (np.isnat(end) | (end >= t)), mrr, 0.0)
    return pd.DataFrame(columns, index=paying["account_id"].to_numpy()).groupby(level=0).sum()


def _paying(rows: list[tuple[int, int, int | None, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": pd.Series([f"acc_{a}" for a, *_ in rows], dtype="string"),
        "pay_start": pd.Series([BASE + pd.Timedelta(days=s) for _, s, _, _ in rows]).astype("datetime64[us, UTC]"),
        "pay_end": pd.Series([BASE + pd.Timedelta(days=s + d) if d is not None else pd.NaT for _, s, d, _ in rows],
                             dtype="datetime64[us, UTC]"),
        "mrr": [m for *_, m in rows],
    })


def _assert_same(paying: pd.DataFrame) -> None:
    got, want = mrr_at(paying, INSTANTS), _reference(paying, INSTANTS)
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-15, atol=0)
    single = _single_payer(paying)
    np.testing.assert_array_equal(got.to_numpy()[single], want.to_numpy()[single])
    assert np.array_equal(np.signbit(got.to_numpy()[single]), np.signbit(want.to_numpy()[single]))


def _single_payer(paying: pd.DataFrame) -> np.ndarray:
    """(account, instant) cells where at most one row with a non-zero MRR pays."""
    frame = _reference(paying.assign(mrr=(paying["mrr"].fillna(0) != 0).astype("float64")), INSTANTS)
    return frame.to_numpy() <= 1


amounts = st.sampled_from([0.0, 0.1, 0.2, 0.3, 1e16, 1.0, 29.99, 331.67, np.nan, -5.5, 1 / 3])
rows = st.lists(st.tuples(st.integers(0, 4), st.integers(-60, 420), st.one_of(st.none(), st.integers(0, 400)), amounts),
                min_size=1, max_size=40)


@settings(max_examples=400, deadline=None)
@given(rows)
def test_matrix_is_the_groupby_sum_to_the_bit(data: list[tuple[int, int, int | None, float]]) -> None:
    _assert_same(_paying(data))


def test_overlapping_rows_keep_the_compensated_sum() -> None:
    # three rows paying at once: a naive sum of 0.1 + 0.2 + 0.3 differs from pandas' compensated one
    paying = _paying([(1, 0, None, 0.1), (1, 5, None, 0.2), (2, 0, 30, 7.0), (1, 10, None, 0.3), (1, 20, 200, 1e16)])
    _assert_same(paying)


def test_three_rows_paying_at_once() -> None:
    # found by hypothesis: a hand-written compensated sum gave 1.2 where pandas gives 1.2000000000000002
    _assert_same(_paying([(0, 0, None, 0.0), (0, 0, None, 1.0), (0, 0, None, 0.1), (0, 0, None, 0.1)]))


@pytest.mark.parametrize("n", [0, 1])
def test_small_inputs(n: int) -> None:
    paying = _paying([(3, 10, 40, 99.0)][:n]) if n else _paying([(3, 10, 40, 99.0)]).iloc[0:0]
    got = mrr_at(paying, INSTANTS)
    assert got.shape == (n, len(INSTANTS))
    if n:
        _assert_same(paying)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_account_codes_give_the_same_matrix(data: list[tuple[int, int, int | None, float]]) -> None:
    # the run's paying rows carry integer account codes (billing/codes.py): same ids, same cells
    paying = _paying(data)
    pd.testing.assert_frame_equal(mrr_at(with_account_codes(paying), INSTANTS), mrr_at(paying, INSTANTS))
    pd.testing.assert_frame_equal(mrr_at(paying, INSTANTS[::-1]), mrr_at(paying, INSTANTS).iloc[:, ::-1].set_axis(
        range(len(INSTANTS)), axis=1))
