"""The worked examples of REFERENCE-FIGURES.md section (c) that the foundation's metrics cover.

Each is run through the whole pipeline on small files, so the example checks the loader, the
billing facts and the metric together; tolerance: exact to the cent (1e-9 relative)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit import api
from segkit.features.billing.subscriptions import subscription_mrr
from segkit.metrics import MetricOptions
from segkit.metrics.clv import simple_clv


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _overall(tmp_path: Path, accounts: list[str], subs: list[str], **options) -> dict:
    a = _write(tmp_path / "accounts.csv", "account_id,created_at", accounts)
    s = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,quantity,status", subs)
    report = api.segment([a, s], by=["value"], min_segment_size=0, **options)
    return report.data["overall"]


def test_mrr_and_churn_100_customers_at_10_5_churn(tmp_path: Path):
    """100 customers at $10/month, 5 churn -> MRR $950 and 5% churn (revenue churn $50)."""
    accounts = [f"c{i},2023-01-01" for i in range(100)]
    subs = [f"c{i},2023-06-01,{'2024-03-15' if i < 5 else ''},10,month,1,{'canceled' if i < 5 else 'active'}" for i in range(100)]
    overall = _overall(tmp_path, accounts, subs, as_of=pd.Timestamp("2024-12-31").date())
    assert overall["mrr"] == pytest.approx(950.0, rel=1e-9)
    assert overall["customers_at_start"] == 100
    assert overall["churned_customers"] == 5
    assert overall["churn_rate"] == pytest.approx(0.05, rel=1e-9)


def test_annual_plan_4_seats_billed_2000_is_166_67_mrr(tmp_path: Path):
    frame = pd.DataFrame({"amount": [500.0], "interval": ["year"], "quantity": [4]})
    assert subscription_mrr(frame).iloc[0] == pytest.approx(2000 / 12, rel=1e-12)
    overall = _overall(tmp_path, ["gold,2024-01-01"], ["gold,2024-02-01,,500,year,4,active"], as_of=pd.Timestamp("2024-12-31").date())
    assert round(overall["mrr"], 2) == 166.67


def _clv_of(arpa: float, monthly_churn: float, margin: float = 1.0) -> float:
    values = {"customers": 100, "customer_months": 1000.0, "monthly_churn_rate": monthly_churn, "arpa": arpa}
    return simple_clv(values, MetricOptions(gross_margin=margin))["clv"]


def test_ltv_as_arpa_over_churn_100_at_5_percent_is_2000():
    assert _clv_of(100.0, 0.05) == pytest.approx(2000.0, rel=1e-12)


def test_simple_lifetime_value_3_years_at_500_a_year_is_1500():
    assert _clv_of(500 / 12, 1 / 36) == pytest.approx(1500.0, rel=1e-12)


def test_clv_is_null_with_a_reason_without_churn():
    values = {"customers": 100, "customer_months": 1000.0, "monthly_churn_rate": 0.0, "arpa": 50.0}
    out = simple_clv(values, MetricOptions())
    assert out["clv"] is None and "no churn" in out["clv_reason"]


def test_simple_clv_end_to_end_matches_the_formula(tmp_path: Path):
    """One churn event in 20 customer-months at ARPA 10 and margin 0.8 -> 10 x 0.8 x 20 = 160."""
    accounts = ["a,2020-01-01", "b,2020-01-01"]
    subs = ["a,2024-01-01,,10,month,1,active", "b,2024-01-01,2024-09-01,10,month,1,canceled"]
    overall = _overall(tmp_path, accounts, subs, as_of=pd.Timestamp("2024-12-31").date(), gross_margin=0.8)
    months = (366 + 244) / (365.25 / 12)  # a: all of 2024; b: 2024-01-01 .. 2024-09-01
    assert overall["monthly_churn_rate"] == pytest.approx(1 / months, rel=1e-9)
    assert overall["clv"] == pytest.approx(10 * 0.8 * months, rel=1e-9)


def test_nps_30_percent_promoters_20_percent_detractors_is_plus_10(tmp_path: Path):
    scores = [9, 10, 9, 7, 8, 7, 8, 8, 6, 0]  # 3 promoters, 5 passives, 2 detractors (6 is a detractor)
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2024-01-01" for i in range(10)])
    surveys = _write(
        tmp_path / "surveys.csv", "account_id,user_id,responded_at,score",
        [f"a{i},u{i},2024-06-01,{s}" for i, s in enumerate(scores)] + ["a0,u99,2024-06-02,11", "a1,u98,2024-06-02,7.5"],
    )
    report = api.segment([accounts, surveys], by=["attribute"], overrides=["segmenters.attribute.column=created_at"], min_segment_size=0)
    overall = report.data["overall"]
    assert overall["nps"] == pytest.approx(10.0, rel=1e-12)
    assert overall["nps_responses"] == 10  # 11 (outside 0..10) and 7.5 (not a whole number) are refused
    surveys_stats = report.data["inputs"]["surveys"]
    assert surveys_stats["cells_rejected"] == 2
    reasons = set(report.rejected["reason"])
    assert "NPS score outside 0..10; cell set to null, row kept" in reasons
    assert "not a whole number; cell set to null, row kept" in reasons


def _versions(tmp_path: Path, rows: list[str]) -> dict:
    """Subscriptions as versions (one row per price period) for account-level movements."""
    accounts = sorted({r.split(",")[0] for r in rows})
    return _overall(tmp_path, [f"{a},2020-01-01" for a in accounts], rows, as_of=pd.Timestamp("2024-12-31").date())


def test_nrr_110_and_grr_90(tmp_path: Path):
    """Starting MRR $1,000, churn $100, expansion $200 -> NRR 110%, GRR 90%."""
    rows = [
        "a,2023-01-01,,500,month,1,active",  # steady
        "b,2023-01-01,2024-04-01,100,month,1,canceled",  # churns $100
        "c,2023-01-01,2024-06-01,400,month,1,canceled",  # expands $400 -> $600
        "c,2024-06-01,,600,month,1,active",
    ]
    overall = _versions(tmp_path, rows)
    assert overall["starting_mrr"] == pytest.approx(1000.0)
    assert (overall["churned_mrr"], overall["expansion_mrr"]) == (pytest.approx(100.0), pytest.approx(200.0))
    assert overall["nrr"] == pytest.approx(1.10, rel=1e-12)
    assert overall["grr"] == pytest.approx(0.90, rel=1e-12)


def test_gross_and_net_mrr_churn_chartmogul_standard(tmp_path: Path):
    """Start MRR $100, churn $10, contraction $10, expansion $10 -> gross 20%, net 10%."""
    rows = [
        "a,2023-01-01,2024-03-01,10,month,1,canceled",  # churn 10
        "b,2023-01-01,2024-05-01,30,month,1,canceled",  # contraction 30 -> 20
        "b,2024-05-01,,20,month,1,active",
        "c,2023-01-01,2024-07-01,30,month,1,canceled",  # expansion 30 -> 40
        "c,2024-07-01,,40,month,1,active",
        "d,2023-01-01,,30,month,1,active",
    ]
    overall = _versions(tmp_path, rows)
    assert overall["starting_mrr"] == pytest.approx(100.0)
    assert overall["gross_mrr_churn_rate"] == pytest.approx(0.20, rel=1e-12)
    assert overall["net_mrr_churn_rate"] == pytest.approx(0.10, rel=1e-12)
    moves = overall["starting_mrr"] + overall["new_mrr"] + overall["expansion_mrr"] + overall["reactivation_mrr"]
    assert overall["ending_mrr"] == pytest.approx(moves - overall["contraction_mrr"] - overall["churned_mrr"])


def test_customer_retention_rate_100_lose_5_gain_10_is_95_percent(tmp_path: Path):
    rows = [f"s{i},2023-01-01,{'2024-05-01' if i < 5 else ''},10,month,1,active" for i in range(100)]
    rows += [f"n{i},2024-03-01,,10,month,1,active" for i in range(10)]
    overall = _versions(tmp_path, rows)
    assert (overall["customers_at_start"], overall["customers"]) == (100, 105)
    assert overall["customer_retention_rate"] == pytest.approx(0.95, rel=1e-12)


def test_revenue_churn_of_5_customers_at_10_is_50(tmp_path: Path):
    rows = [f"c{i},2023-06-01,{'2024-03-15' if i < 5 else ''},10,month,1,active" for i in range(100)]
    overall = _versions(tmp_path, rows)
    assert overall["churned_mrr"] == pytest.approx(50.0)
    assert overall["gross_mrr_churn_rate"] == pytest.approx(0.05, rel=1e-12)


def test_reactivation_is_not_new_business(tmp_path: Path):
    rows = ["a,2023-01-01,2024-02-01,50,month,1,canceled", "a,2024-06-01,,70,month,1,active", "b,2024-03-01,,20,month,1,active"]
    overall = _versions(tmp_path, rows)
    assert (overall["churned_mrr"], overall["reactivation_mrr"], overall["new_mrr"]) == (pytest.approx(50.0), pytest.approx(70.0), pytest.approx(20.0))
    assert overall["churned_customers"] == 0  # churned and reactivated within the period (ChartMogul standard)
