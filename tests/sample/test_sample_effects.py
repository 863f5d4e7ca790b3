"""segkit recovers the effects `segkit sample` plants (see segkit/sample/generator.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy.stats import fisher_exact

from segkit import api
from segkit.config import parse_config
from segkit.sample.generator import write_sample


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, accounts=2000, seed=11)
    config = parse_config(
        {
            "inputs": {
                "accounts": {"columns": {"account_id": "Record ID", "industry": "Industry", "employees": "Number of Employees", "created_at": "Create Date", "country": "Country/Region"}},
                "subscriptions": {"columns": {"account_id": "account_id (metadata)", "status": "Status", "started_at": "Start (UTC)", "ended_at": "Ended At (UTC)", "trial_end": "Trial End (UTC)", "amount": "Amount", "interval": "Interval", "quantity": "Quantity"}},
            }
        },
        folder / "segkit.toml",
    )
    files = [folder / "companies.csv", folder / "subscriptions.csv"]
    by_industry = api.segment(files, config=config, by=["attribute"], overrides=["segmenters.attribute.column=industry"])
    by_interval = api.segment(files, config=config, by=["attribute"], overrides=["segmenters.attribute.column=billing_interval"])
    by_size = api.segment(files, config=config, by=["firmographic"])
    return {
        "industry": _segments(by_industry, "attribute"),
        "interval": _segments(by_interval, "attribute"),
        "size": _segments(by_size, "firmographic"),
    }


def _segments(report, name: str) -> dict[str, dict]:
    return {s["segment"]: s for s in report.data["segmentations"][name]["segments"]}


def _p_greater(a_hits: int, a_n: int, b_hits: int, b_n: int) -> float:
    return fisher_exact([[a_hits, a_n - a_hits], [b_hits, b_n - b_hits]], alternative="greater").pvalue


@pytest.mark.slow
def test_churn_falls_with_company_size(report):
    size = report["size"]
    rates = [size[s]["churn_rate"] for s in ("SMB", "Mid-Market", "Enterprise")]
    assert rates[0] > rates[1] > rates[2], rates
    smb, ent = size["SMB"], size["Enterprise"]
    assert _p_greater(smb["churned_customers"], smb["customers_at_start"], ent["churned_customers"], ent["customers_at_start"]) < 0.01


@pytest.mark.slow
def test_annual_plans_churn_less(report):
    month, year = report["interval"]["month"], report["interval"]["year"]
    assert month["churn_rate"] > year["churn_rate"]
    assert _p_greater(month["churned_customers"], month["customers_at_start"], year["churned_customers"], year["customers_at_start"]) < 0.01


@pytest.mark.slow
def test_software_companies_convert_more(report):
    industries = report["industry"]
    software = industries.pop("Computer Software")
    others_hits = sum(s["converted"] for s in industries.values())
    others_n = sum(s["conversion_eligible"] for s in industries.values())
    assert software["conversion_rate"] > others_hits / others_n + 0.2
    assert _p_greater(software["converted"], software["conversion_eligible"], others_hits, others_n) < 1e-6
