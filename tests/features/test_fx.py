"""The split of paying rows at the run's reading instants (``billing/fx.py``) reads every MRR
reading exactly as converting each reading at the latest rate dated before it would."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.features.billing.fx import Money, clean_rates, convert_paying, reading_instants
from segkit.features.billing.movements import mrr_at
from segkit.features.period import Period
from segkit.metrics.cohorts import initial_mrr

ORIGIN = pd.Timestamp("2022-01-01", tz="UTC")


def _paying(rows: list[tuple[int, int, int | None, int, str]]) -> pd.DataFrame:
    """(account, start hour offset, length in hours or None, mrr, currency) -> paying rows."""
    start = pd.Series([ORIGIN + pd.Timedelta(hours=r[1]) for r in rows]).astype("datetime64[us, UTC]")
    end = pd.Series([ORIGIN + pd.Timedelta(hours=r[1] + r[2]) if r[2] is not None else pd.NaT for r in rows])
    return pd.DataFrame({"account_id": pd.array([f"a{r[0]}" for r in rows], dtype="string"),
                         "mrr": [float(r[3]) for r in rows], "interval": "month", "pay_start": start,
                         "pay_end": pd.to_datetime(end, utc=True).astype("datetime64[us, UTC]"), "currency": [r[4] for r in rows]})


def _naive(paying: pd.DataFrame, rates: pd.DataFrame, instant: pd.Timestamp) -> pd.Series:
    """Each account's MRR just before ``instant``, every row at the latest rate dated before it."""
    known = rates[rates["date"] < instant].sort_values("date").groupby("currency")["rate"].last().to_dict()
    known["USD"] = 1.0
    active = (paying["pay_start"] < instant) & (paying["pay_end"].isna() | (paying["pay_end"] >= instant))
    rate = paying["currency"].str.upper().map(known).astype("float64")
    return (paying["mrr"] * rate).where(active, 0.0).groupby(paying["account_id"]).sum()


row = st.tuples(st.integers(0, 5), st.integers(0, 24 * 900), st.one_of(st.none(), st.integers(1, 24 * 500)),
                st.integers(1, 900), st.sampled_from(("USD", "EUR", "eur", "GBP")))
rate_row = st.tuples(st.integers(0, 1000), st.sampled_from(("EUR", "GBP")), st.floats(0.2, 5.0))


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=12), st.lists(rate_row, max_size=40), st.integers(400, 1100))
def test_split_rows_read_every_instant_at_its_own_rate(rows, extra_rates, as_of_day):
    paying = _paying(rows)
    days = [(-400, "EUR", 1.1), (-400, "GBP", 1.3), *extra_rates]
    raw = pd.DataFrame({"date": [ORIGIN + pd.Timedelta(days=d) for d, _, _ in days], "currency": [c for _, c, _ in days],
                        "rate": [r for _, _, r in days]})
    raw = raw.drop_duplicates(["date", "currency"])
    money = Money("USD", ("EUR", "GBP", "USD"), clean_rates(raw, "USD", "rates.csv"))
    period = Period.ending(ORIGIN + pd.Timedelta(days=as_of_day), 12)
    split = convert_paying(paying, money, period)
    exact = convert_paying(paying, money)
    instants = reading_instants(period, paying["pay_start"].min())
    got = mrr_at(split, instants)
    for k, instant in enumerate(instants):
        want = _naive(paying, money.rates, instant).reindex(got.index)
        assert np.allclose(got[k].to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-9)
    assert np.allclose(initial_mrr(split).sort_index(), initial_mrr(exact).sort_index(), rtol=1e-12)
    assert int((split["fx_piece"] == 0).sum()) == len(paying)
    assert split.groupby("account_id")["pay_start"].min().equals(paying.groupby("account_id")["pay_start"].min())
