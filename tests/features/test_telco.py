"""A flat customer table runs end to end through configs/telco.toml (issue #3, part 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from segkit.cli import main

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO.parent / "shared" / "datasets"
TELCO = DATASETS / "telco" / "Telco-Customer-Churn.csv"
CONFIG = REPO / "configs" / "telco.toml"

pytestmark = pytest.mark.skipif(not TELCO.exists(), reason=f"Telco dataset not found at {TELCO} (../shared/datasets beside the repo)")


def _segment(capsys, *extra: str) -> dict:
    code = main(["segment", "--config", str(CONFIG), "--by", "attribute", "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out)


def test_churn_rate_by_contract_matches_pandas(capsys) -> None:
    report = _segment(capsys)
    frame = pd.read_csv(TELCO)
    churned = frame["Churn"].eq("Yes")
    expected = churned.groupby(frame["Contract"]).mean()
    got = {s["segment"]: s for s in report["segmentations"]["attribute"]["segments"]}
    assert set(got) == set(expected.index)
    for contract, rate in expected.items():
        assert got[contract]["accounts"] == int((frame["Contract"] == contract).sum())
        assert got[contract]["churn_rate"] == pytest.approx(rate, abs=1e-6)
        mrr = frame.loc[(frame["Contract"] == contract) & ~churned, "MonthlyCharges"].sum()
        assert got[contract]["mrr"] == pytest.approx(mrr, abs=0.01)
    assert report["overall"]["churn_rate"] == pytest.approx(churned.mean(), abs=1e-6)
    inputs = report["inputs"]["accounts"]
    assert inputs["rows_read"] == inputs["rows_used"] + inputs["rows_rejected"] == len(frame) == 7043


def test_any_column_can_be_the_segment(capsys) -> None:
    report = _segment(capsys, "--set", "segmenters.attribute.column=InternetService")
    frame = pd.read_csv(TELCO)
    expected = frame["Churn"].eq("Yes").groupby(frame["InternetService"]).mean()
    got = {s["segment"]: s["churn_rate"] for s in report["segmentations"]["attribute"]["segments"]}
    assert got == pytest.approx(expected.to_dict(), abs=1e-6)
