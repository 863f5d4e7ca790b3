"""Issue 10: figures that hold on real billing histories, each case a tiny export run through
``api.segment`` (the call ``segkit segment`` makes), with the arithmetic worked in the comment.

Period: as-of 2024-12-31, so the period is [2024-01-01, 2025-01-01) and MRR is read at each
month's first day (the state at the end of the day before)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit import api

AS_OF = pd.Timestamp("2024-12-31").date()
SUBS_HEADER = "account_id,started_at,ended_at,amount,interval,quantity,status"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _run(tmp_path: Path, subs: list[str], *, header: str = SUBS_HEADER, by: str = "value", **options):
    position = header.split(",").index("account_id")
    accounts = sorted({r.split(",")[position] for r in subs})
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"{x},2020-01-01" for x in accounts])
    s = _write(tmp_path / "subscriptions.csv", header, subs)
    options.setdefault("as_of", AS_OF)
    return api.segment([a, s], by=[by], min_segment_size=0, **options)


def _bridge_gap(figures: dict) -> float:
    """start + new + expansion + reactivation - contraction - churned - end (0 when it reconciles)."""
    return (figures["starting_mrr"] + figures["new_mrr"] + figures["expansion_mrr"] + figures["reactivation_mrr"]
            - figures["contraction_mrr"] - figures["churned_mrr"] - figures["ending_mrr"])


def _segments(report) -> list[dict]:
    return [row for section in report.data["segmentations"].values() for row in section["segments"]]


# -- item 1: GRR per SPEC 4 -------------------------------------------------------------------

def test_churn_and_return_three_times_beside_a_flat_account_keeps_grr_at_1(tmp_path: Path):
    """a pays 100 throughout; b pays 100 but is at 0 on 03-01, 06-01 and 09-01 and back the month
    after each. Base S = {a, b}, start 200, end 200. The old formula subtracted every monthly loss
    (3 x 100): GRR (200 - 300) / 200 = -0.50. SPEC 4: (min(100, 100) + min(100, 100)) / 200 = 1.00;
    NRR 200 / 200 = 1.00; the bridge still shows the movements: churned 300, reactivation 300."""
    subs = [
        "a,2023-01-01,,100,month,1,active",
        "b,2023-01-01,2024-02-15,100,month,1,canceled",
        "b,2024-03-15,2024-05-15,100,month,1,canceled",
        "b,2024-06-15,2024-08-15,100,month,1,canceled",
        "b,2024-09-15,,100,month,1,active",
    ]
    overall = _run(tmp_path, subs).data["overall"]
    assert overall["nrr"] == pytest.approx(1.0, rel=1e-12)
    assert overall["grr"] == pytest.approx(1.0, rel=1e-12)
    assert (overall["churned_mrr"], overall["reactivation_mrr"]) == (pytest.approx(300.0), pytest.approx(300.0))
    assert _bridge_gap(overall) == pytest.approx(0.0, abs=1e-9)


def test_seats_100_50_100_oscillating_give_grr_1_not_0(tmp_path: Path):
    """100 seats at $1, read 100, 50, 100, 50, 100 on 01-01, 03-01, 05-01, 07-01, 09-01 (and 100 to
    the end). Old: (100 - 2 x 50) / 100 = 0.00. SPEC 4: min(100, 100) / 100 = 1.00."""
    subs = [
        "a,2023-01-01,2024-02-15,1,month,100,active",
        "a,2024-02-15,2024-04-15,1,month,50,active",
        "a,2024-04-15,2024-06-15,1,month,100,active",
        "a,2024-06-15,2024-08-15,1,month,50,active",
        "a,2024-08-15,,1,month,100,active",
    ]
    overall = _run(tmp_path, subs).data["overall"]
    assert overall["contraction_mrr"] == pytest.approx(100.0)
    assert overall["grr"] == pytest.approx(1.0, rel=1e-12)
    assert overall["nrr"] == pytest.approx(1.0, rel=1e-12)


def test_one_seat_noise_on_ten_accounts_gives_grr_1_not_0_40(tmp_path: Path):
    """Ten accounts of 10 seats at $1; a version each mid-month alternates 9 and 10 seats, so the
    readings are 10, 9, 10, ..., 9 (12-01), 10 (period end): 6 drops of 1 per account. Old:
    (100 - 10 x 6) / 100 = 0.40. SPEC 4: every account ends at 10 = its start: GRR 1.00."""
    subs = []
    for n in range(10):
        subs.append(f"c{n},2023-01-01,2024-01-15,1,month,10,active")
        for i in range(12):
            end = "" if i == 11 else f"2024-{i + 2:02d}-15"
            subs.append(f"c{n},2024-{i + 1:02d}-15,{end},1,month,{9 if i % 2 == 0 else 10},active")
    overall = _run(tmp_path, subs).data["overall"]
    assert overall["contraction_mrr"] == pytest.approx(60.0)
    assert overall["grr"] == pytest.approx(1.0, rel=1e-12)


def test_grr_takes_the_lower_of_start_and_end_per_account(tmp_path: Path):
    """S = {a 100 -> 60, b 100 -> 0, c 100 -> 150}; d starts in the period (not in S).
    GRR = (60 + 0 + 100) / 300 = 0.5333; NRR = (60 + 0 + 150) / 300 = 0.70; per segment the
    bridge reconciles."""
    subs = [
        "a,2023-01-01,2024-05-01,100,month,1,active", "a,2024-05-01,,60,month,1,active",
        "b,2023-01-01,2024-07-01,100,month,1,canceled",
        "c,2023-01-01,2024-03-01,100,month,1,active", "c,2024-03-01,,150,month,1,active",
        "d,2024-04-01,,500,month,1,active",
    ]
    report = _run(tmp_path, subs)
    overall = report.data["overall"]
    assert overall["grr"] == pytest.approx(160 / 300, rel=1e-12)
    assert overall["nrr"] == pytest.approx(210 / 300, rel=1e-12)
    for row in _segments(report):
        if row.get("starting_mrr") is not None:
            assert _bridge_gap(row) == pytest.approx(0.0, abs=1e-9)


# -- item 3: churn grace and churn recognition ---------------------------------------------------

def test_date_only_version_rows_a_day_apart_are_not_churn(tmp_path: Path):
    """a's version ended 03-09 and the next started 03-10 (a one-day gap, the shape of date-only
    version rows). Before: a churn event in 12 customer-months, monthly churn 0.083, while churned
    MRR was 0 (no month boundary falls in the gap). Default churn_grace_days = 1: one paid
    history, 0 churn events, monthly churn 0, churned MRR 0. With a grace of 0 the gap is churn."""
    subs = ["a,2023-01-01,2024-03-09,100,month,1,canceled", "a,2024-03-10,,120,month,1,active"]
    report = _run(tmp_path, subs)
    overall = report.data["overall"]
    assert (overall["churn_events"], overall["monthly_churn_rate"], overall["churned_mrr"]) == (0, 0.0, 0.0)
    assert overall["expansion_mrr"] == pytest.approx(20.0)
    assert any("churn_grace_days" in w["message"] for w in report.data["warnings"])
    strict = _run(tmp_path, subs, overrides=["metrics.churn_grace_days=0"]).data["overall"]
    assert strict["churn_events"] == 1


def test_a_ten_day_gap_is_churn_by_default_and_not_within_a_14_day_grace(tmp_path: Path):
    """a pays to 2024-05-01, again from 2024-05-11: a 10-day gap. Default (1 day): one churn event
    (and a reactivation of the 2nd spell); churn_grace_days = 14: none."""
    subs = ["a,2023-01-01,2024-05-01,100,month,1,canceled", "a,2024-05-11,,100,month,1,active"]
    assert _run(tmp_path, subs).data["overall"]["churn_events"] == 1
    assert _run(tmp_path, subs, overrides=["metrics.churn_grace_days=14"]).data["overall"]["churn_events"] == 0


def test_churn_recognition_at_cancellation_moves_churn_to_canceled_at(tmp_path: Path):
    """b cancelled on 2024-06-10 an annual plan that runs to 2025-01-31 (cancel at period end).
    period_end (default): b still pays at as-of: churn 0 of 2. cancellation: b churned on 06-10:
    churn 1 / 2 = 0.5, churned MRR = 1200 / 12 = 100, and 1 churn event."""
    header = "account_id,started_at,canceled_at,ended_at,amount,interval,quantity,status"
    subs = ["a,2023-01-01,,,100,month,1,active", "b,2023-02-01,2024-06-10,2025-01-31,1200,year,1,active"]
    default = _run(tmp_path, subs, header=header).data["overall"]
    assert (default["churned_customers"], default["churned_mrr"]) == (0, 0.0)
    at_cancel = _run(tmp_path, subs, header=header, overrides=['metrics.churn_recognition="cancellation"']).data["overall"]
    assert at_cancel["churn_rate"] == pytest.approx(0.5)
    assert at_cancel["churned_mrr"] == pytest.approx(100.0)
    assert at_cancel["churn_events"] == 1


def test_unknown_churn_recognition_is_a_usage_error(tmp_path: Path):
    from segkit.errors import UsageError

    with pytest.raises(UsageError, match="churn_recognition"):
        _run(tmp_path, ["a,2023-01-01,,100,month,1,active"], overrides=['metrics.churn_recognition="never"'])


# -- item 4: status snapshots ---------------------------------------------------------------------

def test_unpaid_and_paused_keep_their_paid_history(tmp_path: Path):
    """a, b, c pay 100 since 2024-01-01; b is now unpaid and c paused, with no end date. As-of
    2025-03-31, period [2024-04-01, 2025-04-01). Before: b and c vanished (customers at start 1,
    churn 0%, NRR 1.00). Now they paid until as-of: at start 3, churned 2: churn 2/3 = 0.667,
    NRR = 100 / 300 = 0.333; the inference is counted in the warnings."""
    subs = ["a,2024-01-01,,100,month,1,active", "b,2024-01-01,,100,month,1,unpaid", "c,2024-01-01,,100,month,1,paused"]
    report = _run(tmp_path, subs, as_of=pd.Timestamp("2025-03-31").date())
    overall = report.data["overall"]
    assert overall["customers_at_start"] == 3
    assert overall["churn_rate"] == pytest.approx(2 / 3)
    assert overall["nrr"] == pytest.approx(1 / 3)
    assert any("2 unpaid/paused subscription rows" in w["message"] and "2 at as-of" in w["message"]
               for w in report.data["warnings"])


def test_canceled_without_ended_at_stops_at_current_period_end_then_canceled_at(tmp_path: Path):
    """b canceled 2024-08-15 with its paid period to 2024-09-01 (current_period_end) and no
    ended_at; c canceled 2024-10-20 with neither. Before: both paid forever. Now b ends 09-01, c
    10-20: churned 2 of 3, churned MRR 200, ending MRR 100."""
    header = "account_id,started_at,canceled_at,ended_at,current_period_end,amount,interval,quantity,status"
    subs = ["a,2023-01-01,,,,100,month,1,active", "b,2023-01-01,2024-08-15,,2024-09-01,100,month,1,canceled",
            "c,2023-01-01,2024-10-20,,,100,month,1,canceled"]
    report = _run(tmp_path, subs, header=header)
    overall = report.data["overall"]
    assert (overall["churned_customers"], overall["churned_mrr"], overall["ending_mrr"]) == (2, 200.0, 100.0)
    assert any("2 canceled subscription rows" in w["message"] and "1 at current_period_end, 1 at canceled_at" in w["message"]
               for w in report.data["warnings"])


# -- item 5: duplicates and impossible amounts ----------------------------------------------------

def test_the_same_subscription_row_twice_is_a_duplicate_not_double_mrr(tmp_path: Path):
    """s1 (a, 100) appears twice with the same subscription_id and started_at; b's row (no id) twice
    with every column equal. MRR 100 + 50 = 150, not 300; 2 rows rejected as duplicates, which
    are export artefacts: --max-rejected 0 still runs."""
    header = "subscription_id,account_id,started_at,ended_at,amount,interval,quantity,status"
    subs = ["s1,a,2023-01-01,,100,month,1,active", "s1,a,2023-01-01,,100,month,1,active",
            ",b,2023-01-01,,50,month,1,active", ",b,2023-01-01,,50,month,1,active", "s2,a,2024-03-01,2024-05-01,20,month,1,canceled"]
    report = _run(tmp_path, subs, header=header, max_rejected=0.0)
    assert report.data["overall"]["mrr"] == pytest.approx(150.0)
    reasons = list(report.rejected["reason"])
    assert reasons.count("duplicate subscription row (same subscription_id and started_at; the first is kept)") == 1
    assert reasons.count("duplicate subscription row (every column equal; the first is kept)") == 1
    assert report.data["inputs"]["subscriptions"]["rows_rejected"] == 2


def test_infinite_and_nan_amounts_and_negative_quantities_are_rejected_with_the_raw_cell(tmp_path: Path):
    """Rows of a (1e309: overflows to inf), b (inf), c (NaN) and d (quantity -2) are rejected, each
    with its reason and the cell as written; e pays 10: MRR 10, ARPA 10 (before: MRR null, exit 0)."""
    subs = ["a,2024-01-01,,1e309,month,1,active", "b,2024-01-01,,inf,month,1,active", "c,2024-01-01,,NaN,month,1,active",
            "d,2024-01-01,,10,month,-2,active", "e,2024-01-01,,10,month,1,active"]
    report = _run(tmp_path, subs, max_rejected=1.0)
    assert (report.data["overall"]["mrr"], report.data["overall"]["arpa"]) == (10.0, 10.0)
    rows = {(r.column, str(r.value), r.reason) for r in report.rejected.itertuples()}
    assert ("amount", "1e309", "not a finite number") in rows
    assert ("amount", "inf", "not a finite number") in rows
    assert ("amount", "NaN", "not a number") in rows
    assert ("quantity", "-2", "negative quantity") in rows


# -- item 2 (part): minor units per ISO 4217, and no silent sum of currencies ----------------------

def _api_row(n: int, amount: int, currency: str) -> str:
    return ('{"id": "sub_%d", "object": "subscription", "customer": "cus_%d", "status": "active", "start_date": 1675072800, '
            '"canceled_at": null, "ended_at": null, "quantity": 1, "metadata": {"crm_id": "acct%d"}, '
            '"plan": {"id": "price_%d", "amount": %d, "currency": "%s", "interval": "month", "interval_count": 1}}' % (n, n, n, n, amount, currency))


def test_stripe_api_amounts_follow_iso_4217_minor_units(tmp_path: Path):
    """Stripe API amounts are in minor units: JPY has none (10000 = JPY 10,000, not 100), USD two
    (1999 = 19.99), KWD three (12500 = 12.5). The divisor comes from ISO 4217 via babel."""
    path = tmp_path / "subs.jsonl"
    path.write_text("\n".join([_api_row(1, 10000, "jpy"), _api_row(2, 1999, "usd"), _api_row(3, 12500, "KWD")]) + "\n")
    amounts = api.load([path]).frame("subscriptions").set_index("account_id")["amount"]
    assert (amounts["acct1"], amounts["acct2"], amounts["acct3"]) == (10000.0, pytest.approx(19.99), pytest.approx(12.5))


def test_mixed_currencies_are_an_input_error_naming_them(tmp_path: Path, capsys):
    """USD 100 + EUR 100 + JPY 10,000 used to report MRR 10,200: now exit 3, one line naming the
    currencies found (codes compared case-insensitively: usd and USD are one) and the fix."""
    from segkit.cli import main

    header = "account_id,started_at,amount,interval,currency"
    _write(tmp_path / "accounts.csv", "account_id,created_at", ["a,2020-01-01", "b,2020-01-01", "c,2020-01-01", "d,2020-01-01"])
    _write(tmp_path / "subscriptions.csv", header, ["a,2024-01-01,100,month,usd", "b,2024-01-01,100,month,EUR",
                                                     "c,2024-01-01,10000,month,JPY", "d,2024-01-01,100,month,USD"])
    code = main(["segment", str(tmp_path / "accounts.csv"), str(tmp_path / "subscriptions.csv"), "--by", "value",
                 "--out", str(tmp_path / "out"), "--as-of", "2024-12-31"])
    err = capsys.readouterr().err.strip()
    assert code == 3
    assert len(err.splitlines()) == 1
    assert "3 currencies (EUR, JPY, USD)" in err and "--reporting-currency CODE and --fx-rates FILE" in err


# -- item 11 (part): clv_capped ---------------------------------------------------------------------

def test_clv_capped_per_segment_with_the_uncapped_value(tmp_path: Path):
    """Segment "low": ten accounts at 10 paying all of 2024, one ends 2024-12-01: customer-months
    = 10 x 366/30.4375 - 31/30.4375 = 119.23, c = 1/119.23, 1/c > 60: capped, clv = 10 x 60 = 600
    (ARPA over the 9 customers at as-of: 10), uncapped 10 x 119.23 = 1192.3. Segment "high": a
    pays all 2024, b ends 09-01: months (366 + 244)/30.4375 = 20.04 < 60, not capped, clv 200.4."""
    low = [f"l{i}" for i in range(10)]
    accounts = [f"{a},2020-01-01,low" for a in low] + ["a,2020-01-01,high", "b,2020-01-01,high"]
    subs = [f"{a},2023-01-01,{'2024-12-01' if a == 'l0' else ''},10,month,1,active" for a in low]
    subs += ["a,2023-01-01,,10,month,1,active", "b,2023-01-01,2024-09-01,10,month,1,canceled"]
    a = _write(tmp_path / "accounts.csv", "account_id,created_at,tier", accounts)
    s = _write(tmp_path / "subscriptions.csv", SUBS_HEADER, subs)
    report = api.segment([a, s], by=["attribute"], overrides=["segmenters.attribute.column=tier"], min_segment_size=0, as_of=AS_OF)
    rows = {r["segment"]: r for r in report.data["segmentations"]["attribute"]["segments"]}
    months_low = (10 * 366 - 31) / (365.25 / 12)
    assert rows["low"]["clv_capped"] is True
    assert rows["low"]["clv"] == pytest.approx(600.0, rel=1e-9)
    assert rows["low"]["clv_uncapped"] == pytest.approx(10 * months_low, rel=1e-9)
    assert rows["high"]["clv_capped"] is False and rows["high"]["clv_uncapped"] is None
    assert rows["high"]["clv"] == pytest.approx(10 * (366 + 244) / (365.25 / 12), rel=1e-9)
