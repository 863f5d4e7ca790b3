"""CLV methods, cohorts, activation, engagement and MRR from invoices, through the pipeline.

Tolerances: hand-worked figures exact to 1e-9 relative; model parameters of REFERENCE-FIGURES
within 0.5%; DERL to 1e-4.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import api
from segkit.features.billing.subscriptions import paying_subscriptions, subscription_mrr
from segkit.features.billing.renewals import renewal_facts
from segkit.metrics import MetricOptions
from segkit.metrics.clv import simple_clv, simple_lifetime_months
from tests.conftest import shared_dataset

SURVIVORS = {
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241],
    "highend": [1000, 869, 743, 653, 593, 551, 517, 491],
}


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


# --------------------------------------------------------------------------- MRR normalisation


@pytest.mark.parametrize(
    ("amount", "interval", "count", "quantity", "discount", "mrr"),
    [
        (300.0, "quarter", 1, 1, 0.0, 100.0),
        (12.0, "week", 1, 1, 0.0, 52.0),
        (12.0, "day", 1, 1, 0.0, 365.0),  # 12 a day x 365 / 12 days
        (600.0, "month", 6, 1, 0.0, 100.0),  # billed every 6 months
        (10.0, "month", 1, 25, 0.0, 250.0),  # 25 seats at 10
        (100.0, "month", 1, 1, 0.2, 80.0),  # 20% recurring discount
        (1200.0, "year", 1, 3, 0.5, 150.0),  # 3 seats of a yearly plan at half price
    ],
)
def test_intervals_quantities_and_discounts_are_normalised(amount, interval, count, quantity, discount, mrr):
    frame = pd.DataFrame({"amount": [amount], "interval": [interval], "interval_count": [count], "quantity": [quantity], "discount": [discount]})
    assert subscription_mrr(frame).iloc[0] == pytest.approx(mrr, rel=1e-12)


# --------------------------------------------------------------------------- simple CLV


def test_simple_clv_cap_and_discount():
    options = MetricOptions(clv_horizon_months=60)
    values = {"customers": 100, "customer_months": 1000.0, "arpa": 100.0}
    # 5% churn: 1/c = 20 months, under the 60-month cap -> ChartMogul's $2,000
    assert simple_clv({**values, "monthly_churn_rate": 0.05}, options)["clv"] == pytest.approx(2000.0, rel=1e-12)
    # 1% churn: 100 months, capped at 60
    assert simple_clv({**values, "monthly_churn_rate": 0.01}, options)["clv"] == pytest.approx(6000.0, rel=1e-12)
    # discounted: sum_{k<60} (0.95/(1+d_m))^k
    discounted = MetricOptions(clv_horizon_months=60, clv_discount_simple=True, discount_rate=0.10)
    d_m = 1.1 ** (1 / 12) - 1
    rho = 0.95 / (1 + d_m)
    expected = 100.0 * sum(rho**k for k in range(60))
    assert simple_clv({**values, "monthly_churn_rate": 0.05}, discounted)["clv"] == pytest.approx(expected, rel=1e-12)
    # without discount and horizon the discounted form is the geometric 1/c
    assert simple_lifetime_months(0.05, None, 1e-15) == pytest.approx(20.0, rel=1e-9)


# --------------------------------------------------------------------------- renewals and sBG


def test_renewal_counts_follow_the_calendar():
    subs = pd.DataFrame({
        "account_id": ["a", "b", "c", "d", "e"],
        "started_at": pd.to_datetime(["2024-01-31", "2024-01-15", "2024-01-15", "2023-03-01", "2024-02-10"], utc=True),
        "ended_at": pd.to_datetime(["2024-02-29", "2024-04-15", "2024-04-16", None, None], utc=True),
        "mrr": [10.0, 10.0, 10.0, 10.0, 10.0],
        "interval": ["month", "month", "month", "year", "month"],
    })
    paying = paying_subscriptions(subs)
    interval = pd.Series({"a": "month", "b": "month", "c": "month", "d": "year", "e": "month"})
    facts = renewal_facts(paying, interval, pd.Timestamp("2024-06-11", tz="UTC"))  # as-of 2024-06-10
    # a: Jan 31 -> Feb 29 is the clipped renewal date: ended on it, churned in period 1
    # b: ended on its 3rd renewal date: 2 renewals made, churned in period 3; c: one day later, period 4
    # d: yearly from 2023-03-01, renewed 2024-03-01, still paying: censored after 1 renewal
    # e: monthly from Feb 10: renewals Mar 10 .. Jun 10 (before the midnight after as-of): 4
    assert facts.loc[["a", "b", "c", "d", "e"], "renewal_periods"].tolist() == [1, 3, 4, 1, 4]
    assert facts.loc[["a", "b", "c", "d", "e"], "renewal_churned"].tolist() == [True, True, True, False, False]
    assert facts.loc[["a", "b", "c", "d", "e"], "renewals_made"].tolist() == [0, 2, 3, 1, 4]
    assert facts.loc["d", "renewal_period_months"] == 12


def test_a_churners_last_period_and_a_survivors_are_counted_by_one_rule():
    """A renewal is made when the account still pays at the end of the renewal's day (docs/metrics.md).

    Monthly plans, all first paid on 2024-01-01 (date only), as-of 2024-06-01 (instant 06-02):
    - f ended 2024-06-01T10:23Z: renewal days before 06-01 are 02-01 .. 05-01 = 4, so churned in
      period 5 (it did not pay through 06-01). Counted by instants it was 5 made, period 6: it
      was granted the 06-01 renewal for paying 10 hours past midnight;
    - g ended 2024-05-02T00:00Z (paid through the end of 05-01): it made the 05-01 renewal:
      02-01 .. 05-01 = 4 made, churned in period 5 like f;
    - h still pays: renewal days before 06-02 are 02-01 .. 06-01 = 5, censored after 5 (S(5)):
      inside period 6, whose renewal has not come;
    - i ended 2024-03-15T08:00Z mid-period: 02-01, 03-01 made: churned in period 3.
    """
    subs = pd.DataFrame({
        "account_id": ["f", "g", "h", "i"],
        "started_at": pd.to_datetime(["2024-01-01"] * 4, utc=True),
        "ended_at": pd.to_datetime(["2024-06-01T10:23:00Z", "2024-05-02T00:00:00Z", None, "2024-03-15T08:00:00Z"], utc=True),
        "mrr": [10.0] * 4,
        "interval": ["month"] * 4,
    })
    paying = paying_subscriptions(subs)
    interval = pd.Series({"f": "month", "g": "month", "h": "month", "i": "month"})
    facts = renewal_facts(paying, interval, pd.Timestamp("2024-06-02", tz="UTC"))
    rows = facts.loc[["f", "g", "h", "i"]]
    assert rows["renewals_made"].tolist() == [4, 4, 5, 2]
    assert rows["renewal_periods"].tolist() == [5, 5, 5, 3]
    assert rows["renewal_churned"].tolist() == [True, True, False, True]


@pytest.fixture(scope="module")
def paper_cohorts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Fader & Hardie's two cohorts as annual subscriptions: churners end on a renewal date."""
    folder = tmp_path_factory.mktemp("sbg")
    accounts, subs = [], []
    for tier, counts in SURVIVORS.items():
        i = 0
        for year in range(1, 8):
            for _ in range(counts[year - 1] - counts[year]):
                accounts.append(f"{tier}{i:04d},{tier}")
                subs.append(f"{tier}{i:04d},2010-01-01,{2010 + year}-01-01,1200,year")
                i += 1
        for _ in range(counts[7]):
            accounts.append(f"{tier}{i:04d},{tier}")
            subs.append(f"{tier}{i:04d},2010-01-01,,1200,year")
            i += 1
    return [
        _write(folder / "accounts.csv", "account_id,tier", accounts),
        _write(folder / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval", subs),
    ]


def test_sbg_clv_per_segment_reproduces_the_paper(paper_cohorts):
    report = api.segment(paper_cohorts, by=["attribute"], as_of=dt.date(2017, 6, 30), clv_method="sbg",
                         overrides=["segmenters.attribute.column=tier", "metrics.clv_bootstrap=30"])
    segments = {s["segment"]: s for s in report.data["segmentations"]["attribute"]["segments"]}
    for tier, (alpha, beta, derl) in {"regular": (0.704, 1.182, 6.8423), "highend": (0.668, 3.806, 7.5296)}.items():
        seg = segments[tier]
        fit = seg["clv_fit"]["year"]
        assert seg["clv_method"] == "sbg" and fit["model"] == "sbg" and fit["converged"]
        assert fit["alpha"] == pytest.approx(alpha, rel=0.005) and fit["beta"] == pytest.approx(beta, rel=0.005)
        assert fit["expected_lifetime_periods"] is None  # alpha <= 1: infinite mean lifetime
        # survivors made 7 renewals; annual plan, so d per period = 10%: CLV = 100 x 12 x DERL
        assert seg["clv"] == pytest.approx(1200 * derl, abs=1200 * 1e-4)
        assert seg["clv_total"] == pytest.approx(seg["clv"] * SURVIVORS[tier][7], rel=1e-9)
        low, high = seg["clv_ci"]
        assert low < seg["clv"] < high
    assert report.data["parameters"]["clv_method"] == "sbg"
    assert "clv_sbg" in report.data["definitions"]


def test_sbg_without_churn_falls_back_to_simple_with_a_reason(tmp_path: Path):
    accounts = [f"a{i},2024-01-01" for i in range(10)]
    subs = [f"a{i},2024-01-01,,100,month,1,active" for i in range(10)]
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", accounts)
    s = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,quantity,status", subs)
    report = api.segment([a, s], by=["value"], clv_method="sbg", as_of=dt.date(2024, 12, 31))
    overall = report.data["overall"]
    assert overall["clv_method"] == "simple" and overall["clv"] is None
    assert overall["clv_reason"].startswith("sBG: no churn among the 10 accounts on month plans")
    assert "fell back to the simple method" in overall["clv_reason"]
    assert any(w["code"] == "clv_fallback" for w in report.data["warnings"])


# --------------------------------------------------------------------------- BG/NBD on invoices


def _cdnow_invoices(tmp_path: Path) -> list[Path]:
    raw = pd.read_csv(shared_dataset("cdnow", "CDNOW_sample.txt"), sep=r"\s+", header=None, dtype=str,
                      names=["master", "customer", "date", "cds", "amount"])
    invoices = pd.DataFrame({
        "invoice_id": [f"in{i}" for i in range(len(raw))],
        "account_id": raw["customer"],
        "amount_paid": raw["amount"],
        "paid_at": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
    })
    accounts = pd.DataFrame({"account_id": sorted(raw["customer"].unique())})
    accounts["country"] = np.where(accounts["account_id"].astype(int) % 2 == 1, "US", "DE")
    invoices.to_csv(tmp_path / "invoices.csv", index=False)
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    return [tmp_path / "accounts.csv", tmp_path / "invoices.csv"]


@pytest.mark.slow
def test_bgnbd_clv_from_cdnow_invoices(tmp_path: Path, run_cli):
    accounts, invoices = _cdnow_invoices(tmp_path)
    out = tmp_path / "out"
    result = run_cli("segment", "--accounts", accounts, "--invoices", invoices, "--by", "geographic", "--as-of", "1997-09-30",
                     "--clv-method", "bgnbd", "--set", "metrics.clv_bootstrap=40", "--out", out, "--format", "json", "--quiet")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    model = report["clv_model"]
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert model["bgnbd"]["params"][name] == pytest.approx(published, rel=0.005), name
    for name, published in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert model["gamma_gamma"]["params"][name] == pytest.approx(published, rel=0.005), name
    assert model["bgnbd"]["n"] == 2357 and model["fallback"] is None
    segments = report["segmentations"]["geographic"]["segments"]
    assert sum(s["clv_customers"] for s in segments) == 2357
    overall = report["overall"]
    assert overall["clv_method"] == "bgnbd" and 0 < overall["p_alive"] < 1
    assert overall["clv_total"] == pytest.approx(sum(s["clv_total"] for s in segments), rel=1e-6)
    for seg in segments + [overall]:
        assert seg["clv_ci"][0] < seg["clv"] < seg["clv_ci"][1]
    # invoices are the MRR source too (no subscriptions): each purchase is a month of service
    assert report["inputs"]["invoices"]["rows_read"] == 6919
    assert overall["mrr"] > 0 and report["cohorts"]["rows"]


def test_bgnbd_needs_invoices_and_unknown_methods_are_usage_errors(run_cli, tmp_path: Path):
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", ["a1,2024-01-01"])
    s = _write(tmp_path / "subscriptions.csv", "account_id,started_at,mrr", ["a1,2024-01-02,10"])
    result = run_cli("segment", a, s, "--clv-method", "bgnbd", "--format", "json")
    assert result.code == 2 and "needs an invoices table" in result.err
    result = run_cli("segment", a, s, "--clv-method", "magic", "--format", "json")
    assert result.code == 2 and "unknown CLV method 'magic'" in result.err


def test_bgnbd_without_repeat_purchases_falls_back(tmp_path: Path):
    accounts = _write(tmp_path / "accounts.csv", "account_id", [f"a{i}" for i in range(30)])
    invoices = _write(tmp_path / "invoices.csv", "invoice_id,account_id,amount_paid,paid_at",
                      [f"i{i},a{i},{10 + i},2024-0{1 + i % 6}-0{1 + i % 9}" for i in range(30)])
    report = api.segment(tables={"accounts": [accounts], "invoices": [invoices]}, by=["value"], clv_method="bgnbd",
                         as_of=dt.date(2024, 12, 31))
    overall = report.data["overall"]
    assert overall["clv_method"] == "simple"
    assert overall["clv_reason"].startswith("BG/NBD: ") and "fell back to the simple method" in overall["clv_reason"]
    assert report.data["clv_model"]["fallback"]


# --------------------------------------------------------------------------- invoices as MRR


def test_invoices_are_the_mrr_source_without_subscriptions(tmp_path: Path):
    accounts = _write(tmp_path / "accounts.csv", "account_id", ["a", "b", "c"])
    invoices = _write(tmp_path / "invoices.csv", "invoice_id,account_id,amount_paid,paid_at,period_start,period_end,status", [
        "1,a,1200,2024-01-05,2024-01-05,2025-01-05,paid",  # yearly: 100 a month through 2025-01-05
        "2,b,50,2024-11-20,,,paid",  # no period: one month from paid_at -> 50 until 2024-12-20
        "3,b,50,2024-12-20,,,paid",  # and the next month: 50 until 2025-01-20
        "4,c,80,2024-12-01,2024-12-01,2025-01-01,open",  # not paid: no revenue
    ])
    report = api.segment(tables={"accounts": [accounts], "invoices": [invoices]}, by=["value"], as_of=dt.date(2024, 12, 31),
                         min_segment_size=0)
    overall = report.data["overall"]
    days = (pd.Timestamp("2025-01-05") - pd.Timestamp("2024-01-05")).days
    assert overall["mrr"] == pytest.approx(1200 / (days / (365.25 / 12)) + 50, rel=1e-9)
    assert overall["customers"] == 2


# --------------------------------------------------------------------------- cohorts


def test_cohort_matrix_worked_example(tmp_path: Path, run_cli):
    """Three January customers at 100; one expands to 200 in March, one churns in April.

    Logo: months 0-2 3/3, month 3 on 2/3. Revenue: 300 at start; 400 from March (133.3%),
    300 from April (100%). A February customer forms its own cohort."""
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", ["a,2024-01-01", "b,2024-01-01", "c,2024-01-01", "d,2024-01-01"])
    s = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,mrr", [
        "a,2024-01-10,,100", "b,2024-01-15,2024-03-10,100", "b,2024-03-10,,200",
        "c,2024-01-20,2024-04-15,100", "d,2024-02-03,,50",
    ])
    out = tmp_path / "out"
    result = run_cli("segment", a, s, "--by", "value", "--as-of", "2024-06-30", "--out", out, "--format", "json",
                     "--quiet", "--min-segment-size", "0", "--cohorts-by-segment")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    cohorts = {r["cohort"]: r for r in report["cohorts"]["rows"]}
    jan, feb = cohorts["2024-01"], cohorts["2024-02"]
    assert (jan["customers"], jan["starting_mrr"]) == (3, 300.0)
    assert jan["logo_retention"] == pytest.approx([1, 1, 1, 2 / 3, 2 / 3, 2 / 3], abs=1e-6)
    assert jan["revenue_retention"] == pytest.approx([1, 1, 4 / 3, 1, 1, 1], abs=1e-6)
    assert jan["logo_retention_m2"] == 1.0 and jan["logo_retention_m12"] is None
    assert jan["revenue_retention_m2"] == pytest.approx(4 / 3, abs=1e-6)
    assert len(feb["logo_retention"]) == 5
    assert jan["share_of_mrr"] == pytest.approx(300 / 350, abs=1e-6)
    assert feb["share_of_mrr"] == pytest.approx(50 / 350, abs=1e-6)
    assert report["segmentations"]["value"]["cohorts"]  # per segment when asked
    csv = pd.read_csv(out / "cohorts.csv", dtype={"cohort": str})
    top = csv[csv["segmentation"] == "overall"]
    assert len(top) == 6 + 5
    assert top[top["cohort"] == "2024-01"]["revenue_retention"].round(6).tolist() == [1.0, 1.0, 1.333333, 1.0, 1.0, 1.0]
    assert "<h2>Cohort retention</h2>" in (out / "report.html").read_text()
    # NRR of the same accounts over the period carries the expansion and churn
    overall = report["overall"]
    assert overall["expansion_mrr"] == 100.0 and overall["churned_mrr"] == 100.0


