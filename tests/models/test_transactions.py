"""RFM summary from raw transactions; rebuilds the published CDNOW summary (SOURCES.md rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.models import summarise_transactions, validate_summary
from tests.conftest import shared_dataset

CDNOW_COLUMNS = ["master_id", "customer", "date", "cds", "amount"]



@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    raw = pd.read_csv(shared_dataset("cdnow", "CDNOW_sample.txt"), sep=r"\s+", header=None, names=CDNOW_COLUMNS)
    return summarise_transactions(raw, "1997-09-30", date_format="%Y%m%d")


def test_rebuilds_cdnow_summary_exactly(cdnow_summary: pd.DataFrame) -> None:
    published = pd.read_csv(shared_dataset("cdnow", "cdnow_customers_summary.csv")).set_index("ID")
    assert len(cdnow_summary) == 2357
    assert cdnow_summary.index.tolist() == published.index.tolist()
    # exact: x equal; t_x and T equal after rounding to the file's 2 dp
    np.testing.assert_array_equal(cdnow_summary["x"].to_numpy(), published["frequency"].to_numpy())
    np.testing.assert_array_equal(cdnow_summary["t_x"].round(2).to_numpy(), published["recency"].to_numpy())
    np.testing.assert_array_equal(cdnow_summary["T"].round(2).to_numpy(), published["T"].to_numpy())


def test_zbar_matches_published_file(cdnow_summary: pd.DataFrame) -> None:
    published = pd.read_csv(shared_dataset("cdnow", "cdnow_customers_summary_with_transactions.csv"))
    # SOURCES.md: zbar matches within +-0.01 (the file is rounded to cents)
    np.testing.assert_allclose(cdnow_summary["zbar"].to_numpy(), published["zbar"].to_numpy(), atol=0.01)
    assert (cdnow_summary["x"] > 0).sum() == 946


def test_cdnow_totals(cdnow_summary: pd.DataFrame) -> None:
    raw = pd.read_csv(shared_dataset("cdnow", "CDNOW_sample.txt"), sep=r"\s+", header=None, names=CDNOW_COLUMNS)
    in_calibration = raw[raw["date"] <= 19970930]
    # all calibration spend is kept (merging days sums amounts), to 1e-6 dollars
    assert cdnow_summary["monetary_total"].sum() == pytest.approx(in_calibration["amount"].sum(), abs=1e-6)
    assert cdnow_summary["first_purchase"].min() == pd.Timestamp("1997-01-01")


def small_transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": ["a", "a", "a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:30",  # same day as the first: merged
                    "2024-01-15 00:00",
                    "2024-03-01 00:00",  # after the calibration end: ignored
                    "2024-01-29 12:00",
                    "2024-02-05 00:00",  # first purchase after the end: customer dropped
                    "2024-02-10 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 99.0, 7.0, 1.0, 1.0],
        }
    )


def test_same_day_merge_units_and_cutoff() -> None:
    summary = summarise_transactions(small_transactions(), "2024-01-29")
    assert summary.index.tolist() == ["a", "b"]
    a = summary.loc["a"]
    assert a["x"] == 1
    assert a["t_x"] == pytest.approx(2.0)  # 14 days in weeks
    assert a["T"] == pytest.approx(4.0)  # 28 days in weeks
    assert a["zbar"] == pytest.approx(20.0)  # repeat purchases only
    assert a["monetary_total"] == pytest.approx(35.0)
    assert a["monetary_mean"] == pytest.approx(17.5)  # (15 + 20) / 2 purchase days
    b = summary.loc["b"]
    assert (b["x"], b["t_x"], b["T"], b["zbar"]) == (0, 0.0, 0.0, 0.0)

    days = summarise_transactions(small_transactions(), "2024-01-29", time_unit="days")
    assert days.loc["a", "t_x"] == 14 and days.loc["a", "T"] == 28
    months = summarise_transactions(small_transactions(), "2024-01-29", time_unit="months")
    assert months.loc["a", "T"] == pytest.approx(28 / (365.25 / 12))


def test_custom_column_names_and_string_dates() -> None:
    frame = small_transactions().rename(columns={"customer": "cid", "date": "when", "amount": "usd"})
    frame["when"] = frame["when"].dt.strftime("%Y-%m-%d %H:%M")
    frame.loc[2, "when"] = "2024-01-15"  # ISO 8601 dates with and without a time mix fine
    summary = summarise_transactions(frame, "2024-01-29", customer_col="cid", date_col="when", amount_col="usd")
    assert summary.index.name == "cid"
    assert summary.loc["a", "x"] == 1


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda f: f.assign(amount=-f["amount"]), "negative amounts"),
        (lambda f: f.assign(amount=np.nan), "non-numeric"),
        (lambda f: f.assign(date=20240101), "date_format"),
        (lambda f: f.assign(date="not a date"), "unparseable"),
        (lambda f: f.assign(customer=None), "missing customer"),
        (lambda f: f.drop(columns="amount"), "missing column"),
    ],
)
def test_invalid_transactions_raise(mutate, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        summarise_transactions(mutate(small_transactions()), "2024-01-29")


def test_other_invalid_arguments_raise() -> None:
    with pytest.raises(ValueError, match="time_unit"):
        summarise_transactions(small_transactions(), "2024-01-29", time_unit="years")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no transactions"):
        summarise_transactions(small_transactions(), "2020-01-01")


def test_validate_summary_rejects_inconsistent_rows() -> None:
    with pytest.raises(ValueError, match="t_x exceeds T"):
        validate_summary(np.array([1.0]), np.array([5.0]), np.array([4.0]))
    with pytest.raises(ValueError, match="non-negative whole"):
        validate_summary(np.array([-1.0]), np.array([0.0]), np.array([4.0]))
    with pytest.raises(ValueError, match="x = 0"):
        validate_summary(np.array([0.0]), np.array([1.0]), np.array([4.0]))
