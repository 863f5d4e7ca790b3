"""The ideal customer profile from data: over-indexing attribute values among top-value retained accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from segkit import api
from segkit.cli import main
from segkit.metrics.icp import ideal_customer_profile

ROOT = Path(__file__).resolve().parents[2]
AS_OF = pd.Timestamp("2025-12-31", tz="UTC")


def test_icp_lift_and_counts_on_a_hand_made_frame() -> None:
    n = 40
    software = [True] * 10 + [False] * 30
    frame = pd.DataFrame(
        {
            "industry": pd.array(["Software" if s else "Retail" for s in software], dtype="string"),
            "mrr": [1000.0] * 8 + [10.0] * 2 + [10.0] * 30,
            "is_customer": [True] * n,
            "first_paid_at": pd.Series([AS_OF - pd.Timedelta(days=400)] * n).astype("datetime64[us, UTC]").to_numpy(),
        },
        index=pd.Index([f"a{i}" for i in range(n)], dtype="string", name="account_id"),
    )
    frame.attrs["as_of"] = AS_OF
    result = ideal_customer_profile(frame, top_share=0.2, min_tenure_months=6)
    assert result["icp_accounts"] == 8 and result["retained_customers"] == 40
    top = result["over_indexed"][0]
    assert (top["attribute"], top["value"], top["icp_accounts"], top["all_accounts"]) == ("industry", "Software", 8, 10)
    assert top["lift"] == pytest.approx(1.0 / 0.25)
    assert top["significant"]


def test_icp_command_on_the_sample() -> None:
    result = api.icp(config=ROOT / "configs" / "samples.toml")
    values = {(r["attribute"], r["value"]): r for r in result["over_indexed"]}
    assert values[("size band", "Enterprise")]["lift"] > 3 and values[("size band", "Enterprise")]["significant"]
    assert all(r["lift"] > 1 for r in result["over_indexed"])


def test_icp_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["icp", "--config", str(ROOT / "configs" / "samples.toml"), "--format", "json", "--top-share", "0.5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "top 50%" in data["definition"] and data["over_indexed"]
    assert main(["icp", "--config", str(ROOT / "configs" / "samples.toml"), "--top-share", "1.5", "--format", "json"]) == 2


def test_icp_cli_html_is_a_self_contained_lift_chart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["icp", "--config", str(ROOT / "configs" / "samples.toml"), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!doctype html>") and "<h1>Ideal customer profile as of 2025-12-31</h1>" in page
    assert "data-chart='icp:lift'" in page and "<td>size band</td><td>Enterprise</td>" in page
    assert "<script src" not in page
    assert main(["icp", "--config", str(ROOT / "configs" / "samples.toml"), "--format", "csv"]) == 2
    assert capsys.readouterr().err.strip() == "segkit: error: icp prints --format table, json or html; got 'csv'"
