"""The effects planted in ``segkit sample`` data show up as significant lifts in the right segments.

The generator (``segkit.sample.generator``) plants: churn falls with company size (monthly
hazard 4.5% SMB, 2% Mid-Market, 0.8% Enterprise), Computer Software converts more (80% against
45%), promoters churn less than detractors (hazard x0.6 against x1.6). 2,000 accounts (seed 7,
the CLI default) give the tests enough customers for the exact tests; judged on BH q-values.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit import api
from segkit.sample.generator import write_sample

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("sample2000")
    write_sample(out, accounts=2000, seed=7)
    config = (ROOT / "configs" / "samples.toml").read_text(encoding="utf-8").replace("../data/samples/", f"{out.as_posix()}/")
    path = out / "segkit.toml"
    path.write_text(config, encoding="utf-8")
    # The generator plants the NPS effect on each respondent's class and dates every answer 30-300
    # days after the first payment and before any churn, so most answers fall inside the period:
    # read at the period start (the default) too few accounts have answered to test the effect,
    # so the planted-effect test reads the answers up to as-of (none is after its account churned).
    result = api.segment(config=path, by=["firmographic", "attribute", "nps"],
                         overrides=["segmenters.attribute.column=industry", "segmenters.nps.at=as_of"])
    return result.data["segmentations"]


def _tests(report: dict, segmentation: str, outcome: str) -> dict[str, dict]:
    return {r["segment"]: r for r in report[segmentation]["quality"]["tests"][outcome]["segments"]}


def test_small_companies_churn_more_and_enterprises_less(report: dict) -> None:
    churn = _tests(report, "firmographic", "churn")
    assert churn["SMB"]["lift"] > 1.3 and churn["SMB"]["significant"]
    assert churn["Enterprise"]["lift"] < 0.6 and churn["Enterprise"]["significant"]
    assert churn["SMB"]["rate"] > churn["Mid-Market"]["rate"] > churn["Enterprise"]["rate"]
    independence = report["firmographic"]["quality"]["tests"]["churn"]["independence"]
    assert independence["p_value"] < 0.001


def test_computer_software_converts_more(report: dict) -> None:
    conversion = _tests(report, "attribute", "conversion")
    software = conversion["Computer Software"]
    assert software["lift"] > 1.25 and software["significant"] and software["q_value"] < 0.001
    others = [r for name, r in conversion.items() if name != "Computer Software" and not r["suppressed"]]
    assert all(r["lift"] < 1 for r in others)


def test_promoters_churn_less_than_detractors(report: dict) -> None:
    churn = _tests(report, "nps", "churn")
    assert churn["Promoter"]["lift"] < 1 < churn["Detractor"]["lift"]
    assert churn["Detractor"]["lift"] > 1.3 and churn["Detractor"]["significant"]
    assert churn["Promoter"]["significant"] and churn["Promoter"]["direction"] == "lower"
    assert report["nps"]["quality"]["tests"]["churn"]["independence"]["p_value"] < 0.01