def test_quarterly_and_signup_cohorts(tmp_path: Path):
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", ["a,2023-12-20", "b,2024-01-05", "c,2024-02-01"])
    s = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,mrr", ["a,2024-01-10,,100", "b,2024-05-15,,100"])
    report = api.segment([a, s], by=["value"], as_of=dt.date(2024, 12, 31), min_segment_size=0,
                         overrides=["metrics.cohort_start=\"signup\"", "metrics.cohort_period=\"quarter\""])
    rows = {r["cohort"]: r for r in report.data["cohorts"]["rows"]}
    assert set(rows) == {"2023-Q4", "2024-Q1"}
    q1 = rows["2024-Q1"]
    assert (q1["accounts"], q1["customers"]) == (2, 1)  # c never paid
    assert q1["logo_retention"] == [0.0, 1.0, 1.0, 1.0]  # b converted in Q2
    assert q1["logo_retention_m2"] is None and q1["logo_retention_m12"] is None


# --------------------------------------------------------------------------- activation and engagement


def test_activation_and_engagement(tmp_path: Path):
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", [
        "a,2024-05-01", "b,2024-05-01", "c,2024-05-01", "d,2024-06-25", "e,2024-05-01",
    ])
    s = _write(tmp_path / "subscriptions.csv", "account_id,started_at,mrr", [f"{x},2024-05-02,10" for x in "abcde"])
    events = [
        "a,u1,Report Created,2024-05-03T10:00:00Z",  # 2.4 days after signup: activated
        "a,u1,Page Viewed,2024-06-20T10:00:00Z",
        "b,u2,Page Viewed,2024-05-02T10:00:00Z",
        "b,u2,Report Created,2024-05-21T00:00:00Z",  # 20 days: too late
        "c,u3,Page Viewed,2024-06-29T10:00:00Z",  # never
        "d,u4,Report Created,2024-06-26T00:00:00Z",  # too young to be eligible (5 days before as-of)
        "e,u5,Report Created,2024-04-20T00:00:00Z",  # before signup (trial): 0 days
    ]
    ev = _write(tmp_path / "events.csv", "account_id,user_id,event,timestamp", events)
    report = api.segment(tables={"accounts": [a], "subscriptions": [s], "events": [ev]}, by=["value"], min_segment_size=0,
                         as_of=dt.date(2024, 6, 30), overrides=["metrics.activation_event=\"Report Created\""])
    overall = report.data["overall"]
    assert (overall["activation_eligible"], overall["activated"]) == (4, 2)
    assert overall["activation_rate"] == 0.5
    # days to first value: a 2.4167, b 20, d 1, e 0 -> median 1.70833
    assert overall["median_days_to_first_value"] == pytest.approx((1 + 2 + 10 / 24) / 2, rel=1e-9)
    assert 0 <= overall["engagement_score"] <= 100
    assert report.data["parameters"]["activation_event"] == "Report Created"
    assert "activation_days" in report.data["definitions"]["activation_rate"]


def test_engagement_score_scale():
    from segkit.features.value.activation import engagement_score

    frame = pd.DataFrame({
        "active_days_30": [30, 0, 15], "distinct_events": [8, 0, 4], "events_30": [1000, 0, 10], "event_count": [2000, 0, 50],
    })
    score = engagement_score(frame)
    assert score.iloc[0] == pytest.approx(100.0) and score.iloc[1] == 0.0
    assert 0 < score.iloc[2] < 100
    with pytest.raises(Exception, match="engagement_weights"):
        engagement_score(frame, [1, 2])


def test_the_samples_show_movements_activation_and_cohorts(run_cli):
    """`segkit sample` plants seat changes and an activation key event (configs/samples.toml)."""
    from tests.conftest import SAMPLES_CONFIG

    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "firmographic", "--format", "json", "--quiet")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    overall = report["overall"]
    assert overall["expansion_mrr"] > 0 and overall["contraction_mrr"] > 0
    assert overall["ending_mrr"] == pytest.approx(
        overall["starting_mrr"] + overall["new_mrr"] + overall["expansion_mrr"] + overall["reactivation_mrr"]
        - overall["contraction_mrr"] - overall["churned_mrr"], rel=1e-9)
    segments = {s["segment"]: s for s in report["segmentations"]["firmographic"]["segments"]}
    assert segments["Enterprise"]["activation_rate"] > segments["SMB"]["activation_rate"] > 0
    assert 0 < overall["median_days_to_first_value"] < 14
    assert report["cohorts"]["rows"] and sum(r["share_of_mrr"] for r in report["cohorts"]["rows"]) == pytest.approx(1.0, abs=1e-5)
    assert overall["clv_ci"][0] < overall["clv"] < overall["clv_ci"][1]


def test_bgnbd_on_events_gives_p_alive_and_simple_clv(run_cli):
    from tests.conftest import SAMPLES_CONFIG

    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "firmographic", "--clv-method", "bgnbd",
                     "--set", "metrics.clv_transactions=\"events\"", "--set", "metrics.clv_bootstrap=0", "--format", "json", "--quiet")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["clv_model"]["transactions"] == "events" and report["clv_model"]["bgnbd"]["converged"]
    overall = report["overall"]
    assert 0 < overall["p_alive"] <= 1 and overall["expected_transactions"] > 0
    assert overall["clv_method"] == "simple" and overall["clv"] is not None
    assert "events carry no amounts" in overall["clv_reason"]
